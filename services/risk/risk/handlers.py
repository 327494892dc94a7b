"""What risk does with the events it consumes: keep its projections and facts, then evaluate the enrolments they
touch (risk.evaluation). Every fact is kept even when its enrolment is not known yet: events from two producers can
cross, and the enrolment's arrival evaluates everything that came before it."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any, cast

import sqlalchemy as sa
from qadam.db import given_rows, jsonable, rows_json
from qadam.events import Event
from qadam.inbox import Handlers
from qadam.latest import latest_of, supersedes
from qadam.log import get_logger
from qadam.together import Statement
from qadam_contracts.enrollment import (
    AbsenceAlerts,
    Enrolled,
    EnrolmentStatusChanged,
    EnrolmentTransferred,
    ExitProposed,
    OrderExpiring,
    OrderIssued,
    OrderPlanOverdue,
    ParticipantAnonymised,
    ProtectionOrder,
    SupportWorkerChanged,
)
from qadam_contracts.notify import AlertAcknowledged
from qadam_contracts.sessions import (
    AbsenceRuns,
    AttendanceAmended,
    AttendanceRecorded,
    CallOverdue,
    CallRecorded,
    WarningSignObserved,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from . import commands
from .domain import OPEN_STATUSES
from .evaluation import evaluate_enrolments, lock_enrolments
from .models import AbsenceRunsFact, AttendanceFact, EnrolmentView, Flag, Incident, Signal
from .settings import RiskSettings

log = get_logger(__name__)
handlers = Handlers()

VIEW_FIELDS = ("participant_code", "cohort_id", "region", "district", "inspector_id", "psychologist_id", "status")


def absence_limits(alerts: AbsenceAlerts | None) -> dict[str, int | None]:
    """His programme version's limits for alerting his inspector, as the enrolment view keeps them (an event that
    carries none leaves them out: an older producer says nothing of them)."""
    if alerts is None:
        return {}
    return {"alert_unexcused_absences": alerts.unexcused, "alert_consecutive_absences": alerts.consecutive}


def _view_values(d: Enrolled | EnrolmentStatusChanged | EnrolmentTransferred) -> dict[str, Any]:
    return {k: getattr(d, k) for k in VIEW_FIELDS} | {"version": d.version}


@handlers.on(Enrolled)
def on_enrolled(session: Session, event: Event[Enrolled], *, settings: RiskSettings) -> None:
    d = event.data
    # his code too: an order reported before he was enrolled (naming no enrolment) cannot miss him
    lock_enrolments(session, [d.enrolment_id, d.participant_code])
    values = _view_values(d) | {"enrolled_at": d.enrolled_at, "victim_support_worker_id": d.victim_support_worker_id}
    limits = absence_limits(d.absence_alerts)
    # A later move (status change, transfer) may have arrived first: it wins over the enrolment's first state,
    # but only the enrolment says when it began.
    stmt = insert(EnrolmentView).values(enrolment_id=d.enrolment_id, **values, **limits)
    # his programme's limits too, unless a transfer that came first named the version he is in now
    session.execute(stmt.on_conflict_do_update(
        index_elements=[EnrolmentView.enrolment_id],
        set_={"enrolled_at": stmt.excluded.enrolled_at, **{
            k: sa.func.coalesce(getattr(EnrolmentView, k), getattr(stmt.excluded, k)) for k in limits}}))
    _apply_support_worker_change(session, d.enrolment_id)  # one that arrived before him
    evaluate_enrolments(session, [d.enrolment_id], settings=settings, cause="enrolled", lock=False,
                        triggers={str(d.enrolment_id): event})


@handlers.on(EnrolmentStatusChanged, EnrolmentTransferred)
def on_enrolment_moved(session: Session, event: Event[EnrolmentStatusChanged | EnrolmentTransferred], *,
                       settings: RiskSettings) -> None:
    """A status change or a transfer: applied unless a later one already was (events can arrive out of order)."""
    d = event.data
    lock_enrolments(session, [d.enrolment_id])
    values = _view_values(d)
    if isinstance(d, EnrolmentStatusChanged):  # it says who supports her now (none: nobody any more)
        values["victim_support_worker_id"] = d.victim_support_worker_id
    else:  # a transfer may move him to another programme version, with its own absence limits
        values |= absence_limits(d.absence_alerts)
    stmt = insert(EnrolmentView).values(enrolment_id=d.enrolment_id, **values)
    applied = session.execute(stmt.on_conflict_do_update(
        index_elements=[EnrolmentView.enrolment_id], set_=values, where=EnrolmentView.version < d.version)
        .returning(EnrolmentView.enrolment_id)).first()
    if applied is not None:
        # his flags follow him to the district that now answers for him
        session.execute(sa.update(Flag).where(Flag.enrolment_id == d.enrolment_id, sa.or_(
            Flag.region != d.region, Flag.district != d.district)).values(region=d.region, district=d.district))
    if d.status in OPEN_STATUSES:
        evaluate_enrolments(session, [d.enrolment_id], settings=settings, cause=f"enrolment {d.status}",
                            lock=False, triggers={str(d.enrolment_id): event})


def _facts(d: Any) -> Any:
    """An event's data as risk keeps it as a fact (JSONB: ids, dates and times as their strings)."""
    return jsonable(asdict(d))


