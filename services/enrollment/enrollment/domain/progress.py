"""Where a participant stands in his programme, from the attendance marks sessions recorded.

Marks are read in session order whatever order they arrived in, and a later recording of the same
session (a correction) replaces the earlier one, so the result never depends on delivery order.
- attended: present or late at a group session (a make-up session too, if the programme counts them);
- an excused absence counts against nobody: it is not attendance;
- an unexcused absence counts toward the limit in all;
- each session of the curriculum counts once: a man transferred to another cohort may meet the same
  session number again, and the later one (where he is now) stands for it.
His run of unexcused absences (the limit in a row) is not computed here: sessions computes it and publishes it with
every mark (`AbsenceRun`, the curriculum's run), and the latest it published is the one that counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Protocol

from qadam.latest import latest_of


@dataclass(frozen=True)
class AttendanceMark:
    session_id: str
    session_number: int
    scheduled_at: datetime
    status: str  # present | late | excused | unexcused
    session_kind: str = "group"  # group | makeup | intake | individual


@dataclass(frozen=True)
class AbsenceRun:
    """His run of unexcused absences in the curriculum, as sessions last published it."""

    current: int = 0  # unexcused absences in a row up to now
    longest: int = 0


NO_RUN = AbsenceRun()


@dataclass(frozen=True)
class Rules:
    """The parts of a programme (version) that decide progress."""

    sessions_required: int
    completion_attendance_percent: int
    max_unexcused_absences: int
    max_consecutive_absences: int
    makeup_sessions_count: bool
    exit_review_session: int | None = None  # the curriculum's exit review (the statutory programme's last module)


@dataclass(frozen=True)
class Progress:
    sessions_recorded: int  # group sessions held with him on the roster (the curriculum delivered to him)
    sessions_attended: int
    excused_absences: int
    unexcused_absences: int
    consecutive_absences: int  # the current run of unexcused absences
    longest_absence_run: int
    last_session_number: int | None
    last_attended_number: int | None
    exit_review_attended: bool = False  # he attended the exit review (a group session, or a make-up of it)

    @property
    def attendance_rate(self) -> float | None:
        """Attended among the sessions he had to attend (excused absences left out)."""
        owed = self.sessions_attended + self.unexcused_absences
        return self.sessions_attended / owed if owed else None


def progress(marks: list[AttendanceMark], rules: Rules, run: AbsenceRun = NO_RUN) -> Progress:
    """Where he stands, from his marks and his run of unexcused absences (sessions' own)."""
    attended = excused = unexcused = recorded = 0
    last = last_attended = None
    exit_review = False
    in_order = sorted(marks, key=lambda m: (m.scheduled_at, m.session_number, m.session_id))
    # per curriculum session, the one held last (of two at the same time, the later in session order)
    latest = latest_of((m for m in in_order if m.session_kind == "group"), key=lambda m: m.session_number,
                       at=lambda m: m.scheduled_at)
    kept = [m for m in in_order if m.session_kind != "group" or latest[m.session_number] is m]
    for mark in kept:
        if mark.session_kind in ("intake", "individual"):
            continue  # one-to-one work is recorded, but the curriculum is the group's
        makeup = mark.session_kind == "makeup"
        if mark.session_number == rules.exit_review_session and mark.status in ("present", "late"):
            exit_review = True
        if not makeup:
            recorded += 1
            last = mark.session_number
        if mark.status in ("present", "late"):
            if not makeup or rules.makeup_sessions_count:
                attended += 1
                last_attended = mark.session_number if not makeup else last_attended
        elif mark.status == "unexcused" and not makeup:
            unexcused += 1
        elif mark.status == "excused" and not makeup:
            excused += 1
    return Progress(recorded, attended, excused, unexcused, run.current, run.longest, last, last_attended, exit_review)


def attendance_needed(rules: Rules) -> int:
    """Sessions he must attend to complete: the completion share of the curriculum, rounded up."""
    return math.ceil(rules.sessions_required * rules.completion_attendance_percent / 100)


def completes(p: Progress, rules: Rules) -> bool:
    """The curriculum is done (every session of it held) and he attended enough of it."""
    return curriculum_done(p.sessions_recorded, p.sessions_attended, rules)


def curriculum_done(sessions_recorded: int, sessions_attended: int, rules: Rules) -> bool:
    return sessions_recorded >= rules.sessions_required and sessions_attended >= attendance_needed(rules)


def exit_reasons(p: Progress, rules: Rules) -> list[str]:
    """Why he should be proposed for exit (the programme's absence limits passed), in plain words; [] if not."""
    reasons = []
    if p.unexcused_absences > rules.max_unexcused_absences:
        reasons.append(f"{p.unexcused_absences} unexcused absences in all; the programme allows "
                       f"{rules.max_unexcused_absences}.")
    if p.longest_absence_run > rules.max_consecutive_absences:
        reasons.append(f"{p.longest_absence_run} unexcused absences in a row; the programme allows "
                       f"{rules.max_consecutive_absences} in a row.")
    still_possible = p.sessions_attended + max(0, rules.sessions_required - p.sessions_recorded)
    if not reasons and still_possible < attendance_needed(rules):
        reasons.append(f"He can no longer attend the {attendance_needed(rules)} of {rules.sessions_required} "
                       f"sessions the programme needs ({rules.completion_attendance_percent}%).")
    return reasons


# Why a man whose curriculum is done is proposed for completion instead of completed (DOMAIN.md: never completed
# while a critical flag is unresolved or his exit review is not done; a person decides). Codes, rendered when read.
CRITICAL_FLAG_OPEN = "critical_flag_open"
EXIT_REVIEW_NOT_ATTENDED = "exit_review_not_attended"
# A red warning sign was recorded with a mark that finished his curriculum: risk's critical flag for it may not be
# here yet, so the sign itself holds completion (and keeps holding it until a person decides).
RED_SIGN_RECORDED = "red_sign_recorded"


def exit_review_session(curriculum: list[dict[str, object]]) -> int | None:
    """The number of the curriculum's exit review module, if it has one."""
    return next((int(str(item["number"])) for item in curriculum if item.get("exit_review")), None)


def completion_holds(*, exit_review_session: int | None, exit_review_attended: bool,
                     critical_flag_open: bool, red_sign_recorded: bool = False) -> list[str]:
    """What holds completion back for a person's decision ([] : he completes with his curriculum)."""
    holds = []
    if critical_flag_open:
        holds.append(CRITICAL_FLAG_OPEN)
    if red_sign_recorded:
        holds.append(RED_SIGN_RECORDED)
    if exit_review_session is not None and not exit_review_attended:
        holds.append(EXIT_REVIEW_NOT_ATTENDED)
    return holds


class HeldSession(Protocol):
    """A mark as sessions published it: when its session was planned and held, and the paper register it came from."""

    @property
    def scheduled_at(self) -> datetime: ...
    @property
    def held_at(self) -> datetime | None: ...
    @property
    def register_number(self) -> str | None: ...


def dated_by_session(marks: Iterable[HeldSession], *, today: date, zone: tzinfo,
                     now: datetime) -> tuple[date, datetime]:
    """The day and moment that his marks make a move (a completion, an exit proposal): for marks entered later from a
    paper register, when the latest of their sessions was held (if that was before today); else today, now."""
    marks = list(marks)
    if not any(m.register_number for m in marks):
        return today, now
    held = max(m.held_at or m.scheduled_at for m in marks)
    day = held.astimezone(zone).date()
    return (day, held) if day < today else (today, now)
