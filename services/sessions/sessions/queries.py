"""Sessions' reads: sessions, marks and their amendments, a man's attendance history, notes and calls, each as the
caller may see them. Keyword-only functions over a read session; a page is the kit's page of the caller's
`PageArgs`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from qadam.auth import Principal, area_filter, assignment_filter
from qadam.config import Settings
from qadam.errors import not_found
from qadam.pages import paginate
from qadam.sealing import unseal
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .domain.attendance import SessionStatus
from .domain.calls import CallStatus, call_state
from .models import AbsenceCall, AttendanceAmendment, AttendanceMark, CohortView, GroupSession, RosterEntry, SessionNote
from .scoping import cohort_of, mark_of, session_of

Page = dict[str, Any]  # the kit's page: items, page, page_size, total


# -- sessions ----------------------------------------------------------------------------------------------------
def cohort_sessions(s: Session, *, cohort_id: uuid.UUID, reader: Principal, page: Page) -> Page:
    """A cohort's sessions, in programme order."""
    cohort_of(s, reader, cohort_id, facilitating=False)
    query = sa.select(GroupSession).where(GroupSession.cohort_id == cohort_id).order_by(GroupSession.number)
    return paginate(s, query, page)


def visible_sessions(s: Session, *, reader: Principal, cohort_ids: list[uuid.UUID] | None, upcoming: bool,
                     unrecorded: bool, now: datetime, page: Page) -> Page:
    """Sessions of the cohorts the reader may see: a facilitator's own, an area's for its staff. `upcoming`: still
    to come, soonest first; `unrecorded`: past their start and still without attendance; newest first otherwise."""
    query = sa.select(GroupSession).join(CohortView, CohortView.cohort_id == GroupSession.cohort_id)
    if reader.role == Role.PSYCHOLOGIST:
        query = query.where(CohortView.facilitator_ids.contains([reader.user_id]), sa.literal(reader.has_area))
    elif reader.role != Role.ADMINISTRATOR:
        query = query.where(area_filter(reader, CohortView.region, CohortView.district))
    if cohort_ids:
        query = query.where(GroupSession.cohort_id.in_(cohort_ids))
    if upcoming:
        query = query.where(GroupSession.scheduled_at >= now, GroupSession.status == SessionStatus.SCHEDULED.value)
    if unrecorded:
        query = query.where(GroupSession.scheduled_at < now, GroupSession.status == SessionStatus.SCHEDULED.value)
    order = GroupSession.scheduled_at if upcoming else GroupSession.scheduled_at.desc()
    return paginate(s, query.order_by(order, GroupSession.id), page)


def session(s: Session, *, session_id: uuid.UUID, reader: Principal) -> GroupSession:
    """One session, if the reader may see it."""
    return session_of(s, reader, session_id, facilitating=False)


# -- attendance --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarkView:
    """A mark as the API shows it, with the man's code."""

    id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str
    status: str
    excuse_reason: str | None
    recorded_by: str
    recorded_at: datetime
    participation: int | None
    homework_done: bool | None
    warning_signs: list[str]

    @classmethod
    def of(cls, mark: AttendanceMark, code: str) -> MarkView:
        """The view of a mark row."""
        return cls(id=mark.id, enrolment_id=mark.enrolment_id, participant_code=code, status=mark.status,
                   excuse_reason=mark.excuse_reason, recorded_by=mark.recorded_by, recorded_at=mark.recorded_at,
                   participation=mark.participation, homework_done=mark.homework_done,
                   warning_signs=mark.warning_signs)


@dataclass(frozen=True)
class HistoryMark(MarkView):
    """A mark in a man's history, with the session it is of."""

    session_id: uuid.UUID
    session_number: int
    scheduled_at: datetime
    held_at: datetime  # as planned, unless its paper register gives another day
    session_status: str


@dataclass(frozen=True)
class SessionAttendance:
    """A session's marks, by participant code."""

    session_id: uuid.UUID
    marks: list[MarkView]


@dataclass(frozen=True)
class AmendedMark:
    """A mark as it stands, with every amendment to it, oldest first."""

    mark: MarkView
    amendments: list[AttendanceAmendment]


def session_attendance(s: Session, *, session_id: uuid.UUID, reader: Principal) -> SessionAttendance:
    """The attendance recorded for a session."""
    session_of(s, reader, session_id, facilitating=False)
    rows = s.execute(sa.select(AttendanceMark, RosterEntry.participant_code)
                     .join(RosterEntry, RosterEntry.enrolment_id == AttendanceMark.enrolment_id)
                     .where(AttendanceMark.session_id == session_id)
                     .order_by(RosterEntry.participant_code)).all()
    return SessionAttendance(session_id, [MarkView.of(m, code) for m, code in rows])


def amended_mark(s: Session, *, session_id: uuid.UUID, enrolment_id: uuid.UUID, reader: Principal) -> AmendedMark:
    """A man's mark at a session with every amendment to it (old value, who, when, why)."""
    mark, code, _ = mark_of(s, reader, session_id, enrolment_id, facilitating=False)
    return amendments_of(s, mark=mark, code=code)


