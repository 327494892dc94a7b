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
from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import get_logger, log_context
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from .channels import configured
from .commands import add_deliveries, due_for
from .domain.escalation import Person, answers_for_chain, escalation_due, escalation_target
from .domain.routing import ADDRESS_FIELD
from .domain.timing import digest_day
from .models import Contact, Delivery, Digest, FlagAction, Notification
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
                answered_by = chain_answered_by(s, n)
                n.escalated_at = now
                if answered_by is not None:  # someone who answers for this chain has it in hand
                    log.info("escalation_not_needed", acknowledged_by=answered_by)
                    continue
                if _escalate(settings, s, n, now):
                    escalated += 1
    return escalated


def chain_answered_by(s: Session, n: Notification) -> str | None:
    """Who stops this alert's chain, having acted on every flag it carries (in notify, by acknowledging an alert that
    held them, or in risk): anyone in the chain itself, or (by the directory) the chain's owner or someone above
    them, or the man's inspector or someone above him. Acting on one flag of several stops nothing. None: nobody
    yet."""
    chain = n.chain_id or n.id
    actors = _acted_on_all(s, n)
    if not actors:
        return None
    members = set(s.execute(sa.select(Notification.user_id).where(Notification.chain_id == chain)).scalars())
    in_chain = sorted(actors & members)
    if in_chain:
        return in_chain[0]
    owner = s.get(Notification, chain)
    owner_id = owner.user_id if owner is not None else n.user_id
    directory = _supervisors_above(s, [p for p in (owner_id, n.inspector_id) if p])
    return next((a for a in sorted(actors) if answers_for_chain(a, owner_id, n.inspector_id, directory)), None)


def _acted_on_all(s: Session, n: Notification) -> set[str]:
    """The people who have acted on every flag of this alert: acknowledged alerts of theirs that held them (any
    subject: a flag that came after an acknowledgement is an alert of its own), or acted in risk."""
    if not n.flag_ids:
        return set(s.execute(sa.select(Notification.user_id).where(
            Notification.subject == n.subject, Notification.acknowledged_at.is_not(None))).scalars())
    acted: dict[str, set[uuid.UUID]] = {}
    for user_id, flag_ids in s.execute(sa.select(Notification.user_id, Notification.flag_ids).where(
            Notification.flag_ids.overlap(n.flag_ids), Notification.acknowledged_at.is_not(None))):
        acted.setdefault(user_id, set()).update(flag_ids)
    for user_id, flag_id in s.execute(sa.select(FlagAction.user_id, FlagAction.flag_id).where(
            FlagAction.flag_id.in_(n.flag_ids))):
        acted.setdefault(user_id, set()).add(flag_id)
    return {user_id for user_id, done in acted.items() if set(n.flag_ids) <= done}


def _supervisors_above(s: Session, people: list[str]) -> dict[str, str | None]:
    """Whom each of these people answers to, and so on up: only their lines of the directory (a loop in the data
    ends the walk)."""
    start = sa.select(Contact.user_id, Contact.supervisor_id).where(Contact.user_id.in_(people))
    up = start.cte("up", recursive=True)
    up = up.union(sa.select(Contact.user_id, Contact.supervisor_id).join(up, Contact.user_id == up.c.supervisor_id))
    return {r.user_id: r.supervisor_id for r in s.execute(sa.select(up.c.user_id, up.c.supervisor_id))}


