"""Participants (personal data: need to know) and their protection orders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypedDict

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, settings_of_app, unit_of_work
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .. import commands, queries
from ..models import Participant, ProtectionOrder
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
from ..settings import EnrollmentSettings

blp = Blueprint("participants", __name__, description="Participants and protection orders")

# Personal data is need to know (DOMAIN.md): inspectors register and find the men of their area, a psychologist
# reads those of their cohorts; managers and supervisors work from aggregates and codes, never names or PINFLs.
REFERRERS = (Role.INSPECTOR, Role.ADMINISTRATOR)
ORDER_READERS = (Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
ORDER_KEEPERS = (Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)


@blp.route("/participants")
class Participants(MethodView):
    @allow(*REFERRERS)
    @blp.arguments(ParticipantSearch, location="query")
    @blp.response(200, ParticipantPage)
    def get(self, args: dict[str, Any]) -> queries.ParticipantPage:
        """Find participants of the caller's area by code, PINFL, or name in any script or spelling."""
        with read_session() as s:
            return queries.participants_page(s, principal=current_principal(), search=args)

    @allow(*REFERRERS)
    @blp.arguments(ParticipantIn)
    @blp.response(201, ParticipantOut)
    def post(self, data: commands.PersonAsked) -> Participant:
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
        with read_session() as s:
            return queries.visible_participant(s, principal=current_principal(), participant_id=participant_id)


# -- protection orders ------------------------------------------------------------------------------
class OrderEndAsked(TypedDict):
    status: str  # revoked, or expired early


def _today() -> date:
    return datetime.now(settings_of_app().zone).date()  # the day in Uzbekistan, not in UTC


def order_out(s: Session, order: ProtectionOrder) -> queries.OrderShown:
    """The order as OrderOut shows it to the caller: where its plan stands, its extensions (a manager: no free
    text)."""
    return queries.order_shown(s, order, principal=current_principal(), today=_today(),
                               calendar=settings_of_app(EnrollmentSettings).working_calendar)


def _locked(s: Session, order_id: uuid.UUID) -> ProtectionOrder:
    return queries.visible_order(s, principal=current_principal(), order_id=order_id, lock=True)


@blp.route("/protection-orders")
class Orders(MethodView):
    @allow(*ORDER_READERS)
    @blp.arguments(OrderFilter, location="query")
    @blp.response(200, OrderPage)
    def get(self, args: dict[str, Any]) -> queries.Page[queries.OrderShown]:
        """Protection orders of the caller's area: those expiring soon, or with the correction plan overdue."""
        calendar = settings_of_app(EnrollmentSettings).working_calendar
        with read_session() as s:
            return queries.orders_page(s, principal=current_principal(), filters=args, calendar=calendar,
                                       today=_today())

    @allow(*ORDER_KEEPERS)
    @blp.arguments(OrderIn)
    @blp.response(201, OrderOut)
    def post(self, data: commands.OrderAsked) -> queries.OrderShown:
        """Record a protection order (himoya orderi) issued to a participant."""
        with unit_of_work() as s:
            return order_out(s, commands.record_order(s, principal=current_principal(), order=data))


@blp.route("/protection-orders/<uuid:order_id>")
class OrderById(MethodView):
    @allow(*ORDER_READERS)
    @blp.response(200, OrderOut)
    def get(self, order_id: uuid.UUID) -> queries.OrderShown:
        """One order with its extensions and where its correction plan stands."""
        with read_session() as s:
            return order_out(s, queries.visible_order(s, principal=current_principal(), order_id=order_id))

    @allow(*ORDER_KEEPERS)
    @blp.arguments(OrderStatusIn)
    @blp.response(200, OrderOut)
    def patch(self, data: OrderEndAsked, order_id: uuid.UUID) -> queries.OrderShown:
        """Revoke an order (or mark it expired early)."""
        with unit_of_work() as s:
            order = _locked(s, order_id)
            commands.end_order_early(s, order=order, how=data["status"], today=_today())
            return order_out(s, order)


@blp.route("/protection-orders/<uuid:order_id>/extensions")
class OrderExtensions(MethodView):
    @allow(*ORDER_KEEPERS)
    @blp.arguments(OrderExtensionIn)
    @blp.response(201, OrderOut)
    def post(self, data: commands.ExtensionAsked, order_id: uuid.UUID) -> queries.OrderShown:
        """Extend an order; the previous expiry and who decided stay in its history."""
        with unit_of_work() as s:
            order = _locked(s, order_id)
            commands.extend_order(s, principal=current_principal(), order=order,
                                  asked=data, today=_today())
            return order_out(s, order)


@blp.route("/protection-orders/<uuid:order_id>/correction-plan")
class CorrectionPlan(MethodView):
    @allow(Role.INSPECTOR, Role.PSYCHOLOGIST, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(CorrectionPlanIn)
    @blp.response(200, OrderOut)
    def put(self, data: commands.PlanAsked, order_id: uuid.UUID) -> queries.OrderShown:
        """Record the individual correction plan agreed with the Inson centre: when, with whom, and its parts (the
        programme, referrals for employment, health, education or housing); again to change it."""
        with unit_of_work() as s:
            order = _locked(s, order_id)
            commands.agree_correction_plan(s, order=order, plan=data, today=_today())
            return order_out(s, order)
