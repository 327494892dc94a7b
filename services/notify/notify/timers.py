"""What notify does on the clock: escalate unacknowledged high and critical alerts up the supervisor chain (with a
reminder to the person who has not answered), and send each person's daily digest of lower alerts.

Both run in the worker, any number of them at once: rows are claimed with FOR UPDATE SKIP LOCKED, and what they
create is unique (one escalation per alert and supervisor, one digest per person and day).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import get_logger, log_context
from sqlalchemy.orm import Session, sessionmaker

from .commands import escalate, make_digest
from .domain.escalation import escalation_due
from .domain.timing import digest_day
from .models import Notification
from .settings import NotifySettings

log = get_logger(__name__)
BATCH = 100
ESCALATING = ("alert", "escalation")


def delays(settings: NotifySettings) -> dict[str, float]:
    return {"critical": settings.escalate_critical_seconds, "high": settings.escalate_high_seconds}


def escalate_due(settings: NotifySettings, factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """Escalate every alert that has waited too long unacknowledged; returns how many were escalated."""
    now = now or datetime.now(UTC)
    waits = delays(settings)
    escalated = 0
    with transaction(factory) as s:
        # only what is due, level by level (a batch of high alerts not yet due never holds back a critical one); the
        # alerts to the people who answer for the case, and their escalations: a support worker's notices are hers,
        # never escalated to perpetrator-facing supervisors
        waiting = s.execute(sa.select(Notification).where(
            Notification.acknowledged_at.is_(None), Notification.escalated_at.is_(None),
            Notification.kind.in_(ESCALATING),
            sa.or_(*(sa.and_(Notification.level == level, Notification.escalate_from <= now - timedelta(seconds=wait))
                     for level, wait in waits.items())))
            .order_by(Notification.escalate_from).limit(BATCH).with_for_update(skip_locked=True)).scalars().all()
        for n in waiting:
            if not escalation_due(n.level, n.escalate_from, now, waits):
                continue
            with log_context(notification_id=str(n.id)):
                if escalate(s, notification=n, settings=settings, now=now):
                    escalated += 1
    return escalated


def send_digests(settings: NotifySettings, factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """From QADAM_DIGEST_HOUR each day: one digest per person of the alerts routed to the digest and not yet in one;
    returns how many digests were made."""
    now = now or datetime.now(UTC)
    day = digest_day(now, settings.zone, settings.digest_hour)
    if day is None:
        return 0
    made = 0
    with transaction(factory) as s:
        waiting = s.execute(sa.select(Notification).where(
            Notification.timing == "digest", Notification.digested_at.is_(None), Notification.created_at <= now)
            .order_by(Notification.user_id, Notification.created_at).limit(5000)
            .with_for_update(skip_locked=True)).scalars().all()
        by_user: dict[str, list[Notification]] = {}
        for n in waiting:
            by_user.setdefault(n.user_id, []).append(n)
        for user_id, items in by_user.items():
            if make_digest(s, user_id=user_id, alerts=items, day=day, settings=settings, now=now):
                made += 1
    return made


def run_timers(settings: NotifySettings, stop: threading.Event) -> None:
    """The worker's loop for escalations and digests, every QADAM_ESCALATION_SCAN_SECONDS."""
    engine = make_engine(settings.database_url, pool_size=1)
    factory = make_session_factory(engine)
    try:
        while not stop.is_set():
            try:
                escalate_due(settings, factory)
                send_digests(settings, factory)
            except Exception:  # noqa: BLE001 - the database may be away: try again next round
                log.warning("timers_failed", exc_info=True)
            stop.wait(settings.escalation_scan_seconds)
    finally:
        engine.dispose()
