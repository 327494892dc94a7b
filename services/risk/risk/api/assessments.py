"""The intake instrument (as data, national or a region's own) and the assessments scored with it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Role, allow, current_principal
from qadam.db import lock_keys
from qadam.errors import Problem, conflict, not_found, unprocessable
from qadam.log import get_logger
from qadam.web import PageArgs, paginate, read_session, settings_of_app, unit_of_work
from sqlalchemy.orm import Session

from ..domain import RuleError, RuleSet
from ..domain.instrument import Instrument, parse_instrument, score
from ..evaluation import evaluate_enrolments, lock_enrolments, rules_in_force
from ..models import Assessment, EnrolmentView, InstrumentVersion
from ..schemas import AssessmentIn, AssessmentOut, AssessmentPage, InstrumentFilter, InstrumentIn, InstrumentOut
from ..settings import RiskSettings
from .access import EVERYONE, READERS, case_of

blp = Blueprint("assessments", __name__, description="The intake risk instrument and assessments")
log = get_logger(__name__)
DEFAULT_INSTRUMENT = "qadam-intake"
ASSESSORS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.ADMINISTRATOR)


def newest(s: Session, instrument_id: str) -> InstrumentVersion | None:
    return s.execute(sa.select(InstrumentVersion).where(InstrumentVersion.id == instrument_id)
                     .order_by(InstrumentVersion.version.desc()).limit(1)).scalar()


def instrument_for(s: Session, view: EnrolmentView, asked: str | None) -> InstrumentVersion:
    """The instrument asked for (national, or the enrolment's region's), else the region's newest, else the default."""
    if asked:
        row = newest(s, asked)
        if row is None or row.region not in (None, view.region):
            raise unprocessable("No such instrument for this region.", {"instrument_id": [f"{asked} is not known "
                                                                                           f"in {view.region}."]})
        return row
    regional = s.execute(sa.select(InstrumentVersion).where(InstrumentVersion.region == view.region)
                         .order_by(InstrumentVersion.created_at.desc(), InstrumentVersion.version.desc())
                         .limit(1)).scalar()
    row = regional or newest(s, DEFAULT_INSTRUMENT)
    if row is None:
        raise Problem(503, "No risk instrument is loaded; an administrator loads one.")
    return row


def next_due(rules: RuleSet, assessed_at: datetime) -> date | None:
    for rule in rules.rules:
        if rule.kind == "assessment_due":
            return (assessed_at + timedelta(days=rule.params["every_days"])).date()
    return None


@blp.route("/instruments")
class Instruments(MethodView):
    @allow(*EVERYONE)
    @blp.arguments(InstrumentFilter, location="query")
    @blp.response(200, InstrumentOut(many=True))
    def get(self, args: dict[str, Any]) -> list[InstrumentVersion]:
        """The newest version of each instrument: the national default and the regions' own (one region's with
        `region`)."""
        with read_session() as s:
            newest_versions = (sa.select(InstrumentVersion.id, sa.func.max(InstrumentVersion.version).label("v"))
                               .group_by(InstrumentVersion.id).subquery())
            query = sa.select(InstrumentVersion).join(newest_versions, sa.and_(
                InstrumentVersion.id == newest_versions.c.id, InstrumentVersion.version == newest_versions.c.v))
            if args["region"]:
                query = query.where(sa.or_(InstrumentVersion.region.is_(None), InstrumentVersion.region == args["region"]))
            return list(s.execute(query.order_by(InstrumentVersion.id)).scalars())

    @allow(Role.ADMINISTRATOR, Role.MANAGER)
    @blp.arguments(InstrumentIn)
    @blp.response(201, InstrumentOut)
    def post(self, data: dict[str, Any]) -> InstrumentVersion:
        """Load an instrument, or a new version of one. A manager loads one for his own region; the national
        default is the administrators'. Assessments keep the version they were scored with."""
        principal = current_principal()
        region = data["region"]
        if principal.role == Role.MANAGER:
            if region != principal.region or not region:
                raise Problem(403, "A programme manager loads an instrument for his own region only.")
        with unit_of_work() as s:
            iid = data["definition"].get("id")
            lock_keys(s, [f"instrument:{iid}"])
            current = newest(s, iid) if isinstance(iid, str) else None
            if current is not None and current.region != region:
                raise conflict(f"The instrument {iid} belongs to {current.region or 'the national default'}; "
                               "give this one another id.")
            version = (current.version + 1) if current else 1
            try:
                parse_instrument(version, data["definition"])
            except RuleError as e:
                raise unprocessable("The instrument cannot be used as it is.", {"definition": e.errors}) from None
            row = InstrumentVersion(id=iid, version=version, region=region, definition=data["definition"],
                                    created_by=principal.user_id)
            s.add(row)
            s.flush()
            log.info("instrument_loaded", instrument_id=iid, version=version, region=region)
            return row


