"""Participants (personal data: need to know) and their protection orders."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam import audit
from qadam.auth import Principal, Role, allow, area_filter, current_principal
from qadam.errors import conflict, not_found, unprocessable
from qadam.web import paginate, read_session, settings_of_app, unit_of_work
from sqlalchemy.orm import Session

from .. import commands
from ..domain import name_key
from ..domain.orders import OrderStatus, extension_refusal, plan_due_on, plan_overdue
from ..models import OrderExtension, Participant, ProtectionOrder
from ..schemas import (
    CorrectionPlanIn,
    OrderExtensionIn,
    OrderFilter,
    OrderIn,
    OrderOut,
    OrderPage,
    OrderStatusIn,
    ParticipantIn,
    ParticipantOut,
    ParticipantPage,
    ParticipantSearch,
)
from ..service import end_order, order_facts, working_calendar
from ..settings import EnrollmentSettings
from .scoping import may_see_participant, visible_orders

blp = Blueprint("participants", __name__, description="Participants and protection orders")

# Personal data is need to know (DOMAIN.md): inspectors register and find the men of their area, a psychologist
# reads those of their cohorts; managers and supervisors work from aggregates and codes, never names or PINFLs.
REFERRERS = (Role.INSPECTOR, Role.ADMINISTRATOR)
ORDER_READERS = (Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)


@blp.route("/participants")
class Participants(MethodView):
    @allow(*REFERRERS)
    @blp.arguments(ParticipantSearch, location="query")
    @blp.response(200, ParticipantPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Find participants of the caller's area by code, PINFL, or name in any script or spelling."""
        principal = current_principal()
        query = sa.select(Participant).where(area_filter(principal, Participant.region, Participant.district)) \
            .order_by(Participant.code)
        elsewhere: list[dict[str, str]] = []
        with read_session() as s:
            if args["q"]:
                q = args["q"].strip()
                query = query.where(sa.or_(Participant.code == q.upper(), Participant.pinfl == q,
                                           Participant.name_key.contains(name_key(q), autoescape=True)))
                elsewhere = _registered_elsewhere(s, principal, sa.or_(
                    Participant.pinfl == q, Participant.name_key == name_key(q)))
            return paginate(s, query, args) | {"elsewhere": elsewhere}

    @allow(*REFERRERS)
    @blp.arguments(ParticipantIn)
    @blp.response(201, ParticipantOut)
    def post(self, data: dict[str, Any]) -> Participant:
        """Register a man referred to a programme; he gets a pseudonymous code. The same person is never registered
        twice: a known PINFL, or the same name (in any script) and birth date, is reported instead."""
        year = datetime.now(settings_of_app().zone).year  # the year in Uzbekistan, not in UTC
        with unit_of_work() as s:
            return commands.register_participant(s, principal=current_principal(), person=data, year=year)


@blp.route("/participants/<uuid:participant_id>")
class ParticipantById(MethodView):
    @allow(*REFERRERS, Role.PSYCHOLOGIST)
    @blp.response(200, ParticipantOut)
    def get(self, participant_id: uuid.UUID) -> Participant:
        """One participant's record, personal data included (need to know: area, or his cohort's psychologist)."""
        principal = current_principal()
        with read_session() as s:
            participant = s.get(Participant, participant_id)
            if participant is None or not may_see_participant(s, principal, participant):
                raise not_found("participant", participant_id)
            return participant


def _registered_elsewhere(s: Session, principal: Principal, match: Any) -> list[dict[str, str]]:
    """Where men matching the lookup are registered outside the caller's area (whom to contact, never who he is);
    a match is written in the audit row of the lookup."""
    found = [p for p in s.execute(sa.select(Participant).where(match, Participant.anonymised_at.is_(None))
                                  .limit(50)).scalars()
             if not principal.covers(region=p.region, district=p.district)]
    areas = commands.areas_of(found)
    if areas:
        audit.note(lookup="registered_in_another_area", areas=areas)
    return areas


# -- protection orders ------------------------------------------------------------------------------
def _today() -> date:
    return datetime.now(settings_of_app().zone).date()


def order_out(s: Session, order: ProtectionOrder) -> dict[str, Any]:
    """The order as OrderOut shows it to the caller: where its plan stands, its extensions (a manager: no free
    text)."""
    calendar = working_calendar(settings_of_app(EnrollmentSettings))
    facts = order_facts(order)
    out: dict[str, Any] = {c.key: getattr(order, c.key) for c in sa.inspect(ProtectionOrder).column_attrs}
    out["participant"] = order.participant
    out["plan_due_on"] = plan_due_on(facts, **calendar)
    out["plan_overdue"] = plan_overdue(facts, _today(), **calendar)
    out["days_to_expiry"] = (order.expires_on - _today()).days
    out["extensions"] = list(s.execute(sa.select(OrderExtension).where(OrderExtension.order_id == order.id)
                                       .order_by(OrderExtension.recorded_at)).scalars())
    if current_principal().role == Role.MANAGER:
        # Managers see codes and figures only: the number, the conditions and the reasons given for extensions
        # (free text, which could hold her name or address) are not theirs to read.
        out["number"] = out["conditions"] = None
        out["extensions"] = [{c.key: getattr(e, c.key) for c in sa.inspect(OrderExtension).column_attrs}
                             | {"decided_by": None, "reason": None} for e in out["extensions"]]
    return out


