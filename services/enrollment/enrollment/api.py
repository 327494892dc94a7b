"""Enrollment's HTTP routes: parse, authorise, call the domain, respond."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import DISTRICT_SCOPED, Principal, Role, allow, current_principal
from qadam.errors import Problem, conflict, not_found, unprocessable
from qadam.outbox import add_event
from qadam.web import PageArgs, paginate, read_session, settings_of_app, unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import SERVICE
from .domain import INITIAL_STATUS_ON_ENROLMENT, participant_code
from .models import Cohort, Enrolment, Participant, Programme, participant_number
from .schemas import (
    CohortIn,
    CohortOut,
    CohortPage,
    EnrolmentFilter,
    EnrolmentIn,
    EnrolmentOut,
    EnrolmentPage,
    ParticipantIn,
    ParticipantOut,
    ProgrammeIn,
    ProgrammeOut,
    ProgrammePage,
)

blp = Blueprint("enrollment", __name__, description="Programmes, cohorts, participants and enrolments")

STAFF = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
PLANNERS = (Role.MANAGER, Role.ADMINISTRATOR)
REFERRERS = (Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)


@blp.route("/programmes")
class Programmes(MethodView):
    @allow(*STAFF)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ProgrammePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List programmes."""
        with read_session() as s:
            return paginate(s, sa.select(Programme).order_by(Programme.name), args)

    @allow(*PLANNERS)
    @blp.arguments(ProgrammeIn)
    @blp.response(201, ProgrammeOut)
    def post(self, data: dict[str, Any]) -> Programme:
        """Define a programme: how many sessions complete it, how many unexcused absences it tolerates."""
        programme = Programme(**data, created_by=current_principal().user_id)
        try:
            with unit_of_work() as s:
                s.add(programme)
        except IntegrityError:
            raise conflict(f"A programme named {data['name']!r} exists already; choose another name.") from None
        return programme