@blp.route("/instruments/<string:instrument_id>")
class InstrumentById(MethodView):
    @allow(*EVERYONE)
    @blp.response(200, InstrumentOut)
    def get(self, instrument_id: str) -> InstrumentVersion:
        """The newest version of an instrument, with its items, answers, weights and bands."""
        with read_session() as s:
            row = newest(s, instrument_id)
            if row is None:
                raise not_found("instrument", instrument_id)
            return row


@blp.route("/enrolments/<uuid:enrolment_id>/assessments")
class Assessments(MethodView):
    @allow(*ASSESSORS)
    @blp.arguments(AssessmentIn)
    @blp.response(201, AssessmentOut)
    def post(self, data: dict[str, Any], enrolment_id: uuid.UUID) -> dict[str, Any]:
        """Record an assessment: scored and banded with the instrument's newest version, kept for good, evaluated at
        once (a high band raises its flag). Every item is answered; `unknown` where the facts are not known."""
        principal, settings = current_principal(), settings_of_app(RiskSettings)
        today = datetime.now(settings.zone).date()
        day = data["assessed_on"] or today
        if day > today:
            raise unprocessable("An assessment is recorded when it was made.", {"assessed_on": ["In the future."]})
        with unit_of_work() as s:
            view = case_of(s, principal, enrolment_id, acting=True)
            lock_enrolments(s, [enrolment_id])
            row = instrument_for(s, view, data["instrument_id"])
            instrument: Instrument = parse_instrument(row.version, row.definition)
            try:
                result = score(instrument, data["answers"])
            except RuleError as e:
                raise unprocessable("The answers cannot be scored.", e.errors) from None
            now = datetime.now(UTC)
            assessed_at = now if day == today else datetime.combine(day, time(12), tzinfo=settings.zone)
            assessment = Assessment(
                id=uuid.uuid4(), enrolment_id=enrolment_id, participant_code=view.participant_code,
                instrument_id=row.id, instrument_version=row.version, kind=data["kind"], answers=data["answers"],
                score=result.score, band=result.band, level=result.level, unknown_items=result.unknown,
                assessed_by=principal.user_id, assessed_at=assessed_at, recorded_at=now)
            s.add(assessment)
            s.flush()
            rules = rules_in_force(s)
            evaluate_enrolments(s, [enrolment_id], settings=settings, cause=f"{data['kind']} assessment", lock=False,
                                rules=rules)
            log.info("assessment_recorded", assessment_id=str(assessment.id), instrument=instrument.label,
                     score=result.score, band=result.band)
            return _out(assessment, rules)

    @allow(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AssessmentPage)
    def get(self, args: dict[str, Any], enrolment_id: uuid.UUID) -> dict[str, Any]:
        """An enrolment's assessments, newest first: the history stays."""
        principal = current_principal()
        with read_session() as s:
            case_of(s, principal, enrolment_id)
            rules = rules_in_force(s)
            query = (sa.select(Assessment).where(Assessment.enrolment_id == enrolment_id)
                     .order_by(Assessment.assessed_at.desc(), Assessment.id))
            return paginate(s, query, args, row=lambda r: _out(r[0], rules))


def _out(a: Assessment, rules: RuleSet) -> dict[str, Any]:
    return {c.key: getattr(a, c.key) for c in Assessment.__table__.columns} | {"next_due": next_due(rules, a.assessed_at)}


def assessment_view(a: Assessment | None, rules: RuleSet) -> dict[str, Any] | None:
    return None if a is None else _out(a, rules)


