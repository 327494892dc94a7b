"""Enrolments: referral, the lifecycle with its history, transfers, and the lists people work from."""

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
from ..models import Enrolment
from ..schemas import (
    EnrolmentFilter,
    EnrolmentIn,
    EnrolmentOut,
    EnrolmentPage,
    SupportedEnrolmentOut,
    SupportedEnrolmentPage,
    SupportedFilter,
    SupportWorkerIn,
    TransferIn,
    TransitionIn,
    TransitionOut,
)
from ..scoping import MOVERS

blp = Blueprint("enrolments", __name__, description="Enrolments and their lifecycle")

STAFF = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
REFERRERS = (Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)


class SupportWorkerAsked(TypedDict):
    victim_support_worker_id: str | None  # None: none linked


def _today() -> date:
    return datetime.now(settings_of_app().zone).date()  # the day in Uzbekistan, not in UTC


def shown(s: Session, enrolment: Enrolment) -> Enrolment:
    """The enrolment with the moves the caller could make now (the same rules the moves apply)."""
    return queries.with_moves(s, [enrolment], principal=current_principal())[0]


def _locked(s: Session, enrolment_id: uuid.UUID) -> Enrolment:
    return queries.visible_enrolment(s, principal=current_principal(), enrolment_id=enrolment_id, lock=True)


@blp.route("/enrolments")
class Enrolments(MethodView):
    @allow(*STAFF)
    @blp.arguments(EnrolmentFilter, location="query")
    @blp.response(200, EnrolmentPage)
    def get(self, args: dict[str, Any]) -> queries.Page[Enrolment]:
        """Enrolments the caller may see, filtered: status, district, inspector, psychologist, cohort, programme,
        code, exit proposed, protection order expiring within N days."""
        with read_session() as s:
            return queries.enrolments_page(s, principal=current_principal(), filters=args, today=_today())

    @allow(*REFERRERS)
    @blp.arguments(EnrolmentIn)
    @blp.response(201, EnrolmentOut)
    def post(self, data: commands.EnrolmentAsked) -> Enrolment:
        """Refer a participant to a cohort, naming the order it answers, his prevention inspector and psychologist.
        The enrolment starts `referred`; intake assessment and the start follow as transitions."""
        with unit_of_work() as s:
            return shown(s, commands.enrol(s, principal=current_principal(), enrolment=data))


@blp.route("/enrolments/<uuid:enrolment_id>")
class EnrolmentById(MethodView):
    @allow(*STAFF)
    @blp.response(200, EnrolmentOut)
    def get(self, enrolment_id: uuid.UUID) -> Enrolment:
        """One enrolment: where it stands, its progress and the moves the caller could make now."""
        with read_session() as s:
            return shown(s, queries.visible_enrolment(s, principal=current_principal(), enrolment_id=enrolment_id))


@blp.route("/enrolments/<uuid:enrolment_id>/transitions")
class Transitions(MethodView):
    @allow(*STAFF)
    @blp.response(200, TransitionOut(many=True))
    def get(self, enrolment_id: uuid.UUID) -> list[Any]:
        """The enrolment's history: every move, with who, when and why (a manager: without the notes)."""
        with read_session() as s:
            return queries.enrolment_history(s, principal=current_principal(), enrolment_id=enrolment_id)

    @allow(*MOVERS)
    @blp.arguments(TransitionIn)
    @blp.response(201, EnrolmentOut)
    def post(self, data: commands.TransitionAsked, enrolment_id: uuid.UUID) -> Enrolment:
        """Move the enrolment: assess, start, suspend, resume, complete, close, exclude (at intake) or exit.
        Exit, exclusion and suspension need a reason; an illegal move is a 409 naming the allowed ones."""
        with unit_of_work() as s:
            enrolment = _locked(s, enrolment_id)
            commands.transition_enrolment(s, principal=current_principal(), enrolment=enrolment,
                                          asked=data, today=_today())
            return shown(s, enrolment)


@blp.route("/enrolments/<uuid:enrolment_id>/transfer")
class Transfer(MethodView):
    @allow(Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(TransferIn)
    @blp.response(201, EnrolmentOut)
    def post(self, data: commands.TransferAsked, enrolment_id: uuid.UUID) -> Enrolment:
        """Move him to another cohort (in another district too); his marks, progress and history go with him. An
        inspector's move out of his district is not made at once: it waits for a supervisor of the district's region
        (`pending_transfer` of the answer; `POST /transfers/{transfer_id}/decision`)."""
        with unit_of_work() as s:
            enrolment = _locked(s, enrolment_id)
            commands.transfer_enrolment(s, principal=current_principal(), enrolment=enrolment,
                                        asked=data)
            return shown(s, enrolment)


@blp.route("/enrolments/<uuid:enrolment_id>/victim-support-worker")
class VictimSupportWorker(MethodView):
    @allow(Role.INSPECTOR, Role.SUPERVISOR, Role.ADMINISTRATOR)
    @blp.arguments(SupportWorkerIn)
    @blp.response(200, EnrolmentOut)
    def put(self, data: SupportWorkerAsked, enrolment_id: uuid.UUID) -> Enrolment:
        """Link her support worker (Inson centre) to the enrolment, change or remove them: his inspector or a
        supervisor of his area. An active support worker of his region; published for risk and notify."""
        with unit_of_work() as s:
            enrolment = _locked(s, enrolment_id)
            commands.link_support_worker(s, principal=current_principal(), enrolment=enrolment,
                                         worker=data["victim_support_worker_id"])
            return shown(s, enrolment)


@blp.route("/supported-enrolments")
class SupportedEnrolments(MethodView):
    @allow(Role.SUPPORT_WORKER)
    @blp.arguments(SupportedFilter, location="query")
    @blp.response(200, SupportedEnrolmentPage)
    def get(self, args: dict[str, Any]) -> queries.Page[queries.SupportedCase]:
        """The men whose partners the caller (an Inson centre's support worker) supports, and no others: where each
        stands, why he left, his order's dates and his inspector. Never his attendance, notes or person."""
        with read_session() as s:
            return queries.supported_page(s, principal=current_principal(), filters=args)


@blp.route("/supported-enrolments/<uuid:enrolment_id>")
class SupportedEnrolmentById(MethodView):
    @allow(Role.SUPPORT_WORKER)
    @blp.response(200, SupportedEnrolmentOut)
    def get(self, enrolment_id: uuid.UUID) -> queries.SupportedCase:
        """One man whose partner the caller supports (404 for any other)."""
        with read_session() as s:
            return queries.supported_case(s, principal=current_principal(), enrolment_id=enrolment_id)