@handlers.on(SupportWorkerChanged)
def on_support_worker_changed(session: Session, event: Event[SupportWorkerChanged], *, settings: RiskSettings) -> None:
    """Her support worker now: she reads his flags and incidents, and his flags name her to notify. Kept as a fact
    too, so that a change arriving before the enrolment is applied when it comes."""
    d = event.data
    lock_enrolments(session, [d.enrolment_id])
    session.execute(insert(Signal).values(event_id=event.id, kind=event.type, enrolment_ids=[d.enrolment_id],
                                          participant_code=d.participant_code, facts=_facts(d),
                                          occurred_at=event.occurred_at)
                    .on_conflict_do_nothing(index_elements=[Signal.event_id]))
    _apply_support_worker_change(session, d.enrolment_id)


def _apply_support_worker_change(session: Session, enrolment_id: object) -> None:
    """The latest change of her support worker risk was told of, unless a later move of the enrolment already said
    who supports her (enrollment's version orders them)."""
    latest = session.execute(sa.select(Signal.facts).where(
        Signal.kind == SupportWorkerChanged.TYPE, Signal.enrolment_ids.contains([enrolment_id]))
        .order_by(Signal.facts["version"].as_integer().desc()).limit(1)).scalar()
    if latest is None:
        return
    session.execute(sa.update(EnrolmentView).where(
        EnrolmentView.enrolment_id == enrolment_id, EnrolmentView.version < latest["version"])
        .values(victim_support_worker_id=latest["victim_support_worker_id"], version=latest["version"]))


# a repeat order is an amber sign; the call after an absence is a task of his psychologist's, overdue
@handlers.on(ExitProposed, OrderPlanOverdue, OrderExpiring, WarningSignObserved, OrderIssued, CallOverdue)
def on_signal(session: Session, event: Event[ExitProposed | ProtectionOrder | WarningSignObserved | CallOverdue], *,
              settings: RiskSettings) -> None:
    """Exit proposals, protection-order warnings and warning signs: kept as facts, then evaluated. An order reported
    before he was enrolled names no enrolment; it counts for his enrolments by his participant code."""
    d = event.data
    ids = list(d.enrolment_ids) if isinstance(d, ProtectionOrder) else [d.enrolment_id]
    session.execute(insert(Signal).values(event_id=event.id, kind=event.type, enrolment_ids=ids,
                                          participant_code=d.participant_code, facts=_facts(d),
                                          occurred_at=event.occurred_at)
                    .on_conflict_do_nothing(index_elements=[Signal.event_id]))
    if not ids:
        lock_enrolments(session, [d.participant_code])  # the same lock his enrolment's arrival takes
        ids = list(session.execute(sa.select(EnrolmentView.enrolment_id).where(
            EnrolmentView.participant_code == d.participant_code)).scalars())
    evaluate_enrolments(session, ids, settings=settings, cause=event.type.split(".", 1)[1],
                        triggers={str(i): event for i in ids})