def _escalate(settings: NotifySettings, s: Session, n: Notification, now: datetime) -> bool:
    """To the supervisor above the person who has not answered (see `escalation_target`), and a reminder to them.
    Nobody to go to: the alert stays listed for administrators (`/escalations/unassigned`) and is tried again after
    the same wait."""
    add_deliveries(s, settings=settings, notification_id=n.id, contact=s.get(Contact, n.user_id),
                   channels=tuple(n.channels), level=n.level, purpose="reminder")
    if n.escalation_step >= settings.escalation_max_steps:
        log.warning("escalation_top_of_chain", step=n.escalation_step, user_id=n.user_id)
        return False
    supervisor = supervisor_of(s, n)
    n.escalation_tried_at = now
    if supervisor is None:
        # a supervisor the portal adds is found at the next try
        n.escalated_at, n.escalate_from = None, datetime.now(UTC)
        n.unassigned_since = n.unassigned_since or now
        log.warning("escalation_no_supervisor", user_id=n.user_id, region=n.region, district=n.district)
        return False
    n.unassigned_since = None
    notification_id = uuid.uuid4()
    created = s.execute(insert(Notification).values(
        id=notification_id, user_id=supervisor, responsibility="supervisor", source_event_id=n.source_event_id,
        subject=n.subject, flag_id=n.flag_id, flag_ids=n.flag_ids, episode_id=n.episode_id,
        enrolment_id=n.enrolment_id, inspector_id=n.inspector_id, participant_code=n.participant_code, level=n.level,
        summary=n.summary, reasons=n.reasons, link=n.link.rsplit("/", 1)[0] + f"/{notification_id}",
        region=n.region, district=n.district, kind="escalation", rule_id=n.rule_id, event_at=n.event_at,
        timing="immediate", escalates_id=n.id, chain_id=n.chain_id or n.id, escalation_step=n.escalation_step + 1,
        channels=n.channels,
    ).on_conflict_do_nothing(constraint="uq_notification_subject_user").returning(Notification.id)).scalar()
    if created is None:  # he has this subject already, from this chain or another person's
        _share_with_inspector_chain(s, n, supervisor)
        return False
    contact = s.get(Contact, supervisor)
    s.execute(sa.update(Notification).where(Notification.id == created).values(
        escalate_from=due_for(settings, contact, n.level)))
    add_deliveries(s, settings=settings, notification_id=created, contact=contact, channels=tuple(n.channels),
                   level=n.level, purpose="alert")
    log.info("alert_escalated", to=supervisor, step=n.escalation_step + 1, level=n.level)
    return True


def _share_with_inspector_chain(s: Session, n: Notification, supervisor: str) -> None:
    """One escalation per subject and supervisor, so two chains that reach the same supervisor share his. The
    inspector's chain is the stricter (only the man's inspector or someone above him stops it; the psychologist's own
    acknowledgement stops hers): a row another chain brought moves to the inspector's chain, with what went up from
    it, and is judged again by its rule. Never does the inspector's chain end on a row another one answers."""
    chain = n.chain_id or n.id
    held = s.execute(sa.select(Notification).where(
        Notification.subject == n.subject, Notification.user_id == supervisor).with_for_update()).scalar_one()
    owner, held_owner = s.get(Notification, chain), s.get(Notification, held.chain_id or held.id)
    if (held.kind != "escalation" or held.chain_id == chain or owner is None or owner.responsibility != "inspector"
            or (held_owner is not None and held_owner.responsibility == "inspector")):
        log.info("escalation_already_with", supervisor=supervisor)
        return
    s.execute(sa.update(Notification).where(
        Notification.chain_id == held.chain_id, Notification.kind == "escalation",
        Notification.escalation_step >= held.escalation_step).values(chain_id=chain)
        .execution_options(synchronize_session="fetch"))
    held.escalates_id = n.id
    went_up = s.execute(sa.select(Notification.id).where(Notification.escalates_id == held.id).limit(1)).scalar()
    if held.acknowledged_at is None and went_up is None:
        held.escalated_at = None  # judged again, by the inspector's chain's rule, when its wait is over
    log.info("escalation_joined_inspector_chain", supervisor=supervisor, escalation_id=str(held.id),
             from_chain=str(held_owner.id if held_owner else None))


def supervisor_of(s: Session, n: Notification) -> str | None:
    """Whom this alert escalates to, from the directory: up, never sideways (`escalation_target`)."""
    recipient = s.get(Contact, n.user_id)
    wanted = sa.or_(sa.and_(Contact.role == "supervisor", Contact.region == n.region),
                    Contact.user_id == (recipient.supervisor_id if recipient is not None else None))
    directory = [_person(c) for c in s.execute(sa.select(Contact).where(wanted)).scalars()]
    return escalation_target(_person(recipient) if recipient is not None else None, n.escalation_step, n.region,
                             n.district, directory)


def _person(c: Contact) -> Person:
    return Person(c.user_id, c.role, c.region, c.district, c.supervisor_id, c.active)


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
