"""Sessions' use cases that change something: schedule sessions, record and amend attendance (opening and cancelling
the call after an absence with it), write confidential notes, record a call's outcome, and settle overdue calls.
Keyword-only functions over the caller's unit of work, called by routes, handlers and the worker alike; they raise
the Problem a route answers with."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import cast

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.config import Settings
from qadam.errors import Problem, conflict, not_found, unprocessable
from qadam.log import get_logger
from qadam.outbox import add_event, add_events
from qadam.sealing import SealingKeyMissing, seal
from qadam_contracts.sessions import AbsenceRuns, CallOverdue
from qadam_contracts.vocabulary import AttendanceStatus
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from . import events
from .domain.absence_runs import HeldMark, absence_runs
from .domain.attendance import (
    Entry,
    MarkRequest,
    RecordedMark,
    Recording,
    SessionStatus,
    attendance_errors,
    entry_errors,
    held_at,
    latest_recording,
    markable,
    recorded_marks,
    recording_refusal,
    rescheduling_refusal,
    says_already,
)
from .domain.calls import CallStatus, absence_call_due, call_change, called_at_error, outcome_refusal, owes_calls
from .domain.programme import plan_sessions, schedule_time
from .events import MarkedSession, attendance_amended, attendance_recorded, call_overdue, call_recorded, signs_observed
from .models import (
    AbsenceCall,
    AttendanceAmendment,
    AttendanceMark,
    AttendanceVersion,
    CohortView,
    GroupSession,
    RosterEntry,
    SessionNote,
)
from .queries import AmendedMark, amendments_of
from .scoping import check_cohort_access, cohort_of, mark_of, session_of

log = get_logger(__name__)


# -- sessions ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewSession:
    """A session to schedule, as the schema loads it."""

    number: int
    kind: str
    scheduled_at: datetime
    enrolment_id: uuid.UUID | None = None
    topic: str | None = None
    place: str | None = None


def schedule_session(s: Session, *, cohort_id: uuid.UUID, session: NewSession, by: Principal) -> GroupSession:
    """Schedule a session of a cohort: one group session per number; a make-up session makes up one of them; a man's
    own session names a man of the cohort."""
    cohort_of(s, by, cohort_id, facilitating=True)
    group_session = s.execute(sa.select(GroupSession.id).where(
        GroupSession.cohort_id == cohort_id, GroupSession.number == session.number,
        GroupSession.kind == "group", GroupSession.status != SessionStatus.CANCELLED.value)).scalar()
    if session.kind == "group" and group_session:
        raise conflict(f"Session {session.number} of this cohort is scheduled already ({group_session}); "
                       "reschedule it instead.", existing_session_id=str(group_session))
    if session.kind == "makeup" and not group_session:
        raise unprocessable("A make-up session makes up a group session of this cohort.",
                            {"number": [f"No group session {session.number} in this cohort."]})
    if session.enrolment_id is not None and not _on_roster(s, session.enrolment_id, cohort_id):
        raise unprocessable("Not a participant of this cohort.", {"enrolment_id": ["Not in this cohort."]})
    scheduled = GroupSession(id=uuid.uuid4(), number=session.number, kind=session.kind,
                             enrolment_id=session.enrolment_id,
                             scheduled_at=session.scheduled_at, planned_at=session.scheduled_at,
                             topic=session.topic, place=session.place,
                             cohort_id=cohort_id, status=SessionStatus.SCHEDULED.value, created_by=by.user_id)
    s.add(scheduled)
    add_event(s, events.session_planned(scheduled, at=datetime.now(UTC)))
    return scheduled


def plan_programme(s: Session, *, cohort_id: uuid.UUID, by: Principal, zone: tzinfo) -> list[GroupSession]:
    """Schedule the cohort's whole programme from its curriculum and schedule (weekdays, time, place), from its start
    date; sessions scheduled already keep their dates. Returns the sessions it added."""
    cohort = s.get(CohortView, cohort_id, with_for_update=True)
    if cohort is None:
        raise not_found("cohort", cohort_id)
    check_cohort_access(by, cohort, facilitating=True)
    schedule = cohort.schedule or {}
    if not schedule.get("weekdays") or not schedule.get("time") or cohort.start_date is None:
        raise conflict("The cohort has no schedule (weekdays and time) or start date in enrollment yet; "
                       "set them there, or schedule sessions one by one.")
    taken = set(s.execute(sa.select(GroupSession.number).where(
        GroupSession.cohort_id == cohort_id, GroupSession.kind == "group",
        GroupSession.status != SessionStatus.CANCELLED.value)).scalars())
    plan = plan_sessions(start=cohort.start_date, weekdays=schedule["weekdays"], at=schedule_time(schedule["time"]),
                         count=cohort.sessions_required, zone=zone, skip=taken,
                         topics={int(m["number"]): str(m["topic"]) for m in cohort.curriculum or []})
    added = [GroupSession(id=uuid.uuid4(), cohort_id=cohort_id, number=p.number, kind="group", topic=p.topic,
                          scheduled_at=p.scheduled_at, planned_at=p.scheduled_at, place=schedule.get("place"),
                          status=SessionStatus.SCHEDULED.value, created_by=by.user_id) for p in plan]
    s.add_all(added)
    now = datetime.now(UTC)
    add_events(s, [events.session_planned(p, at=now) for p in added])
    return added


@dataclass(frozen=True)
class Fidelity:
    """What was delivered against the manual."""

    module_delivered: str
    co_facilitators: list[str]
    deviations: str | None


def record_fidelity(s: Session, *, session_id: uuid.UUID, fidelity: Fidelity, by: Principal) -> GroupSession:
    """What was delivered against the manual: the module, co-facilitators and any deviation."""
    session = session_of(s, by, session_id, facilitating=True, lock=True)
    if session.status == SessionStatus.CANCELLED.value:
        raise conflict("A cancelled session delivered nothing.")
    session.module_delivered = fidelity.module_delivered
    session.co_facilitators = fidelity.co_facilitators
    session.deviations = fidelity.deviations
    return session


@dataclass(frozen=True)
class SessionMove:
    """A reschedule (a new start or place, each only if given) or a cancellation, with its reason."""

    reason: str
    cancel: bool = False
    scheduled_at: datetime | None = None
    place: str | None = None
    moves_place: bool = False  # the place was given (a None place clears it)


def change_session(s: Session, *, session_id: uuid.UUID, move: SessionMove, by: Principal) -> GroupSession:
    """Reschedule or cancel a session, with the reason. A cancelled session counts against nobody; one whose
    attendance is recorded is not cancelled (its marks are amended instead)."""
    session = session_of(s, by, session_id, facilitating=True, lock=True)
    refusal = rescheduling_refusal(SessionStatus(session.status))
    if refusal:
        raise conflict(refusal)
    if move.cancel:
        session.status = SessionStatus.CANCELLED.value
    elif move.scheduled_at is None and not move.moves_place:
        raise unprocessable("Give a new start or place, or cancel.", {"scheduled_at": ["Missing."]})
    if move.scheduled_at is not None:
        session.scheduled_at = move.scheduled_at
    if move.moves_place:
        session.place = move.place
    session.change_reason = move.reason
    add_event(s, events.session_planned(session, at=datetime.now(UTC), changed=True))
    return session


# -- attendance --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordedAttendance:
    """A session's marks as recorded, by participant code."""

    session_id: uuid.UUID
    marks: list[RecordedMark]


