"""Programmes (versioned, from the shipped templates or defined by a region) and cohorts."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from qadam.auth import Principal, Role, allow, current_principal
from qadam.errors import Problem, conflict, not_found, unprocessable
from qadam.outbox import add_event
from qadam.web import PageArgs, paginate, read_session, unit_of_work
from sqlalchemy.orm import Session

from ..domain.lifecycle import IN_PROGRAMME, EnrolmentStatus
from ..domain.programmes import TEMPLATES
from ..events import cohort_created, cohort_updated
from ..models import Cohort, Enrolment, Programme
from ..schemas import CohortIn, CohortOut, CohortPage, CohortUpdate, ProgrammeIn, ProgrammeOut, ProgrammePage, ProgrammeRules
from .scoping import known_place_or_422, require_area, visible_cohorts

blp = Blueprint("programmes", __name__, description="Programmes (versioned) and cohorts")

STAFF = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
PLANNERS = (Role.MANAGER, Role.ADMINISTRATOR)
RULE_FIELDS = tuple(ProgrammeRules().fields)
# Taking part or about to (a referral holds a place in the group it was referred to).
HOLDS_A_PLACE = [s.value for s in IN_PROGRAMME] + [EnrolmentStatus.REFERRED.value]


class ProgrammeFilter(PageArgs):
    include_retired = fields.Boolean(load_default=False, metadata={"description": "Older versions too."})
    programme_id = fields.List(fields.UUID(), load_default=None, validate=validate.Length(max=100), metadata={
        "description": "Only these programmes (repeated, at most 100): the names of a page's programmes at once."})


def _may_plan_for(principal: Principal, region: str | None) -> None:
    if principal.role == Role.ADMINISTRATOR:
        return
    if region is None or region != principal.region:
        raise Problem(403, "A programme manager defines programmes for their own region; national programmes are "
                           "an administrator's.")


@blp.route("/programmes")
class Programmes(MethodView):
    @allow(*STAFF)
    @blp.arguments(ProgrammeFilter, location="query")
    @blp.response(200, ProgrammePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Programmes in use: national ones and those of the caller's region (current versions unless asked)."""
        principal = current_principal()
        query = sa.select(Programme).order_by(Programme.name, Programme.version)
        if not args["include_retired"]:
            query = query.where(Programme.retired.is_(False))
        if principal.role != Role.ADMINISTRATOR:
            query = query.where(sa.or_(Programme.region.is_(None), Programme.region == principal.region))
        if args["programme_id"]:
            query = query.where(Programme.id.in_(args["programme_id"]))
        with read_session() as s:
            return paginate(s, query, args)

    @allow(*PLANNERS)
    @blp.arguments(ProgrammeIn)
    @blp.response(201, ProgrammeOut)
    def post(self, data: dict[str, Any]) -> Programme:
        """Define a programme, from a shipped template (statutory, extended_group) with changes, or from scratch."""
        principal = current_principal()
        _may_plan_for(principal, data.get("region"))
        values: dict[str, Any] = ({k: v for k, v in TEMPLATES[data["template"]].items() if k in RULE_FIELDS}
                                  if data.get("template") else {})
        values.update({k: v for k, v in data.items() if k in RULE_FIELDS})
        if values.get("curriculum"):
            values["sessions_required"] = len(values["curriculum"])
        pid = uuid.uuid4()
        programme = Programme(id=pid, lineage_id=pid, version=1, name=data["name"], template=data.get("template"),
                              region=data.get("region"), created_by=principal.user_id, **values)
        with unit_of_work() as s:
            taken = s.execute(sa.select(Programme.id).where(Programme.name == data["name"])).scalar()
            if taken:
                raise conflict(f"A programme named {data['name']!r} exists already; make a new version of it instead.",
                               existing_programme_id=str(taken))
            s.add(programme)
        return programme


@blp.route("/programmes/<uuid:programme_id>")
class ProgrammeById(MethodView):
    @allow(*STAFF)
    @blp.response(200, ProgrammeOut)
    def get(self, programme_id: uuid.UUID) -> Programme:
        """One programme version."""
        with read_session() as s:
            return _programme(s, programme_id)


