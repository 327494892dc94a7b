"""Flags: the ones the caller may see, acknowledged by a person they reached, resolved with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Principal, Role, allow, current_principal
from qadam.errors import conflict, not_found
from qadam.log import get_logger
from qadam.web import paginate, read_session, settings_of_app, unit_of_work
from qadam_contracts.risk import FlagAcknowledged, FlagResolved
from sqlalchemy.orm import Session

from ..evaluation import acknowledged_by, handled, lock_enrolments, relevel
from ..models import Flag
from ..schemas import FlagFilter, FlagOut, FlagPage, ResolveIn
from .access import READERS, flags_as_read, visible

blp = Blueprint("flags", __name__, description="Recurrence-risk flags (decision support, not a prediction)")
log = get_logger(__name__)
# the people an alert reaches who answer for the case (her support worker reads his flags but acts through her own
# channels; her name on a flag would reach perpetrator-facing staff)
ACKNOWLEDGERS = RESOLVERS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.ADMINISTRATOR)


def visible_flags(principal: Principal) -> sa.Select[Any]:
    return sa.select(Flag).where(visible(principal, Flag.enrolment_id, Flag.region, Flag.district))


@blp.route("/flags")
class Flags(MethodView):
    @allow(*READERS)
    @blp.arguments(FlagFilter, location="query")
    @blp.response(200, FlagPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Flags the caller may see, newest first; filter by enrolment, level, status or rule."""
        query = visible_flags(current_principal()).order_by(Flag.raised_at.desc(), Flag.id)
        for name in ("enrolment_id", "level", "status", "rule_id"):
            if args[name] is not None:
                query = query.where(getattr(Flag, name) == args[name])
        principal = current_principal()
        with read_session() as s:
            page = paginate(s, query, args)
            page["items"] = flags_as_read(s, principal, page["items"], settings_of_app().zone)
            return page


@blp.route("/flags/<uuid:flag_id>")
class FlagById(MethodView):
    @allow(*READERS)
    @blp.response(200, FlagOut)
    def get(self, flag_id: uuid.UUID) -> Any:
        """One flag with its reasons and the facts that fired it (her support worker: its level, kind of concern,
        dates and state)."""
        principal = current_principal()
        with read_session() as s:
            [flag] = flags_as_read(s, principal, [_flag(s, principal, flag_id)], settings_of_app().zone)
            return flag


def _flag(s: Session, principal: Principal, flag_id: uuid.UUID, *, lock: bool = False) -> Flag:
    query = visible_flags(principal).where(Flag.id == flag_id)
    if lock:  # and read it afresh: another transaction may have just acknowledged or resolved it
        query = query.with_for_update(of=Flag).execution_options(populate_existing=True)
    flag = s.execute(query).scalar()
    if flag is None:
        raise not_found("flag", flag_id)
    return flag


@blp.route("/flags/<uuid:flag_id>/acknowledge")
class Acknowledge(MethodView):
    @allow(*ACKNOWLEDGERS)
    @blp.response(200, FlagOut)
    def post(self, flag_id: uuid.UUID) -> Flag:
        """I have seen it and I am acting on it. The flag keeps the first acknowledgement; each other person who
        answers for the case acknowledges it too, and notify hears of each (an inspector's stops the escalation that
        a psychologist's leaves running). Acknowledging again changes nothing. A resolved flag needs none."""
        principal = current_principal()
        with unit_of_work() as s:
            flag = _flag(s, principal, flag_id, lock=True)
            if flag.status == "resolved":
                raise conflict("The flag is resolved already; it needs no acknowledgement.")
            now = datetime.now(UTC)
            added = acknowledged_by(s, flag.id, principal.user_id, now, via="risk")
            s.refresh(flag)
            if added:
                handled(s, FlagAcknowledged, flag, principal.user_id, now)
                log.info("flag_acknowledged", flag_id=str(flag.id), flag_level=flag.level)
            return flag


@blp.route("/flags/<uuid:flag_id>/resolve")
class Resolve(MethodView):
    @allow(*RESOLVERS)
    @blp.arguments(ResolveIn)
    @blp.response(200, FlagOut)
    def post(self, data: dict[str, Any], flag_id: uuid.UUID) -> Flag:
        """No more action is needed, and why. The enrolment's level is the highest of the flags left unresolved, so
        it may fall (`risk.level.changed`). The same facts never raise the rule again."""
        principal = current_principal()
        with unit_of_work() as s:
            enrolment_id = _flag(s, principal, flag_id).enrolment_id
            lock_enrolments(s, [enrolment_id])  # before the row: the same order as an evaluation takes them
            flag = _flag(s, principal, flag_id, lock=True)
            if flag.status == "resolved":
                raise conflict(f"The flag was resolved already by {flag.resolved_by}: {flag.resolution}")
            flag.status, flag.resolved_by, flag.resolved_at = "resolved", principal.user_id, datetime.now(UTC)
            flag.resolution = data["reason"]
            s.flush()
            handled(s, FlagResolved, flag, principal.user_id, flag.resolved_at)
            relevel(s, flag.enrolment_id, cause=f"flag {flag.rule_id} resolved")
            log.info("flag_resolved", flag_id=str(flag.id), flag_level=flag.level)
            return flag