def on_attendance_batch(session: Session, events: list[Event[AttendanceRecorded]], *, settings: RiskSettings) -> None:
    """Several marks at once: the same effects as one at a time, in a handful of statements."""
    latest = latest_of((event.data for event in events), key=lambda d: (str(d.enrolment_id), str(d.session_id)),
                       at=lambda d: d.recorded_at)
    # a flag carries the correlation of the mark that completed it
    trigger: dict[str, Event[AttendanceRecorded]] = {str(event.data.enrolment_id): event for event in events}
    # a mark is dated by when its session was held (a paper register entered days later gives that day), never by
    # when it was entered: the rules read `scheduled_at` as when it took place
    rows = [{"enrolment_id": d.enrolment_id, "session_id": d.session_id, "participant_code": d.participant_code,
             "session_number": d.session_number, "scheduled_at": d.held_at or d.scheduled_at, "status": d.status,
             "recorded_at": d.recorded_at, "session_kind": d.session_kind} for d in latest.values()]
    # kept under his lock, then evaluated: the lock, the marks, his runs and every read of the evaluation in one
    # round trip
    kept: list[Statement] = [(_KEEP_MARKS, {"rows": rows_json(rows)}),
                             *latest_runs([event.data for event in events])]
    outcome = evaluate_enrolments(session, trigger, settings=settings, cause="attendance", triggers=trigger,
                                  first=kept)
    if outcome.evaluated < len(trigger):
        log.info("marks_kept_for_later", enrolments=len(trigger) - outcome.evaluated,
                 note="enrolments not known (or not open): evaluated when enrollment.enrolled arrives")


def latest_runs(marks: list[AttendanceRecorded]) -> list[Statement]:
    """The statement that keeps his runs of unexcused absences as sessions published them with these marks (none
    if they carry none): the highest version wins, here and against the runs kept (a mark delivered late or again
    carries older runs, which change nothing)."""
    newest: dict[uuid.UUID, AbsenceRuns] = {}
    for d in marks:
        runs = d.absence_runs
        if runs is None:  # an older sessions' mark (README: Upgrading): the kept runs stand, stale perhaps
            log.warning("absence_runs_missing", enrolment_id=str(d.enrolment_id), session_id=str(d.session_id))
        elif d.enrolment_id not in newest or newest[d.enrolment_id].version < runs.version:
            newest[d.enrolment_id] = runs
    if not newest:
        return []
    return [(_KEEP_RUNS, {"rows": rows_json(
        {"enrolment_id": e, "version": runs.version, "runs": runs_kept(runs)}
        for e, runs in sorted(newest.items(), key=lambda item: str(item[0])))})]


def runs_kept(runs: AbsenceRuns) -> list[dict[str, Any]]:
    """The runs over the combinations of session kinds that have any (the others are none: kept small), as `_facts`
    would keep them (ids and times as their strings), written out field by field: this is the hot path of every mark,
    and a generic copy (asdict, then through JSON) was a quarter of its handling."""
    return [{"session_kinds": [list(kinds) for kinds in over.session_kinds],
             "runs": [{"absences": [{"session_id": str(a.session_id), "session_number": a.session_number,
                                     "scheduled_at": str(a.held_at or a.scheduled_at)} for a in run.absences]}
                      for run in over.runs]}
            for over in runs.by_session_kinds if over.runs]