def record_attendance(s: Session, *, session_id: uuid.UUID, marks: Sequence[MarkRequest], recorded_by: Principal,
                      now: datetime, zone: tzinfo, entry: Entry | None = None) -> RecordedAttendance:
    """Record the whole group's attendance at once: one mark per man, one event per mark and per warning sign, the
    call his psychologist owes each man absent without excuse, and the session held. `entry`: entered later from
    its paper register (its number, and the day it was held if not the planned one): the session keeps when it was
    held, and its marks' figures, flags and calls are dated by it, not by when they were entered."""
    # The session, its cohort and the named participants' roster entries in one round trip.
    named = (sa.select(sa.func.json_object_agg(RosterEntry.enrolment_id,
                                               sa.func.json_build_array(RosterEntry.participant_code,
                                                                        RosterEntry.status)))
             .where(RosterEntry.cohort_id == GroupSession.cohort_id,
                    RosterEntry.enrolment_id.in_([m.enrolment_id for m in marks]))
             .scalar_subquery())
    # Core rows, not ORM objects: this is the hot path of the service.
    db = s.connection()
    session = db.execute(
        sa.select(GroupSession.status, GroupSession.scheduled_at, GroupSession.number, GroupSession.cohort_id,
                  GroupSession.kind, GroupSession.enrolment_id.label("only_for"), GroupSession.held_at,
                  GroupSession.register_number,
                  CohortView.region, CohortView.district, CohortView.facilitator_ids,
                  CohortView.absence_call_hours, named.label("roster"))
        .join_from(GroupSession, CohortView, CohortView.cohort_id == GroupSession.cohort_id)
        .where(GroupSession.id == session_id)
        # locked to the commit: a reschedule or cancellation (change_session locks it too) waits for the recording,
        # or the recording for it, so no mark lands on a moved or cancelled session. Lock order: session, versions.
        .with_for_update(of=GroupSession)).first()
    if session is None:
        raise not_found("session", session_id)
    roster = markable(session.roster or {}, kind=session.kind,
                      only_for=str(session.only_for) if session.only_for else None)
    check_cohort_access(recorded_by, session, facilitating=True, asked=("session", session_id))
    # a session held already (some of its men marked before) stays held when and as it was first entered
    entry = entry or Entry()
    held = session.held_at or held_at(session.scheduled_at, entry, zone)
    if wrong := entry_errors(entry, held, now):
        raise unprocessable("The paper register's entry cannot be taken: see `errors`.", wrong)
    refusal = recording_refusal(SessionStatus(session.status), held, now)
    if refusal:
        raise conflict(refusal)
    errors = attendance_errors(marks, roster)
    if errors:
        raise unprocessable("Some marks cannot be recorded: see `errors` (by position in `marks`).", {"marks": errors})
    recorded = recorded_marks(marks, roster=roster, session_id=session_id, recorded_by=recorded_by.user_id, now=now)
    # The unique (session, enrolment) constraint decides, so two psychologists racing cannot both record.
    versions = _insert_marks(db, recorded)
    if len(versions) < len(recorded):
        codes = ", ".join(sorted(m.participant_code for m in recorded if m.enrolment_id not in versions))
        raise conflict(f"Attendance of {codes} at this session is recorded already; a recorded mark is "
                       "corrected by an amendment, not recorded again.")
    register = session.register_number if session.held_at else entry.register_number
    if session.status != SessionStatus.HELD.value:  # held, before his runs are read: they count it when it was held
        sessions = cast(sa.Table, GroupSession.__table__)
        db.execute(sa.update(sessions).where(sessions.c.id == session_id).values(
            status=SessionStatus.HELD.value, held_at=held, register_number=register, attendance_entered_at=now,
            attendance_entered_by=recorded_by.user_id))
    marked = MarkedSession(session_id, session.cohort_id, session.number, session.scheduled_at, session.kind, held,
                           register)
    runs = runs_at(s, versions)
    # the marks, then each sign (risk acts on each), in one outbox insert
    add_events(s, [*(attendance_recorded(marked, m, runs[m.enrolment_id]) for m in recorded),
                   *(o for m in recorded for o in signs_observed(marked, m))])
    # his psychologist owes each man absent without excuse a call (DOMAIN.md: within 48 hours of the session)
    open_calls(s, absences=[Absence(m.id, m.enrolment_id, m.participant_code) for m in recorded
                            if call_change(None, m.status) == "open"], session=marked,
               call_hours=session.absence_call_hours, psychologist_id=recorded_by.user_id, now=now, zone=zone)
    return RecordedAttendance(session_id, sorted(recorded, key=lambda m: m.participant_code))


