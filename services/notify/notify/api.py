"""Notify's HTTP routes: a user's own alerts, acknowledged (or through the signed link in a message); staff
contacts; the routing rules; figures for managers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from markupsafe import escape
from qadam.auth import Role, allow, current_principal, public
from qadam.db import lock_keys
from qadam.errors import Problem, not_found, unprocessable
from qadam.log import get_logger
from qadam.outbox import add_events
from qadam.sealing import derived_keys
from qadam.web import PAGE_HEADERS, PageArgs, paginate, read_session, settings_of_app, unit_of_work
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from . import links
from .delivery import delivery_log
from .domain import RoutingError, parse_routing
from .events import alerts_acknowledged
from .figures import alert_figures
from .models import Contact, Notification, RoutingRuleSet
from .schemas import (
    ContactIn,
    ContactOut,
    Figures,
    FiguresFilter,
    NotificationDetail,
    NotificationFilter,
    NotificationOut,
    NotificationPage,
    RoutingIn,
    RoutingOut,
    UnassignedPage,
)
from .templates import language_of, level_word, page_words

log = get_logger(__name__)

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
                acknowledge(s, notification, "api")
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
        """Set how a user is reached outside the app, their language, supervisor and quiet hours: the whole contact
        (a field left out is cleared). A request with no body or an empty object is refused (422) and changes
        nothing, so a client that lost its body cannot wipe someone's addresses. The portal's `portal.user.changed`
        events keep this up to date; this is for what the portal does not know yet."""
        quiet = data.pop("quiet_hours")
        data["quiet_start"] = time.fromisoformat(quiet["start"]) if quiet else None
        data["quiet_end"] = time.fromisoformat(quiet["end"]) if quiet else None
        with unit_of_work() as s:
            s.execute(insert(Contact).values(user_id=user_id, **data)
                      .on_conflict_do_update(index_elements=[Contact.user_id], set_=data))
            return s.get(Contact, user_id, populate_existing=True)  # type: ignore[return-value]


@blp.route("/escalations/unassigned")
class Unassigned(MethodView):
    @allow(Role.ADMINISTRATOR)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, UnassignedPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Alerts that found nobody to escalate to (no supervisor above the person who has not answered, in the
        directory or in the man's district or region), longest waiting first. Each is tried again after its wait;
        add or fix the supervisor and it goes on up."""
        query = sa.select(Notification).where(
            Notification.unassigned_since.is_not(None), Notification.acknowledged_at.is_(None),
            Notification.escalated_at.is_(None)).order_by(Notification.unassigned_since, Notification.id)
        with read_session() as s:
            return paginate(s, query, args, row=lambda r: _unassigned(r[0]))


def _unassigned(n: Notification) -> dict[str, Any]:
    return {"notification_id": n.id, "participant_code": n.participant_code, "level": n.level, "region": n.region,
            "district": n.district, "user_id": n.user_id, "responsibility": n.responsibility,
            "escalation_step": n.escalation_step, "waiting_since": n.created_at, "unassigned_since": n.unassigned_since,
            "last_tried_at": n.escalation_tried_at}


@blp.route("/ack/<string:token>")
class AckLink(MethodView):
    """The signed link in a message: opening it shows what it acknowledges and why; the button acknowledges it,
    without reading it in Qadam first. (A link preview or a mail scanner that opens the link acknowledges nothing.)"""

    @blp.doc(security=[], summary="The page a signed link in a message opens: what it acknowledges, and a button.")
    @public
    def get(self, token: str) -> Response:
        with read_session() as s:
            notification = _by_link(s, token)
            done = notification.acknowledged_at is not None
            language = _language_of(s, notification)
        return _ack_page(notification, token, done=done, language=language)

    @blp.doc(security=[], summary="Acknowledge through the signed link: the link is the credential.")
    @public
    def post(self, token: str) -> Response:
        with unit_of_work() as s:
            notification = _by_link(s, token, lock=True)
            if notification.acknowledged_at is None:
                acknowledge(s, notification, "link")
            language = _language_of(s, notification)
        return _ack_page(notification, token, done=True, language=language)


def acknowledge(s: Session, n: Notification, via: str) -> None:
    """Acknowledged by its recipient; an alert about flags is acknowledged in risk too (notify.alert.acknowledged, one
    per flag). Her notices stay hers: her id never reaches the flag perpetrator-facing staff read."""
    n.acknowledged_at, n.acknowledged_via = datetime.now(UTC), via
    if n.kind in ("alert", "escalation"):
        add_events(s, alerts_acknowledged(n, via))  # an episode's alert acknowledges every flag in it
    log.info("notification_acknowledged", notification_id=str(n.id), via=via)


