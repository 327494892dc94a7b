"""The delivery dispatcher: sends pending deliveries after the commit that created them, retries with back-off.

Deliveries are written by the event handler in the same transaction as the notification, so a crash
never loses one; the dispatcher wakes on the delivery table's NOTIFY, claims due rows with
FOR UPDATE SKIP LOCKED (any number of workers), sends, and records every attempt.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from qadam.config import Settings
from qadam.db import make_engine, make_session_factory, psycopg_dsn, transaction
from qadam.log import get_logger, log_context
from qadam.pgwake import wake_loop
from sqlalchemy.orm import Session, sessionmaker

from . import DELIVERY_CHANNEL
from .channels import DeliveryFailed, send_email
from .domain import delivery_exhausted, next_attempt_delay, render_alert_email
from .models import Delivery, DeliveryAttempt, Notification

log = get_logger(__name__)
BATCH = 20  # deliveries sent in one pass; each is claimed, sent and committed on its own


def dispatch_due(settings: Settings, factory: sessionmaker[Session], now: datetime | None = None) -> float | None:
    """One pass: send what is due. Returns seconds until the next retry is due (None: nothing pending)."""
    now = now or datetime.now(UTC)
    sent = 0
    while sent < BATCH:
        # One delivery a transaction: once an e-mail has gone, only that one row's commit stands between it
        # and being marked sent (a crash there can resend one message, never a batch).
        with transaction(factory) as s:
            due = s.execute(
                sa.select(Delivery, Notification).join(Notification, Notification.id == Delivery.notification_id)
                .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at).limit(1)
                .with_for_update(of=Delivery, skip_locked=True)
            ).first()
            if due is None:
                break
            _attempt(settings, s, *due)
        sent += 1
    if sent == BATCH:
        return 0
    with factory() as s:
        upcoming = s.execute(sa.select(sa.func.min(Delivery.next_attempt_at)).where(Delivery.status == "pending")).scalar()
    if upcoming is None:
        return None
    return max((upcoming - datetime.now(UTC)).total_seconds(), 0.05)


def _attempt(settings: Settings, s: Session, delivery: Delivery, notification: Notification) -> None:
    with log_context(correlation_id=delivery.correlation_id, delivery_id=str(delivery.id)):
        subject, body = render_alert_email(participant_code=notification.participant_code, level=notification.level,
                                           reasons=notification.reasons, link=notification.link)
        delivery.attempts += 1
        try:
            send_email(settings, to=delivery.address or "", subject=subject, body=body, message_id=str(delivery.id))
        except DeliveryFailed as exc:
            delivery.last_error = str(exc)
            if delivery_exhausted(delivery.attempts, settings.delivery_max_attempts):
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = datetime.now(UTC) + next_attempt_delay(
                    delivery.attempts, settings.delivery_backoff_seconds)
            s.add(DeliveryAttempt(delivery_id=delivery.id, outcome="error", error=str(exc)))
            log.warning("delivery_failed", channel=delivery.channel, attempts=delivery.attempts,
                        status=delivery.status, error=str(exc))
            return
        delivery.status = "sent"
        delivery.sent_at = datetime.now(UTC)
        delivery.last_error = None
        s.add(DeliveryAttempt(delivery_id=delivery.id, outcome="sent"))
        log.info("delivery_sent", channel=delivery.channel, notification_id=str(notification.id),
                 user_id=notification.user_id)


def run_dispatcher(settings: Settings, stop: threading.Event) -> None:
    engine = make_engine(settings.database_url, pool_size=2)
    factory = make_session_factory(engine)
    try:
        wake_loop(psycopg_dsn(settings.database_url), DELIVERY_CHANNEL, stop,
                  lambda: dispatch_due(settings, factory), sweep_seconds=30.0)
    finally:
        engine.dispose()


def delivery_log(s: Session, notification_id: Any) -> list[dict[str, Any]]:
    rows = s.execute(sa.select(Delivery).where(Delivery.notification_id == notification_id)).scalars().all()
    out = []
    for d in rows:
        attempts = s.execute(sa.select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)
                             .order_by(DeliveryAttempt.id)).scalars().all()
        out.append({"channel": d.channel, "status": d.status, "attempts": d.attempts, "last_error": d.last_error,
                    "sent_at": d.sent_at, "log": [{"at": a.attempted_at, "outcome": a.outcome, "error": a.error}
                                                  for a in attempts]})
    return out
