"""Sessions' pure rules: attendance marks and when a session can take them. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
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
                "Not enrolled in this session's cohort; only the cohort's participants can be marked.")
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
