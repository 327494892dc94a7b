"""Risk's tables: projections of enrolments and attendance (from events) and the flags it raises."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from qadam.db import service_metadata
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = service_metadata()


class EnrolmentView(Base):
    """What risk knows of an enrolment: from `enrollment.enrolled`."""

    __tablename__ = "enrolment_view"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    cohort_id: Mapped[uuid.UUID]
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    inspector_id: Mapped[str] = mapped_column(sa.String(100))
    psychologist_id: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(20))
    # enrollment's version of the enrolment we hold (raised by every move): an older event changes nothing
    version: Mapped[int] = mapped_column(server_default="1")


class Signal(Base):
    """What enrollment tells about a case that the rules read: an exit proposal, an overdue correction plan,
    an order expiring while the programme is unfinished. One row per event; its facts as the event gave them."""

    __tablename__ = "signal"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60), index=True)
    enrolment_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(sa.Uuid))
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.Index("ix_signal_enrolment_ids", "enrolment_ids", postgresql_using="gin"),)


class AttendanceFact(Base):
    """One attendance mark as risk needs it: from `sessions.attendance.recorded`."""

    __tablename__ = "attendance_fact"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    session_number: Mapped[int]
    scheduled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(20))
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Flag(Base):
    __tablename__ = "flag"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    rule_id: Mapped[str] = mapped_column(sa.String(100))
    rule_version: Mapped[int]
    level: Mapped[str] = mapped_column(sa.String(10))
    fact_key: Mapped[str] = mapped_column(sa.String(200))
    reasons: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    raised_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (
        # Never raised twice for the same facts, even by two workers racing on one enrolment.
        sa.UniqueConstraint("enrolment_id", "rule_id", "fact_key", name="uq_flag_enrolment_rule_fact"),
    )