@blp.route("/cohorts")
class Cohorts(MethodView):
    @allow(*STAFF)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, CohortPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the cohorts the caller may see (a psychologist's own, an inspector's or manager's area)."""
        with read_session() as s:
            return paginate(s, _visible_cohorts(current_principal()).order_by(Cohort.start_date.desc()), args)

    @allow(*PLANNERS)
    @blp.arguments(CohortIn)
    @blp.response(201, CohortOut)
    def post(self, data: dict[str, Any]) -> Cohort:
        """Form a cohort (group) of a programme in a district, with its facilitator psychologists."""
        principal = current_principal()
        if not principal.covers(region=data["region"], district=data["district"]):
            raise Problem(403, f"{data['district']} ({data['region']}) is outside your area.")
        with unit_of_work() as s:
            programme = s.get(Programme, data["programme_id"])
            if programme is None:
                raise unprocessable("The programme does not exist.", {"programme_id": ["No such programme."]})
            cohort = Cohort(**data, created_by=principal.user_id)
            s.add(cohort)
            s.flush()
            add_event(s, "enrollment.cohort.created", {
                "cohort_id": cohort.id, "programme_id": programme.id, "name": cohort.name,
                "region": cohort.region, "district": cohort.district, "mahalla": cohort.mahalla,
                "facilitator_ids": cohort.facilitator_ids, "start_date": cohort.start_date,
                "sessions_required": programme.sessions_required,
                "max_unexcused_absences": programme.max_unexcused_absences,
            }, producer=SERVICE)
        return cohort


@blp.route("/cohorts/<uuid:cohort_id>")
class CohortById(MethodView):
    @allow(*STAFF)
    @blp.response(200, CohortOut)
    def get(self, cohort_id: uuid.UUID) -> Cohort:
        """One cohort."""
        with read_session() as s:
            cohort = s.execute(_visible_cohorts(current_principal()).where(Cohort.id == cohort_id)).scalar()
            if cohort is None:
                raise not_found("cohort", cohort_id)
            return cohort


@blp.route("/participants")
class Participants(MethodView):
    @allow(*REFERRERS)
    @blp.arguments(ParticipantIn)
    @blp.response(201, ParticipantOut)
    def post(self, data: dict[str, Any]) -> Participant:
        """Register a participant (a man referred to a correction programme); he gets a pseudonymous code."""
        principal = current_principal()
        if not principal.covers(region=data["region"], district=data["district"]):
            raise Problem(403, f"{data['district']} ({data['region']}) is outside your area.")
        with unit_of_work() as s:
            if data["pinfl"]:
                existing = s.execute(sa.select(Participant.code).where(Participant.pinfl == data["pinfl"])).scalar()
                if existing:
                    raise conflict(f"A participant with this PINFL is registered already as {existing}; "
                                   "enrol him instead of registering him again.", existing_code=existing)
            number = s.execute(participant_number.next_value()).scalar_one()
            year = datetime.now(settings_of_app().zone).year  # the year in Uzbekistan, not in UTC
            participant = Participant(**data, code=participant_code(year, number),
                                      created_by=principal.user_id)
            s.add(participant)
        return participant


@blp.route("/participants/<uuid:participant_id>")
class ParticipantById(MethodView):
    @allow(*REFERRERS, Role.PSYCHOLOGIST)
    @blp.response(200, ParticipantOut)
    def get(self, participant_id: uuid.UUID) -> Participant:
        """One participant's record, personal data included (need to know: area, or his cohort's psychologist)."""
        principal = current_principal()
        with read_session() as s:
            participant = s.get(Participant, participant_id)
            if participant is None or not _may_see_participant(s, principal, participant):
                raise not_found("participant", participant_id)
            return participant


@blp.route("/enrolments")
class Enrolments(MethodView):
    @allow(*STAFF)
    @blp.arguments(EnrolmentFilter, location="query")
    @blp.response(200, EnrolmentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List enrolments the caller may see, optionally of one cohort."""
        query = _visible_enrolments(current_principal()).order_by(Enrolment.enrolled_at.desc())
        if args["cohort_id"]:
            query = query.where(Enrolment.cohort_id == args["cohort_id"])
        with read_session() as s:
            return paginate(s, query, args)

    @allow(*REFERRERS)
    @blp.arguments(EnrolmentIn)
    @blp.response(201, EnrolmentOut)
    def post(self, data: dict[str, Any]) -> Enrolment:
        """Enrol a participant in a cohort, naming his responsible prevention inspector and psychologist."""
        principal = current_principal()
        with unit_of_work() as s:
            cohort = s.get(Cohort, data["cohort_id"])
            participant = s.get(Participant, data["participant_id"])
            errors: dict[str, list[str]] = {}
            if cohort is None:
                errors["cohort_id"] = ["No such cohort."]
            if participant is None:
                errors["participant_id"] = ["No such participant."]
            if cohort is not None and data["psychologist_id"] not in cohort.facilitator_ids:
                errors["psychologist_id"] = [f"Must be one of the cohort's facilitators: {', '.join(cohort.facilitator_ids)}."]
            if errors:
                raise unprocessable("The enrolment cannot be made as asked: see `errors`.", errors)
            assert cohort is not None and participant is not None
            if not principal.covers(region=cohort.region, district=cohort.district):
                raise Problem(403, f"The cohort's district {cohort.district} is outside your area.")
            if not _may_see_participant(s, principal, participant):
                raise not_found("participant", participant.id)
            if principal.role == Role.INSPECTOR and data["inspector_id"] != principal.user_id:
                raise Problem(403, "An inspector enrols participants as their own responsible inspector; "
                                   "ask a manager to assign another inspector.")
            duplicate = s.execute(sa.select(Enrolment.id).where(
                Enrolment.participant_id == participant.id, Enrolment.cohort_id == cohort.id)).scalar()
            if duplicate:
                raise conflict(f"{participant.code} is enrolled in this cohort already (enrolment {duplicate}).",
                               existing_enrolment_id=str(duplicate))
            enrolment = Enrolment(**data, status=INITIAL_STATUS_ON_ENROLMENT.value, created_by=principal.user_id)
            enrolment.participant, enrolment.cohort = participant, cohort
            s.add(enrolment)
            s.flush()
            s.refresh(enrolment, ["enrolled_at"])
            add_event(s, "enrollment.enrolled", {
                "enrolment_id": enrolment.id, "participant_code": participant.code, "cohort_id": cohort.id,
                "programme_id": cohort.programme_id, "inspector_id": enrolment.inspector_id,
                "psychologist_id": enrolment.psychologist_id, "region": cohort.region, "district": cohort.district,
                "status": enrolment.status, "enrolled_at": enrolment.enrolled_at,
            }, producer=SERVICE)
        return enrolment


@blp.route("/enrolments/<uuid:enrolment_id>")
class EnrolmentById(MethodView):
    @allow(*STAFF)
    @blp.response(200, EnrolmentOut)
    def get(self, enrolment_id: uuid.UUID) -> Enrolment:
        """One enrolment."""
        with read_session() as s:
            enrolment = s.execute(_visible_enrolments(current_principal()).where(Enrolment.id == enrolment_id)).scalar()
            if enrolment is None:
                raise not_found("enrolment", enrolment_id)
            return enrolment


# -- record-level scoping --------------------------------------------------------------------------
def _area_filter(principal: Principal, region_col: Any, district_col: Any) -> Any:
    """Records inside the principal's area; none at all if the token lacks the area its role needs."""
    if not principal.region:
        return sa.false()
    conditions = [region_col == principal.region]
    if principal.role in DISTRICT_SCOPED:
        if not principal.district:
            return sa.false()
        conditions.append(district_col == principal.district)
    return sa.and_(*conditions)


def _visible_cohorts(principal: Principal) -> sa.Select[Any]:
    query = sa.select(Cohort)
    if principal.role == Role.ADMINISTRATOR:
        return query
    if principal.role == Role.PSYCHOLOGIST:
        return query.where(Cohort.facilitator_ids.contains([principal.user_id]))
    return query.where(_area_filter(principal, Cohort.region, Cohort.district))


def _visible_enrolments(principal: Principal) -> sa.Select[Any]:
    query = sa.select(Enrolment).join(Enrolment.cohort)
    if principal.role == Role.ADMINISTRATOR:
        return query
    if principal.role == Role.PSYCHOLOGIST:
        return query.where(Cohort.facilitator_ids.contains([principal.user_id]))
    if principal.role == Role.INSPECTOR:
        return query.where(sa.or_(Enrolment.inspector_id == principal.user_id,
                                  _area_filter(principal, Cohort.region, Cohort.district)))
    return query.where(_area_filter(principal, Cohort.region, Cohort.district))


def _may_see_participant(s: Session, principal: Principal, participant: Participant) -> bool:
    if principal.role == Role.PSYCHOLOGIST:
        return s.execute(sa.select(Enrolment.id).join(Enrolment.cohort).where(
            Enrolment.participant_id == participant.id, Cohort.facilitator_ids.contains([principal.user_id]))).first() is not None
    if principal.role == Role.INSPECTOR and s.execute(sa.select(Enrolment.id).where(
            Enrolment.participant_id == participant.id, Enrolment.inspector_id == principal.user_id)).first():
        return True
    return principal.covers(region=participant.region, district=participant.district)
