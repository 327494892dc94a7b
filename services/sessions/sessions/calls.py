"""The call a psychologist owes a man after his unexcused absence: opened with the mark, cancelled by an amendment
away from unexcused or when he leaves the programme (completed, exited, excluded), done when she records its outcome,
and published once as overdue when its time passes unrecorded.

The worker's loop publishes the overdue ones; any number of workers may run it at once: calls are claimed with
FOR UPDATE SKIP LOCKED, and the marker that says one was published commits with its event in the outbox.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import get_logger
from qadam.outbox import add_event, add_events
from qadam_contracts.sessions import CallOverdue
from sqlalchemy.orm import Session, sessionmaker

from . import SERVICE
from .domain import CallStatus, absence_call_due, call_state, owes_calls
from .events import call_overdue, call_recorded
from .models import AbsenceCall, CohortView, RosterEntry
from .settings import SessionsSettings

log = get_logger(__name__)
BATCH = 200


def open_calls(s: Session, *, absences: list[dict[str, Any]], session_id: uuid.UUID, cohort_id: uuid.UUID,
               session_number: int, session_at: datetime, call_hours: int | None, psychologist_id: str,
               now: datetime, zone: tzinfo) -> None:
    """A call for each absence ({mark_id, enrolment_id, participant_code}) from one session, in the caller's
    transaction (the marks' own), due `call_hours` (default 48) after the session."""
    if not absences:
        return
    due_at = absence_call_due(session_at, call_hours)
    absence_on = session_at.astimezone(zone).date()
    s.execute(sa.insert(AbsenceCall), [{
        "id": uuid.uuid4(), "mark_id": a["mark_id"], "session_id": session_id, "cohort_id": cohort_id,
        "enrolment_id": a["enrolment_id"], "participant_code": a["participant_code"], "session_number": session_number,
        "session_at": session_at, "absence_on": absence_on, "due_at": due_at, "psychologist_id": psychologist_id,
        "status": CallStatus.OPEN.value, "opened_at": now} for a in absences])


def cancel_call(s: Session, *, mark_id: uuid.UUID, now: datetime) -> None:
    """The absence was amended away (excused, or he attended after all): no call is owed for it any more."""
    s.execute(sa.update(AbsenceCall).where(AbsenceCall.mark_id == mark_id, AbsenceCall.status == CallStatus.OPEN.value)
              .values(status=CallStatus.CANCELLED.value, closed_at=now))


def cancel_calls_of(s: Session, *, enrolment_id: uuid.UUID, now: datetime) -> None:
    """He has left the programme: none of his open calls is owed any more (and none will be published overdue)."""
    s.execute(sa.update(AbsenceCall).where(AbsenceCall.enrolment_id == enrolment_id,
                                           AbsenceCall.status == CallStatus.OPEN.value)
              .values(status=CallStatus.CANCELLED.value, closed_at=now))


def record_outcome(s: Session, *, call: AbsenceCall, outcome: str, called_at: datetime, called_by: str,
                   now: datetime) -> None:
    """The call is done: its outcome (never what was said) is kept and published."""
    call.status, call.outcome, call.called_at, call.called_by, call.closed_at = (
        CallStatus.DONE.value, outcome, called_at, called_by, now)
    add_event(s, call_recorded(call, outcome=outcome, called_at=called_at, called_by=called_by))


def call_out(call: AbsenceCall, now: datetime) -> dict[str, Any]:
    """A call as the API shows it, with its state now (due or overdue while open)."""
    return {c.key: getattr(call, c.key) for c in sa.inspect(AbsenceCall).column_attrs} | {
        "state": call_state(call.status, call.due_at, now)}


def publish_overdue(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """Publish `sessions.call.overdue` once for each open call past its time, naming the cohort's first facilitator;
    a call of a man who has left the programme is cancelled instead. Returns how many calls were settled."""
    now = now or datetime.now(UTC)
    with transaction(factory) as s:
        rows = s.execute(sa.select(AbsenceCall, CohortView.facilitator_ids, RosterEntry.status)
                         .outerjoin(CohortView, CohortView.cohort_id == AbsenceCall.cohort_id)
                         .outerjoin(RosterEntry, RosterEntry.enrolment_id == AbsenceCall.enrolment_id)
                         .where(AbsenceCall.status == CallStatus.OPEN.value,
                                AbsenceCall.overdue_published_at.is_(None), AbsenceCall.due_at < now)
                         .order_by(AbsenceCall.due_at).limit(BATCH)
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


def run_call_timers(settings: SessionsSettings, stop: threading.Event) -> None:
    """The worker's loop for overdue calls, every QADAM_CALL_SCAN_SECONDS."""
    engine = make_engine(settings.database_url, pool_size=1)
    factory = make_session_factory(engine, publisher=SERVICE)
    try:
        while not stop.is_set():
            try:
                while publish_overdue(factory) == BATCH and not stop.is_set():
                    pass  # a backlog (the worker was down): publish it all before the pause
            except Exception:  # noqa: BLE001 - the database may be away: try again next round
                log.warning("call_timers_failed", exc_info=True)
            stop.wait(settings.call_scan_seconds)
    finally:
        engine.dispose()