def _insert_marks(db: sa.Connection, recorded: Sequence[RecordedMark]) -> dict[uuid.UUID, int]:
    """The marks inserted, and each of these men's attendance version raised, in one statement: {man: version}.
    A mark recorded already is not inserted (the unique (session, enrolment) constraint decides, so two
    psychologists racing cannot both record), and its man's version is not raised. The version rows are locked in
    one order, as `runs_after_change` locks them."""
    return {r.enrolment_id: r.version
            for r in db.execute(_INSERT_MARKS, {"rows": [_mark_row(m) for m in recorded]})}


def _insert_marks_statement() -> sa.Executable:
    """The marks come as one JSON parameter (rows of `_mark_row`), so the statement is the same however many marks
    a session has and SQLAlchemy compiles it once (a multi-row VALUES is compiled anew for every call)."""
    marks = cast(sa.Table, AttendanceMark.__table__)
    versions = cast(sa.Table, AttendanceVersion.__table__)
    given = (sa.func.jsonb_to_recordset(sa.bindparam("rows", type_=JSONB))
             .table_valued(*(sa.column(c, marks.c[c].type) for c in _MARK_COLUMNS)).render_derived(with_types=True))
    inserted = (pg_insert(marks).from_select(list(_MARK_COLUMNS), sa.select(*(given.c[c] for c in _MARK_COLUMNS)))
                .on_conflict_do_nothing(constraint="uq_attendance_mark_session_enrolment")
                .returning(marks.c.enrolment_id).cte("inserted"))
    bump = pg_insert(versions).from_select(
        ["enrolment_id", "version"], sa.select(inserted.c.enrolment_id, sa.literal(1)).order_by(inserted.c.enrolment_id))
    return (bump.on_conflict_do_update(index_elements=[versions.c.enrolment_id],
                                       set_={"version": versions.c.version + 1})
            .returning(versions.c.enrolment_id, versions.c.version).add_cte(inserted))


