"""The delivery dispatcher: sends pending deliveries after the commit that created them, retries with back-off, and
falls back to another channel when one keeps failing.

Deliveries are written by the event handler (or the escalation and digest timers) in the same transaction as what
they carry, so a crash never loses one; the dispatcher wakes on the delivery table's NOTIFY, claims due rows with
FOR UPDATE SKIP LOCKED (any number of workers), sends, and records every attempt.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, psycopg_dsn, transaction
from qadam.log import get_logger, log_context
from qadam.pgwake import wake_loop
from qadam.sealing import derived_keys
from qadam_words.reasons import joined
from sqlalchemy.orm import Session, sessionmaker

from . import DELIVERY_CHANNEL
from .channels import DeliveryFailed, channel, configured
from .domain import links
from .domain.failures import OTHER, UNWRITABLE
from .domain.routing import ADDRESS_FIELD, EXTERNAL_CHANNELS
from .domain.templates import Message
from .domain.templates import render as render_template
from .domain.timing import delivery_exhausted, next_attempt_delay
from .models import Contact, Delivery, DeliveryAttempt, Digest, Notification
from .monitoring import DELIVERIES
from .settings import NotifySettings

log = get_logger(__name__)
BATCH = 20  # deliveries sent in one pass; each is claimed, sent and committed on its own


def dispatch_due(settings: NotifySettings, factory: sessionmaker[Session], now: datetime | None = None) -> float | None:
    """One pass: send what is due. Returns seconds until the next retry is due (None: nothing pending)."""
    now = now or datetime.now(UTC)
    sent = 0
    while sent < BATCH:
        # One delivery a transaction: once a message has gone, only that one row's commit stands between it
        # and being marked sent (a crash there can resend one message, never a batch).
        with transaction(factory) as s:
            due = s.execute(
                sa.select(Delivery).where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at).limit(1)
                .with_for_update(skip_locked=True)
            ).scalar()
            if due is None:
                break
            _attempt(settings, s, due)
        sent += 1
    if sent == BATCH:
        return 0
    with factory() as s:
        upcoming = s.execute(sa.select(sa.func.min(Delivery.next_attempt_at)).where(Delivery.status == "pending")).scalar()
    if upcoming is None:
        return None
    return max((upcoming - datetime.now(UTC)).total_seconds(), 0.05)


def message_for(settings: NotifySettings, s: Session, delivery: Delivery) -> Message:
    """The message a delivery carries, in its recipient's language: a code, the level, the reason (where its channel
    carries it: QADAM_<CHANNEL>_CARRIES) and links, never a name (notify holds none)."""
    render = partial(render_template, carries_reason=settings.carries_reason(delivery.channel))
    if delivery.digest_id is not None:
        digest = s.get(Digest, delivery.digest_id)
        assert digest is not None
        contact = s.get(Contact, digest.user_id)
        items = s.execute(sa.select(Notification).where(Notification.id.in_(digest.notification_ids))
                          .order_by(Notification.created_at)).scalars().all()
        return render("digest", _language(contact), day=digest.day.isoformat(), link=_inbox(settings), items=[
            {"participant_code": n.participant_code, "level": n.level, "reason": _reasons(n, _language(contact)),
             "link": n.link}
            for n in items])
    n = s.get(Notification, delivery.notification_id)
    assert n is not None
    contact = s.get(Contact, n.user_id)
    fields: dict[str, Any] = {"participant_code": n.participant_code, "level": n.level, "link": n.link,
                              "ack_link": ack_link(settings, n.id)}
    waited = max(int((datetime.now(UTC) - n.created_at).total_seconds() // 60), 0)
    if n.kind == "level_rise":
        return render("level_rise", _language(contact), participant_code=n.participant_code,
                      from_level=n.from_level or "low", level=n.level, link=n.link)
    if n.kind == "safety_notice":  # her support worker: a code, what happened and a link, nothing of his sessions
        return render("safety_notice", _language(contact), participant_code=n.participant_code,
                      notice=n.notice or "critical_flag", link=n.link)
    fields |= {"reason": _reasons(n, _language(contact)), "rule_id": n.rule_id}
    if n.kind == "escalation":
        original = s.get(Notification, n.escalates_id) if n.escalates_id else None
        waited = int((datetime.now(UTC) - (original.created_at if original else n.created_at)).total_seconds() // 60)
        return render("escalation", _language(contact), **fields, minutes=waited,
                      role=original.responsibility if original else n.responsibility)
    if delivery.purpose == "reminder":
        return render("reminder", _language(contact), **fields, minutes=waited)
    return render("alert", _language(contact), **fields)


def _reasons(n: Notification, language: str) -> str:
    """Every reason the notification carries (an episode's flags each add theirs), in the recipient's language from
    their codes; a notification with none (made before reasons were codes, or notify's own words) as written."""
    return joined(n.reason_codes or n.reasons, language)


def ack_link(settings: NotifySettings, notification_id: uuid.UUID) -> str:
    expires = datetime.now(UTC) + timedelta(days=settings.ack_link_days)
    key = derived_keys(settings, links.PURPOSE)[0]
    return f"{settings.ack_link_url.rstrip('/')}/{links.sign(key, notification_id, expires)}"


def _inbox(settings: NotifySettings) -> str:
    return f"{settings.portal_url.rstrip('/')}/alerts"


def _language(contact: Contact | None) -> str:
    return contact.language if contact is not None else "uz-Latn"


def _attempt(settings: NotifySettings, s: Session, delivery: Delivery) -> None:
    with log_context(correlation_id=delivery.correlation_id, delivery_id=str(delivery.id)):
        delivery.attempts += 1
        try:
            try:
                message = message_for(settings, s, delivery)
            except Exception as exc:  # noqa: BLE001 - a message that cannot be written is not written by retrying
                raise DeliveryFailed(f"the message could not be written: {type(exc).__name__}: {exc}",
                                     permanent=True, code=UNWRITABLE) from exc
            try:
                channel(settings, delivery.channel).send(delivery.address or "", message, message_id=str(delivery.id))
            except DeliveryFailed:
                raise
            except Exception as exc:  # noqa: BLE001 - e.g. an address no mail header takes: fail this one, not all
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=True, code=OTHER) from exc
        except DeliveryFailed as exc:
            # the code of why, for each reader to say in their language; the detail, for the log and administrators
            delivery.failure_reason, delivery.last_error = exc.code, str(exc)
            s.add(DeliveryAttempt(delivery_id=delivery.id, outcome="error", error=str(exc)))
            if exc.permanent or delivery_exhausted(delivery.attempts, settings.delivery_max_attempts):
                delivery.status = "failed"
                DELIVERIES.labels(delivery.channel, "failed").inc()
                fallback = _fall_back(settings, s, delivery)
                log.warning("delivery_failed", channel=delivery.channel, attempts=delivery.attempts,
                            permanent=exc.permanent, error=str(exc), fallback=fallback)
            else:
                DELIVERIES.labels(delivery.channel, "retry").inc()
                wait = next_attempt_delay(delivery.attempts, settings.delivery_backoff_seconds)
                if exc.retry_after:  # the far side said how long to wait (Telegram's retry_after, Retry-After)
                    wait = max(wait, timedelta(seconds=exc.retry_after))
                delivery.next_attempt_at = datetime.now(UTC) + wait
                log.warning("delivery_retry", channel=delivery.channel, attempts=delivery.attempts, error=str(exc),
                            next_attempt_at=delivery.next_attempt_at.isoformat())
            return
        delivery.status = "sent"
        DELIVERIES.labels(delivery.channel, "sent").inc()
        delivery.sent_at = datetime.now(UTC)
        delivery.failure_reason, delivery.last_error = None, None
        s.add(DeliveryAttempt(delivery_id=delivery.id, outcome="sent"))
        log.info("delivery_sent", channel=delivery.channel, purpose=delivery.purpose,
                 notification_id=str(delivery.notification_id) if delivery.notification_id else None)


def _fall_back(settings: NotifySettings, s: Session, failed: Delivery) -> str | None:
    """A channel that keeps failing hands its message to another the person can be reached on and that has not
    carried it yet (e-mail, then Telegram, then SMS). Returns the channel chosen, or None."""
    owner = (s.get(Notification, failed.notification_id).user_id if failed.notification_id else  # type: ignore[union-attr]
             s.get(Digest, failed.digest_id).user_id)  # type: ignore[union-attr]
    contact = s.get(Contact, owner)
    if contact is None or not contact.active:
        return None
    used = set(s.execute(sa.select(Delivery.channel).where(
        Delivery.notification_id == failed.notification_id if failed.notification_id else
        Delivery.digest_id == failed.digest_id, Delivery.purpose == failed.purpose)).scalars())
    for name in EXTERNAL_CHANNELS:
        address = getattr(contact, ADDRESS_FIELD[name])
        if name not in used and address and configured(settings, name):
            s.add(Delivery(id=uuid.uuid4(), notification_id=failed.notification_id, digest_id=failed.digest_id,
                           purpose=failed.purpose, channel=name, address=address, status="pending",
                           next_attempt_at=datetime.now(UTC), fallback_of=failed.id,
                           correlation_id=failed.correlation_id))
            return name
    return None


def run_dispatcher(settings: NotifySettings, stop: threading.Event) -> None:
    engine = make_engine(settings.database_url, pool_size=2)
    factory = make_session_factory(engine)
    try:
        wake_loop(psycopg_dsn(settings.database_url), DELIVERY_CHANNEL, stop,
                  lambda: dispatch_due(settings, factory), sweep_seconds=30.0)
    finally:
        engine.dispose()

