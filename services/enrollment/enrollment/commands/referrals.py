"""A man referred under a protection order in one request: registering him (or finding him), recording his order and
enrolling him, with the rules, events and refusals of each, in one unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypedDict

from qadam.auth import Principal
from qadam.errors import Problem
from sqlalchemy.orm import Session

from ..models import Enrolment, Participant, ProtectionOrder, WaitingPlace
from .enrolments import PlacementAsked
from .orders import OrderTermsAsked, record_order
from .participants import PersonAsked, find_or_register
from .waiting import enrol_or_wait


class ReferralAsked(TypedDict):
    """A man referred under a protection order, in one request (ReferralIn)."""

    participant: PersonAsked
    order: OrderTermsAsked
    enrolment: PlacementAsked


@dataclass(frozen=True)
class Referral:
    """What one referral made: the man (found or registered), his order, and his enrolment or, when the cohort is
    full, his place in its line."""

    participant: Participant
    registered_already: bool
    order: ProtectionOrder
    enrolment: Enrolment | None
    waiting: WaitingPlace | None


@contextmanager
def _step(name: str) -> Iterator[None]:
    """A refusal of one part of a referral names that part: `step`, and its field errors under the part's name
    (`order.number`), as the request's body names them."""
    try:
        yield
    except Problem as problem:
        problem.extensions["step"] = name
        if isinstance(problem.extensions.get("errors"), dict):
            problem.extensions["errors"] = {name: problem.extensions["errors"]}
        raise


def refer(s: Session, *, principal: Principal, person: PersonAsked, order: OrderTermsAsked,
          placement: PlacementAsked, year: int) -> Referral:
    """A man referred under a protection order, in one unit of work: found (the one man of his area he matches)
    or registered, his order recorded and his enrolment made, each with the rules, events and refusals of its
    own request; a full cohort is no refusal: he waits in its line. A refusal of any part leaves nothing of the
    others (the caller's transaction rolls back)."""
    with _step("participant"):
        participant, known = find_or_register(s, principal=principal, person=person, year=year, reuse=True)
    with _step("order"):
        recorded = record_order(s, principal=principal, order={**order, "participant_id": participant.id})
    with _step("enrolment"):
        made = enrol_or_wait(s, principal=principal, enrolment={
            **placement, "participant_id": participant.id, "referral_source": "protection_order",
            "protection_order_id": recorded.id})
    if isinstance(made, WaitingPlace):
        return Referral(participant, known, recorded, None, made)
    return Referral(participant, known, recorded, made, None)