def runs_after_change(s: Session, enrolment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, AbsenceRuns]:
    """Each man's runs of unexcused absences after his marks changed in this transaction, with a version higher
    than any published before. His version row is locked first (in one order, so two recordings sharing men cannot
    deadlock) and held to the commit: a recording committed before it is read, one not yet committed waits and
    then reads this one's mark and publishes a higher version. Timestamps could not order them so."""
    s.flush()  # an amendment's ORM changes are written before his marks are read
    versions = {r.enrolment_id: r.version
                for r in s.connection().execute(_RAISE_VERSIONS, {"men": sorted(set(enrolment_ids))})}
    return runs_at(s, versions)


def _raise_versions_statement() -> sa.Executable:
    """Raise the men's versions (the first is 1), locked in one order; the men as one array parameter: compiled
    once."""
    versions = cast(sa.Table, AttendanceVersion.__table__)
    men = sa.func.unnest(sa.bindparam("men", type_=ARRAY(sa.Uuid()))).table_valued("man").render_derived()
    return (pg_insert(versions).from_select(["enrolment_id", "version"], sa.select(men.c.man, sa.literal(1)).order_by(men.c.man))
            .on_conflict_do_update(index_elements=[versions.c.enrolment_id], set_={"version": versions.c.version + 1})
            .returning(versions.c.enrolment_id, versions.c.version))


def runs_at(s: Session, versions: dict[uuid.UUID, int]) -> dict[uuid.UUID, AbsenceRuns]:
    """Each man's runs from all his marks, read after his version row was locked (in a statement of its own, so
    that it sees what a recording it waited for committed), published at his version."""
    marks: dict[uuid.UUID, list[HeldMark]] = {e: [] for e in versions}
    for r in s.connection().execute(_MARKS_OF_THE_ABSENT, {"men": list(versions)}).all():
        marks[r.enrolment_id].append(HeldMark(r.session_id, r.number, r.scheduled_at, r.status, r.kind, r.held_at))
    # a man with no unexcused absence has no run anywhere: his marks are not read (most men, most of the time)
    return {e: events.absence_runs(v, absence_runs(marks[e])) for e, v in versions.items()}


