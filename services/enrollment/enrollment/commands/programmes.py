"""Programmes (versioned: new cohorts take the newest, enrolments keep theirs) and the cohorts that run them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Required, TypedDict

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import conflict, unprocessable
from qadam.outbox import add_event
from sqlalchemy.orm import Session

from .. import events
from ..domain.programmes import TEMPLATES
from ..models import Cohort, Programme
from ..queries import known_place_or_422, places_taken, waiting_for
from ..schemas import RULE_FIELDS
from ..scoping import require_area, require_planning_region
from .places import CLOSED, fill_free_places


class CurriculumItemAsked(TypedDict, total=False):
    number: Required[int]
    topic: Required[str]
    exit_review: bool


class ProgrammeRulesAsked(TypedDict, total=False):
    """What a programme version decides, as far as it is given (ProgrammeRules)."""

    description: str | None
    curriculum: list[CurriculumItemAsked]
    sessions_required: int
    sessions_per_week: int
    session_minutes: int
    completion_attendance_percent: int
    max_unexcused_absences: int
    max_consecutive_absences: int
    alert_unexcused_absences: int | None
    alert_consecutive_absences: int | None
    absence_call_hours: int | None
    makeup_sessions_count: bool
    follow_up_months: int
    review_at_session: int | None
    group_size_min: int
    group_size_max: int
    facilitators_per_group: int


class ProgrammeAsked(ProgrammeRulesAsked, total=False):
    """A programme to define (ProgrammeIn)."""

    name: Required[str]
    template: str | None
    region: str | None


class ScheduleAsked(TypedDict, total=False):
    weekdays: list[int]
    time: str | None
    place: str | None


class CohortAsked(TypedDict):
    """A cohort to form (CohortIn)."""

    programme_id: uuid.UUID
    name: str
    region: str
    district: str
    mahalla: str | None
    facilitator_ids: list[str]
    capacity: int | None
    schedule: ScheduleAsked
    start_date: date


class CohortChanges(TypedDict, total=False):
    """Changes to a cohort, as far as they are given (CohortUpdate)."""

    status: str
    facilitator_ids: list[str]
    capacity: int
    schedule: ScheduleAsked


def define_programme(s: Session, *, principal: Principal, asked: ProgrammeAsked) -> Programme:
    """A programme (version 1) from a shipped template with changes, or from scratch (ProgrammeIn); for the
    caller's region (a national one: an administrator's). A name is used once: a 409 names the programme."""
    require_planning_region(principal, asked.get("region"))
    values: dict[str, Any] = ({k: v for k, v in TEMPLATES[asked["template"]].items() if k in RULE_FIELDS}
                              if asked.get("template") else {})
    values.update({k: v for k, v in asked.items() if k in RULE_FIELDS})
    if values.get("curriculum"):
        values["sessions_required"] = len(values["curriculum"])
    taken = s.execute(sa.select(Programme.id).where(Programme.name == asked["name"])).scalar()
    if taken:
        raise conflict(f"A programme named {asked['name']!r} exists already; make a new version of it instead.",
                       existing_programme_id=str(taken))
    pid = uuid.uuid4()
    programme = Programme(id=pid, lineage_id=pid, version=1, name=asked["name"], template=asked.get("template"),
                          region=asked.get("region"), created_by=principal.user_id, **values)
    s.add(programme)
    return programme


def version_programme(s: Session, *, principal: Principal, programme: Programme, changes: ProgrammeRulesAsked) -> Programme:
    """A new version of the programme with the changes given (ProgrammeRules); new cohorts take it, enrolments keep
    the version they started under."""
    require_planning_region(principal, programme.region)
    latest = s.execute(sa.select(Programme).where(Programme.lineage_id == programme.lineage_id)
                       .order_by(Programme.version.desc()).limit(1).with_for_update()).scalar_one()
    values = {f: getattr(latest, f) for f in RULE_FIELDS}
    values.update(changes)
    if changes.get("curriculum"):
        values["sessions_required"] = len(changes["curriculum"])
    newer = Programme(lineage_id=latest.lineage_id, version=latest.version + 1, name=latest.name,
                      template=latest.template, region=latest.region, created_by=principal.user_id, **values)
    latest.retired = True
    s.add(newer)
    return newer


def form_cohort(s: Session, *, principal: Principal, asked: CohortAsked) -> Cohort:
    """A cohort (group) of a programme's current version in a district of the caller's area, with its facilitator
    psychologists (CohortIn); `enrollment.cohort.created` goes out with it."""
    require_area(principal, asked["region"], asked["district"])
    place = known_place_or_422(s, asked["region"], asked["district"])
    programme = s.get(Programme, asked["programme_id"])
    if programme is None or programme.region not in (None, place.region):
        raise unprocessable("The programme does not exist for this region.",
                            {"programme_id": ["No such programme in this region."]})
    if programme.retired:
        raise conflict(f"Version {programme.version} of {programme.name} has been replaced; form the cohort "
                       "with the current version.")
    as_formed = {**asked, "region": place.region, "district": place.district,
                 "capacity": asked["capacity"] or programme.group_size_max}
    cohort = Cohort(**as_formed, status="forming", created_by=principal.user_id)
    cohort.version = 1
    cohort.programme = programme
    s.add(cohort)
    s.flush()
    add_event(s, events.cohort_created(cohort))
    return cohort


def change_cohort(s: Session, *, cohort: Cohort, changes: CohortChanges) -> None:
    """Change the cohort's (locked by the caller) status, facilitators, capacity or schedule (CohortUpdate); never
    its capacity below the places taken, and never finished or cancelled while men wait in its line."""
    if "capacity" in changes and changes["capacity"] < (taken := places_taken(s, cohort.id)):
        why = f"{taken} take part in this cohort already; the capacity cannot be below that."
        raise conflict(why, taken=taken, errors={"capacity": [why]})
    if changes.get("status") in CLOSED and (waiting := waiting_for(s, cohort.id)):
        why = (f"{waiting} wait for a place in this cohort; the programme manager places them in another group or "
               f"withdraws them before it is {changes['status']}.")
        raise conflict(why, waiting=waiting, errors={"status": [why]})
    for key, value in changes.items():
        setattr(cohort, key, value)
    cohort.version += 1
    # sessions decides who records a cohort's sessions from its copy: it must follow every change
    add_event(s, events.cohort_updated(cohort))
    if "capacity" in changes or "status" in changes:
        s.flush()
        # the places it grew by, or has again as it opens again, go to the first in its line (none while closed)
        fill_free_places(s, cohort_id=cohort.id)
