"""A person's own alerts: the inbox, one alert with how it was delivered, and its acknowledgement."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask.views import MethodView
from qadam.auth import allow, current_principal
from qadam.web import read_session, unit_of_work

from ..commands import acknowledge_own
from ..models import Notification
from ..queries import DeliveredNotification, Page, own_alerts, own_notification_with_deliveries
from ..schemas import NotificationDetail, NotificationFilter, NotificationOut, NotificationPage
from .blueprint import RECIPIENTS, blp


@blp.route("/notifications")
class Notifications(MethodView):
    @allow(*RECIPIENTS)
    @blp.arguments(NotificationFilter, location="query")
    @blp.response(200, NotificationPage)
    def get(self, args: Page) -> Page:
        """Your alerts, newest first (`unacknowledged=true` for those still waiting on you)."""
        with read_session() as s:
            return own_alerts(s, user_id=current_principal().user_id, unacknowledged=args["unacknowledged"], page=args)


@blp.route("/notifications/<uuid:notification_id>")
class NotificationById(MethodView):
    @allow(*RECIPIENTS)
    @blp.response(200, NotificationDetail)
    def get(self, notification_id: uuid.UUID) -> DeliveredNotification:
        """One of your alerts, with how it was delivered."""
        with read_session() as s:
            return own_notification_with_deliveries(s, notification_id=notification_id,
                                                    user_id=current_principal().user_id)


@blp.route("/notifications/<uuid:notification_id>/acknowledge")
class Acknowledge(MethodView):
    @allow(*RECIPIENTS)
    @blp.response(200, NotificationOut)
    def post(self, notification_id: uuid.UUID) -> Notification:
        """Acknowledge one of your alerts: you have seen it and are acting on it. Repeating it changes nothing."""
        with unit_of_work() as s:
            return acknowledge_own(s, notification_id=notification_id, user_id=current_principal().user_id,
                                   now=datetime.now(UTC))
