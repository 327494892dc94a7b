"""Transfers: his enrolment moved to another cohort of the same programme, his marks, progress and history going with
him, and `enrollment.transferred` published. A move out of his district asked by his inspector waits for a
supervisor of the district's region, who approves it (the move is made then) or refuses it with a reason: the
request keeps who asked and who decided, when and why (and the API's audit log each call)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TypedDict

from qadam.auth import Principal
from qadam.errors import Problem, conflict, unprocessable
from qadam.names import same_place
from qadam.outbox import add_event
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .. import events
from ..domain.lifecycle import IN_PROGRAMME, EnrolmentStatus
from ..models import Cohort, Enrolment, EnrolmentTransition, TransferRequest
from ..queries import has_room, pending_transfer_of
from ..scoping import may_move
from .places import CLOSED, fill_free_places

PENDING, APPROVED, REFUSED, WITHDRAWN = "pending", "approved", "refused", "withdrawn"
# who decides a move out of the district: a supervisor of the district's region (an administrator anywhere)
DECIDERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


class TransferAsked(TypedDict):
    """A transfer as asked (TransferIn): the new cohort, and who answers for him there (None: its first
    facilitator, his inspector as before)."""

    cohort_id: uuid.UUID
    psychologist_id: str | None
    inspector_id: str | None
    note: str | None


class DecisionAsked(TypedDict):
    """A supervisor's decision on a move out of the district (TransferDecisionIn)."""

    approve: bool
    note: str | None


def transfer_enrolment(s: Session, *, principal: Principal, enrolment: Enrolment,
                       asked: TransferAsked) -> TransferRequest | None:
    """Move him (his enrolment, locked by the caller) to another cohort of the same programme, and
    `enrollment.transferred` goes out. An inspector's move out of the district is not made: it waits for a
    supervisor, and the request waiting is returned."""
    if not may_move(principal, enrolment):
        raise Problem(403, "Only the enrolment's inspector or staff of its area transfer it.")
    if pending_transfer_of(s, enrolment.id) is not None:
        raise conflict("A move of this enrolment out of its district waits for a supervisor's decision already.")
    target = _target(s, enrolment, asked["cohort_id"], asker=principal)
    psychologist = _psychologist(target, asked["psychologist_id"])
    if principal.role == Role.INSPECTOR and asked["inspector_id"] and asked["inspector_id"] != principal.user_id:
        raise Problem(403, "An inspector hands an enrolment only to themselves; ask a manager to assign another.")
    if principal.role == Role.INSPECTOR and not (same_place(target.region, enrolment.region)
                                                 and same_place(target.district, enrolment.district)):
        request = TransferRequest(
            id=uuid.uuid4(), enrolment_id=enrolment.id, region=enrolment.region, district=enrolment.district,
            from_cohort_id=enrolment.cohort_id, to_cohort_id=target.id, to_region=target.region,
            to_district=target.district, psychologist_id=asked["psychologist_id"], inspector_id=asked["inspector_id"],
            note=asked["note"], status=PENDING, asked_by=principal.user_id, asked_at=datetime.now(UTC))
        request.enrolment = enrolment
        s.add(request)
        return request
    _move(s, enrolment, target, psychologist=psychologist, inspector=asked["inspector_id"], note=asked["note"],
          by=principal.user_id)
    return None


def decide_transfer(s: Session, *, principal: Principal, request: TransferRequest, asked: DecisionAsked) -> None:
    """Approve (the move is made, checked again as it is now) or refuse, with a reason, a move out of the district
    (locked by the caller, with its enrolment): a supervisor of the district's region, once."""
    if principal.role not in DECIDERS or not principal.covers(region=request.region, district=request.district):
        raise Problem(403, "A supervisor of the district's region decides a move out of it.")
    if request.status != PENDING:
        raise conflict(f"This move was {request.status} already.", decision=request.status)
    if not asked["approve"] and not (asked["note"] or "").strip():
        raise unprocessable("Say why the move is refused: his inspector reads it.", {"note": ["Say why."]})
    enrolment = request.enrolment
    if asked["approve"]:
        target = _target(s, enrolment, request.to_cohort_id, asker=None)
        _move(s, enrolment, target, psychologist=_psychologist(target, request.psychologist_id),
              inspector=request.inspector_id, note=request.note, by=principal.user_id)
    request.status = APPROVED if asked["approve"] else REFUSED
    request.decided_by, request.decided_at, request.decision_note = principal.user_id, datetime.now(UTC), asked["note"]


