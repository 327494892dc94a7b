"""A referral in one request: the man, his protection order and his place in a cohort, made together or not at all."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import settings_of_app, unit_of_work
from qadam_contracts.roles import Role

from .. import commands
from ..models import Enrolment, Participant, WaitingPlace
from ..queries import OrderShown, waiting_shown
from ..schemas import ReferralIn, ReferralOut
from .enrolments import shown
from .participants import order_out


class ReferralShown(TypedDict):
    """What the referral made, as ReferralOut shows it."""

    participant: Participant
    registered_already: bool
    order: OrderShown
    enrolment: Enrolment | None
    waiting: WaitingPlace | None


blp = Blueprint("referrals", __name__, description="A man referred under a protection order, in one request")

# registering a man is for inspectors (of their area) and administrators: so is referring him in one go
REFERRERS = (Role.INSPECTOR, Role.ADMINISTRATOR)


@blp.route("/referrals")
class Referrals(MethodView):
    @allow(*REFERRERS)
    @blp.arguments(ReferralIn)
    @blp.response(201, ReferralOut)
    def post(self, data: commands.ReferralAsked) -> ReferralShown:
        """Register the man (or find the one of the caller's area he is: never registered twice), record his
        protection order and enrol him in a cohort, in one transaction: the rules, events and refusals of
        `POST /participants`, `POST /protection-orders` and `POST /enrolments`, a refusal naming its part
        (`step`, and field errors under `participant`, `order` or `enrolment`). A refusal leaves nothing behind.
        A full cohort (or one others wait for) is no refusal: he waits in its line, `enrolment` is null and `waiting`
        says his position; the next place that frees there is his."""
        year = datetime.now(settings_of_app().zone).year  # his code's year is Uzbekistan's, not UTC's
        with unit_of_work() as s:
            made = commands.refer(s, principal=current_principal(), person=data["participant"], order=data["order"],
                                  placement=data["enrolment"], year=year)
            return ReferralShown(participant=made.participant, registered_already=made.registered_already,
                                 order=order_out(s, made.order),
                                 enrolment=shown(s, made.enrolment) if made.enrolment else None,
                                 waiting=waiting_shown(s, made.waiting) if made.waiting else None)
