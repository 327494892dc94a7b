"""Notify's HTTP routes: a user's own alerts, acknowledged; staff contacts (administrators)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Role, allow, current_principal
from qadam.errors import Problem, not_found
from qadam.web import paginate, read_session, unit_of_work
from sqlalchemy.dialects.postgresql import insert

from .delivery import delivery_log
from .models import Contact, Notification
from .schemas import ContactIn, ContactOut, NotificationDetail, NotificationFilter, NotificationOut, NotificationPage

blp = Blueprint("notify", __name__, description="Alerts for the people responsible, and their acknowledgement")

RECIPIENTS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.SUPPORT_WORKER, Role.MANAGER,
              Role.ADMINISTRATOR)


@blp.route("/notifications")
class Notifications(MethodView):
    @allow(*RECIPIENTS)
    @blp.arguments(NotificationFilter, location="query")
    @blp.response(200, NotificationPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Your alerts, newest first (`unacknowledged=true` for those still waiting on you)."""
        query = sa.select(Notification).where(Notification.user_id == current_principal().user_id)
        if args["unacknowledged"]:
            query = query.where(Notification.acknowledged_at.is_(None))
        with read_session() as s:
            return paginate(s, query.order_by(Notification.created_at.desc()), args)


@blp.route("/notifications/<uuid:notification_id>")
class NotificationById(MethodView):
    @allow(*RECIPIENTS)
    @blp.response(200, NotificationDetail)
    def get(self, notification_id: uuid.UUID) -> dict[str, Any]:
        """One of your alerts, with how it was delivered."""
        with read_session() as s:
            notification = _own(s.get(Notification, notification_id), notification_id)
            return {**_as_dict(notification), "deliveries": delivery_log(s, notification_id)}


@blp.route("/notifications/<uuid:notification_id>/acknowledge")
class Acknowledge(MethodView):
    @allow(*RECIPIENTS)
    @blp.response(200, NotificationOut)
    def post(self, notification_id: uuid.UUID) -> Notification:
        """Acknowledge one of your alerts: you have seen it and are acting on it. Repeating it changes nothing."""
        with unit_of_work() as s:
            notification = _own(s.get(Notification, notification_id, with_for_update=True), notification_id)
            if notification.acknowledged_at is None:
                notification.acknowledged_at = datetime.now(UTC)
            return notification


@blp.route("/contacts/<string:user_id>")
class Contacts(MethodView):
    @allow(*RECIPIENTS)
    @blp.response(200, ContactOut)
    def get(self, user_id: str) -> Contact:
        """How a user is reached (administrators, or the user themself)."""
        principal = current_principal()
        if principal.role != Role.ADMINISTRATOR and principal.user_id != user_id:
            raise Problem(403, "Only administrators see other users' contacts.")
        with read_session() as s:
            contact = s.get(Contact, user_id)
            if contact is None:
                raise not_found("contact for user", user_id)
            return contact

    @allow(Role.ADMINISTRATOR)
    @blp.arguments(ContactIn)
    @blp.response(200, ContactOut)
    def put(self, data: dict[str, Any], user_id: str) -> Contact:
        """Set how a user is reached outside the app (until the portal publishes users)."""
        with unit_of_work() as s:
            s.execute(insert(Contact).values(user_id=user_id, **data)
                      .on_conflict_do_update(index_elements=[Contact.user_id], set_=data))
            return s.get(Contact, user_id, populate_existing=True)  # type: ignore[return-value]


def _own(notification: Notification | None, notification_id: uuid.UUID) -> Notification:
    if notification is None or notification.user_id != current_principal().user_id:
        raise not_found("notification", notification_id)
    return notification


def _as_dict(n: Notification) -> dict[str, Any]:
    return {c: getattr(n, c) for c in NotificationOut().fields}