def _order(s: Session, order_id: uuid.UUID, *, lock: bool = False) -> ProtectionOrder:
    query = visible_orders(current_principal()).where(ProtectionOrder.id == order_id)
    order = s.execute(query.with_for_update(of=ProtectionOrder) if lock else query).unique().scalar()
    if order is None:
        raise not_found("protection order", order_id)
    return order


@blp.route("/protection-orders")
class Orders(MethodView):
    @allow(*ORDER_READERS)
    @blp.arguments(OrderFilter, location="query")
    @blp.response(200, OrderPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Protection orders of the caller's area: those expiring soon, or with the correction plan overdue."""
        query = visible_orders(current_principal()).order_by(ProtectionOrder.expires_on)
        if args["district"]:
            query = query.where(ProtectionOrder.district == args["district"])
        if args["status"]:
            query = query.where(ProtectionOrder.status == args["status"])
        if args["expiring_within_days"] is not None:
            until = _today() + timedelta(days=args["expiring_within_days"])
            query = query.where(ProtectionOrder.status == OrderStatus.ACTIVE,
                                ProtectionOrder.expires_on.between(_today(), until))
        with read_session() as s:
            if args["plan_overdue"] is not None:
                # Overdue depends on working days: decided in Python over the orders still without a plan.
                calendar = working_calendar(settings_of_app(EnrollmentSettings))
                waiting = s.execute(query.where(ProtectionOrder.plan_agreed_on.is_(None),
                                                ProtectionOrder.status == OrderStatus.ACTIVE)).unique().scalars().all()
                overdue = [o.id for o in waiting if plan_overdue(order_facts(o), _today(), **calendar)]
                query = query.where(ProtectionOrder.id.in_(overdue) if args["plan_overdue"]
                                    else ProtectionOrder.id.not_in(overdue))
            page = paginate(s, query, args)
            page["items"] = [order_out(s, o) for o in page["items"]]
            return page

    @allow(Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(OrderIn)
    @blp.response(201, OrderOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record a protection order (himoya orderi) issued to a participant."""
        with unit_of_work() as s:
            return order_out(s, commands.record_order(s, principal=current_principal(), order=data))


@blp.route("/protection-orders/<uuid:order_id>")
class OrderById(MethodView):
    @allow(*ORDER_READERS)
    @blp.response(200, OrderOut)
    def get(self, order_id: uuid.UUID) -> dict[str, Any]:
        """One order with its extensions and where its correction plan stands."""
        with read_session() as s:
            return order_out(s, _order(s, order_id))

    @allow(Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(OrderStatusIn)
    @blp.response(200, OrderOut)
    def patch(self, data: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
        """Revoke an order (or mark it expired early)."""
        with unit_of_work() as s:
            order = _order(s, order_id, lock=True)
            if order.status != OrderStatus.ACTIVE:
                raise conflict(f"The order is {order.status} already.")
            end_order(s, order, data["status"], _today())
            return order_out(s, order)


@blp.route("/protection-orders/<uuid:order_id>/extensions")
class OrderExtensions(MethodView):
    @allow(Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(OrderExtensionIn)
    @blp.response(201, OrderOut)
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
        """Extend an order; the previous expiry and who decided stay in its history."""
        principal = current_principal()
        with unit_of_work() as s:
            order = _order(s, order_id, lock=True)
            if refusal := extension_refusal(order_facts(order), _today()):
                raise conflict(refusal)
            if data["new_expiry"] <= order.expires_on:
                raise unprocessable("An extension ends after the current expiry.",
                                    {"new_expiry": [f"Later than {order.expires_on.isoformat()}."]})
            s.add(OrderExtension(order_id=order.id, previous_expiry=order.expires_on, new_expiry=data["new_expiry"],
                                 decided_by=data["decided_by"], reason=data["reason"], recorded_by=principal.user_id))
            order.expires_on = data["new_expiry"]
            order.status = OrderStatus.ACTIVE
            s.flush()
            return order_out(s, order)


@blp.route("/protection-orders/<uuid:order_id>/correction-plan")
class CorrectionPlan(MethodView):
    @allow(Role.INSPECTOR, Role.PSYCHOLOGIST, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(CorrectionPlanIn)
    @blp.response(200, OrderOut)
    def put(self, data: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
        """Record that the individual correction plan was agreed with the Inson centre."""
        with unit_of_work() as s:
            order = _order(s, order_id, lock=True)
            if data["agreed_on"] < order.issued_on or data["agreed_on"] > _today():
                raise unprocessable("The plan is agreed between the order's issue and today.",
                                    {"agreed_on": [f"From {order.issued_on.isoformat()} to {_today().isoformat()}."]})
            order.plan_agreed_on = data["agreed_on"]
            return order_out(s, order)
