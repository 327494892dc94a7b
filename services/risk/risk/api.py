"""Risk's HTTP routes: the flags raised, each with the facts that fired it."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Principal, Role, allow, current_principal
from qadam.errors import not_found
from qadam.web import paginate, read_session

from .models import EnrolmentView, Flag
from .schemas import FlagFilter, FlagOut, FlagPage

blp = Blueprint("risk", __name__, description="Recurrence-risk flags (decision support, not a prediction)")

READERS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)


def visible_flags(principal: Principal) -> sa.Select[Any]:
    query = sa.select(Flag)
    if principal.role == Role.ADMINISTRATOR:
        return query
    if principal.role in (Role.PSYCHOLOGIST, Role.INSPECTOR):
        mine = sa.select(EnrolmentView.enrolment_id).where(sa.or_(
            EnrolmentView.psychologist_id == principal.user_id, EnrolmentView.inspector_id == principal.user_id))
        if principal.role == Role.PSYCHOLOGIST:
            return query.where(Flag.enrolment_id.in_(mine))
        area = (sa.and_(Flag.region == principal.region, Flag.district == principal.district)
                if principal.region and principal.district else sa.false())
        return query.where(sa.or_(Flag.enrolment_id.in_(mine), area))
    # a regional role: its region, and nothing at all for a token without one
    return query.where(Flag.region == principal.region) if principal.region else query.where(sa.false())


@blp.route("/flags")
class Flags(MethodView):
    @allow(*READERS)
    @blp.arguments(FlagFilter, location="query")
    @blp.response(200, FlagPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Flags the caller may see, newest first; filter by enrolment, level or status."""
        query = visible_flags(current_principal()).order_by(Flag.raised_at.desc())
        for name in ("enrolment_id", "level", "status"):
            if args[name] is not None:
                query = query.where(getattr(Flag, name) == args[name])
        with read_session() as s:
            return paginate(s, query, args)


@blp.route("/flags/<uuid:flag_id>")
class FlagById(MethodView):
    @allow(*READERS)
    @blp.response(200, FlagOut)
    def get(self, flag_id: uuid.UUID) -> Flag:
        """One flag with its reasons and evidence."""
        with read_session() as s:
            flag = s.execute(visible_flags(current_principal()).where(Flag.id == flag_id)).scalar()
            if flag is None:
                raise not_found("flag", flag_id)
            return flag
