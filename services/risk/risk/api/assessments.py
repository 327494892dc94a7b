"""The intake instrument (as data, national or a region's own) and the assessments scored with it."""

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
from ..access import ASSESSMENT_READERS, EVERYONE
from ..models import InstrumentVersion
from ..schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentPage,
    InstrumentFilter,
    InstrumentIn,
    InstrumentLoad,
    InstrumentOut,
    InstrumentQuery,
)
from ..settings import RiskSettings

blp = Blueprint("assessments", __name__, description="The intake risk instrument and assessments")
ASSESSORS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.ADMINISTRATOR)


@blp.route("/instruments")
class Instruments(MethodView):
    @allow(*EVERYONE)
    @blp.arguments(InstrumentFilter, location="query")
    @blp.response(200, InstrumentOut(many=True))
    def get(self, args: InstrumentQuery) -> list[InstrumentVersion]:
        """The newest version of each instrument: the national default and the regions' own (one region's with
        `region`)."""
        with read_session() as s:
            return queries.instruments(s, region=args["region"])

    @allow(Role.ADMINISTRATOR, Role.MANAGER)
    @blp.arguments(InstrumentIn)
    @blp.response(201, InstrumentOut)
    def post(self, data: InstrumentLoad) -> InstrumentVersion:
        """Load an instrument, or a new version of one. A manager loads one for his own region; the national
        default is the administrators'. Assessments keep the version they were scored with."""
        with unit_of_work() as s:
            return commands.load_instrument(s, principal=current_principal(), region=data["region"],
                                            definition=data["definition"])


@blp.route("/instruments/<string:instrument_id>")
class InstrumentById(MethodView):
    @allow(*EVERYONE)
    @blp.response(200, InstrumentOut)
    def get(self, instrument_id: str) -> InstrumentVersion:
        """The newest version of an instrument, with its items, answers, weights and bands."""
        with read_session() as s:
            return queries.instrument(s, instrument_id=instrument_id)


@blp.route("/enrolments/<uuid:enrolment_id>/assessments")
class Assessments(MethodView):
    @allow(*ASSESSORS)
    @blp.arguments(AssessmentIn)
    @blp.response(201, AssessmentOut)
    def post(self, assessment: commands.AssessmentAnswers, enrolment_id: uuid.UUID) -> dict[str, Any]:
        """Record an assessment: scored and banded with the instrument's newest version, kept for good, evaluated at
        once (a high band raises its flag). Every item is answered; `unknown` where the facts are not known."""
        with unit_of_work() as s:
            return commands.record_assessment(s, principal=current_principal(), enrolment_id=enrolment_id,
                                              assessment=assessment,
                                              settings=settings_of_app(RiskSettings), now=datetime.now(UTC))

    @allow(*ASSESSMENT_READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AssessmentPage)
    def get(self, args: queries.Paging, enrolment_id: uuid.UUID) -> queries.Page[dict[str, Any]]:
        """An enrolment's assessments, newest first: the history stays."""
        with read_session() as s:
            return queries.assessments_page(s, principal=current_principal(), enrolment_id=enrolment_id, paging=args)
