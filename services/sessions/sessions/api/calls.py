"""The calls a psychologist owes men after an unexcused absence: her list of those due and overdue, and the outcome."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Principal, Role, allow, area_filter, assignment_filter, current_principal
from qadam.errors import conflict, not_found, unprocessable
from qadam.web import paginate, read_session, unit_of_work

from ..calls import call_out, record_outcome
from ..domain import CallStatus, called_at_error, outcome_refusal
from ..models import AbsenceCall, CohortView, RosterEntry
from ..schemas import CallList, CallOut, CallOutcomeIn, CallPage
from .scoping import READERS, cohort_of

blp = Blueprint("calls", __name__, description="Calls after an unexcused absence")


def _visible(principal: Principal) -> Any:
    """A SQL condition: the calls of the cohorts the caller may see (a psychologist's own groups; an area's for its
    staff; an inspector's assigned men wherever they meet, as for their attendance)."""
    if principal.role == Role.PSYCHOLOGIST:
        return sa.and_(CohortView.facilitator_ids.contains([principal.user_id]), sa.literal(principal.has_area))
    if principal.role == Role.ADMINISTRATOR:
        return sa.true()
    area = area_filter(principal, CohortView.region, CohortView.district)
    if principal.role == Role.INSPECTOR:
        return sa.or_(area, AbsenceCall.enrolment_id.in_(
            sa.select(RosterEntry.enrolment_id).where(assignment_filter(principal, RosterEntry.inspector_id))))
    return area


@blp.route("/calls")
class Calls(MethodView):
    @allow(*READERS)
    @blp.arguments(CallList, location="query")
    @blp.response(200, CallPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The calls after unexcused absences in the caller's groups or area: `due` (in time), `overdue`, `done`;
        without `status`, due and overdue together, the most urgent first."""
        now = datetime.now(UTC)
        query = (sa.select(AbsenceCall).join(CohortView, CohortView.cohort_id == AbsenceCall.cohort_id)
                 .where(_visible(current_principal())))
        status = args["status"]
        if status == "done":
            query = query.where(AbsenceCall.status == CallStatus.DONE.value).order_by(AbsenceCall.called_at.desc())
        else:
            query = query.where(AbsenceCall.status == CallStatus.OPEN.value).order_by(AbsenceCall.due_at)
            if status == "due":
                query = query.where(AbsenceCall.due_at >= now)
            elif status == "overdue":
                query = query.where(AbsenceCall.due_at < now)
        with read_session() as s:
            return paginate(s, query.order_by(AbsenceCall.id), args, row=lambda r: call_out(r[0], now))


@blp.route("/calls/<uuid:call_id>/outcome")
class CallOutcome(MethodView):
    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(CallOutcomeIn)
    @blp.response(200, CallOut)
    def post(self, data: dict[str, Any], call_id: uuid.UUID) -> dict[str, Any]:
        """Record the call after his absence: its outcome (never what was said), and when; the call is done and
        `sessions.call.recorded` published. Send an `Idempotency-Key` to retry safely."""
        principal, now = current_principal(), datetime.now(UTC)
        with unit_of_work() as s:
            call = s.get(AbsenceCall, call_id, with_for_update=True)
            if call is None:
                raise not_found("call", call_id)
            cohort_of(s, principal, call.cohort_id, facilitating=True, asked=("call", call_id))
            refusal = outcome_refusal(call.status)
            if refusal:
                raise conflict(refusal)
            called_at = data["called_at"] or now
            error = called_at_error(called_at, call.session_at, now)
            if error:
                raise unprocessable("The call cannot be recorded as given: see `errors`.", {"called_at": [error]})
            record_outcome(s, call=call, outcome=data["outcome"], called_at=called_at, called_by=principal.user_id,
                           now=now)
            return call_out(call, now)
