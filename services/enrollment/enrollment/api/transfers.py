"""Moves out of a district: the ones waiting for a supervisor, and the supervisor's decision."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, unit_of_work
from qadam_contracts.roles import Role

from .. import commands, queries
from ..models import Cohort, TransferRequest
from ..schemas import CohortOut, TransferDecisionIn, TransferFilter, TransferOut, TransferPage

blp = Blueprint("transfers", __name__, description="Moves out of a district, approved or refused by a supervisor")

READERS = (Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)


@blp.route("/transfers")
class Transfers(MethodView):
    @allow(*READERS)
    @blp.arguments(TransferFilter, location="query")
    @blp.response(200, TransferPage)
    def get(self, args: dict[str, Any]) -> queries.Page[TransferRequest]:
        """Moves out of a district asked from or into the caller's area (an inspector: and his own), those waiting
        first (the longest waiting on top), then the newest decided."""
        with read_session() as s:
            return queries.transfers_page(s, principal=current_principal(), filters=args)


@blp.route("/enrolments/<uuid:enrolment_id>/transfer-options")
class TransferOptions(MethodView):
    @allow(Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.response(200, CohortOut(many=True))
    def get(self, enrolment_id: uuid.UUID) -> list[Cohort]:
        """The cohorts he could be moved to: forming or running, of his programme, in the caller's region (other
        districts too: a move out of his district waits for a supervisor), other than his own, with places taken."""
        with read_session() as s:
            principal = current_principal()
            enrolment = queries.visible_enrolment(s, principal=principal, enrolment_id=enrolment_id)
            return queries.transfer_options(s, principal=principal, enrolment=enrolment)


@blp.route("/transfers/<uuid:transfer_id>")
class TransferById(MethodView):
    @allow(*READERS)
    @blp.response(200, TransferOut)
    def get(self, transfer_id: uuid.UUID) -> TransferRequest:
        """One move out of a district, where it stands."""
        with read_session() as s:
            return queries.visible_transfer(s, principal=current_principal(), transfer_id=transfer_id)


@blp.route("/transfers/<uuid:transfer_id>/decision")
class TransferDecision(MethodView):
    @allow(Role.SUPERVISOR, Role.ADMINISTRATOR)
    @blp.arguments(TransferDecisionIn)
    @blp.response(201, TransferOut)
    def post(self, data: commands.DecisionAsked, transfer_id: uuid.UUID) -> TransferRequest:
        """Approve a waiting move out of the district (it is made then, checked again as things are now: a full
        cohort is a 409) or refuse it, saying why: a supervisor of the district's region, once (409 after)."""
        with unit_of_work() as s:
            request = queries.visible_transfer(s, principal=current_principal(), transfer_id=transfer_id, lock=True)
            commands.decide_transfer(s, principal=current_principal(), request=request, asked=data)
            return request
