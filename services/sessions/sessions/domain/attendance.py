"""Attendance: who may be marked at a session, what a mark may say, when a session takes marks, and what an
amendment leaves standing (the latest recording wins). No I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from qadam_contracts.vocabulary import AttendanceStatus


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
    warning_signs: tuple[str, ...] = ()


ABSENT = frozenset({AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED})

# Whose mark a session of each kind takes, by enrollment's status of the man: the men taking part now (an intake also
# sees the referred; a finished or suspended man is not marked at group sessions).
TAKING_PART: Mapping[str, frozenset[str]] = {
    "group": frozenset({"active"}), "makeup": frozenset({"active"}),
    "intake": frozenset({"referred", "assessed", "active"}),
    "individual": frozenset({"assessed", "active", "suspended"}),
}


def markable(roster: Mapping[str, Sequence[str]], *, kind: str, only_for: str | None) -> dict[str, str]:
    """The men a session may mark, enrolment id to code, from its cohort's `roster` (enrolment id to the pair code,
    enrollment's status): those taking part in a session of this `kind` and, at one man's session (`only_for`),
    he alone."""
    taking_part = TAKING_PART[kind]
    return {enrolment_id: code for enrolment_id, (code, status) in roster.items()
            if status in taking_part and (only_for is None or enrolment_id == only_for)}


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
        absent = mark.status in ABSENT
        if absent and mark.participation is not None:
            problems.setdefault("participation", []).append("Only a participant who attended takes part.")
        if absent and mark.homework_done is not None:
            problems.setdefault("homework_done", []).append("Homework is noted for a participant who attended.")
        if problems:
            errors[i] = problems
    return errors


def recording_refusal(status: SessionStatus, scheduled_at: datetime, now: datetime) -> str | None:
    """Why attendance cannot be recorded for this session now, or None (`scheduled_at`: when it is held)."""
    if status is SessionStatus.CANCELLED:
        return "The session was cancelled; a cancelled session counts against nobody and takes no attendance."
    if scheduled_at - now > EARLIEST_RECORDING_BEFORE_START:
        return f"The session starts at {scheduled_at.isoformat()}; attendance is recorded from an hour before its start."
    return None


@dataclass(frozen=True)
class Entry:
    """How a session's attendance is entered: at the session (no register), or later from the paper register kept
    there, by its number, with the day it was held when that was not the planned day."""

    register_number: str | None = None
    held_on: date | None = None


def held_at(scheduled_at: datetime, entry: Entry, zone: tzinfo) -> datetime:
    """When the session was held: its planned start, or the planned time of day on the day its register gives (in
    the country's time zone)."""
    if entry.held_on is None:
        return scheduled_at
    planned = scheduled_at.astimezone(zone)
    return datetime.combine(entry.held_on, planned.time(), tzinfo=zone)


def entry_errors(entry: Entry, held: datetime, now: datetime) -> dict[str, list[str]]:
    """Field errors of an entry: a day other than the planned one comes from a register, and is not to come."""
    if entry.held_on is None:
        return {}
    if entry.register_number is None:
        return {"register_number": ["A day other than the planned one is entered from a paper register: give its "
                                    "number."]}
    if held - now > EARLIEST_RECORDING_BEFORE_START:
        return {"held_on": [f"{entry.held_on.isoformat()} is to come; give the day the session was held."]}
    return {}




def rescheduling_refusal(status: SessionStatus) -> str | None:
    """Why a session in this status is neither rescheduled nor cancelled (a conflict), or None."""
    if status is SessionStatus.CANCELLED:
        return "The session is cancelled already; schedule a new one instead."
    if status is SessionStatus.HELD:
        return "The session was held and its attendance recorded; correct a mark by an amendment."
    return None


@dataclass(frozen=True)
class Recording:
    """A mark as it stands: what was recorded, by whom and when (with participation and homework if he attended)."""

    status: AttendanceStatus
    excuse_reason: str | None
    recorded_by: str
    recorded_at: datetime
    participation: int | None = None
    homework_done: bool | None = None


def latest_recording(mark: Recording, *, status: AttendanceStatus, excuse_reason: str | None, recorded_by: str,
                     recorded_at: datetime) -> Recording:
    """The mark after an amendment: the latest recording wins, by whom and when it was made (the earlier one is
    kept as the amendment's old value). A man amended to absent took no part and did no homework there."""
    attended = status not in ABSENT
    return Recording(status=status, excuse_reason=excuse_reason, recorded_by=recorded_by, recorded_at=recorded_at,
                     participation=mark.participation if attended else None,
                     homework_done=mark.homework_done if attended else None)


def says_already(mark: Recording, *, status: AttendanceStatus, excuse_reason: str | None) -> bool:
    """Whether an amendment would leave the mark saying what it says: there is nothing to amend."""
    return (mark.status, mark.excuse_reason) == (status, excuse_reason)


@dataclass(frozen=True)
class RecordedMark:
    """A mark as first recorded at a session, for the man with pseudonymous `participant_code`."""

    id: uuid.UUID
    session_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str
    status: AttendanceStatus
    excuse_reason: str | None
    recorded_by: str
    recorded_at: datetime
    participation: int | None
    homework_done: bool | None
    warning_signs: tuple[str, ...]


def recorded_marks(requests: Iterable[MarkRequest], *, roster: Mapping[str, str], session_id: uuid.UUID,
                   recorded_by: str, now: datetime) -> list[RecordedMark]:
    """The marks a valid request records (`roster`: enrolment id to code), each sign once, in the order given."""
    return [RecordedMark(id=uuid.uuid4(), session_id=session_id, enrolment_id=uuid.UUID(r.enrolment_id),
                         participant_code=roster[r.enrolment_id], status=r.status, excuse_reason=r.excuse_reason,
                         recorded_by=recorded_by, recorded_at=now, participation=r.participation,
                         homework_done=r.homework_done, warning_signs=tuple(dict.fromkeys(r.warning_signs)))
            for r in requests]