def _marks_of_the_absent_statement() -> sa.Select[tuple[uuid.UUID, uuid.UUID, int, datetime, str, str, datetime | None]]:
    """The marks of the men (one array parameter: one statement however many; an IN list of n parameters is a
    statement of its own for each n) who have an unexcused absence, as core rows (no ORM rows on the hot path),
    each with its session's number, time, kind and the day it was held."""
    mark, session = cast(sa.Table, AttendanceMark.__table__), cast(sa.Table, GroupSession.__table__)
    absent, men = mark.alias("absent"), sa.bindparam("men", type_=ARRAY(sa.Uuid()))
    return (sa.select(mark.c.enrolment_id, mark.c.session_id, session.c.number, session.c.scheduled_at,
                      mark.c.status, session.c.kind, session.c.held_at)
            .join_from(mark, session, session.c.id == mark.c.session_id)
            .where(mark.c.enrolment_id.in_(
                sa.select(absent.c.enrolment_id).where(absent.c.enrolment_id == sa.any_(men),
                                                       absent.c.status == AttendanceStatus.UNEXCUSED.value))))


_MARK_COLUMNS = ("id", "session_id", "enrolment_id", "status", "excuse_reason", "recorded_by", "recorded_at",
                 "participation", "homework_done", "warning_signs")


def _mark_row(mark: RecordedMark) -> dict[str, object]:
    """A mark as a row of `_INSERT_MARKS`' JSON parameter (PostgreSQL reads the ids and the time back)."""
    return {"id": str(mark.id), "session_id": str(mark.session_id), "enrolment_id": str(mark.enrolment_id),
            "status": mark.status.value, "excuse_reason": mark.excuse_reason, "recorded_by": mark.recorded_by,
            "recorded_at": mark.recorded_at.isoformat(), "participation": mark.participation,
            "homework_done": mark.homework_done, "warning_signs": list(mark.warning_signs)}


_INSERT_MARKS = _insert_marks_statement()
_RAISE_VERSIONS = _raise_versions_statement()
_MARKS_OF_THE_ABSENT = _marks_of_the_absent_statement()


@dataclass(frozen=True)
class MarkAmendment:
    """A correction of a recorded mark: what it should say, and why it was wrong."""

    status: AttendanceStatus
    excuse_reason: str | None
    reason: str


def amend_mark(s: Session, *, session_id: uuid.UUID, enrolment_id: uuid.UUID, amendment: MarkAmendment,
               amended_by: Principal, now: datetime, zone: tzinfo) -> AmendedMark:
    """Correct a recorded mark. It is amended, not overwritten: the old value, who, when and why are kept; the call
    after an absence is opened or cancelled as the mark now says; `sessions.attendance.amended` tells enrollment and
    risk to recompute. Returns the mark as it stands now, with its amendments."""
    mark, code, session = mark_of(s, amended_by, session_id, enrolment_id, facilitating=True, lock=True)
    errors = attendance_errors([MarkRequest(str(enrolment_id), amendment.status, amendment.excuse_reason)],
                               {str(enrolment_id): code})
    if errors:
        raise unprocessable("The amended mark is not valid: see `errors`.", errors[0])
    was = Recording(status=AttendanceStatus(mark.status), excuse_reason=mark.excuse_reason,
                    recorded_by=mark.recorded_by, recorded_at=mark.recorded_at, participation=mark.participation,
                    homework_done=mark.homework_done)
    if says_already(was, status=amendment.status, excuse_reason=amendment.excuse_reason):
        raise unprocessable("The mark says this already; there is nothing to amend.",
                            {"status": ["The same as recorded."]})
    record = AttendanceAmendment(
        id=uuid.uuid4(), mark_id=mark.id, old_status=was.status.value, old_excuse_reason=was.excuse_reason,
        old_recorded_by=was.recorded_by, old_recorded_at=was.recorded_at, new_status=amendment.status.value,
        new_excuse_reason=amendment.excuse_reason, reason=amendment.reason, amended_by=amended_by.user_id,
        amended_at=now)
    now_says = latest_recording(was, status=amendment.status, excuse_reason=amendment.excuse_reason,
                                recorded_by=amended_by.user_id, recorded_at=now)
    mark.status, mark.excuse_reason = now_says.status.value, now_says.excuse_reason
    mark.recorded_by, mark.recorded_at = now_says.recorded_by, now_says.recorded_at
    mark.participation, mark.homework_done = now_says.participation, now_says.homework_done
    s.add(record)
    marked = MarkedSession(session.id, session.cohort_id, session.number, session.scheduled_at, session.kind,
                           session.held_at or session.scheduled_at, session.register_number)
    change = call_change(was.status, now_says.status)
    if change == "cancel":
        cancel_call(s, mark_id=mark.id, now=now)
    elif change == "open" and owes_calls(  # no call is owed a man who has left the programme
            s.scalar(sa.select(RosterEntry.status).where(RosterEntry.enrolment_id == enrolment_id))):
        cohort = s.get(CohortView, session.cohort_id)
        open_calls(s, absences=[Absence(mark.id, enrolment_id, code)], session=marked,
                   call_hours=cohort.absence_call_hours if cohort else None, psychologist_id=amended_by.user_id,
                   now=now, zone=zone)
    add_event(s, attendance_amended(
        marked, mark_id=mark.id, enrolment_id=enrolment_id, code=code, status=mark.status,
        excuse_reason=mark.excuse_reason, recorded_by=amended_by.user_id, recorded_at=now,
        amendment_id=record.id, old_status=was.status.value, runs=runs_after_change(s, [enrolment_id])[enrolment_id]))
    s.flush()
    return amendments_of(s, mark=mark, code=code)


