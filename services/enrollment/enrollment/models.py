"""Enrollment's tables. Participants' personal data lives here and nowhere else in Qadam."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from qadam.db import service_metadata
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

participant_number = sa.Sequence("participant_number_seq", start=1)


class Base(DeclarativeBase):
    metadata = service_metadata()


class Programme(Base):
    __tablename__ = "programme"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    sessions_required: Mapped[int]
    max_unexcused_absences: Mapped[int]
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (
        sa.CheckConstraint("sessions_required > 0", name="sessions_required_positive"),
        sa.CheckConstraint("max_unexcused_absences >= 0", name="max_unexcused_absences_not_negative"),
    )


class Cohort(Base):
    __tablename__ = "cohort"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    programme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100), index=True)
    mahalla: Mapped[str | None] = mapped_column(sa.String(100))
    facilitator_ids: Mapped[list[str]] = mapped_column(ARRAY(sa.String(100)))
    start_date: Mapped[date]
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    programme: Mapped[Programme] = relationship(lazy="joined")


class Participant(Base):
    __tablename__ = "participant"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # Stored exactly as typed (ʻ and ʼ included); names are spelt in more than one script.
    full_name: Mapped[str] = mapped_column(sa.String(300))
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(sa.String(10))
    pinfl: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    mahalla: Mapped[str | None] = mapped_column(sa.String(100))
    preferred_language: Mapped[str] = mapped_column(sa.String(10))
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Enrolment(Base):
    __tablename__ = "enrolment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    participant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    inspector_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    psychologist_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    enrolled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    created_by: Mapped[str] = mapped_column(sa.String(100))

    participant: Mapped[Participant] = relationship(lazy="joined")
    cohort: Mapped[Cohort] = relationship(lazy="joined")

    __table_args__ = (sa.UniqueConstraint("participant_id", "cohort_id", name="uq_enrolment_participant_cohort"),)
