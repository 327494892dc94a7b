"""Flags: the ones the caller may see, acknowledged by a person they reached, resolved with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, settings_of_app, unit_of_work
from qadam_contracts.roles import Role

from .. import commands, queries
from ..access import READERS
from ..domain.flag_life import ACKNOWLEDGERS, RESOLVERS
from ..models import Flag
from ..schemas import FlagFilter, FlagOut, FlagPage, Resolution, ResolveIn

blp = Blueprint("flags", __name__, description="Recurrence-risk flags (decision support, not a prediction)")


@blp.route("/flags")
class Flags(MethodView):
    @allow(*READERS)
    @blp.arguments(FlagFilter, location="query")
    @blp.response(200, FlagPage)
    def get(self, args: queries.FlagQuery) -> queries.Page[Any]:
        """Flags the caller may see, newest first; filter by enrolment, level, status or rule."""
        with read_session() as s:
            return queries.flags_page(s, principal=current_principal(), filters=args, zone=settings_of_app().zone)


@blp.route("/flags/<uuid:flag_id>")
class FlagById(MethodView):
    @allow(*READERS)
    @blp.response(200, FlagOut)
    def get(self, flag_id: uuid.UUID) -> Any:
        """One flag with its reasons and the facts that fired it (her support worker: its level, kind of concern,
        dates and state)."""
        with read_session() as s:
            return queries.flag_as_read(s, principal=current_principal(), flag_id=flag_id,
                                        zone=settings_of_app().zone)


@blp.route("/flags/<uuid:flag_id>/acknowledge")
class Acknowledge(MethodView):
    @allow(*map(Role, ACKNOWLEDGERS))
    @blp.response(200, FlagOut)
    def post(self, flag_id: uuid.UUID) -> Flag:
        """I have seen it and I am acting on it. The flag keeps the first acknowledgement; each other person who
        answers for the case acknowledges it too, and notify hears of each (an inspector's stops the escalation that
        a psychologist's leaves running). Acknowledging again changes nothing. A resolved flag needs none."""
        with unit_of_work() as s:
            return commands.acknowledge_flag(s, principal=current_principal(), flag_id=flag_id, now=datetime.now(UTC))


@blp.route("/flags/<uuid:flag_id>/resolve")
class Resolve(MethodView):
    @allow(*map(Role, RESOLVERS))
    @blp.arguments(ResolveIn)
    @blp.response(200, FlagOut)
    def post(self, data: Resolution, flag_id: uuid.UUID) -> Flag:
        """No more action is needed, and why. The enrolment's level is the highest of the flags left unresolved, so
        it may fall (`risk.level.changed`). The same facts never raise the rule again."""
        with unit_of_work() as s:
            return commands.resolve_flag(s, principal=current_principal(), flag_id=flag_id, reason=data["reason"],
                                         now=datetime.now(UTC))
