"""What changes an enrolment, for the routes and the event handlers alike: each function works inside
the caller's unit of work, keeps the history row and writes the event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from qadam.outbox import add_event
from qadam_contracts.sessions import AttendanceRecorded
from qadam_contracts.vocabulary import RED_WARNING_SIGNS
from sqlalchemy.orm import Session

from . import events
from .domain.lifecycle import Action, EnrolmentStatus, Move, add_months, transition
from .domain.orders import OrderFacts, OrderStatus, expiring_soon, plan_due_on, plan_overdue
from .domain.progress import (
    RED_SIGN_RECORDED,
    AttendanceMark,
    Progress,
    Rules,
    completes,
    completion_holds,
    exit_reasons,
    exit_review_session,
    progress,
)
from .events import OrderNow
from .models import AttendanceRecord, Enrolment, EnrolmentTransition, Programme, ProtectionOrder, RiskFlag
from .settings import EnrollmentSettings

SYSTEM = "system"


def move_enrolment(s: Session, enrolment: Enrolment, action: Action, *, by: str, reason: str | None = None,
                   note: str | None = None, today: date | None = None) -> Move:
    """Apply a lifecycle action (IllegalTransition / ValueError if it is not allowed), keep it, publish it."""
    move = transition(EnrolmentStatus(enrolment.status), action, reason)
    today = today or datetime.now(UTC).date()
    enrolment.version += 1
    enrolment.status = move.to_status.value
    if move.reason is not None or move.to_status is not EnrolmentStatus.ACTIVE:
        enrolment.status_reason = move.reason
    if move.to_status is EnrolmentStatus.ACTIVE:
        enrolment.status_reason = None
        enrolment.started_on = enrolment.started_on or today
    if move.to_status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.EXITED, EnrolmentStatus.EXCLUDED):
        enrolment.finished_on = today
    if move.to_status is EnrolmentStatus.COMPLETED:
        months = enrolment.programme.follow_up_months if enrolment.programme else 0
        enrolment.follow_up_until = add_months(today, months)
    if move.from_status is EnrolmentStatus.ACTIVE:
        enrolment.completion_proposed_at, enrolment.completion_proposal = None, None
    s.add(EnrolmentTransition(enrolment_id=enrolment.id, action=action.value, from_status=move.from_status.value,
                              to_status=move.to_status.value, reason=move.reason, note=note, by=by))
    add_event(s, events.status_changed(enrolment, action, move, by=by, at=datetime.now(UTC)))
    return move


def change_support_worker(s: Session, enrolment: Enrolment, worker: str | None, *, by: str) -> None:
    """Link her support worker to the enrolment, change or remove them (a new version), and publish it; nothing
    when it is the one linked already."""
    previous = enrolment.victim_support_worker_id
    if worker == previous:
        return
    enrolment.victim_support_worker_id = worker
    enrolment.version += 1
    add_event(s, events.support_worker_changed(enrolment, previous=previous, by=by, at=datetime.now(UTC)))


def programme_of(enrolment: Enrolment) -> Programme:
    return enrolment.programme or enrolment.cohort.programme  # the version he started under


def rules_of(enrolment: Enrolment) -> Rules:
    p = programme_of(enrolment)
    return Rules(sessions_required=p.sessions_required, completion_attendance_percent=p.completion_attendance_percent,
                 max_unexcused_absences=p.max_unexcused_absences, max_consecutive_absences=p.max_consecutive_absences,
                 makeup_sessions_count=p.makeup_sessions_count, exit_review_session=exit_review_session(p.curriculum))


def with_critical_flag_open(s: Session, enrolment_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the enrolments with a critical flag that is not resolved (risk's events, projected here)."""
    if not enrolment_ids:
        return set()
    return set(s.execute(sa.select(RiskFlag.enrolment_id).where(
        RiskFlag.enrolment_id.in_(enrolment_ids), RiskFlag.level == "critical", RiskFlag.resolved_at.is_(None)))
        .scalars())