def _by_link(s: Session, token: str, *, lock: bool = False) -> Notification:
    try:
        notification_id = links.verify(derived_keys(settings_of_app(), links.PURPOSE), token, datetime.now(UTC))
    except links.BadLink as exc:
        raise Problem(404, str(exc)) from None
    notification = s.get(Notification, notification_id, with_for_update=lock)
    if notification is None:
        raise not_found("notification", notification_id)
    return notification


def _ack_page(n: Notification, token: str, *, done: bool, language: str) -> Response:
    """A small page a phone's browser shows, in the recipient's language: before, the code, the level and the reasons,
    then the button; after, only the confirmation and a link into Qadam (a link forwarded or left open no longer
    shows whom or what it was about). The portal's security headers: no frames, no scripts from elsewhere."""
    if request.accept_mimetypes.best == "application/json":
        shown: dict[str, Any] = {"notification_id": str(n.id), "acknowledged_at": n.acknowledged_at.isoformat()
                                 if n.acknowledged_at else None}
        if not done:
            shown |= {"participant_code": n.participant_code, "level": n.level, "reasons": list(n.reasons)}
        return jsonify(shown)
    words = page_words(language)
    if done:
        title, body = words["page_done"], (f"<p>{escape(words['page_done'])}</p>"
                                           f"<p><a href=\"{escape(n.link)}\">{escape(words['page_open'])}</a></p>")
    else:
        level = level_word(n.level, language)
        title = words["page_heading"].format(LEVEL=level.upper(), participant_code=n.participant_code)
        reasons = "".join(f"<li>{escape(r)}</li>" for r in n.reasons)
        body = (f"<h1>{escape(title)}</h1>" + (f"<p>{escape(words['page_why'])}</p><ul>{reasons}</ul>" if reasons else "")
                + f"<form method=\"post\" action=\"\"><button type=\"submit\">{escape(words['page_button'])}</button>"
                "</form>")
    page = (f"<!doctype html><html lang=\"{escape(language)}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><title>Qadam: {escape(title)}</title></head><body>"
            f"{body}</body></html>")
    return Response(page, mimetype="text/html", headers={**PAGE_HEADERS, "Cache-Control": "no-store",
                                                         "Referrer-Policy": "no-referrer"})


def _language_of(s: Session, n: Notification) -> str:
    contact = s.get(Contact, n.user_id)
    return language_of(contact.language if contact is not None else None)


@blp.route("/routing")
class Routing(MethodView):
    @allow(Role.ADMINISTRATOR, Role.MANAGER, Role.SUPERVISOR, Role.AUDITOR)
    @blp.response(200, RoutingOut)
    def get(self) -> RoutingRuleSet:
        """The routing rules in force: which event at which level goes to whom, over which channels, when."""
        with read_session() as s:
            return s.execute(sa.select(RoutingRuleSet).order_by(RoutingRuleSet.version.desc()).limit(1)).scalar_one()

    @allow(Role.ADMINISTRATOR)
    @blp.arguments(RoutingIn)
    @blp.response(201, RoutingOut)
    def post(self, data: dict[str, Any]) -> RoutingRuleSet:
        """Put new routing rules in force (the whole set), with a note of what changed and why."""
        try:
            parse_routing(data["rules"])
        except RoutingError as e:
            raise unprocessable("The routing rules cannot be used as they are; nothing changed.", e.errors) from None
        with unit_of_work() as s:
            lock_keys(s, ["notify.routing"])
            version = s.execute(sa.select(sa.func.max(RoutingRuleSet.version))).scalar_one() + 1
            row = RoutingRuleSet(version=version, rules=data["rules"], note=data["note"],
                                 created_by=current_principal().user_id)
            s.add(row)
            s.flush()
            log.info("routing_changed", version=version)
            return row


@blp.route("/figures")
class FiguresView(MethodView):
    @allow(Role.MANAGER, Role.ADMINISTRATOR, Role.SUPERVISOR)
    @blp.arguments(FiguresFilter, location="query")
    @blp.response(200, Figures)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """How fast alerts reached people and were answered, by district and level: from the event to the in-app
        inbox and to the first message, and from delivery to acknowledgement (median and 90th percentile)."""
        principal = current_principal()
        region = args["region"] if principal.role == Role.ADMINISTRATOR else principal.region
        if not region:
            raise unprocessable("Say which region.", {"region": ["Required."]})
        today = datetime.now(settings_of_app().zone).date()
        since, until = args["since"] or today - timedelta(days=30), args["until"] or today
        with read_session() as s:
            rows = alert_figures(s, region, since, until, settings_of_app().zone, settings_of_app().report_min_cell)
        return {"region": region, "since": since, "until": until, "rows": rows}


def _own(notification: Notification | None, notification_id: uuid.UUID) -> Notification:
    if notification is None or notification.user_id != current_principal().user_id:
        raise not_found("notification", notification_id)
    return notification


def _as_dict(n: Notification) -> dict[str, Any]:
    return {c: getattr(n, c) for c in NotificationOut().fields}
