"""Notify's tables: staff contacts, notifications, deliveries and every delivery attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from qadam.db import service_metadata
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = service_metadata()


class Contact(Base):
    """How to reach a staff member outside the app."""

    __tablename__ = "contact"

    user_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(10), default="uz-Latn")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class Notification(Base):
    """An in-app alert for one user; acknowledged by that user."""

    __tablename__ = "notification"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    responsibility: Mapped[str] = mapped_column(sa.String(20))
    source_event_id: Mapped[uuid.UUID]
    flag_id: Mapped[uuid.UUID]
    enrolment_id: Mapped[uuid.UUID]
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    level: Mapped[str] = mapped_column(sa.String(10))
    summary: Mapped[str] = mapped_column(sa.Text)
    reasons: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    link: Mapped[str] = mapped_column(sa.String(500))
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    acknowledged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        # One notification per flag per person, however often the flag's event is delivered.
        sa.UniqueConstraint("flag_id", "user_id", name="uq_notification_flag_user"),
    )


class Delivery(Base):
    """One notification sent over one channel: at most one row, so never sent twice by design."""

    __tablename__ = "delivery"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    notification_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("notification.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(20))  # pending | sent | failed | skipped
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    correlation_id: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.UniqueConstraint("notification_id", "channel", name="uq_delivery_notification_channel"),
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
