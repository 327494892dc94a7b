"""The calls a psychologist owes men after an unexcused absence: her list of those due and overdue, and the outcome."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, unit_of_work
from qadam_contracts.roles import Role

from .. import commands, queries
from ..schemas import CallList, CallOut, CallOutcomeIn, CallPage
from ..scoping import READERS

blp = Blueprint("calls", __name__, description="Calls after an unexcused absence")


@blp.route("/calls")
class Calls(MethodView):
    @allow(*READERS)
    @blp.arguments(CallList, location="query")
    @blp.response(200, CallPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The calls after unexcused absences in the caller's groups or area: `due` (in time), `overdue`, `done`;
        without `status`, due and overdue together, the most urgent first."""
        with read_session() as s:
            return queries.visible_calls(s, reader=current_principal(), state=args["status"], now=datetime.now(UTC),
                                         page=args)


@blp.route("/calls/<uuid:call_id>/outcome")
class CallOutcome(MethodView):
    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(CallOutcomeIn)
    @blp.response(200, CallOut)
    def post(self, data: dict[str, Any], call_id: uuid.UUID) -> queries.CallView:
        """Record the call after his absence: its outcome (never what was said), and when; the call is done and
        `sessions.call.recorded` published. Send an `Idempotency-Key` to retry safely."""
        now = datetime.now(UTC)
        with unit_of_work() as s:
            call = commands.record_call_outcome(s, call_id=call_id, outcome=data["outcome"],
                                                called_at=data["called_at"], called_by=current_principal(), now=now)
            return queries.CallView.of(call, now)