def amendments_of(s: Session, *, mark: AttendanceMark, code: str) -> AmendedMark:
    """The mark with its amendments, oldest first."""
    amendments = s.execute(sa.select(AttendanceAmendment).where(AttendanceAmendment.mark_id == mark.id)
                           .order_by(AttendanceAmendment.amended_at)).scalars().all()
    return AmendedMark(MarkView.of(mark, code), list(amendments))


def attendance_history(s: Session, *, enrolment_id: uuid.UUID, reader: Principal, page: Page) -> Page:
    """A man's attendance history, newest first (with participation and warning signs): his responsible inspector
    reads it wherever the cohort meets; everyone else as the cohort allows."""
    entry = s.get(RosterEntry, enrolment_id)
    if entry is None:
        raise not_found("enrolment", enrolment_id)
    if not (reader.role == Role.INSPECTOR and reader.assigned(entry.inspector_id)):
        cohort_of(s, reader, entry.cohort_id, facilitating=False, asked=("enrolment", enrolment_id))
    query = (sa.select(AttendanceMark, GroupSession)
             .join(GroupSession, GroupSession.id == AttendanceMark.session_id)
             .where(AttendanceMark.enrolment_id == enrolment_id)
             .order_by(sa.func.coalesce(GroupSession.held_at, GroupSession.scheduled_at).desc()))
    code = entry.participant_code
    return paginate(s, query, page, row=lambda r: HistoryMark(
        **vars(MarkView.of(r[0], code)), session_id=r[1].id, session_number=r[1].number,
        scheduled_at=r[1].scheduled_at, held_at=r[1].held_at or r[1].scheduled_at, session_status=r[1].status))


# -- confidential notes ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoteView:
    """A note as its reader sees it: unsealed."""

    id: uuid.UUID
    session_id: uuid.UUID
    enrolment_id: uuid.UUID | None
    text: str
    written_by: str
    written_at: datetime


def session_notes(s: Session, *, session_id: uuid.UUID, reader: Principal, settings: Settings) -> list[NoteView]:
    """The session's confidential notes, oldest first, for the cohort's psychologists only (another psychologist
    gets the session's 404)."""
    session_of(s, reader, session_id, facilitating=True)
    notes = s.execute(sa.select(SessionNote).where(SessionNote.session_id == session_id)
                      .order_by(SessionNote.written_at)).scalars().all()
    return [NoteView(id=n.id, session_id=n.session_id, enrolment_id=n.enrolment_id, text=unseal(settings, n.sealed),
                     written_by=n.written_by, written_at=n.written_at) for n in notes]


# -- the call after an absence -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallView:
    """A call as the API shows it, with its state now (due or overdue while open)."""

    id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str
    cohort_id: uuid.UUID
    session_id: uuid.UUID
    session_number: int
    session_at: datetime
    absence_on: date
    due_at: datetime
    psychologist_id: str
    state: str
    outcome: str | None
    called_at: datetime | None
    called_by: str | None

    @classmethod
    def of(cls, call: AbsenceCall, now: datetime) -> CallView:
        """The view of a call row, `now`."""
        return cls(id=call.id, enrolment_id=call.enrolment_id, participant_code=call.participant_code,
                   cohort_id=call.cohort_id, session_id=call.session_id, session_number=call.session_number,
                   session_at=call.session_at, absence_on=call.absence_on, due_at=call.due_at,
                   psychologist_id=call.psychologist_id, state=call_state(call.status, call.due_at, now),
                   outcome=call.outcome, called_at=call.called_at, called_by=call.called_by)


def _calls_visible_to(reader: Principal) -> sa.ColumnElement[bool]:
    """The calls of the cohorts the reader may see (a psychologist's own groups; an area's for its staff; an
    inspector's assigned men wherever they meet, as for their attendance)."""
    if reader.role == Role.PSYCHOLOGIST:
        return sa.and_(CohortView.facilitator_ids.contains([reader.user_id]), sa.literal(reader.has_area))
    if reader.role == Role.ADMINISTRATOR:
        return sa.true()
    area = area_filter(reader, CohortView.region, CohortView.district)
    if reader.role == Role.INSPECTOR:
        return sa.or_(area, AbsenceCall.enrolment_id.in_(
            sa.select(RosterEntry.enrolment_id).where(assignment_filter(reader, RosterEntry.inspector_id))))
    return area


def visible_calls(s: Session, *, reader: Principal, state: str | None, now: datetime, page: Page) -> Page:
    """The calls after unexcused absences in the reader's groups or area, in one `state`: `due` (in time),
    `overdue`, `done` (the latest first); without it, due and overdue together, the most urgent first."""
    query = (sa.select(AbsenceCall).join(CohortView, CohortView.cohort_id == AbsenceCall.cohort_id)
             .where(_calls_visible_to(reader)))
    if state == "done":
        query = query.where(AbsenceCall.status == CallStatus.DONE.value).order_by(AbsenceCall.called_at.desc())
    else:
        query = query.where(AbsenceCall.status == CallStatus.OPEN.value).order_by(AbsenceCall.due_at)
        if state == "due":
            query = query.where(AbsenceCall.due_at >= now)
        elif state == "overdue":
            query = query.where(AbsenceCall.due_at < now)
    return paginate(s, query.order_by(AbsenceCall.id), page, row=lambda r: CallView.of(r[0], now))