@blp.route("/programmes/<uuid:programme_id>/versions")
class ProgrammeVersions(MethodView):
    @allow(*STAFF)
    @blp.response(200, ProgrammeOut(many=True))
    def get(self, programme_id: uuid.UUID) -> list[Programme]:
        """Every version of this programme, oldest first."""
        with read_session() as s:
            programme = _programme(s, programme_id)
            return list(s.execute(sa.select(Programme).where(Programme.lineage_id == programme.lineage_id)
                                  .order_by(Programme.version)).scalars())

    @allow(*PLANNERS)
    @blp.arguments(ProgrammeRules)
    @blp.response(201, ProgrammeOut)
    def post(self, data: dict[str, Any], programme_id: uuid.UUID) -> Programme:
        """A new version with the changes given; new cohorts take it, enrolments keep the version they started under."""
        principal = current_principal()
        with unit_of_work() as s:
            current = _programme(s, programme_id)
            _may_plan_for(principal, current.region)
            latest = s.execute(sa.select(Programme).where(Programme.lineage_id == current.lineage_id)
                               .order_by(Programme.version.desc()).limit(1).with_for_update()).scalar_one()
            values = {f: getattr(latest, f) for f in RULE_FIELDS}
            values.update(data)
            if data.get("curriculum"):
                values["sessions_required"] = len(data["curriculum"])
            newer = Programme(lineage_id=latest.lineage_id, version=latest.version + 1, name=latest.name,
                              template=latest.template, region=latest.region, created_by=principal.user_id, **values)
            latest.retired = True
            s.add(newer)
        return newer


def _programme(s: Session, programme_id: uuid.UUID) -> Programme:
    programme = s.get(Programme, programme_id)
    principal = current_principal()
    if programme is None or (principal.role != Role.ADMINISTRATOR and programme.region not in (None, principal.region)):
        raise not_found("programme", programme_id)
    return programme


def places_taken(s: Session, cohort_id: uuid.UUID) -> int:
    """Men who hold a place in the cohort now (referred, assessed, active or suspended)."""
    return int(s.execute(sa.select(sa.func.count()).where(Enrolment.cohort_id == cohort_id,
                                                          Enrolment.status.in_(HOLDS_A_PLACE))).scalar_one())


def _with_count(s: Session, cohort: Cohort) -> dict[str, Any]:
    out: dict[str, Any] = {c.key: getattr(cohort, c.key) for c in sa.inspect(Cohort).column_attrs}
    out["enrolled"] = places_taken(s, cohort.id)
    return out


@blp.route("/cohorts")
class Cohorts(MethodView):
    @allow(*STAFF)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, CohortPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The cohorts the caller may see (a psychologist's own, an inspector's or manager's area)."""
        with read_session() as s:
            page = paginate(s, visible_cohorts(current_principal()).order_by(Cohort.start_date.desc()), args)
            page["items"] = [_with_count(s, c) for c in page["items"]]
            return page

    @allow(*PLANNERS)
    @blp.arguments(CohortIn)
    @blp.response(201, CohortOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Form a cohort (group) of a programme in a district, with its facilitator psychologists."""
        principal = current_principal()
        require_area(principal, data["region"], data["district"])
        with unit_of_work() as s:
            data.update(known_place_or_422(s, data["region"], data["district"]))
            programme = s.get(Programme, data["programme_id"])
            if programme is None or programme.region not in (None, data["region"]):
                raise unprocessable("The programme does not exist for this region.",
                                    {"programme_id": ["No such programme in this region."]})
            if programme.retired:
                raise conflict(f"Version {programme.version} of {programme.name} has been replaced; form the cohort "
                               "with the current version.")
            capacity = data.pop("capacity") or programme.group_size_max
            cohort = Cohort(**data, capacity=capacity, status="forming", created_by=principal.user_id)
            cohort.version = 1
            cohort.programme = programme
            s.add(cohort)
            s.flush()
            add_event(s, cohort_created(cohort))
            return _with_count(s, cohort)


@blp.route("/cohorts/<uuid:cohort_id>")
class CohortById(MethodView):
    @allow(*STAFF)
    @blp.response(200, CohortOut)
    def get(self, cohort_id: uuid.UUID) -> dict[str, Any]:
        """One cohort, with how many take part now."""
        with read_session() as s:
            cohort = s.execute(visible_cohorts(current_principal()).where(Cohort.id == cohort_id)).unique().scalar()
            if cohort is None:
                raise not_found("cohort", cohort_id)
            return _with_count(s, cohort)

    @allow(*PLANNERS)
    @blp.arguments(CohortUpdate)
    @blp.response(200, CohortOut)
    def patch(self, data: dict[str, Any], cohort_id: uuid.UUID) -> dict[str, Any]:
        """Change a cohort's status, facilitators, capacity or schedule."""
        principal = current_principal()
        with unit_of_work() as s:
            cohort = s.execute(visible_cohorts(principal).where(Cohort.id == cohort_id).with_for_update(of=Cohort)) \
                .unique().scalar()
            if cohort is None:
                raise not_found("cohort", cohort_id)
            if "capacity" in data and data["capacity"] < (taken := places_taken(s, cohort.id)):
                raise conflict(f"{taken} take part in this cohort already; the capacity cannot be below that.")
            for key, value in data.items():
                setattr(cohort, key, value)
            cohort.version += 1
            # sessions decides who records a cohort's sessions from its copy: it must follow every change
            add_event(s, cohort_updated(cohort))
            return _with_count(s, cohort)

