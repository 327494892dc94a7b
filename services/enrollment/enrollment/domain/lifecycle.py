"""The life of an enrolment, as DOMAIN.md describes it: a state machine of plain data.

    referred → assessed → active ⇄ suspended → completed → closed (after the follow-up period)
    referred/assessed → excluded at intake (with a reason)
    referred/assessed/active/suspended → exited (with a reason)

Every move names its action and, where the field asks for one, its reason; an illegal move is refused
with the moves that are allowed from where the enrolment stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EnrolmentStatus(StrEnum):
    REFERRED = "referred"  # an inspector (or court, or the man himself) referred him
    ASSESSED = "assessed"  # intake assessment done, not yet in a group
    ACTIVE = "active"  # attending the programme
    SUSPENDED = "suspended"  # paused for a recorded reason (illness, short custody, work away)
    COMPLETED = "completed"  # curriculum done; in follow-up until the case is closed
    CLOSED = "closed"  # follow-up period over
    EXCLUDED = "excluded"  # not admitted at intake
    EXITED = "exited"  # left the programme unfinished


class Action(StrEnum):
    ASSESS = "assess"
    EXCLUDE = "exclude"
    START = "start"
    SUSPEND = "suspend"
    RESUME = "resume"
    COMPLETE = "complete"
    CLOSE = "close"
    EXIT = "exit"


EXIT_REASONS = ("non_compliance", "new_violence", "withdrawn", "transferred", "custody", "moved_away", "died")
EXCLUSION_REASONS = ("severe_mental_illness", "untreated_addiction", "other")
SUSPENSION_REASONS = ("illness", "custody", "work_away", "family_emergency", "other")
# Why he left, as her support worker reads it: an exit's reason bears on the woman's safety (new violence, custody,
# moved away); why he was not admitted or paused (his health, his work) is his own, and not hers to know.
def reason_for_her(status: str, reason: str | None) -> str | None:
    """The reason of his status her support worker is shown: an exit's, and no other."""
    return reason if status == EnrolmentStatus.EXITED and reason in EXIT_REASONS else None


REASONS: dict[Action, tuple[str, ...]] = {
    Action.EXIT: EXIT_REASONS,
    Action.EXCLUDE: EXCLUSION_REASONS,
    Action.SUSPEND: SUSPENSION_REASONS,
}

S, A = EnrolmentStatus, Action
MOVES: dict[EnrolmentStatus, dict[Action, EnrolmentStatus]] = {
    S.REFERRED: {A.ASSESS: S.ASSESSED, A.EXCLUDE: S.EXCLUDED, A.EXIT: S.EXITED},
    S.ASSESSED: {A.START: S.ACTIVE, A.EXCLUDE: S.EXCLUDED, A.EXIT: S.EXITED},
    S.ACTIVE: {A.SUSPEND: S.SUSPENDED, A.COMPLETE: S.COMPLETED, A.EXIT: S.EXITED},
    S.SUSPENDED: {A.RESUME: S.ACTIVE, A.EXIT: S.EXITED},
    S.COMPLETED: {A.CLOSE: S.CLOSED},
    S.CLOSED: {},
    S.EXCLUDED: {},
    S.EXITED: {},
}
# Where a participant still takes part (counts toward a cohort's capacity, gets sessions, is watched by risk).
IN_PROGRAMME = frozenset({S.ASSESSED, S.ACTIVE, S.SUSPENDED})
FINISHED = frozenset({S.COMPLETED, S.CLOSED, S.EXITED, S.EXCLUDED})


class IllegalTransition(Exception):
    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed


@dataclass(frozen=True)
class Move:
    action: Action
    from_status: EnrolmentStatus
    to_status: EnrolmentStatus
    reason: str | None


def allowed_actions(status: EnrolmentStatus) -> list[str]:
    return [a.value for a in MOVES[status]]


@dataclass(frozen=True)
class Caller:
    """What decides which moves a caller could make on one enrolment now (facts gathered by the route)."""

    may_move: bool  # its psychologist, its inspector, or staff of its area (scoping.may_move)
    may_complete_early: bool  # a programme manager (or administrator): completes before the curriculum is done


@dataclass(frozen=True)
class Standing:
    """The enrolment's facts that the moves depend on besides its state."""

    status: EnrolmentStatus
    curriculum_done: bool
    critical_flag_open: bool
    started_elsewhere: bool  # another enrolment of his is active or suspended


def complete_refusal(caller: Caller, standing: Standing) -> str | None:
    """Why this caller cannot complete the enrolment now (None: they can). One rule for the move and for the
    moves offered, so that what is offered is never refused."""
    if standing.critical_flag_open:
        return ("A critical risk flag of his is unresolved; he cannot be completed until someone responsible "
                "resolves it in risk.")
    if not standing.curriculum_done and not caller.may_complete_early:
        return ("What he has attended is not enough to complete; the enrolment completes (or is proposed for "
                "completion) when it is, or a programme manager completes it early with a note saying why.")
    return None


def early_completion_needs_note(*, curriculum_done: bool, without_review: bool, note: str | None) -> str | None:
    """What a person completing him must say why (None: nothing): before the curriculum is done, or without his
    exit review recorded as attended, completion comes with a note."""
    if (curriculum_done and not without_review) or (note or "").strip():
        return None
    why = ("Completing before the curriculum is done" if not curriculum_done
           else "Completing without his exit review recorded as attended")
    return f"{why} needs a note saying why."


def start_refusal(standing: Standing) -> str | None:
    if standing.started_elsewhere:
        return "He is taking part in another programme already; exit or complete that one first."
    return None


def actions_open_to(caller: Caller, standing: Standing) -> list[str]:
    """The moves this caller could make now: allowed from the state, and not refused by the move's own rule."""
    if not caller.may_move:
        return []
    refusals = {Action.COMPLETE: complete_refusal(caller, standing), Action.START: start_refusal(standing)}
    return [a.value for a in MOVES[standing.status] if refusals.get(a) is None]


def transition(status: EnrolmentStatus, action: Action, reason: str | None = None) -> Move:
    """The move `action` makes from `status`, or IllegalTransition naming what is allowed instead."""
    target = MOVES[status].get(action)
    allowed = allowed_actions(status)
    if target is None:
        what = ", ".join(allowed) if allowed else "nothing: the enrolment is finished"
        raise IllegalTransition(f"An enrolment that is {status.value} cannot {action.value}; allowed: {what}.", allowed)
    reasons = REASONS.get(action)
    if reasons is not None and reason not in reasons:
        raise ValueError(f"To {action.value}, give a reason: one of {', '.join(reasons)}.")
    return Move(action, status, target, reason)