def record_attendance(s: Session, marks: list[AttendanceRecorded]) -> None:
    """Keep the marks (the latest recording of a session wins) and bring each enrolment's progress up to date."""
    latest: dict[tuple[str, str], AttendanceRecorded] = {}
    for d in marks:
        key = (str(d.enrolment_id), str(d.session_id))
        if key not in latest or latest[key].recorded_at <= d.recorded_at:
            latest[key] = d
    rows = [{"enrolment_id": d.enrolment_id, "session_id": d.session_id, "session_number": d.session_number,
             "session_kind": d.session_kind or "group", "scheduled_at": d.scheduled_at, "status": d.status,
             "recorded_at": d.recorded_at} for d in latest.values()]
    from sqlalchemy.dialects.postgresql import insert

    stmt = insert(AttendanceRecord)
    s.execute(stmt.on_conflict_do_update(
        index_elements=[AttendanceRecord.enrolment_id, AttendanceRecord.session_id],
        set_={c: stmt.excluded[c] for c in ("session_number", "session_kind", "scheduled_at", "status", "recorded_at")},
        where=AttendanceRecord.recorded_at <= stmt.excluded.recorded_at), rows)
    ids = sorted({d.enrolment_id for d in latest.values()})
    enrolments = s.execute(sa.select(Enrolment).where(Enrolment.id.in_(ids)).order_by(Enrolment.id)
                           .with_for_update(of=Enrolment)).unique().scalars().all()
    by_enrolment: dict[uuid.UUID, list[AttendanceMark]] = {}
    for r in s.execute(sa.select(AttendanceRecord).where(AttendanceRecord.enrolment_id.in_(ids))).scalars():
        by_enrolment.setdefault(r.enrolment_id, []).append(
            AttendanceMark(str(r.session_id), r.session_number, r.scheduled_at, r.status, r.session_kind))
    # A red sign recorded with a mark (risk has not turned it into a critical flag yet): no completion with it.
    red = {d.enrolment_id for d in marks if RED_WARNING_SIGNS & set(d.warning_signs)}
    for enrolment in enrolments:
        update_progress(s, enrolment, progress(by_enrolment.get(enrolment.id, []), rules_of(enrolment)),
                        red_sign=enrolment.id in red)


def update_progress(s: Session, enrolment: Enrolment, p: Progress, *, red_sign: bool = False) -> None:
    """Store the figures; complete the enrolment when the curriculum is done; propose exit past the limits.
    `red_sign`: a mark just recorded carries a red warning sign (once proposed for it, he stays proposed)."""
    enrolment.sessions_recorded, enrolment.sessions_attended = p.sessions_recorded, p.sessions_attended
    enrolment.excused_absences, enrolment.unexcused_absences = p.excused_absences, p.unexcused_absences
    enrolment.consecutive_absences = p.consecutive_absences
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
            move_enrolment(s, enrolment, Action.COMPLETE, by=SYSTEM, note="The curriculum is done and attended enough.")
            return
        # Proposed, not completed: a person decides (the complete action), once what holds it back is seen to.
        enrolment.completion_proposed_at = enrolment.completion_proposed_at or datetime.now(UTC)
        enrolment.completion_proposal = holds
    else:
        enrolment.completion_proposed_at, enrolment.completion_proposal = None, None
    reasons = exit_reasons(p, rules)
    if reasons and enrolment.exit_proposed_at is None:
        proposed_at = enrolment.exit_proposed_at = datetime.now(UTC)
        enrolment.exit_proposal = reasons
        add_event(s, events.exit_proposed(enrolment, reasons, unexcused=p.unexcused_absences,
                                          consecutive=p.consecutive_absences, at=proposed_at))
    elif not reasons and enrolment.exit_proposed_at is not None:
        # A correction (an absence found to be excused) can take the proposal back.
        enrolment.exit_proposed_at, enrolment.exit_proposal = None, None


# -- protection orders ------------------------------------------------------------------------------
def order_facts(order: ProtectionOrder) -> OrderFacts:
    return OrderFacts(order.issued_on, order.expires_on, order.status, order.plan_agreed_on)


def working_calendar(settings: EnrollmentSettings) -> dict[str, Any]:
    return {"working_days": settings.plan_due_working_days, "working_weekdays": settings.working_weekdays_set,
            "holidays": settings.public_holidays_set}


def _order_now(s: Session, order: ProtectionOrder) -> OrderNow:
    """What every order event says of his enrolments (OrderAttention), and whether his follow-up runs past the
    order's end."""
    enrolments = s.execute(sa.select(Enrolment.id, Enrolment.status, Enrolment.follow_up_until).where(
        Enrolment.participant_id == order.participant_id)).all()
    open_enrolments = [e.id for e in enrolments if e.status in ("referred", "assessed", "active", "suspended")]
    # The programme is part of the order: unfinished until he completed one (not yet referred counts too).
    unfinished = not any(e.status in ("completed", "closed") for e in enrolments)
    follow_up_unfinished = any(e.status == "completed" and e.follow_up_until is not None
                               and e.follow_up_until > order.expires_on for e in enrolments)
    return OrderNow(open_enrolments=list(open_enrolments), programme_unfinished=unfinished,
                    follow_up_unfinished=follow_up_unfinished)