def _keep_marks_statement() -> sa.Insert:
    """The latest recording of each mark (given as `rows`) kept, unless the one kept was recorded later."""
    facts = cast(sa.Table, AttendanceFact.__table__)
    given = given_rows(facts, MARK_COLUMNS)
    stmt = insert(facts).from_select(list(MARK_COLUMNS), sa.select(*(given.c[c] for c in MARK_COLUMNS)))
    return stmt.on_conflict_do_update(
        index_elements=[facts.c.enrolment_id, facts.c.session_id],
        set_={c: stmt.excluded[c] for c in MARK_COLUMNS if c not in ("enrolment_id", "session_id")},
        where=supersedes(stmt.excluded.recorded_at, facts.c.recorded_at))


def _keep_runs_statement() -> sa.Insert:
    """His runs (given as `rows`) kept, unless those kept are of a higher version."""
    kept = cast(sa.Table, AbsenceRunsFact.__table__)
    given = given_rows(kept, ("enrolment_id", "version", "runs"))
    stmt = insert(kept).from_select(["enrolment_id", "version", "runs"],
                                    sa.select(given.c.enrolment_id, given.c.version, given.c.runs))
    return stmt.on_conflict_do_update(
        index_elements=[kept.c.enrolment_id], set_={"version": stmt.excluded.version, "runs": stmt.excluded.runs},
        where=kept.c.version < stmt.excluded.version)


# the marks and the runs as one JSON parameter each: one statement however many, compiled and prepared once (the
# ORM's bulk insert of the models, a row at a time through the driver's executemany, was a fifth of the batch)
MARK_COLUMNS = ("enrolment_id", "session_id", "participant_code", "session_number", "scheduled_at", "status",
                "recorded_at", "session_kind")
_KEEP_MARKS = _keep_marks_statement()
_KEEP_RUNS = _keep_runs_statement()


# a correction is a later recording of the same session: the same handler, the latest recording wins (qadam.latest)
@handlers.on(AttendanceRecorded, AttendanceAmended, many=on_attendance_batch)
def on_attendance_recorded(session: Session, event: Event[AttendanceRecorded], *, settings: RiskSettings) -> None:
    on_attendance_batch(session, [event], settings=settings)


@handlers.on(AlertAcknowledged)
def on_alert_acknowledged(session: Session, event: Event[AlertAcknowledged], *, settings: RiskSettings) -> None:
    """Someone an alert reached acknowledged it in notify (in the app or through the link in a message): they have
    acknowledged the flag here too (the flag keeps the first person's), unless it is resolved. Nothing goes back:
    notify knows, and a later press of theirs in risk tells it nothing new."""
    d = event.data
    commands.acknowledge_alert(session, enrolment_id=d.enrolment_id, flag_id=d.flag_id, user_id=d.user_id,
                               at=d.acknowledged_at, pressed_in=d.via)


@handlers.on(CallRecorded)  # done: its overdue flag resolved
def on_call_recorded(session: Session, event: Event[CallRecorded], *, settings: RiskSettings) -> None:
    """His psychologist recorded the call owed after his absence: a flag raised because it was overdue has nothing
    left to act on, so it is resolved by her (notify stops its reminders), and his level moves with it."""
    d = event.data
    commands.resolve_call_flags(session, enrolment_id=d.enrolment_id, call_id=d.call_id, called_by=d.called_by,
                                called_at=d.called_at, outcome=d.outcome)


@handlers.on(ParticipantAnonymised)
def on_participant_anonymised(session: Session, event: Event[ParticipantAnonymised], *, settings: RiskSettings) -> None:
    """enrollment anonymised him after the retention period: the sealed details of the incidents about him (they
    may describe the victim, where she lives, what happened) are cleared. The incidents' kind, date, severity and
    area stay, and so do flags and levels: they are the figures."""
    d = event.data  # every enrolment of his is in it (enrollment anonymises only men who had one)
    cleared = session.execute(sa.update(Incident).where(Incident.enrolment_id.in_(d.enrolment_ids),
                                                        Incident.details_sealed.is_not(None))
                              .values(details_sealed=None).returning(Incident.id)).all()
    log.info("incident_details_cleared", participant_code=d.participant_code, incidents=len(cleared))

