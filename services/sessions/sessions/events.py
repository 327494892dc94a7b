"""What sessions publishes (its contract is qadam_contracts.sessions), and the events made from its rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from qadam_contracts.sessions import (
    AbsenceRun,
    AbsenceRuns,
    AbsenceRunsOver,
    AttendanceAmended,
    AttendanceRecorded,
    CallOverdue,
    CallRecorded,
    CurriculumRun,
    RunAbsence,
    SessionChanged,
    SessionPlanned,
    WarningSignObserved,
)

from .domain import absence_runs as runs_of
from .domain.attendance import RecordedMark
from .domain.calls import calling_psychologist
from .models import AbsenceCall, GroupSession

PUBLISHES = (AttendanceRecorded, AttendanceAmended, WarningSignObserved, CallOverdue, CallRecorded, SessionPlanned,
             SessionChanged)


@dataclass(frozen=True)
class MarkedSession:
    """The session a mark is of, as its events name it (from the ORM row, or the hot path's core row): planned for
    `scheduled_at`, held at `held_at` (the same, unless its paper register says another day)."""

    id: uuid.UUID
    cohort_id: uuid.UUID
    number: int
    scheduled_at: datetime
    kind: str
    held_at: datetime
    register_number: str | None = None


def absence_runs(version: int, runs: runs_of.AbsenceRuns) -> AbsenceRuns:
    """His runs as published, at `version` (his attendance version in the transaction that computed them): each
    different set of runs once, with the combinations of session kinds it is over (one left out has no runs)."""
    return AbsenceRuns(
        version=version, curriculum=CurriculumRun(current=runs.curriculum.current, longest=runs.curriculum.longest),
        by_session_kinds=[AbsenceRunsOver(session_kinds=[list(k) for k in combinations], runs=[AbsenceRun(absences=[
            RunAbsence(session_id=_uuid(m.session_id), session_number=m.session_number,
                       scheduled_at=m.scheduled_at, held_at=m.held_at) for m in run]) for run in over])
            for combinations, over in runs_of.shared(runs)])


def _uuid(value: object) -> uuid.UUID:
    """A session's id as the contract holds it (read from the database it is one already: no text round trip)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def attendance_recorded(session: MarkedSession, mark: RecordedMark, runs: AbsenceRuns) -> AttendanceRecorded:
    """A mark as first recorded, with his runs after it."""
    return AttendanceRecorded(
        mark_id=mark.id, session_id=session.id, cohort_id=session.cohort_id, enrolment_id=mark.enrolment_id,
        participant_code=mark.participant_code, session_number=session.number, scheduled_at=session.scheduled_at,
        status=mark.status.value, excuse_reason=mark.excuse_reason, recorded_by=mark.recorded_by,
        recorded_at=mark.recorded_at, session_kind=session.kind, participation=mark.participation,
        homework_done=mark.homework_done, warning_signs=list(mark.warning_signs), absence_runs=runs,
        held_at=session.held_at, register_number=session.register_number)


def signs_observed(session: MarkedSession, mark: RecordedMark) -> list[WarningSignObserved]:
    """One event per warning sign recorded with a mark: risk acts on each."""
    return [WarningSignObserved(
        observation_id=uuid.uuid4(), session_id=session.id, cohort_id=session.cohort_id,
        enrolment_id=mark.enrolment_id, participant_code=mark.participant_code, session_number=session.number,
        sign=sign, observed_by=mark.recorded_by, observed_at=mark.recorded_at, session_at=session.held_at)
        for sign in mark.warning_signs]


def attendance_amended(session: MarkedSession, *, mark_id: uuid.UUID, enrolment_id: uuid.UUID, code: str,
                       status: str, excuse_reason: str | None, recorded_by: str, recorded_at: datetime,
                       amendment_id: uuid.UUID, old_status: str, runs: AbsenceRuns) -> AttendanceAmended:
    """A corrected mark as it stands now, what it was before, and his runs after it."""
    return AttendanceAmended(
        mark_id=mark_id, session_id=session.id, cohort_id=session.cohort_id, enrolment_id=enrolment_id,
        participant_code=code, session_number=session.number, scheduled_at=session.scheduled_at, status=status,
        excuse_reason=excuse_reason, recorded_by=recorded_by, recorded_at=recorded_at, amendment_id=amendment_id,
        old_status=old_status, session_kind=session.kind, absence_runs=runs, held_at=session.held_at,
        register_number=session.register_number)


def call_recorded(call: AbsenceCall, *, outcome: str, called_at: datetime, called_by: str) -> CallRecorded:
    """The call done (its outcome, never what was said)."""
    return CallRecorded(call_id=call.id, enrolment_id=call.enrolment_id, participant_code=call.participant_code,
                        outcome=outcome, called_at=called_at, called_by=called_by)


def call_overdue(call: AbsenceCall, facilitators: list[str] | None) -> CallOverdue:
    """The call past its time, naming the cohort's first facilitator as the psychologist who was to call."""
    return CallOverdue(
        call_id=call.id, enrolment_id=call.enrolment_id, participant_code=call.participant_code,
        cohort_id=call.cohort_id, session_id=call.session_id, session_number=call.session_number,
        absence_on=call.absence_on, due_at=call.due_at, psychologist_id=calling_psychologist(facilitators))


def session_planned(session: GroupSession, *, at: datetime, changed: bool = False) -> SessionPlanned:
    """The session as it stands (planned, or `changed`: rescheduled or cancelled), for those who print its register."""
    kind = SessionChanged if changed else SessionPlanned
    return kind(session_id=session.id, cohort_id=session.cohort_id, number=session.number, kind=session.kind,
                enrolment_id=session.enrolment_id, scheduled_at=session.scheduled_at, place=session.place,
                status=session.status, changed_at=at)
