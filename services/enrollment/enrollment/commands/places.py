"""A place in a cohort: the enrolment made for it, and the places that free given to the first in its line."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TypedDict

import sqlalchemy as sa
from qadam.outbox import add_event
from sqlalchemy.orm import Session

from .. import events
from ..domain.lifecycle import EnrolmentStatus
from ..models import Cohort, Enrolment, EnrolmentTransition, Participant, WaitingPlace
from ..queries import WAITING, places_taken
from .outcomes import refresh_outcomes

SYSTEM = "system"  # who made an automatic move
PLACED = "placed"
CLOSED = ("finished", "cancelled")  # a cohort that takes no one


class PlaceAsked(TypedDict):
    """Who takes the place and who answers for him (an enrolment's or a waiting referral's own)."""

    participant_id: uuid.UUID
    referral_source: str
    protection_order_id: uuid.UUID | None
    inspector_id: str
    psychologist_id: str
    victim_support_worker_id: str | None


def make_enrolment(s: Session, *, place: PlaceAsked, cohort: Cohort, participant: Participant, created_by: str,
                   by: str, note: str | None = None) -> Enrolment:
    """His enrolment in the cohort (locked by the caller, checked to have the place), `referred`, with its history
    row and `enrollment.enrolled`: `created_by` referred him, `by` gave him the place (the same, unless he waited)."""
    made = Enrolment(**place, cohort_id=cohort.id, programme_id=cohort.programme_id, region=cohort.region,
                     district=cohort.district, status=EnrolmentStatus.REFERRED.value, created_by=created_by)
    made.participant, made.cohort, made.programme = participant, cohort, cohort.programme
    s.add(made)
    s.flush()
    s.refresh(made, ["enrolled_at"])
    s.add(EnrolmentTransition(enrolment_id=made.id, action="refer", from_status=None, to_status=made.status,
                              reason=place["referral_source"], note=note, by=by, to_cohort_id=cohort.id))
    add_event(s, events.enrolled(made, cohort))
    refresh_outcomes(s, participant_ids=[made.participant_id])  # a new referral of a man who left one before
    return made


def place_waiting(s: Session, *, waiting: WaitingPlace, cohort: Cohort, psychologist_id: str, by: str) -> Enrolment:
    """Give the waiting referral (locked by the caller) a place in `cohort` (locked, checked to have one): his
    enrolment is made as his inspector asked (`enrollment.enrolled` goes out) and the entry is `placed`: who gave
    it, when."""
    since = waiting.since.date().isoformat()
    made = make_enrolment(s, place=PlaceAsked(
        participant_id=waiting.participant_id, referral_source=waiting.referral_source,
        protection_order_id=waiting.protection_order_id, inspector_id=waiting.inspector_id,
        psychologist_id=psychologist_id, victim_support_worker_id=waiting.victim_support_worker_id),
        cohort=cohort, participant=waiting.participant, created_by=waiting.asked_by, by=by,
        note=f"Waited for a place since {since}.")
    waiting.status, waiting.enrolment_id, waiting.placed_cohort_id = PLACED, made.id, cohort.id
    waiting.placed_at, waiting.placed_by = datetime.now(UTC), by
    return made


def fill_free_places(s: Session, *, cohort_id: uuid.UUID) -> list[Enrolment]:
    """The places free in the cohort now go to the first in its line, in order (after someone left it or its
    capacity grew): their enrolments are made, `referred`, by the system."""
    cohort = s.get(Cohort, cohort_id, with_for_update={"of": Cohort}, populate_existing=True)
    if cohort is None or cohort.status in CLOSED:
        return []
    free = cohort.capacity - places_taken(s, cohort.id)
    if free <= 0:
        return []
    line = s.execute(sa.select(WaitingPlace).where(WaitingPlace.cohort_id == cohort.id, WaitingPlace.status == WAITING)
                     .order_by(WaitingPlace.seq).limit(free).with_for_update(of=WaitingPlace)).unique().scalars().all()
    return [place_waiting(s, waiting=waiting, cohort=cohort, by=SYSTEM, psychologist_id=(
        waiting.psychologist_id if waiting.psychologist_id in cohort.facilitator_ids else cohort.facilitator_ids[0]))
        for waiting in line]