# -- the call after an absence -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Absence:
    """A man's absence without excuse from a session: the mark that says so."""

    mark_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str


def open_calls(s: Session, *, absences: Sequence[Absence], session: MarkedSession, call_hours: int | None,
               psychologist_id: str, now: datetime, zone: tzinfo) -> None:
    """A call for each absence without excuse from one session, in the caller's transaction (the marks' own), due
    `call_hours` (default 48) after the session was held."""
    if not absences:
        return
    due_at = absence_call_due(session.held_at, call_hours)
    absence_on = session.held_at.astimezone(zone).date()
    s.execute(sa.insert(AbsenceCall), [{
        "id": uuid.uuid4(), "mark_id": a.mark_id, "session_id": session.id, "cohort_id": session.cohort_id,
        "enrolment_id": a.enrolment_id, "participant_code": a.participant_code, "session_number": session.number,
        "session_at": session.held_at, "absence_on": absence_on, "due_at": due_at,
        "psychologist_id": psychologist_id, "status": CallStatus.OPEN.value, "opened_at": now} for a in absences])


def cancel_call(s: Session, *, mark_id: uuid.UUID, now: datetime) -> None:
    """The absence was amended away (excused, or he attended after all): no call is owed for it any more."""
    s.execute(sa.update(AbsenceCall).where(AbsenceCall.mark_id == mark_id, AbsenceCall.status == CallStatus.OPEN.value)
              .values(status=CallStatus.CANCELLED.value, closed_at=now))


def cancel_calls_of(s: Session, *, enrolment_id: uuid.UUID, now: datetime) -> None:
    """He has left the programme: none of his open calls is owed any more (and none will be published overdue)."""
    s.execute(sa.update(AbsenceCall).where(AbsenceCall.enrolment_id == enrolment_id,
                                           AbsenceCall.status == CallStatus.OPEN.value)
              .values(status=CallStatus.CANCELLED.value, closed_at=now))


def record_call_outcome(s: Session, *, call_id: uuid.UUID, outcome: str, called_at: datetime | None,
                        called_by: Principal, now: datetime) -> AbsenceCall:
    """Record the call after his absence: its outcome (never what was said), and when (now if not given); the call is
    done and `sessions.call.recorded` published."""
    call = s.get(AbsenceCall, call_id, with_for_update=True)
    if call is None:
        raise not_found("call", call_id)
    cohort_of(s, called_by, call.cohort_id, facilitating=True, asked=("call", call_id))
    refusal = outcome_refusal(call.status)
    if refusal:
        raise conflict(refusal)
    called_at = called_at or now
    error = called_at_error(called_at, call.session_at, now)
    if error:
        raise unprocessable("The call cannot be recorded as given: see `errors`.", {"called_at": [error]})
    call.status, call.outcome, call.called_at, call.called_by, call.closed_at = (
        CallStatus.DONE.value, outcome, called_at, called_by.user_id, now)
    add_event(s, call_recorded(call, outcome=outcome, called_at=called_at, called_by=called_by.user_id))
    return call


