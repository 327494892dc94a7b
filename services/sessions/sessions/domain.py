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
