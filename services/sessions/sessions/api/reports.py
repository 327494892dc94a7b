"""Reports on staff work for programme managers and analysts: programme fidelity by group and facilitators' workload
by month. Counts only, no man's record, code or free text (an analyst's: no group's or psychologist's id either); a
manager's region, an administrator's choice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, settings_of_app
from qadam_contracts.roles import Role

from .. import reports
from ..schemas import FidelityReportOut, ReportArgs, WorkloadReportOut
from ..scoping import REPORT_READERS
from ..settings import SessionsSettings

blp = Blueprint("reports", __name__, description="Programme fidelity and facilitators' workload for programme managers")


def _analyst() -> bool:
    """Whether the caller reads aggregates only (issue 23): no group's id, no psychologist's."""
    return current_principal().role == Role.ANALYST


def _period(args: dict[str, Any], settings: SessionsSettings) -> reports.Period:
    return reports.period_for(current_principal(), region=args["region"], date_from=args["date_from"],
                              date_to=args["date_to"], today=datetime.now(settings.zone).date())


@blp.route("/reports/fidelity")
class FidelityReport(MethodView):
    @allow(*REPORT_READERS)
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, FidelityReportOut)
    def get(self, args: dict[str, Any]) -> reports.FidelityReport:
        """Programme fidelity of each group that held sessions in the period, and of them all: group sessions held on
        time, modules delivered as the curriculum plans them, sessions co-facilitated, attendance recorded in time."""
        settings = settings_of_app(SessionsSettings)
        period = _period(args, settings)
        with read_session() as s:
            return reports.fidelity_report(s.connection(), period=period, zone=settings.zone,
                                           on_time_days=settings.on_time_days,
                                           recorded_within_hours=settings.recorded_within_hours,
                                           anonymous=_analyst())


@blp.route("/reports/workload")
class WorkloadReport(MethodView):
    @allow(*REPORT_READERS)
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, WorkloadReportOut)
    def get(self, args: dict[str, Any]) -> reports.WorkloadReport:
        """Each facilitator's groups, men and sessions a month, over the sessions held in the period."""
        settings = settings_of_app(SessionsSettings)
        period = _period(args, settings)
        with read_session() as s:
            return reports.workload_report(s.connection(), period=period, zone=settings.zone,
                                           min_cell=settings.report_min_cell, anonymous=_analyst())
