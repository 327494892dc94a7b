"""The call a psychologist owes a man after his unexcused absence: when it falls due, its state, who is owed one.
No I/O."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from qadam_contracts.vocabulary import AttendanceStatus

# -- the call after an unexcused absence ---------------------------------------------------------------------------
# DOMAIN.md, the statutory programme: after an unexcused absence the psychologist calls him within 48 hours. A cohort's
# programme version may say otherwise (`absence_call_hours` on enrollment's cohort events).
DEFAULT_ABSENCE_CALL_HOURS = 48


# enrollment's statuses from which a man never comes back to the group (completed, then closed; exited; excluded at
# intake): no call is owed him after he has left, so his open ones are cancelled and none is opened.
LEFT_THE_PROGRAMME = frozenset({"completed", "closed", "exited", "excluded"})


class CallStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


def absence_call_due(session_at: datetime, hours: int | None) -> datetime:
    """When the call after his absence from the session that started at `session_at` falls due."""
    return session_at + timedelta(hours=hours or DEFAULT_ABSENCE_CALL_HOURS)


def call_state(status: str, due_at: datetime, now: datetime) -> str:
    """What the psychologist reads: `due` (still in time), `overdue`, `done` or `cancelled`."""
    if status != CallStatus.OPEN:
        return status
    return "overdue" if now > due_at else "due"


def owes_calls(enrolment_status: str | None) -> bool:
    """Whether a man in this status (None: not on the roster we hold) may still be owed a call after an absence."""
    return enrolment_status not in LEFT_THE_PROGRAMME


def calling_psychologist(facilitator_ids: list[str] | None) -> str | None:
    """Who was to call him (the contract of `sessions.call.overdue`): the cohort's first facilitator (None if it
    has none), not whoever recorded the absence (a manager may record it)."""
    return facilitator_ids[0] if facilitator_ids else None


def call_change(old: AttendanceStatus | None, new: AttendanceStatus) -> str | None:
    """What a mark recorded (`old` None) or amended does to the call after an absence: `open` one (he is now absent
    without excuse), `cancel` the open one (he is no longer), or nothing."""
    if new is AttendanceStatus.UNEXCUSED and old is not AttendanceStatus.UNEXCUSED:
        return "open"
    if old is AttendanceStatus.UNEXCUSED and new is not AttendanceStatus.UNEXCUSED:
        return "cancel"
    return None


def outcome_refusal(status: str) -> str | None:
    """Why a call's outcome cannot be recorded now (a conflict with its state), or None."""
    if status == CallStatus.DONE:
        return "This call is recorded already."
    if status == CallStatus.CANCELLED:
        return "This call was cancelled: the absence was amended (excused, or he attended)."
    return None


CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead of the server's is not "in the future"


def called_at_error(called_at: datetime, session_at: datetime, now: datetime) -> str | None:
    """What is wrong with the time a call is given as made, or None."""
    if called_at > now + CLOCK_SKEW:
        return "A call is recorded once it is made, not ahead."
    if called_at < session_at:
        return "The call after an absence is made after the session he missed."
    return None