def settle_overdue_calls(s: Session, *, now: datetime, batch: int) -> int:
    """Publish `sessions.call.overdue` once for each open call past its time (up to `batch`), naming the cohort's
    first facilitator; a call of a man who has left the programme is cancelled instead. Calls are claimed with FOR
    UPDATE SKIP LOCKED, so any number of workers may run this at once. Returns how many calls were settled."""
    rows = s.execute(sa.select(AbsenceCall, CohortView.facilitator_ids, RosterEntry.status)
                     .outerjoin(CohortView, CohortView.cohort_id == AbsenceCall.cohort_id)
                     .outerjoin(RosterEntry, RosterEntry.enrolment_id == AbsenceCall.enrolment_id)
                     .where(AbsenceCall.status == CallStatus.OPEN.value,
                            AbsenceCall.overdue_published_at.is_(None), AbsenceCall.due_at < now)
                     .order_by(AbsenceCall.due_at).limit(batch)
                     .with_for_update(of=AbsenceCall, skip_locked=True)).all()
    overdue: list[CallOverdue] = []
    for call, facilitators, enrolment_status in rows:
        if not owes_calls(enrolment_status):  # his leaving crossed the call's time (or came before this rule)
            call.status, call.closed_at = CallStatus.CANCELLED.value, now
            continue
        call.overdue_published_at = now
        log.info("absence_call_overdue", call_id=str(call.id), due_at=call.due_at.isoformat())
        overdue.append(call_overdue(call, facilitators))
    add_events(s, overdue)
    return len(rows)


# -- confidential notes ------------------------------------------------------------------------------------------
def write_note(s: Session, *, session_id: uuid.UUID, enrolment_id: uuid.UUID | None, text: str, by: Principal,
               settings: Settings, now: datetime) -> SessionNote:
    """Write a confidential note about a man of the cohort or the group, sealed before it reaches the database (never
    published or logged). Without a sealing key nothing is saved (503)."""
    session = session_of(s, by, session_id, facilitating=True)
    if enrolment_id is not None and not _on_roster(s, enrolment_id, session.cohort_id):
        raise unprocessable("Not a participant of this cohort.", {"enrolment_id": ["Not in this cohort."]})
    try:
        sealed = seal(settings, text)
    except SealingKeyMissing:
        log.error("sealing_key_missing")
        raise Problem(503, "Notes cannot be sealed right now (no sealing key); nothing was saved.") from None
    note = SessionNote(id=uuid.uuid4(), session_id=session_id, enrolment_id=enrolment_id, sealed=sealed,
                       written_by=by.user_id, written_at=now)
    s.add(note)
    return note


def reseal_notes(s: Session, *, rotate: Callable[[bytes], bytes], after: uuid.UUID | None,
                 batch: int) -> list[uuid.UUID]:
    """Re-seal a batch of notes, the first `batch` by id after `after`, with `rotate` (the newest key); returns their
    ids, in order (fewer than `batch`: none is left)."""
    query = sa.select(SessionNote).order_by(SessionNote.id).limit(batch).with_for_update()
    if after is not None:
        query = query.where(SessionNote.id > after)
    notes = s.execute(query).scalars().all()
    for note in notes:
        note.sealed = rotate(note.sealed)
    return [note.id for note in notes]


def publish_sessions(s: Session, *, after: uuid.UUID | None, batch: int, now: datetime) -> list[uuid.UUID]:
    """Publish a batch of sessions as they stand (`sessions.session.planned`), the first `batch` by id after `after`:
    for those planned before sessions published its sessions. Returns their ids, in order (fewer than `batch`: none is
    left). Consumers keep the latest by `changed_at`, so publishing again changes nothing."""
    query = sa.select(GroupSession).order_by(GroupSession.id).limit(batch)
    if after is not None:
        query = query.where(GroupSession.id > after)
    found = s.execute(query).scalars().all()
    add_events(s, [events.session_planned(session, at=now) for session in found])
    return [session.id for session in found]


def _on_roster(s: Session, enrolment_id: uuid.UUID, cohort_id: uuid.UUID) -> bool:
    return s.execute(sa.select(RosterEntry.enrolment_id).where(
        RosterEntry.enrolment_id == enrolment_id, RosterEntry.cohort_id == cohort_id)).first() is not None
