"""What notify does on the clock: escalate unacknowledged high and critical alerts up the supervisor chain (with a
reminder to the person who has not answered), and send each person's daily digest of lower alerts.

Both run in the worker, any number of them at once: rows are claimed with FOR UPDATE SKIP LOCKED, and what they
create is unique (one escalation per alert and supervisor, one digest per person and day).
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from qadam.config import Settings
from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import get_logger, log_context
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased, sessionmaker

from .channels import configured
from .domain import ADDRESS_FIELD, digest_day, escalation_due
from .handlers import add_deliveries, due_for
from .models import Contact, Delivery, Digest, Notification

log = get_logger(__name__)
BATCH = 100
ESCALATING = ("alert", "escalation")


def delays(settings: Settings) -> dict[str, float]:
    return {"critical": settings.escalate_critical_seconds, "high": settings.escalate_high_seconds}


def escalate_due(settings: Settings, factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """Escalate every alert that has waited too long unacknowledged; returns how many were escalated."""
    now = now or datetime.now(UTC)
    waits = delays(settings)
    escalated = 0
    with transaction(factory) as s:
        sibling = aliased(Notification)
        # only what is due, level by level (a batch of high alerts not yet due never holds back a critical one); the
        # alerts to the people who answer for the case, and their escalations: a support worker's notice of a rise
        # is hers, never escalated to perpetrator-facing supervisors
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
                answered = s.execute(sa.select(sibling.user_id).where(
                    sibling.flag_id == n.flag_id, sibling.kind.in_(ESCALATING),
                    sibling.acknowledged_at.is_not(None)).limit(1)).scalar()
                n.escalated_at = now
                if answered is not None:  # someone answering for the same flag has it in hand
                    log.info("escalation_not_needed", acknowledged_by=answered)
                    continue
                if _escalate(settings, s, n):
                    escalated += 1
    return escalated


def _escalate(settings: Settings, s: Session, n: Notification) -> bool:
    """To the supervisor of the person who has not answered (their own, or their area's), and a reminder to them."""
    add_deliveries(s, settings, n.id, s.get(Contact, n.user_id), tuple(n.channels), level=n.level,
                   purpose="reminder")
    if n.escalation_step >= settings.escalation_max_steps:
        log.warning("escalation_top_of_chain", step=n.escalation_step, user_id=n.user_id)
        return False
    supervisor = supervisor_of(s, n)
    if supervisor is None:
        # nobody to escalate to yet: tried again after the same wait (a supervisor the portal adds is found then)
        n.escalated_at, n.escalate_from = None, datetime.now(UTC)
        log.warning("escalation_no_supervisor", user_id=n.user_id, region=n.region, district=n.district)
        return False
    notification_id = uuid.uuid4()
    created = s.execute(insert(Notification).values(
        id=notification_id, user_id=supervisor, responsibility="supervisor", source_event_id=n.source_event_id,
        flag_id=n.flag_id, enrolment_id=n.enrolment_id, participant_code=n.participant_code, level=n.level,
        summary=n.summary, reasons=n.reasons, link=n.link.rsplit("/", 1)[0] + f"/{notification_id}",
        region=n.region, district=n.district, kind="escalation", rule_id=n.rule_id, event_at=n.event_at,
        timing="immediate", escalates_id=n.id, escalation_step=n.escalation_step + 1, channels=n.channels,
    ).on_conflict_do_nothing(constraint="uq_notification_flag_user").returning(Notification.id)).scalar()
    if created is None:
        log.info("escalation_already_with", supervisor=supervisor)  # he has this flag already
        return False
    contact = s.get(Contact, supervisor)
    s.execute(sa.update(Notification).where(Notification.id == created).values(
        escalate_from=due_for(settings, contact, n.level)))
    add_deliveries(s, settings, created, contact, tuple(n.channels), level=n.level, purpose="alert")
    log.info("alert_escalated", to=supervisor, step=n.escalation_step + 1, level=n.level)
    return True


def supervisor_of(s: Session, n: Notification) -> str | None:
    """The supervisor the recipient answers to; else an active supervisor of the alert's district, else of its
    region (the first by id, so every worker picks the same one)."""
    own = s.execute(sa.select(Contact.supervisor_id).where(Contact.user_id == n.user_id)).scalar()
    if own and own != n.user_id and s.execute(sa.select(Contact.active).where(Contact.user_id == own)).scalar():
        return own
    area = s.execute(sa.select(Contact.user_id).where(
        Contact.role == "supervisor", Contact.active, Contact.region == n.region, Contact.user_id != n.user_id)
        .order_by((Contact.district == n.district).desc().nulls_last(), Contact.user_id).limit(1)).scalar()
    return area


def send_digests(settings: Settings, factory: sessionmaker[Session], now: datetime | None = None) -> int:
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
            digest_id = s.execute(insert(Digest).values(
                id=uuid.uuid4(), user_id=user_id, day=day, notification_ids=[n.id for n in items])
                .on_conflict_do_nothing(constraint="uq_digest_user_day").returning(Digest.id)).scalar()
            if digest_id is None:
                continue  # today's went already: these wait for tomorrow's
            for n in items:
                n.digested_at = now
            contact = s.get(Contact, user_id)
            channels = tuple(dict.fromkeys(c for n in items for c in n.channels)) or ("email",)
            # one message a day, on the first of their channels this person can be reached on
            reachable = [(c, getattr(contact, ADDRESS_FIELD[c])) for c in channels
                         if contact is not None and contact.active and getattr(contact, ADDRESS_FIELD[c])
                         and configured(settings, c)]
            name, address = reachable[0] if reachable else (channels[0], None)
            s.add(Delivery(id=uuid.uuid4(), digest_id=digest_id, channel=name, purpose="digest",
                           address=address, next_attempt_at=datetime.now(UTC),
                           status="pending" if address else "skipped",
                           last_error=None if address else "no address on file for this user (the alerts stay in "
                                                           "the in-app inbox)"))
            made += 1
            log.info("digest_made", user_id=user_id, alerts=len(items), day=day.isoformat())
    return made


def run_timers(settings: Settings, stop: threading.Event) -> None:
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
