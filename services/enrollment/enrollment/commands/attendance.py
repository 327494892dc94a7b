"""His marks, as sessions records them: kept (the latest recording wins), with his run of unexcused absences as
sessions published it (the highest version wins), and his progress brought up to date: completed when the curriculum
is done, proposed for exit past the programme's limits."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, tzinfo

import sqlalchemy as sa
from qadam.latest import latest_of, supersedes
from qadam.log import get_logger
from qadam.outbox import add_event
from qadam_contracts.sessions import AttendanceRecorded
from qadam_contracts.vocabulary import RED_WARNING_SIGNS
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .. import events
from ..domain.lifecycle import Action, EnrolmentStatus
from ..domain.progress import (
    RED_SIGN_RECORDED,
    AbsenceRun,
    AttendanceMark,
    Progress,
    completes,
    completion_holds,
    dated_by_session,
    exit_reasons,
    progress,
)
from ..models import AttendanceRecord, Enrolment
from ..queries import rules_of, with_critical_flag_open
from .enrolments import SYSTEM, move_enrolment

log = get_logger(__name__)


def record_attendance(s: Session, *, marks: list[AttendanceRecorded], today: date | None = None,
                      zone: tzinfo = UTC) -> None:
    """Keep the marks (the latest recording of a session wins) and bring each enrolment's progress up to date;
    `today`: the day in the country (`zone`), the date of a completion they make (default: UTC's). Marks entered later
    from a session's paper register date what they make by the day it was held, not the day they were entered."""
    latest = latest_of(marks, key=lambda d: (d.enrolment_id, d.session_id), at=lambda d: d.recorded_at)
    # a mark is kept by when its session was held (`scheduled_at` here: when it took place), never when it was entered
    rows = [{"enrolment_id": d.enrolment_id, "session_id": d.session_id, "session_number": d.session_number,
             "session_kind": d.session_kind or "group", "scheduled_at": d.held_at or d.scheduled_at,
             "status": d.status, "recorded_at": d.recorded_at} for d in latest.values()]
    stmt = insert(AttendanceRecord)
    s.execute(stmt.on_conflict_do_update(
        index_elements=[AttendanceRecord.enrolment_id, AttendanceRecord.session_id],
        set_={c: stmt.excluded[c] for c in ("session_number", "session_kind", "scheduled_at", "status", "recorded_at")},
        where=supersedes(stmt.excluded.recorded_at, AttendanceRecord.recorded_at)), rows)
    ids = sorted({d.enrolment_id for d in latest.values()})
    enrolments = s.execute(sa.select(Enrolment).where(Enrolment.id.in_(ids)).order_by(Enrolment.id)
                           .with_for_update(of=Enrolment)).unique().scalars().all()
    by_enrolment: dict[uuid.UUID, list[AttendanceMark]] = {}
    for r in s.execute(sa.select(AttendanceRecord).where(AttendanceRecord.enrolment_id.in_(ids))).scalars():
        by_enrolment.setdefault(r.enrolment_id, []).append(
            AttendanceMark(str(r.session_id), r.session_number, r.scheduled_at, r.status, r.session_kind))
    # A red sign recorded with a mark (risk has not turned it into a critical flag yet): no completion with it.
    red = {d.enrolment_id for d in marks if RED_WARNING_SIGNS & set(d.warning_signs)}
    today = today or datetime.now(UTC).date()
    for enrolment in enrolments:
        run = _keep_latest_run(enrolment, marks)
        on, at = dated_by_session([d for d in marks if d.enrolment_id == enrolment.id], today=today, zone=zone,
                                  now=datetime.now(UTC))
        _update_progress(s, enrolment, progress(by_enrolment.get(enrolment.id, []), rules_of(enrolment), run),
                         red_sign=enrolment.id in red, today=on, at=at)


def _keep_latest_run(enrolment: Enrolment, marks: list[AttendanceRecorded]) -> AbsenceRun:
    """His run as sessions published it with these marks, if newer than the one kept (a mark delivered late or again
    carries older runs, which change nothing); else the one kept."""
    his = [d for d in marks if d.enrolment_id == enrolment.id]
    for d in his:
        if d.absence_runs is None:  # an older sessions' mark (README: Upgrading): the kept run stands, stale perhaps
            log.warning("absence_runs_missing", enrolment_id=str(enrolment.id), session_id=str(d.session_id))
    published = [d.absence_runs for d in his if d.absence_runs is not None]
    newest = max(published, key=lambda runs: runs.version, default=None)
    if newest is not None and newest.version > enrolment.absence_runs_version:
        enrolment.absence_runs_version = newest.version
        enrolment.consecutive_absences = newest.curriculum.current
        enrolment.longest_absence_run = newest.curriculum.longest
    return AbsenceRun(enrolment.consecutive_absences, enrolment.longest_absence_run)


def _update_progress(s: Session, enrolment: Enrolment, p: Progress, *, red_sign: bool = False,
                     today: date | None = None, at: datetime | None = None) -> None:
    """Store the figures; complete the enrolment when the curriculum is done; propose exit past the limits.
    `red_sign`: a mark just recorded carries a red warning sign (once proposed for it, he stays proposed); `today`
    and `at`: the day and the moment they happened (when the session was held; now for marks entered that day)."""
    enrolment.sessions_recorded, enrolment.sessions_attended = p.sessions_recorded, p.sessions_attended
    enrolment.excused_absences, enrolment.unexcused_absences = p.excused_absences, p.unexcused_absences
    enrolment.last_session_number, enrolment.last_attended_number = p.last_session_number, p.last_attended_number
    enrolment.exit_review_attended = p.exit_review_attended
    if enrolment.status != EnrolmentStatus.ACTIVE.value:
        return  # marks of a suspended or finished enrolment are kept, but move nothing
    rules = rules_of(enrolment)
    if completes(p, rules):
        red_sign = red_sign or RED_SIGN_RECORDED in (enrolment.completion_proposal or [])
        holds = completion_holds(exit_review_session=rules.exit_review_session,
                                 exit_review_attended=p.exit_review_attended,
                                 critical_flag_open=bool(with_critical_flag_open(s, [enrolment.id])),
                                 red_sign_recorded=red_sign)
        if not holds:
            move_enrolment(s, enrolment=enrolment, action=Action.COMPLETE, by=SYSTEM,
                           note="The curriculum is done and attended enough.", today=today)
            return
        # Proposed, not completed: a person decides (the complete action), once what holds it back is seen to.
        enrolment.completion_proposed_at = enrolment.completion_proposed_at or at or datetime.now(UTC)
        enrolment.completion_proposal = holds
    else:
        enrolment.completion_proposed_at, enrolment.completion_proposal = None, None
    reasons = exit_reasons(p, rules)
    if reasons and enrolment.exit_proposed_at is None:
        proposed_at = enrolment.exit_proposed_at = at or datetime.now(UTC)
        enrolment.exit_proposal = reasons
        add_event(s, events.exit_proposed(enrolment, reasons, unexcused=p.unexcused_absences,
                                          consecutive=p.consecutive_absences, at=proposed_at))
    elif not reasons and enrolment.exit_proposed_at is not None:
        # A correction (an absence found to be excused) can take the proposal back.
        enrolment.exit_proposed_at, enrolment.exit_proposal = None, None
