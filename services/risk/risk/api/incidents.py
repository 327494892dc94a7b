"""Incidents reported by inspectors and by the victim's support worker; each is evaluated at once, so a breach
raises its critical flag in the same transaction that records it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.pages import PageArgs
from qadam.web import read_session, settings_of_app, unit_of_work
from qadam_contracts.roles import Role

from .. import commands, queries
from ..access import READERS
from ..schemas import IncidentIn, IncidentOut, IncidentPage
from ..settings import RiskSettings

blp = Blueprint("incidents", __name__, description="Incidents: breaches, complaints, call-outs, her fear")
REPORTERS = (Role.INSPECTOR, Role.SUPERVISOR, Role.SUPPORT_WORKER, Role.ADMINISTRATOR)


@blp.route("/enrolments/<uuid:enrolment_id>/incidents")
class Incidents(MethodView):
    @allow(*REPORTERS)
    @blp.arguments(IncidentIn)
    @blp.response(201, IncidentOut)
    def post(self, report: commands.IncidentReport, enrolment_id: uuid.UUID) -> dict[str, Any]:
        """Report an incident. It is evaluated at once, whatever his status: the flags it raises come back with it
        (and go to notify). The details are sealed and not repeated in the answer."""
        with unit_of_work() as s:
            return commands.report_incident(s, principal=current_principal(), enrolment_id=enrolment_id,
                                            report=report,
                                            settings=settings_of_app(RiskSettings), now=datetime.now(UTC))

    @allow(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, IncidentPage)
    def get(self, args: queries.Paging, enrolment_id: uuid.UUID) -> queries.Page[dict[str, Any]]:
        """An enrolment's incidents, newest first; details only for those who may read them. Her support worker's
        reports are a safety concern reported by victim support to perpetrator-facing staff, and not listed to his
        psychologist at all (the flag tells him)."""
        with read_session() as s:
            return queries.incidents_page(s, principal=current_principal(), enrolment_id=enrolment_id, paging=args,
                                          settings=settings_of_app(RiskSettings))
