"""What risk does with the events it consumes: keep its projections, evaluate the rules, raise flags."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import partial

import sqlalchemy as sa
from qadam.config import Settings
from qadam.events import Event
from qadam.inbox import Handler, batch_handler
from qadam.log import get_logger, log_context
from qadam.outbox import add_event
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from . import SERVICE
from .domain import CONSECUTIVE_ABSENCES, Finding, Mark, consecutive_absence_findings
from .models import AttendanceFact, EnrolmentView, Flag, Signal

log = get_logger(__name__)


def lock_enrolment(session: Session, enrolment_id: object) -> None:
    """Serialise the handling of one enrolment across workers, even before its row exists (FOR UPDATE
    locks nothing then): a mark and the enrolment arriving at two workers cannot miss each other."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(str(enrolment_id), 0))))


def on_enrolled(session: Session, event: Event, *, settings: Settings) -> None:
    d = event.data
    lock_enrolment(session, d["enrolment_id"])
    values = {k: d[k] for k in VIEW_FIELDS} | {"version": d["version"]}
    # A later move (status change, transfer) may have arrived first: it wins over the enrolment's first state.
    session.execute(insert(EnrolmentView).values(enrolment_id=d["enrolment_id"], **values)
                    .on_conflict_do_nothing(index_elements=[EnrolmentView.enrolment_id]))
    # Marks that arrived before the enrolment (events from two producers can cross) are evaluated now.
    enrolment = session.get(EnrolmentView, d["enrolment_id"], populate_existing=True)
    assert enrolment is not None
    evaluate_attendance(session, enrolment, settings)


VIEW_FIELDS = ("participant_code", "cohort_id", "region", "district", "inspector_id", "psychologist_id", "status")


def on_enrolment_moved(session: Session, event: Event, *, settings: Settings) -> None:
    """A status change or a transfer: applied unless a later one already was (events can arrive out of order)."""
    d = event.data
    lock_enrolment(session, d["enrolment_id"])
    values = {k: d[k] for k in VIEW_FIELDS} | {"version": d["version"]}
    stmt = insert(EnrolmentView).values(enrolment_id=d["enrolment_id"], **values)
    session.execute(stmt.on_conflict_do_update(index_elements=[EnrolmentView.enrolment_id], set_=values,
                                               where=EnrolmentView.version < d["version"]))


def on_signal(session: Session, event: Event, *, settings: Settings) -> None:
    """Exit proposals and protection-order warnings, kept for the rules (issue: risk rules as data)."""
    d = event.data
    ids = d["enrolment_ids"] if "enrolment_ids" in d else [d["enrolment_id"]]  # an order may have none yet
    session.execute(insert(Signal).values(event_id=event.id, kind=event.type, enrolment_ids=ids,
                                          participant_code=d["participant_code"], facts=_json_ready(d),
                                          occurred_at=event.occurred_at)
                    .on_conflict_do_nothing(index_elements=[Signal.event_id]))


def _json_ready(data: dict) -> dict:
    import json

    return json.loads(json.dumps(data, default=str))


def on_attendance_recorded(session: Session, event: Event, *, settings: Settings) -> None:
    on_attendance_batch(session, [event], settings=settings)


def on_attendance_batch(session: Session, events: list[Event], *, settings: Settings) -> None:
    """Several marks at once: the same effects as one at a time, in a handful of statements."""
    latest: dict[tuple[str, str], dict] = {}
    trigger: dict[str, Event] = {}
    for event in events:
        d = event.data
        key = (str(d["enrolment_id"]), str(d["session_id"]))
        if key not in latest or latest[key]["recorded_at"] <= d["recorded_at"]:
            latest[key] = d
        trigger[key[0]] = event
    enrolment_ids = sorted(trigger)
    # The same per-enrolment locks as one at a time, taken in one order so two workers cannot deadlock.
    session.execute(sa.text("SELECT pg_advisory_xact_lock(h) FROM (SELECT hashtextextended(x, 0) AS h "
                            "FROM unnest(CAST(:ids AS text[])) AS x ORDER BY x) AS ordered"), {"ids": enrolment_ids})
    rows = [{"enrolment_id": d["enrolment_id"], "session_id": d["session_id"], "participant_code": d["participant_code"],
             "session_number": d["session_number"], "scheduled_at": d["scheduled_at"], "status": d["status"],
             "recorded_at": d["recorded_at"]} for d in latest.values()]
    stmt = insert(AttendanceFact)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[AttendanceFact.enrolment_id, AttendanceFact.session_id],
        set_={c: stmt.excluded[c] for c in ("participant_code", "session_number", "scheduled_at", "status",
                                             "recorded_at")},
        where=AttendanceFact.recorded_at <= stmt.excluded.recorded_at), rows)  # executemany: one cached statement
    views = {str(v.enrolment_id): v for v in session.execute(
        sa.select(EnrolmentView).where(EnrolmentView.enrolment_id.in_(enrolment_ids))).scalars()}
    facts: dict[str, list[AttendanceFact]] = {}
    for f in session.execute(sa.select(AttendanceFact).where(AttendanceFact.enrolment_id.in_(list(views)))).scalars():
        facts.setdefault(str(f.enrolment_id), []).append(f)
    evidence: dict[str, list[dict]] = {}
    for enrolment_id, found in session.execute(sa.select(Flag.enrolment_id, Flag.evidence).where(
            Flag.enrolment_id.in_(list(views)), Flag.rule_id == CONSECUTIVE_ABSENCES)):
        evidence.setdefault(str(enrolment_id), []).append(found)
    for enrolment_id in enrolment_ids:
        view = views.get(enrolment_id)
        if view is None:
            log.info("enrolment_not_yet_known", enrolment_id=enrolment_id,
                     note="kept; evaluated when enrollment.enrolled arrives")
            continue
        event = trigger[enrolment_id]
        # A flag carries the correlation of the mark that completed its run, as it would one at a time.
        with log_context(correlation_id=event.correlation_id, message_id=str(event.id)):
            _evaluate(session, view, facts.get(enrolment_id, []), evidence.get(enrolment_id, []), settings)


