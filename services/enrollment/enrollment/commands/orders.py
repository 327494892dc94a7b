"""His protection order: recorded, extended, ended, its correction plan agreed; and the daily watch that publishes
overdue plans, orders expiring with his programme unfinished, and orders past their expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import Problem, conflict, unprocessable
from qadam.outbox import add_event
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .. import events
from ..domain.orders import OrderStatus, expiring_soon, extension_refusal, plan_due_on, plan_overdue, standard_conditions
from ..events import OrderNow
from ..models import Enrolment, OrderExtension, Participant, ProtectionOrder
from ..queries import known_place_or_422, order_facts
from ..scoping import may_see_participant, require_area
from ..settings import EnrollmentSettings
from .outcomes import refresh_outcomes


class OrderTermsAsked(TypedDict):
    """A protection order as issued, without the man it binds (OrderTermsIn)."""

    number: str
    issued_by: str | None
    region: str
    district: str
    issued_on: date
    expires_on: date
    condition_codes: list[str]
    conditions: list[str]


class OrderAsked(OrderTermsAsked):
    """A protection order to record (OrderIn)."""

    participant_id: uuid.UUID


class ExtensionAsked(TypedDict):
    """An extension as asked (OrderExtensionIn): the new expiry, who decided, and why."""

    new_expiry: date
    decided_by: str
    reason: str


def record_order(s: Session, *, principal: Principal, order: OrderAsked) -> ProtectionOrder:
    """Record a protection order issued to a participant the caller may see; `protection_order.issued` goes out
    with it. An inspector records the orders they issued themselves; a number is recorded once."""
    require_area(principal, order["region"], order["district"])
    if principal.role == Role.INSPECTOR and order.get("issued_by") not in (None, principal.user_id):
        raise Problem(403, "An inspector records the orders they issued themselves.")
    place = known_place_or_422(s, order["region"], order["district"])
    data: OrderAsked = {**order, "issued_by": order.get("issued_by") or principal.user_id, "region": place.region,
                        "district": place.district,
                        "condition_codes": standard_conditions(order.get("condition_codes") or [])}
    participant = s.get(Participant, data["participant_id"])
    if participant is None or not may_see_participant(s, principal, participant):
        raise unprocessable("No such participant in your area.", {"participant_id": ["No such participant."]})
    taken = s.execute(sa.select(ProtectionOrder.id).where(ProtectionOrder.number == data["number"])).scalar()
    if taken:
        raise conflict(f"Order {data['number']} is recorded already.", existing_order_id=str(taken))
    recorded = ProtectionOrder(**data, status=OrderStatus.ACTIVE)
    recorded.participant = participant
    s.add(recorded)
    s.flush()
    _publish_order_issued(s, recorded)
    refresh_outcomes(s, participant_ids=[participant.id])  # a new order of a man who left a programme before
    return recorded


def end_order_early(s: Session, *, order: ProtectionOrder, how: str, today: date) -> None:
    """Revoke the order (locked by the caller), or mark it expired early: 409 unless it is in force."""
    if order.status != OrderStatus.ACTIVE:
        raise conflict(f"The order is {order.status} already.")
    _end_order(s, order, how, today)


def extend_order(s: Session, *, principal: Principal, order: ProtectionOrder, asked: ExtensionAsked,
                 today: date) -> None:
    """Extend the order (locked by the caller); the previous expiry and who decided stay in its history."""
    if refusal := extension_refusal(order_facts(order), today):
        raise conflict(refusal)
    if asked["new_expiry"] <= order.expires_on:
        raise unprocessable("An extension ends after the current expiry.",
                            {"new_expiry": [f"Later than {order.expires_on.isoformat()}."]})
    s.add(OrderExtension(order_id=order.id, previous_expiry=order.expires_on, new_expiry=asked["new_expiry"],
                         decided_by=asked["decided_by"], reason=asked["reason"], recorded_by=principal.user_id))
    order.expires_on = asked["new_expiry"]
    order.status = OrderStatus.ACTIVE
    s.flush()


class PlanAsked(TypedDict):
    """The individual correction plan as agreed (CorrectionPlanIn): when, with whom, its parts."""

    agreed_on: date
    agreed_with: str | None
    parts: list[dict[str, Any]]


def agree_correction_plan(s: Session, *, order: ProtectionOrder, plan: PlanAsked, today: date) -> None:
    """Record the individual correction plan agreed with the Inson centre (between the order's issue and today),
    with whom and what it holds, or change it: the latest recording is the plan."""
    if plan["agreed_on"] < order.issued_on or plan["agreed_on"] > today:
        raise unprocessable("The plan is agreed between the order's issue and today.",
                            {"agreed_on": [f"From {order.issued_on.isoformat()} to {today.isoformat()}."]})
    order.plan_agreed_on, order.plan_agreed_with = plan["agreed_on"], plan["agreed_with"]
    order.plan_parts = [{"kind": part["kind"], "details": part.get("details")} for part in plan["parts"]]


def scan_orders(s: Session, *, settings: EnrollmentSettings, today: date) -> dict[str, int]:
    """Publish, once each, the orders whose correction plan is overdue and those expiring while his programme or
    his follow-up is unfinished; mark orders past their expiry as expired (and publish that they ended)."""
    calendar = settings.working_calendar
    counts = {"plan_overdue": 0, "expiring": 0, "expired": 0}
    expired = s.execute(sa.select(ProtectionOrder).where(ProtectionOrder.status == OrderStatus.ACTIVE,
                                                         ProtectionOrder.expires_on < today)
                        .with_for_update(of=ProtectionOrder, skip_locked=True)).unique().scalars().all()
    for order in expired:
        _end_order(s, order, OrderStatus.EXPIRED, today)
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


def _publish_order_issued(s: Session, order: ProtectionOrder) -> None:
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


def _end_order(s: Session, order: ProtectionOrder, how: str, today: date) -> None:
    """The order ends (`expired` by the clock or marked so, or `revoked`): keep it, tell whoever follows."""
    order.status = how
    add_event(s, events.order_ended(order, _order_now(s, order), on=today, how=how))
