"""The waiting list of a full cohort: who waits, in order; a place in another group; a referral withdrawn."""

from __future__ import annotations

import uuid
from typing import TypedDict

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, unit_of_work
from qadam_contracts.roles import Role

from .. import commands, queries
from ..models import WaitingPlace
from ..schemas import WaitingLine, WaitingOut, WaitingPlacementIn, WaitingWithdrawalIn
from .programmes import PLANNERS, STAFF


class Line(TypedDict):
    items: list[WaitingPlace]


blp = Blueprint("waiting", __name__, description="Referrals waiting for a place in a full cohort")


@blp.route("/cohorts/<uuid:cohort_id>/waiting-list")
class CohortLine(MethodView):
    @allow(*STAFF)
    @blp.response(200, WaitingLine)
    def get(self, cohort_id: uuid.UUID) -> Line:
        """Those waiting for a place in the cohort, first in line first (the next place that frees is the first's)."""
        with read_session() as s:
            return Line(items=queries.waiting_line(s, principal=current_principal(), cohort_id=cohort_id))


@blp.route("/waiting-list/<uuid:waiting_id>")
class WaitingById(MethodView):
    @allow(*STAFF)
    @blp.response(200, WaitingOut)
    def get(self, waiting_id: uuid.UUID) -> WaitingPlace:
        """One referral on a waiting list: his position while he waits, his enrolment once placed."""
        with read_session() as s:
            found = queries.visible_waiting(s, principal=current_principal(), waiting_id=waiting_id)
            return queries.waiting_shown(s, found)


@blp.route("/waiting-list/<uuid:waiting_id>/placement")
class WaitingPlacement(MethodView):
    @allow(*PLANNERS)
    @blp.arguments(WaitingPlacementIn)
    @blp.response(200, WaitingOut)
    def post(self, data: commands.PlacementElsewhereAsked, waiting_id: uuid.UUID) -> WaitingPlace:
        """Place a waiting referral in another group of his programme that has a free place (a new one, say): his
        enrolment is made there, `referred`, and he leaves the line (`placed`, `enrolment_id`)."""
        principal = current_principal()
        with unit_of_work() as s:
            waiting = queries.visible_waiting(s, principal=principal, waiting_id=waiting_id, lock=True)
            commands.place_elsewhere(s, principal=principal, waiting=waiting, asked=data)
            return queries.waiting_shown(s, waiting)


@blp.route("/waiting-list/<uuid:waiting_id>/withdrawal")
class WaitingWithdrawal(MethodView):
    @allow(Role.INSPECTOR, *PLANNERS)
    @blp.arguments(WaitingWithdrawalIn)
    @blp.response(200, WaitingOut)
    def post(self, data: dict[str, str], waiting_id: uuid.UUID) -> WaitingPlace:
        """Take a waiting referral off the line, saying why (his inspector, or a manager of the area); those behind
        him move up."""
        principal = current_principal()
        with unit_of_work() as s:
            waiting = queries.visible_waiting(s, principal=principal, waiting_id=waiting_id, lock=True)
            commands.withdraw_waiting(s, principal=principal, waiting=waiting, reason=data["reason"])
            return queries.waiting_shown(s, waiting)