def evaluate_attendance(session: Session, enrolment: EnrolmentView, settings: Settings) -> list[Flag]:
    facts = list(session.execute(sa.select(AttendanceFact).where(
        AttendanceFact.enrolment_id == enrolment.enrolment_id)).scalars())
    evidence = list(session.execute(sa.select(Flag.evidence).where(
        Flag.enrolment_id == enrolment.enrolment_id, Flag.rule_id == CONSECUTIVE_ABSENCES)).scalars())
    return _evaluate(session, enrolment, facts, evidence, settings)


def _evaluate(session: Session, enrolment: EnrolmentView, facts: list[AttendanceFact], evidence: list[dict],
              settings: Settings) -> list[Flag]:
    marks = [Mark(str(f.session_id), f.session_number, f.scheduled_at, f.status) for f in facts]
    flagged = frozenset(sid for e in evidence for sid in e.get("session_ids", ()))
    findings = consecutive_absence_findings(marks, threshold=settings.consecutive_absence_threshold,
                                            level=settings.consecutive_absence_level, flagged_sessions=flagged,
                                            zone=settings.zone)
    return [raise_flag(session, enrolment, f) for f in findings]


def raise_flag(session: Session, enrolment: EnrolmentView, finding: Finding) -> Flag:
    flag = Flag(id=uuid.uuid4(), enrolment_id=enrolment.enrolment_id, participant_code=enrolment.participant_code,
                region=enrolment.region, district=enrolment.district, rule_id=finding.rule_id,
                rule_version=finding.rule_version, level=finding.level, fact_key=finding.fact_key,
                reasons=finding.reasons, evidence=finding.evidence, status="open", raised_at=datetime.now(UTC))
    session.add(flag)
    add_event(session, "risk.flag.raised", {
        "flag_id": flag.id, "enrolment_id": flag.enrolment_id, "participant_code": flag.participant_code,
        "rule_id": flag.rule_id, "rule_version": flag.rule_version, "level": flag.level, "reasons": flag.reasons,
        "evidence": flag.evidence, "region": flag.region, "district": flag.district,
        "inspector_id": enrolment.inspector_id, "psychologist_id": enrolment.psychologist_id,
        "raised_at": flag.raised_at,
    }, producer=SERVICE)
    log.info("flag_raised", flag_id=str(flag.id), rule_id=flag.rule_id, level=flag.level,
             participant_code=flag.participant_code)
    return flag


def handlers(settings: Settings) -> dict[str, Handler]:
    marks = batch_handler(partial(on_attendance_recorded, settings=settings), partial(on_attendance_batch, settings=settings))
    return {
        "enrollment.enrolled": partial(on_enrolled, settings=settings),
        "enrollment.status.changed": partial(on_enrolment_moved, settings=settings),
        "enrollment.transferred": partial(on_enrolment_moved, settings=settings),
        "enrollment.exit.proposed": partial(on_signal, settings=settings),
        "enrollment.order.plan_overdue": partial(on_signal, settings=settings),
        "enrollment.order.expiring": partial(on_signal, settings=settings),
        "sessions.warning_sign.observed": partial(on_signal, settings=settings),
        # a correction is a later recording of the same session: the same handler, the latest recording wins
        "sessions.attendance.recorded": marks,
        "sessions.attendance.amended": marks,
    }
