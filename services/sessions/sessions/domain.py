"""Sessions' pure rules: attendance marks and when a session can take them. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"  # an excused absence, with its reason
    UNEXCUSED = "unexcused"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


# Attendance may be entered shortly before the session's start (a facilitator marking arrivals), not days ahead.
EARLIEST_RECORDING_BEFORE_START = timedelta(hours=1)


@dataclass(frozen=True)
class MarkRequest:
    enrolment_id: str
    status: AttendanceStatus
    excuse_reason: str | None
    participation: int | None = None
    homework_done: bool | None = None


def attendance_errors(marks: Iterable[MarkRequest], roster: Mapping[str, str]) -> dict[int, dict[str, list[str]]]:
    """Field errors for a group's marks, by position: unknown participants, repeats, missing reasons.

    `roster` maps the enrolment ids of the cohort's active participants to their codes.
    """
    errors: dict[int, dict[str, list[str]]] = {}
    seen: set[str] = set()
    for i, mark in enumerate(marks):
        problems: dict[str, list[str]] = {}
        if mark.enrolment_id not in roster:
            problems.setdefault("enrolment_id", []).append(
                "Not taking part in this session: not enrolled in its cohort, or not active in it now (referred, "
                "suspended or finished), or not the participant of this one-to-one session.")
        elif mark.enrolment_id in seen:
            problems.setdefault("enrolment_id", []).append("Marked twice in this request; give one mark each.")
        seen.add(mark.enrolment_id)
        if mark.status is AttendanceStatus.EXCUSED and not (mark.excuse_reason or "").strip():
            problems.setdefault("excuse_reason", []).append("An excused absence needs its reason.")
        if mark.status is not AttendanceStatus.EXCUSED and mark.excuse_reason:
            problems.setdefault("excuse_reason", []).append("Only an excused absence takes a reason.")
        absent = mark.status in (AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED)
        if absent and mark.participation is not None:
            problems.setdefault("participation", []).append("Only a participant who attended takes part.")
        if absent and mark.homework_done is not None:
            problems.setdefault("homework_done", []).append("Homework is noted for a participant who attended.")
        if problems:
            errors[i] = problems
    return errors


def recording_refusal(status: SessionStatus, scheduled_at: datetime, now: datetime) -> str | None:
    """Why attendance cannot be recorded for this session now, or None."""
    if status is SessionStatus.CANCELLED:
        return "The session was cancelled; a cancelled session counts against nobody and takes no attendance."
    if scheduled_at - now > EARLIEST_RECORDING_BEFORE_START:
        return f"The session starts at {scheduled_at.isoformat()}; attendance is recorded from an hour before its start."
    return None


@dataclass(frozen=True)
class PlannedSession:
    number: int
    topic: str | None
    scheduled_at: datetime


def plan_sessions(*, start: date, weekdays: Iterable[int], at: time, count: int, topics: Mapping[int, str],
                  zone: tzinfo, skip: Iterable[int] = ()) -> list[PlannedSession]:
    """A cohort's sessions from its programme: `count` sessions on the schedule's weekdays from `start`, at the
    schedule's local time, numbered in curriculum order with its topics; numbers in `skip` exist already (they
    keep their date, and the plan still counts them)."""
    days = sorted(set(weekdays))
    if not days or any(not 1 <= d <= 7 for d in days):
        raise ValueError("the schedule names no weekdays (ISO: Monday = 1)")
    existing = set(skip)
    planned: list[PlannedSession] = []
    day, number = start, 0
    while number < count:
        if day.isoweekday() in days:
            number += 1
            if number not in existing:
                planned.append(PlannedSession(number, topics.get(number),
                                              datetime.combine(day, at, tzinfo=zone).astimezone(UTC)))
        day += timedelta(days=1)
    return planned


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