def publish_order_issued(s: Session, order: ProtectionOrder) -> None:
    """enrollment.order.issued: with his responsible inspector and her support worker (of his latest open
    enrolment) and the day of his previous order, if any (a second order within a year is a warning sign)."""
    now = _order_now(s, order)
    latest = s.execute(sa.select(Enrolment.inspector_id, Enrolment.victim_support_worker_id).where(
        Enrolment.participant_id == order.participant_id,
        Enrolment.status.in_(("referred", "assessed", "active", "suspended")))
        .order_by(Enrolment.enrolled_at.desc()).limit(1)).first()
    previous = s.execute(sa.select(sa.func.max(ProtectionOrder.issued_on)).where(
        ProtectionOrder.participant_id == order.participant_id, ProtectionOrder.id != order.id,
        ProtectionOrder.issued_on <= order.issued_on)).scalar()
    add_event(s, events.order_issued(
        order, now, inspector_id=latest.inspector_id if latest else None,
        victim_support_worker_id=latest.victim_support_worker_id if latest else None, previous_order_on=previous))


def end_order(s: Session, order: ProtectionOrder, how: str, today: date) -> None:
    """The order ends (`expired` by the clock or marked so, or `revoked`): keep it, tell whoever follows."""
    order.status = how
    add_event(s, events.order_ended(order, _order_now(s, order), on=today, how=how))


def scan_orders(s: Session, settings: EnrollmentSettings, today: date) -> dict[str, int]:
    """Publish, once each, the orders whose correction plan is overdue and those expiring while his programme or
    his follow-up is unfinished; mark orders past their expiry as expired (and publish that they ended)."""
    calendar = working_calendar(settings)
    counts = {"plan_overdue": 0, "expiring": 0, "expired": 0}
    expired = s.execute(sa.select(ProtectionOrder).where(ProtectionOrder.status == OrderStatus.ACTIVE,
                                                         ProtectionOrder.expires_on < today)
                        .with_for_update(of=ProtectionOrder, skip_locked=True)).unique().scalars().all()
    for order in expired:
        end_order(s, order, OrderStatus.EXPIRED, today)
    counts["expired"] = len(expired)
    candidates = s.execute(sa.select(ProtectionOrder).where(
        ProtectionOrder.status == OrderStatus.ACTIVE,
        sa.or_(sa.and_(ProtectionOrder.plan_agreed_on.is_(None), ProtectionOrder.plan_overdue_reported_at.is_(None)),
               sa.and_(ProtectionOrder.expires_on <= today + timedelta(days=settings.order_expiry_warning_days),
                       sa.or_(ProtectionOrder.expiry_reported_for.is_(None),
                              ProtectionOrder.expiry_reported_for != ProtectionOrder.expires_on))))
        .with_for_update(of=ProtectionOrder, skip_locked=True)).unique().scalars().all()
    for order in candidates:
        facts = order_facts(order)
        now = _order_now(s, order)
        if order.plan_overdue_reported_at is None and plan_overdue(facts, today, **calendar):
            order.plan_overdue_reported_at = datetime.now(UTC)
            add_event(s, events.order_plan_overdue(order, now, due_on=plan_due_on(facts, **calendar)))
            counts["plan_overdue"] += 1
        if (order.expiry_reported_for != order.expires_on
                and (now.programme_unfinished or now.follow_up_unfinished)
                and expiring_soon(facts, today, within_days=settings.order_expiry_warning_days)):
            order.expiry_reported_for = order.expires_on
            add_event(s, events.order_expiring(order, now, days_left=(order.expires_on - today).days))
            counts["expiring"] += 1
    return counts


def close_followed_up(s: Session, today: date) -> int:
    """Close completed enrolments whose follow-up period has ended."""
    due = s.execute(sa.select(Enrolment).where(Enrolment.status == EnrolmentStatus.COMPLETED.value,
                                               Enrolment.follow_up_until < today)
                    .with_for_update(of=Enrolment, skip_locked=True)).unique().scalars().all()
    for enrolment in due:
        move_enrolment(s, enrolment, Action.CLOSE, by=SYSTEM, note="The follow-up period is over.", today=today)
    return len(due)
