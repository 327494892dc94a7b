"""His enrolment: made, moved through its lifecycle (every move kept with who, when and why, and published), her
support worker linked; closed when the follow-up is over. (Transfers: transfers.py.)"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import TypedDict

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import Problem, conflict, unprocessable
from qadam.outbox import add_event
from qadam.quarters import add_months
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .. import events
from ..domain.lifecycle import (
    Action,
    Caller,
    EnrolmentStatus,
    IllegalTransition,
    Move,
    Standing,
    complete_refusal,
    early_completion_needs_note,
    start_refusal,
    transition,
)
from ..domain.progress import EXIT_REVIEW_NOT_ATTENDED, completion_holds
from ..models import Cohort, Enrolment, EnrolmentTransition, Participant, ProtectionOrder, WaitingPlace
from ..queries import HOLDS_A_PLACE, WAITING, has_room, rules_of, standing_of, support_worker_problem
from ..scoping import caller_of, may_move, may_see_participant, require_area
from .outcomes import refresh_outcomes
from .places import CLOSED, SYSTEM, PlaceAsked, fill_free_places, make_enrolment
from .transfers import withdraw_pending_transfer

# The states in which an enrolment has ended: an outcome may be kept of it (domain/outcomes.py says which is one).
ENDS = ("completed", "exited", "closed")


class PlacementAsked(TypedDict):
    """His place in a cohort and who answers for him (PlacementIn)."""

    cohort_id: uuid.UUID
    inspector_id: str
    psychologist_id: str
    victim_support_worker_id: str | None


class EnrolmentAsked(PlacementAsked):
    """An enrolment to make (EnrolmentIn)."""

    participant_id: uuid.UUID
    referral_source: str
    protection_order_id: uuid.UUID | None


class TransitionAsked(TypedDict):
    """A move of the enrolment as asked (TransitionIn): the action, the reason it needs, a note."""

    action: str
    reason: str | None
    note: str | None




def enrol(s: Session, *, principal: Principal, enrolment: EnrolmentAsked) -> Enrolment:
    """Refer a participant to a cohort, naming the order it answers, his prevention inspector and psychologist;
    the enrolment starts `referred` and `enrollment.enrolled` goes out with it. A full cohort, or one others wait
    for (they come first): 409."""
    cohort, participant = checked_placement(s, principal=principal, enrolment=enrolment)
    if not has_room(s, cohort):
        raise conflict(f"The cohort is full ({cohort.capacity} places) or others wait for a place in it; "
                       "choose another, raise its capacity or refer him to its waiting list.")
    return make_enrolment(s, place=_place_of(enrolment), cohort=cohort, participant=participant,
                          created_by=principal.user_id, by=principal.user_id)


def _place_of(enrolment: EnrolmentAsked) -> PlaceAsked:
    return PlaceAsked(participant_id=enrolment["participant_id"], referral_source=enrolment["referral_source"],
                      protection_order_id=enrolment["protection_order_id"], inspector_id=enrolment["inspector_id"],
                      psychologist_id=enrolment["psychologist_id"],
                      victim_support_worker_id=enrolment["victim_support_worker_id"])


def checked_placement(s: Session, *, principal: Principal, enrolment: EnrolmentAsked) -> tuple[Cohort, Participant]:
    """The cohort (locked) and the man of a placement the caller may ask, with the people it names; the refusals
    of `POST /enrolments` but a full cohort (the caller decides: refuse, or wait in its line)."""
    data = enrolment
    cohort = s.get(Cohort, data["cohort_id"], with_for_update={"of": Cohort}, populate_existing=True)
    participant = s.get(Participant, data["participant_id"])
    order = s.get(ProtectionOrder, data["protection_order_id"]) if data["protection_order_id"] else None
    errors: dict[str, list[str]] = {}
    if cohort is None:
        errors["cohort_id"] = ["No such cohort."]
    if participant is None:
        errors["participant_id"] = ["No such participant."]
    if cohort is not None and data["psychologist_id"] not in cohort.facilitator_ids:
        errors["psychologist_id"] = [f"Must be one of the cohort's facilitators: {', '.join(cohort.facilitator_ids)}."]
    if data["protection_order_id"] and (order is None or order.participant_id != data["participant_id"]):
        errors["protection_order_id"] = ["No such protection order of this participant."]
    if cohort is not None and data["victim_support_worker_id"] is not None and (
            problem := support_worker_problem(s, data["victim_support_worker_id"], cohort.region)):
        errors["victim_support_worker_id"] = [problem]
    if errors:
        raise unprocessable("The enrolment cannot be made as asked: see `errors`.", errors)
    assert cohort is not None and participant is not None
    require_area(principal, cohort.region, cohort.district)
    if not may_see_participant(s, principal, participant):
        raise unprocessable("The enrolment cannot be made as asked: see `errors`.",  # as for no such man
                            {"participant_id": ["No such participant."]})
    if principal.role == Role.INSPECTOR and data["inspector_id"] != principal.user_id:
        raise Problem(403, "An inspector enrols participants as their own responsible inspector; "
                           "ask a manager to assign another inspector.")
    if cohort.status in CLOSED:
        raise conflict(f"The cohort is {cohort.status}; refer him to a cohort that is forming or running.")
    duplicate = s.execute(sa.select(Enrolment.id).where(
        Enrolment.participant_id == participant.id, Enrolment.cohort_id == cohort.id)).scalar()
    if duplicate:
        raise conflict(f"{participant.code} is enrolled in this cohort already (enrolment {duplicate}).",
                       existing_enrolment_id=str(duplicate))
    waiting = s.execute(sa.select(WaitingPlace.id).where(
        WaitingPlace.participant_id == participant.id, WaitingPlace.cohort_id == cohort.id,
        WaitingPlace.status == WAITING)).scalar()
    if waiting:
        raise conflict(f"{participant.code} waits for a place in this cohort already.", existing_waiting_id=str(waiting))
    return cohort, participant


def transition_enrolment(s: Session, *, principal: Principal, enrolment: Enrolment, asked: TransitionAsked,
                         today: date) -> Move:
    """Move the enrolment (locked by the caller) as the caller asks: 403 unless they may move it, 409 for a move
    the lifecycle does not allow now (naming the allowed ones), 422 for a missing reason or note."""
    action = Action(asked["action"])
    if not may_move(principal, enrolment):
        raise Problem(403, "Only the enrolment's psychologist, its inspector or staff of its area move it.")
    if action is Action.START:
        # Lock the man, not only this enrolment: two of his enrolments cannot start at the same moment.
        s.execute(sa.select(Participant.id).where(Participant.id == enrolment.participant_id).with_for_update())
    standing = standing_of(s, enrolment)
    if action is Action.START and (refusal := start_refusal(standing)):
        raise conflict(refusal)
    if action is Action.COMPLETE and enrolment.status == EnrolmentStatus.ACTIVE.value:
        # (from elsewhere it is an illegal move: 409 below)
        _may_complete(caller_of(principal, enrolment), standing, enrolment, asked["note"])
    try:
        return move_enrolment(s, enrolment=enrolment, action=action, by=principal.user_id, reason=asked["reason"],
                              note=asked["note"], today=today)
    except IllegalTransition as exc:
        raise conflict(str(exc), allowed_actions=exc.allowed) from None
    except ValueError as exc:
        raise unprocessable(str(exc), {"reason": [str(exc)]}) from None


def _may_complete(caller: Caller, standing: Standing, enrolment: Enrolment, note: str | None) -> None:
    """Completion comes with the curriculum, unless a critical flag is open or the exit review is not recorded as
    attended: then he is proposed and a person decides, saying why when it is before the curriculum is done or
    without the exit review. Never while a critical flag is open."""
    if refusal := complete_refusal(caller, standing):
        raise conflict(refusal, completion_proposal=enrolment.completion_proposal or [])
    rules = rules_of(enrolment)
    without_review = EXIT_REVIEW_NOT_ATTENDED in completion_holds(
        exit_review_session=rules.exit_review_session, exit_review_attended=enrolment.exit_review_attended,
        critical_flag_open=False)
    if why := early_completion_needs_note(curriculum_done=standing.curriculum_done, without_review=without_review,
                                          note=note):
        raise unprocessable(why, {"note": ["Say why he completes now."]})


def move_enrolment(s: Session, *, enrolment: Enrolment, action: Action, by: str, reason: str | None = None,
                   note: str | None = None, today: date | None = None) -> Move:
    """Apply a lifecycle action (IllegalTransition / ValueError if it is not allowed), keep it, publish it."""
    move = transition(EnrolmentStatus(enrolment.status), action, reason)
    today = today or datetime.now(UTC).date()
    enrolment.version += 1
    enrolment.status = move.to_status.value
    if move.reason is not None or move.to_status is not EnrolmentStatus.ACTIVE:
        enrolment.status_reason = move.reason
    if move.to_status is EnrolmentStatus.ACTIVE:
        enrolment.status_reason = None
        enrolment.started_on = enrolment.started_on or today
    if move.to_status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.EXITED, EnrolmentStatus.EXCLUDED):
        enrolment.finished_on = today
    if move.to_status is EnrolmentStatus.COMPLETED:
        months = enrolment.programme.follow_up_months if enrolment.programme else 0
        enrolment.follow_up_until = add_months(today, months)
    if move.from_status is EnrolmentStatus.ACTIVE:
        enrolment.completion_proposed_at, enrolment.completion_proposal = None, None
    s.add(EnrolmentTransition(enrolment_id=enrolment.id, action=action.value, from_status=move.from_status.value,
                              to_status=move.to_status.value, reason=move.reason, note=note, by=by))
    add_event(s, events.status_changed(enrolment, action, move, by=by, at=datetime.now(UTC)))
    if move.to_status.value in ENDS:  # he left: what became of him is kept from now on
        refresh_outcomes(s, participant_ids=[enrolment.participant_id])
    if move.from_status.value in HOLDS_A_PLACE and move.to_status.value not in HOLDS_A_PLACE:
        withdraw_pending_transfer(s, enrolment, by=by)  # he left: a move of him waiting is moot
        s.flush()
        fill_free_places(s, cohort_id=enrolment.cohort_id)  # his place goes to the first in its line
    return move


def link_support_worker(s: Session, *, principal: Principal, enrolment: Enrolment, worker: str | None) -> None:
    """Link her support worker (Inson centre) to the enrolment (locked by the caller), change or remove them: his
    inspector or a supervisor of his area; an active support worker of his region."""
    if principal.role == Role.INSPECTOR and not principal.assigned(enrolment.inspector_id):
        raise Problem(403, "His own inspector, or a supervisor of his area, links her support worker.")
    if principal.role == Role.SUPERVISOR and not principal.covers(region=enrolment.region, district=enrolment.district):
        raise Problem(403, f"{enrolment.district} ({enrolment.region}) is outside your area.")
    if worker is not None and (problem := support_worker_problem(s, worker, enrolment.region)):
        raise unprocessable(problem, {"victim_support_worker_id": [problem]})
    _change_support_worker(s, enrolment, worker, by=principal.user_id)


def _change_support_worker(s: Session, enrolment: Enrolment, worker: str | None, *, by: str) -> None:
    """Link her support worker to the enrolment, change or remove them (a new version), and publish it; nothing
    when it is the one linked already."""
    previous = enrolment.victim_support_worker_id
    if worker == previous:
        return
    enrolment.victim_support_worker_id = worker
    enrolment.version += 1
    add_event(s, events.support_worker_changed(enrolment, previous=previous, by=by, at=datetime.now(UTC)))


def close_followed_up(s: Session, *, today: date) -> int:
    """Close completed enrolments whose follow-up period has ended."""
    due = s.execute(sa.select(Enrolment).where(Enrolment.status == EnrolmentStatus.COMPLETED.value,
                                               Enrolment.follow_up_until < today)
                    .with_for_update(of=Enrolment, skip_locked=True)).unique().scalars().all()
    for enrolment in due:
        move_enrolment(s, enrolment=enrolment, action=Action.CLOSE, by=SYSTEM, note="The follow-up period is over.", today=today)
    return len(due)
