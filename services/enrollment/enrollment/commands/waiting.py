"""The waiting list: a referral to a full cohort waits in its line, first come first placed, instead of a refusal
the inspector cannot act on; the next place that frees there is his (commands.places), or a manager places him in
another group; his inspector or a manager may withdraw him."""

from __future__ import annotations

import uuid
from typing import TypedDict

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import Problem, conflict, unprocessable
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from ..models import Cohort, Enrolment, WaitingPlace
from ..queries import WAITING, has_room, waiting_shown
from ..scoping import require_area
from .enrolments import EnrolmentAsked, checked_placement, enrol
from .outcomes import refresh_outcomes
from .places import CLOSED, place_waiting

WITHDRAWN = "withdrawn"


class PlacementElsewhereAsked(TypedDict):
    """Another group for a waiting referral (WaitingPlacementIn): the cohort, and his psychologist there (None:
    its first facilitator)."""

    cohort_id: uuid.UUID
    psychologist_id: str | None


def enrol_or_wait(s: Session, *, principal: Principal, enrolment: EnrolmentAsked) -> Enrolment | WaitingPlace:
    """His enrolment, as `POST /enrolments` makes it; but when the cohort is full (or others wait for it already)
    he waits in its line instead: the entry, with his position (who asked, when: the row itself)."""
    cohort, participant = checked_placement(s, principal=principal, enrolment=enrolment)
    if has_room(s, cohort):
        return enrol(s, principal=principal, enrolment=enrolment)
    waiting = WaitingPlace(
        participant_id=participant.id, cohort_id=cohort.id, protection_order_id=enrolment["protection_order_id"],
        referral_source=enrolment["referral_source"], inspector_id=enrolment["inspector_id"],
        psychologist_id=enrolment["psychologist_id"], victim_support_worker_id=enrolment["victim_support_worker_id"],
        region=cohort.region, district=cohort.district, status=WAITING, asked_by=principal.user_id)
    waiting.participant, waiting.cohort = participant, cohort
    s.add(waiting)
    s.flush()
    s.refresh(waiting, ["seq", "since"])
    refresh_outcomes(s, participant_ids=[participant.id])  # a new referral of a man who left a programme before
    return waiting_shown(s, waiting)


def place_elsewhere(s: Session, *, principal: Principal, waiting: WaitingPlace,
                    asked: PlacementElsewhereAsked) -> Enrolment:
    """Place a waiting referral (locked by the caller) in another group of his programme with a free place, in the
    caller's area: a manager's or an administrator's choice. His enrolment is made, the entry `placed`."""
    if principal.role not in (Role.MANAGER, Role.ADMINISTRATOR):
        raise Problem(403, "A programme manager places a waiting referral in another group.")
    if waiting.status != WAITING:
        raise conflict(f"He is {waiting.status} already; only a waiting referral is placed.")
    target = s.get(Cohort, asked["cohort_id"], with_for_update={"of": Cohort}, populate_existing=True)
    if target is None or target.id == waiting.cohort_id:
        raise unprocessable("Place him in another existing cohort.", {"cohort_id": ["Another cohort."]})
    require_area(principal, target.region, target.district)
    if target.programme.lineage_id != waiting.cohort.programme.lineage_id:
        raise conflict("That cohort runs another programme than the one he was referred to.")
    if target.status in CLOSED:
        raise conflict(f"That cohort is {target.status}.")
    if not has_room(s, target):
        raise conflict(f"That cohort is full too ({target.capacity} places), or others wait for a place in it.")
    if s.execute(sa.select(Enrolment.id).where(Enrolment.participant_id == waiting.participant_id,
                                               Enrolment.cohort_id == target.id)).first():
        raise conflict(f"{waiting.participant.code} is enrolled in that cohort already.")
    psychologist = asked["psychologist_id"] or target.facilitator_ids[0]
    if psychologist not in target.facilitator_ids:
        raise unprocessable("His psychologist facilitates the new cohort.",
                            {"psychologist_id": [f"One of {', '.join(target.facilitator_ids)}."]})
    return place_waiting(s, waiting=waiting, cohort=target, psychologist_id=psychologist, by=principal.user_id)


def withdraw_waiting(s: Session, *, principal: Principal, waiting: WaitingPlace, reason: str) -> None:
    """Take a waiting referral (locked by the caller) off the line, saying why: his inspector, or a manager or an
    administrator of its area. Those behind him move up."""
    if not (principal.assigned(waiting.inspector_id) or (
            principal.role in (Role.MANAGER, Role.ADMINISTRATOR)
            and principal.covers(region=waiting.region, district=waiting.district))):
        raise Problem(403, "His inspector, or a programme manager of the area, withdraws a waiting referral.")
    if waiting.status != WAITING:
        raise conflict(f"He is {waiting.status} already; only a waiting referral is withdrawn.")
    waiting.status, waiting.withdrawn_reason, waiting.withdrawn_by = WITHDRAWN, reason, principal.user_id