def withdraw_pending_transfer(s: Session, enrolment: Enrolment, *, by: str) -> None:
    """He left the programme (locked by the caller, in its new status): the move of him that waits for a
    supervisor, if one does, is withdrawn, saying why, so that nobody approves it into a refusal."""
    request = pending_transfer_of(s, enrolment.id)
    if request is None:
        return
    request.status, request.decided_by, request.decided_at = WITHDRAWN, by, datetime.now(UTC)
    request.decision_note = f"Withdrawn: his enrolment is {enrolment.status}; there is no one to move."


def _target(s: Session, enrolment: Enrolment, cohort_id: uuid.UUID, *, asker: Principal | None) -> Cohort:
    """The cohort he would move to (locked), if he may move there now: another cohort of his programme in the
    asker's region (None: asked before, and checked then), forming or running, with room (a free place and nobody
    waiting for one)."""
    if EnrolmentStatus(enrolment.status) not in IN_PROGRAMME | {EnrolmentStatus.REFERRED}:
        raise conflict(f"An enrolment that is {enrolment.status} is not transferred.")
    # both cohorts locked in one order: two transfers the opposite way wait for each other, never deadlock
    for locked in sorted({cohort_id, enrolment.cohort_id}):
        s.get(Cohort, locked, with_for_update={"of": Cohort}, populate_existing=True)
    target = s.get(Cohort, cohort_id)
    if target is None or target.id == enrolment.cohort_id:
        raise unprocessable("Transfer to another existing cohort.", {"cohort_id": ["Another cohort."]})
    if asker is not None and asker.role != Role.ADMINISTRATOR and target.region != asker.region:
        raise Problem(403, f"{target.district} ({target.region}) is outside your region.")
    if target.programme.lineage_id != enrolment.cohort.programme.lineage_id:
        raise conflict("The new cohort runs another programme; exit (reason: transferred) and refer him anew.")
    if target.status in CLOSED:
        raise conflict(f"The cohort is {target.status}; move him to a cohort that is forming or running.")
    if not has_room(s, target):
        raise conflict(f"The cohort is full ({target.capacity} places) or others wait for a place in it.")
    return target


def _psychologist(target: Cohort, asked: str | None) -> str:
    psychologist = asked or target.facilitator_ids[0]
    if psychologist not in target.facilitator_ids:
        raise unprocessable("The psychologist facilitates the new cohort.",
                            {"psychologist_id": [f"One of {', '.join(target.facilitator_ids)}."]})
    return psychologist


def _move(s: Session, enrolment: Enrolment, target: Cohort, *, psychologist: str, inspector: str | None,
          note: str | None, by: str) -> None:
    """Make the move: his new place and people, a new version, the history row and `enrollment.transferred`."""
    source = enrolment.cohort_id
    enrolment.version += 1
    enrolment.cohort, enrolment.cohort_id = target, target.id
    enrolment.region, enrolment.district = target.region, target.district
    enrolment.psychologist_id = psychologist
    enrolment.inspector_id = inspector or enrolment.inspector_id
    s.add(EnrolmentTransition(enrolment_id=enrolment.id, action="transfer", from_status=enrolment.status,
                              to_status=enrolment.status, note=note, by=by, from_cohort_id=source,
                              to_cohort_id=target.id))
    add_event(s, events.transferred(enrolment, from_cohort_id=source, at=datetime.now(UTC)))
    s.flush()
    fill_free_places(s, cohort_id=source)  # his place there goes to the first in its line
