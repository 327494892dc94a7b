"""Sessions' tables, and its projections of enrollment's cohorts and rosters (fed by events)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from qadam.db import service_metadata
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = service_metadata()


class CohortView(Base):
    """What sessions knows of a cohort: from `enrollment.cohort.created` and `enrollment.cohort.updated`."""

    __tablename__ = "cohort_view"

    cohort_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    programme_id: Mapped[uuid.UUID]
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    facilitator_ids: Mapped[list[str]] = mapped_column(ARRAY(sa.String(100)))
    sessions_required: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20), server_default="forming")
    # enrollment's version of the cohort we hold: an older event arriving late changes nothing
    version: Mapped[int] = mapped_column(server_default="1")
    start_date: Mapped[date | None]
    curriculum: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    schedule: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    # hours after a session within which its psychologist calls a man absent without excuse; null: the statutory 48
    absence_call_hours: Mapped[int | None]
    # how long its programme's sessions last (a session ends this long after it starts); null: not yet heard of
    session_minutes: Mapped[int | None]


class RosterEntry(Base):
    """A participant enrolled in a cohort: from `enrollment.enrolled`, moved by `enrollment.status.changed`
    and `enrollment.transferred`. A code, never a name."""

    __tablename__ = "roster_entry"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(index=True)
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20))
    # his responsible inspector, who may read his attendance wherever the cohort meets (a transfer can leave the
    # inspector in another district); null for entries projected before migration 0011 until their next move
    # (status change or transfer), when the district rule alone applies
    inspector_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    # enrollment's version of the enrolment we hold (raised by every move): an older event changes nothing
    version: Mapped[int] = mapped_column(server_default="1")


class GroupSession(Base):
    __tablename__ = "group_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    cohort_id: Mapped[uuid.UUID] = mapped_column(index=True)
    number: Mapped[int]
    scheduled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # when it was first scheduled: a reschedule moves `scheduled_at`, never this (fidelity measures against it); null
    # for rows written without it, which count as planned for `scheduled_at`
    planned_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    topic: Mapped[str | None] = mapped_column(sa.String(300))
    place: Mapped[str | None] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(20))
    change_reason: Mapped[str | None] = mapped_column(sa.String(500))  # why it was rescheduled or cancelled
    # fidelity: what was delivered against the manual
    module_delivered: Mapped[str | None] = mapped_column(sa.String(300))
    co_facilitators: Mapped[list[str]] = mapped_column(ARRAY(sa.String(100)), server_default="{}")
    deviations: Mapped[str | None] = mapped_column(sa.String(2000))
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    # its attendance as entered: when the session was held (as planned, unless its paper register gives another day:
    # figures and flags are dated by it), the register it was copied from later (none: entered at the session), and
    # when and by whom it was entered (a mark's own recorded_at moves with an amendment; this stays)
    held_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    register_number: Mapped[str | None] = mapped_column(sa.String(40))
    attendance_entered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attendance_entered_by: Mapped[str | None] = mapped_column(sa.String(100))

    # group | makeup (of group session `number`, for one man) | intake | individual (one-to-one)
    kind: Mapped[str] = mapped_column(sa.String(20), server_default="group")
    enrolment_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # the one participant of a non-group session

    __table_args__ = (
        # one group session per curriculum number; individual sessions may share numbers
        sa.Index("uq_group_session_cohort_number", "cohort_id", "number", unique=True,
                 postgresql_where=sa.text("kind = 'group' AND status <> 'cancelled'")),
        # the reports on staff work (fidelity, workload) read the sessions held in a period
        sa.Index("ix_group_session_held_at", "held_at", postgresql_where=sa.text("status = 'held'")),
    )


class AttendanceMark(Base):
    __tablename__ = "attendance_mark"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("group_session.id"), index=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    excuse_reason: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_by: Mapped[str] = mapped_column(sa.String(100))
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    participation: Mapped[int | None] = mapped_column(sa.SmallInteger)  # 0 none … 3 active (PARTICIPATION)
    homework_done: Mapped[bool | None]
    warning_signs: Mapped[list[str]] = mapped_column(ARRAY(sa.String(40)), server_default="{}")

    __table_args__ = (sa.UniqueConstraint("session_id", "enrolment_id", name="uq_attendance_mark_session_enrolment"),)


class AttendanceVersion(Base):
    """How many times a man's marks were recorded or corrected: the version of the absence runs published with his
    latest mark. Its row is locked while his marks change and his runs are read, so runs published later always
    read every mark committed before (and carry a higher version)."""

    __tablename__ = "attendance_version"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int]


class SessionNote(Base):
    """A facilitator's confidential note, sealed at rest (Fernet, rotatable keys): the database holds only the
    token. Readable by the cohort's psychologists alone; never in events, logs or exports."""

    __tablename__ = "session_note"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("group_session.id"), index=True)
    enrolment_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # about one participant, or the group
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    written_by: Mapped[str] = mapped_column(sa.String(100))
    written_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class AttendanceAmendment(Base):
    """A recorded mark is amended, never overwritten silently: the old value, who, when and why stay here."""

    __tablename__ = "attendance_amendment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mark_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("attendance_mark.id"), index=True)
    old_status: Mapped[str] = mapped_column(sa.String(20))
    old_excuse_reason: Mapped[str | None] = mapped_column(sa.String(500))
    old_recorded_by: Mapped[str] = mapped_column(sa.String(100))
    old_recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    new_status: Mapped[str] = mapped_column(sa.String(20))
    new_excuse_reason: Mapped[str | None] = mapped_column(sa.String(500))
    reason: Mapped[str] = mapped_column(sa.String(1000))
    amended_by: Mapped[str] = mapped_column(sa.String(100))
    amended_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class AbsenceCall(Base):
    """The call a psychologist owes a man after his unexcused absence, due within the cohort's `absence_call_hours` of
    the session. Opened with the mark (or the amendment to unexcused), cancelled by an amendment away from it, done
    when she records its outcome. `overdue_published_at` marks the one `sessions.call.overdue` it may publish."""

    __tablename__ = "absence_call"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mark_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("attendance_mark.id"), index=True)
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("group_session.id"))
    cohort_id: Mapped[uuid.UUID] = mapped_column(index=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    session_number: Mapped[int]
    session_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    absence_on: Mapped[date]  # the session's local date
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    psychologist_id: Mapped[str] = mapped_column(sa.String(100))  # who recorded the absence: she calls him
    status: Mapped[str] = mapped_column(sa.String(20))  # open | done | cancelled
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    called_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    called_by: Mapped[str | None] = mapped_column(sa.String(100))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))  # recorded or cancelled
    overdue_published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        # one open call per absence: an amendment to unexcused and back again opens a new one
        sa.Index("uq_absence_call_open_mark", "mark_id", unique=True, postgresql_where=sa.text("status = 'open'")),
        # the worker's scan: open calls past due not yet published
        sa.Index("ix_absence_call_overdue_scan", "due_at",
                 postgresql_where=sa.text("status = 'open' AND overdue_published_at IS NULL")),
    )
