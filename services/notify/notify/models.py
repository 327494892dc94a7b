"""Notify's tables: staff (from the portal's user events), routing rules, notifications, deliveries and every
delivery attempt, daily digests."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from qadam.db import service_metadata
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = service_metadata()


class Contact(Base):
    """A staff member as notify knows them: from the portal's `portal.user.changed` events (or set by an
    administrator): role, area, how to reach them, their language, whom they answer to, their quiet hours."""

    __tablename__ = "contact"

    user_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(10), default="uz-Latn")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())
    role: Mapped[str | None] = mapped_column(sa.String(30))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    telegram_chat_id: Mapped[str | None] = mapped_column(sa.String(40))
    supervisor_id: Mapped[str | None] = mapped_column(sa.String(100))
    quiet_start: Mapped[time | None] = mapped_column(sa.Time)
    quiet_end: Mapped[time | None] = mapped_column(sa.Time)
    active: Mapped[bool] = mapped_column(server_default=sa.true())
    version: Mapped[int] = mapped_column(server_default="0")  # the portal's version of the user we hold


class Notification(Base):
    """An in-app alert for one user; acknowledged by that user."""

    __tablename__ = "notification"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    responsibility: Mapped[str] = mapped_column(sa.String(20))
    source_event_id: Mapped[uuid.UUID]
    # what it is about, once per person: `flag:<id>`, `episode:<id>` (every flag raised from the same facts), or
    # `event:<id>` (a notice that is not about a flag)
    subject: Mapped[str] = mapped_column(sa.String(60))
    flag_id: Mapped[uuid.UUID | None]  # the first flag it carries (none: a notice about his programme or order)
    flag_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(sa.Uuid), server_default="{}")  # every flag it carries
    episode_id: Mapped[uuid.UUID | None]
    enrolment_id: Mapped[uuid.UUID | None]
    inspector_id: Mapped[str | None] = mapped_column(sa.String(100))  # the man's inspector when it was raised
    notice: Mapped[str | None] = mapped_column(sa.String(30))  # her support worker's notice: what happened (a code)
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    level: Mapped[str] = mapped_column(sa.String(10))
    summary: Mapped[str] = mapped_column(sa.Text)
    reasons: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))  # English sentences (v1); shown where no code is
    # the flags' reasons as codes ({"code", "params"}, qadam_contracts.reasons): each message renders them in its
    # recipient's language
    reason_codes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    link: Mapped[str] = mapped_column(sa.String(500))
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    acknowledged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # alert | escalation | level_rise | safety_notice (her support worker: a code and a link only)
    kind: Mapped[str] = mapped_column(sa.String(20), server_default="alert")
    rule_id: Mapped[str | None] = mapped_column(sa.String(100))
    event_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))  # when the event occurred
    timing: Mapped[str] = mapped_column(sa.String(20), server_default="immediate")  # immediate | digest
    digested_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # escalation: the notification this one escalates, how far up the chain, and when this one was escalated
    escalates_id: Mapped[uuid.UUID | None]
    # the alert at the foot of this escalation chain (itself for an alert): each recipient's chain is their own
    chain_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    escalation_step: Mapped[int] = mapped_column(server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # when the wait before escalation starts: when its messages may go (after the recipient's quiet hours)
    escalate_from: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    acknowledged_via: Mapped[str | None] = mapped_column(sa.String(10))  # api | link
    channels: Mapped[list[str]] = mapped_column(ARRAY(sa.String(20)), server_default="{}")  # external, in order
    from_level: Mapped[str | None] = mapped_column(sa.String(10))  # a level rise: the level it rose from
    # nobody could be found to escalate it to: since when, and when it was last tried (administrators see these)
    unassigned_since: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    escalation_tried_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        # One notification per subject (flag, episode, event) per person, however often its event is delivered.
        sa.UniqueConstraint("subject", "user_id", name="uq_notification_subject_user"),
        sa.Index("ix_notification_flag_ids", "flag_ids", postgresql_using="gin"),
        sa.Index("ix_notification_unassigned", "unassigned_since",
                 postgresql_where=sa.text("unassigned_since IS NOT NULL")),
        # the escalation sweep's question: alerts still waiting for someone to acknowledge them
        sa.Index("ix_notification_waiting", "escalate_from",
                 postgresql_where=sa.text("acknowledged_at IS NULL AND escalated_at IS NULL")),
    )


class Delivery(Base):
    """One notification sent over one channel: at most one row, so never sent twice by design."""

    __tablename__ = "delivery"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # a notification's message, or a day's digest (one of the two)
    notification_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("notification.id"), index=True)
    digest_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("digest.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(20), server_default="alert")  # alert | reminder | digest
    fallback_of: Mapped[uuid.UUID | None]  # the delivery on a channel that kept failing
    channel: Mapped[str] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(20))  # pending | sent | failed | skipped
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    # a failed sending's error as the far side answered it (its own words, English, for the log)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # skipped: why nothing was sent, a code (domain.skips) each reader says in its own language
    skip_reason: Mapped[str | None] = mapped_column(sa.String(30))
    correlation_id: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        # one message per notification, channel and purpose, however often anything is retried or redelivered
        sa.UniqueConstraint("notification_id", "channel", "purpose", name="uq_delivery_notification_channel_purpose"),
        sa.UniqueConstraint("digest_id", "channel", name="uq_delivery_digest_channel"),
        sa.Index("ix_delivery_pending", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
    )


class DeliveryAttempt(Base):
    """The delivery log: every attempt, with its outcome and error."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delivery.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    outcome: Mapped[str] = mapped_column(sa.String(20))  # sent | error | skipped
    error: Mapped[str | None] = mapped_column(sa.Text)


class RoutingRuleSet(Base):
    """Which event at which level goes to whom, over which channels, at once or in the daily digest: as data,
    versioned; the newest version is in force."""

    __tablename__ = "routing_rule_set"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    note: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Digest(Base):
    """One user's daily digest of lower-level alerts: at most one a day."""

    __tablename__ = "digest"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(sa.String(100))
    day: Mapped[date]
    notification_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(sa.Uuid))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (sa.UniqueConstraint("user_id", "day", name="uq_digest_user_day"),)


class LevelSeen(Base):
    """The newest version of each enrolment's risk level notify has acted on: a rise that arrives after a later
    move (events can cross) tells nobody."""

    __tablename__ = "level_seen"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int]


class FlagAction(Base):
    """Who acted on a flag in risk (acknowledged or resolved it): an escalation chain stops when someone who answers
    for it has acted, in notify or in risk."""

    __tablename__ = "flag_action"

    flag_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class SupportWorkerOf(Base):
    """Her support worker as the newest event seen says, by enrolment (`enrolment:<id>`), by protection order
    (`order:<id>`) and by man (`participant:<code>`, for his follow-up, when no enrolment of his is open): the order
    events that do not name her are told to her through the newest of these."""

    __tablename__ = "support_worker_of"

    subject: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(100))
    as_of: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
