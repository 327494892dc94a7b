"""Enrollment's tables. Participants' personal data lives here and nowhere else in Qadam."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from qadam.db import service_metadata
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

participant_number = sa.Sequence("participant_number_seq", start=1)
document_number = sa.Sequence("document_number_seq", start=1)


def _now() -> Any:
    return mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Base(DeclarativeBase):
    metadata = service_metadata()


class Programme(Base):
    """One version of a programme. A new version is a new row of the same lineage; enrolments keep theirs."""

    __tablename__ = "programme"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    lineage_id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4, index=True)
    version: Mapped[int] = mapped_column(server_default="1")
    template: Mapped[str | None] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    region: Mapped[str | None] = mapped_column(sa.String(100))  # None: national (the shipped templates)
    curriculum: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    sessions_required: Mapped[int]
    sessions_per_week: Mapped[int] = mapped_column(server_default="1")
    session_minutes: Mapped[int] = mapped_column(server_default="120")
    completion_attendance_percent: Mapped[int] = mapped_column(server_default="75")
    max_unexcused_absences: Mapped[int]
    max_consecutive_absences: Mapped[int] = mapped_column(server_default="2")
    makeup_sessions_count: Mapped[bool] = mapped_column(server_default=sa.true())
    follow_up_months: Mapped[int] = mapped_column(server_default="3")
    review_at_session: Mapped[int | None]
    group_size_min: Mapped[int] = mapped_column(server_default="8")
    group_size_max: Mapped[int] = mapped_column(server_default="12")
    facilitators_per_group: Mapped[int] = mapped_column(server_default="1")
    # when his inspector is alerted about unexcused absences (in all / in a row); null: risk's own rule parameters
    alert_unexcused_absences: Mapped[int | None]
    alert_consecutive_absences: Mapped[int | None]
    absence_call_hours: Mapped[int | None] = mapped_column(server_default="48")  # the psychologist calls him within
    retired: Mapped[bool] = mapped_column(server_default=sa.false())  # superseded by a newer version
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = _now()

    __table_args__ = (
        sa.UniqueConstraint("name", "version", name="uq_programme_name"),
        sa.UniqueConstraint("lineage_id", "version", name="uq_programme_lineage_version"),
        sa.CheckConstraint("sessions_required > 0", name="sessions_required_positive"),
        sa.CheckConstraint("max_unexcused_absences >= 0", name="max_unexcused_absences_not_negative"),
        sa.CheckConstraint("completion_attendance_percent BETWEEN 1 AND 100", name="completion_percent_range"),
    )


class Cohort(Base):
    __tablename__ = "cohort"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    programme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    region: Mapped[str] = mapped_column(sa.String(100), index=True)
    district: Mapped[str] = mapped_column(sa.String(100), index=True)
    mahalla: Mapped[str | None] = mapped_column(sa.String(100))
    facilitator_ids: Mapped[list[str]] = mapped_column(ARRAY(sa.String(100)))
    capacity: Mapped[int] = mapped_column(server_default="12")
    schedule: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # weekdays, time, place
    start_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), server_default="forming")
    version: Mapped[int] = mapped_column(server_default="1")  # raised by every change, carried in its events
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = _now()

    programme: Mapped[Programme] = relationship(lazy="joined")

    @property
    def enrolled(self) -> int | None:
        """Men who hold a place in it now: counted by the queries for their answer, never stored; None until
        they have."""
        return getattr(self, "_enrolled_now", None)

    @enrolled.setter
    def enrolled(self, count: int) -> None:
        self._enrolled_now = count

    @property
    def waiting(self) -> int | None:
        """Referrals waiting in its line: counted by the queries for their answer, never stored."""
        return getattr(self, "_waiting_now", None)

    @waiting.setter
    def waiting(self, count: int) -> None:
        self._waiting_now = count


class Participant(Base):
    __tablename__ = "participant"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # Stored exactly as typed (ʻ and ʼ included); names are spelt in more than one script.
    full_name: Mapped[str] = mapped_column(sa.String(300))
    name_key: Mapped[str] = mapped_column(sa.String(300), server_default="")  # for duplicates across scripts
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(sa.String(10))
    pinfl: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    mahalla: Mapped[str | None] = mapped_column(sa.String(100))
    preferred_language: Mapped[str] = mapped_column(sa.String(10))
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = _now()
    # set by the retention command (enrollment.retention): name, PINFL, phone, mahalla cleared, birth date -> 1 January
    anonymised_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.Index("ix_participant_name_key_birth_date", "name_key", "birth_date"),)


class ProtectionOrder(Base):
    __tablename__ = "protection_order"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(sa.String(50), unique=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    issued_by: Mapped[str] = mapped_column(sa.String(100))  # the issuing prevention inspector
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    issued_on: Mapped[date]
    expires_on: Mapped[date] = mapped_column(index=True)
    conditions: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # free text: what the presets do not say
    # its standard conditions as codes (qadam_contracts.vocabulary.ORDER_CONDITIONS), said in each reader's language
    condition_codes: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    status: Mapped[str] = mapped_column(sa.String(20), server_default="active")
    plan_agreed_on: Mapped[date | None]  # the individual correction plan, agreed with the Inson centre
    plan_agreed_with: Mapped[str | None] = mapped_column(sa.String(200))  # with whom (the centre, its worker)
    # its parts: [{"kind": the programme, or a referral for employment, health, education or housing, "details"}]
    plan_parts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    plan_overdue_reported_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    expiry_reported_for: Mapped[date | None]  # the expiry date whose approach was last reported
    created_at: Mapped[datetime] = _now()

    participant: Mapped[Participant] = relationship(lazy="joined")


class OrderExtension(Base):
    __tablename__ = "order_extension"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("protection_order.id"), index=True)
    previous_expiry: Mapped[date]
    new_expiry: Mapped[date]
    decided_by: Mapped[str] = mapped_column(sa.String(200))  # the inspector, or the court and its decision
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by: Mapped[str] = mapped_column(sa.String(100))
    recorded_at: Mapped[datetime] = _now()


class Enrolment(Base):
    __tablename__ = "enrolment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    participant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    programme_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("programme.id"), index=True)  # its version
    protection_order_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("protection_order.id"), index=True)
    referral_source: Mapped[str] = mapped_column(sa.String(30), server_default="protection_order")
    inspector_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    psychologist_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    victim_support_worker_id: Mapped[str | None] = mapped_column(sa.String(100))  # an id only: no victim data here
    # denormalised from the cohort for scoped lists and reports without a join; moved on transfer
    region: Mapped[str] = mapped_column(sa.String(100), server_default="", index=True)
    district: Mapped[str] = mapped_column(sa.String(100), server_default="")
    status: Mapped[str] = mapped_column(sa.String(20))
    status_reason: Mapped[str | None] = mapped_column(sa.String(40))
    enrolled_at: Mapped[datetime] = _now()
    started_on: Mapped[date | None]
    finished_on: Mapped[date | None]  # completed, exited or excluded
    follow_up_until: Mapped[date | None]
    # progress, from sessions' attendance events
    sessions_recorded: Mapped[int] = mapped_column(server_default="0")
    sessions_attended: Mapped[int] = mapped_column(server_default="0")
    excused_absences: Mapped[int] = mapped_column(server_default="0")
    unexcused_absences: Mapped[int] = mapped_column(server_default="0")
    consecutive_absences: Mapped[int] = mapped_column(server_default="0")  # his run now, as sessions published it
    longest_absence_run: Mapped[int] = mapped_column(server_default="0")
    absence_runs_version: Mapped[int] = mapped_column(server_default="0")  # of the runs kept: a lower one is older
    last_session_number: Mapped[int | None]
    last_attended_number: Mapped[int | None]
    exit_proposed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    exit_proposal: Mapped[list[str] | None] = mapped_column(JSONB)
    exit_review_attended: Mapped[bool] = mapped_column(server_default=sa.false())  # the programme's exit review
    # the curriculum is done but he is not completed without a person's decision: why (codes), since when
    completion_proposed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    completion_proposal: Mapped[list[str] | None] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(server_default="1")  # raised by every move, carried in its events
    created_by: Mapped[str] = mapped_column(sa.String(100))

    participant: Mapped[Participant] = relationship(lazy="joined")
    cohort: Mapped[Cohort] = relationship(lazy="joined")
    programme: Mapped[Programme | None] = relationship(lazy="joined")
    @property
    def allowed_actions(self) -> list[str]:
        """The moves the caller could make now: set by the routes for their answer (they know the caller), never
        stored; none until they have."""
        return list(getattr(self, "_allowed_now", ()))

    @allowed_actions.setter
    def allowed_actions(self, actions: list[str]) -> None:
        self._allowed_now = actions

    @property
    def pending_transfer(self) -> TransferRequest | None:
        """The move out of his district that waits for a supervisor: set by the routes with the moves, never
        stored; none until they have."""
        return getattr(self, "_pending_transfer", None)

    @pending_transfer.setter
    def pending_transfer(self, request: TransferRequest | None) -> None:
        self._pending_transfer = request

    __table_args__ = (
        sa.UniqueConstraint("participant_id", "cohort_id", name="uq_enrolment_participant_cohort"),
        sa.Index("ix_enrolment_region_district_status", "region", "district", "status"),
    )


class WaitingPlace(Base):
    """A referral to a full cohort, waiting in line (oldest first) for a place: given the next place that frees
    there, or one in another group a manager chooses. Kept once he is placed or withdrawn: who, when, why."""

    __tablename__ = "waiting_place"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), unique=True)  # the order of the line
    participant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohort.id"))
    protection_order_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("protection_order.id"))
    referral_source: Mapped[str] = mapped_column(sa.String(30), server_default="protection_order")
    inspector_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    psychologist_id: Mapped[str] = mapped_column(sa.String(100))
    victim_support_worker_id: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(20), server_default="waiting")  # waiting | placed | withdrawn
    since: Mapped[datetime] = _now()
    asked_by: Mapped[str] = mapped_column(sa.String(100))
    enrolment_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("enrolment.id"))
    placed_cohort_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("cohort.id"))
    placed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    placed_by: Mapped[str | None] = mapped_column(sa.String(100))  # a user id, or "system" for the next free place
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)
    withdrawn_by: Mapped[str | None] = mapped_column(sa.String(100))

    participant: Mapped[Participant] = relationship(lazy="joined")
    cohort: Mapped[Cohort] = relationship(lazy="joined", foreign_keys=[cohort_id])

    @property
    def position(self) -> int | None:
        """His place in the line (1: next), counted by the queries for their answer; None unless waiting."""
        return getattr(self, "_position_now", None)

    @position.setter
    def position(self, place: int | None) -> None:
        self._position_now = place

    __table_args__ = (
        sa.Index("ix_waiting_place_cohort_status_seq", "cohort_id", "status", "seq"),
        # one place in one line at a time for a man
        sa.Index("uq_waiting_place_waiting", "participant_id", "cohort_id", unique=True,
                 postgresql_where=sa.text("status = 'waiting'")),
    )


class EnrolmentTransition(Base):
    """Every change of an enrolment's state or cohort: who, when, why. Never updated, never deleted."""

    __tablename__ = "enrolment_transition"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(20))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.Text)
    from_cohort_id: Mapped[uuid.UUID | None]
    to_cohort_id: Mapped[uuid.UUID | None]
    by: Mapped[str] = mapped_column(sa.String(100))  # a user id, or "system" for automatic moves
    at: Mapped[datetime] = _now()


class TransferRequest(Base):
    """A move of an enrolment out of its district, asked by his inspector: it waits for a supervisor of the district's
    region, who approves it (then the move is made) or refuses it. Decided once; kept."""

    __tablename__ = "transfer_request"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    # where he is when it is asked (whose supervisor decides) and where he would go
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    from_cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohort.id"))
    to_cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohort.id"))
    to_region: Mapped[str] = mapped_column(sa.String(100))
    to_district: Mapped[str] = mapped_column(sa.String(100))
    psychologist_id: Mapped[str | None] = mapped_column(sa.String(100))  # as asked (None: the first facilitator)
    inspector_id: Mapped[str | None] = mapped_column(sa.String(100))  # as asked (None: his inspector as before)
    note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), server_default="pending")  # pending, approved, refused, withdrawn
    asked_by: Mapped[str] = mapped_column(sa.String(100))
    asked_at: Mapped[datetime] = _now()
    decided_by: Mapped[str | None] = mapped_column(sa.String(100))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    enrolment: Mapped[Enrolment] = relationship(lazy="joined")

    __table_args__ = (
        # one move waits at a time for an enrolment
        sa.Index("uq_transfer_request_pending", "enrolment_id", unique=True,
                 postgresql_where=sa.text("status = 'pending'")),
        sa.Index("ix_transfer_request_area_status", "region", "district", "status"),
    )


class AttendanceRecord(Base):
    """sessions' attendance marks as its events told them: the latest recording of each session wins
    (qadam.latest.supersedes, the rule record_attendance keeps them by)."""

    __tablename__ = "attendance_record"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    session_number: Mapped[int]
    session_kind: Mapped[str] = mapped_column(sa.String(20), server_default="group")
    # when the session was held: as planned, or the day its paper register gives (sessions' `held_at`)
    scheduled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(20))
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class StaffMember(Base):
    """The portal's staff as `portal.user.changed` told them: whom an enrolment may name (her support worker)."""

    __tablename__ = "staff_member"

    user_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(30))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    active: Mapped[bool]
    version: Mapped[int]


class KnownDistrict(Base):
    """The districts the portal knows (`portal.area.changed`), spelt as the portal spells them."""

    __tablename__ = "known_district"

    region: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    district: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    mahallas: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    active: Mapped[bool]
    version: Mapped[int]


class RiskFlag(Base):
    """risk's flags as its events told them, for one question: is a critical flag of an enrolment unresolved?"""

    __tablename__ = "risk_flag"

    flag_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    level: Mapped[str | None] = mapped_column(sa.String(10))  # None: its resolution arrived before it
    raised_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Document(Base):
    """A paper enrollment issued about one man, or a session's attendance register (domain/documents.py): its PDF
    as issued, the SHA-256 of those bytes and its check code. Never updated, never deleted (the database refuses
    both), but for one change: when the retention period of the man it names is over, its PDF and facts are purged
    (commands/retention.py), and its number, kind, dates, hashes and check code stay, so a printed copy still checks.
    A correction is a new document that names the one it replaces."""

    __tablename__ = "document"

    number: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # QD-<year>-<6 digits>
    kind: Mapped[str] = mapped_column(sa.String(30))
    enrolment_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # a register's session (session_view)
    language: Mapped[str] = mapped_column(sa.String(10))
    replaces: Mapped[str | None] = mapped_column(sa.ForeignKey("document.number"), unique=True)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # what it states, as codes and figures; None: purged
    facts_sha256: Mapped[str | None] = mapped_column(sa.String(64))  # of the facts (qadam.documents.content_digest)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    check_code: Mapped[str] = mapped_column(sa.String(9))
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)  # None: purged
    generated_by: Mapped[str] = mapped_column(sa.String(100))
    generated_by_role: Mapped[str] = mapped_column(sa.String(30))
    generated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.CheckConstraint("enrolment_id IS NOT NULL OR session_id IS NOT NULL", name="about"),
        sa.CheckConstraint("(purged_at IS NULL) = (pdf IS NOT NULL AND facts IS NOT NULL)", name="purged"),
    )


class SessionView(Base):
    """sessions' sessions as `sessions.session.planned` and `.changed` told them (the latest change wins): what an
    attendance register names."""

    __tablename__ = "session_view"

    session_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(index=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    enrolment_id: Mapped[uuid.UUID | None]
    scheduled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(20))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class RiskIncident(Base):
    """risk's incidents as `risk.incident.recorded` told them (an inspector's; never her worker's): kind, day, place.
    Kept whether or not his enrolment has ended: an outcome counts those after the day he left."""

    __tablename__ = "risk_incident"

    incident_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    occurred_on: Mapped[date]
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))


class RiskAssessment(Base):
    """risk's assessments as `risk.assessment.recorded` told them: kind and level, when. His risk band at intake is
    the level of his enrolment's latest intake assessment."""

    __tablename__ = "risk_assessment"

    assessment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    level: Mapped[str] = mapped_column(sa.String(10))
    assessed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Outcome(Base):
    """What became of a man after an enrolment ended as a programme ends (domain/outcomes.py), kept as facts for the
    outcome report: how and when he left, where, in which programme version, his risk band at intake, and the first
    day after he left of a new protection order, a breach, a new complaint, a new referral. Recomputed from
    enrollment's own rows and risk's events (commands/outcomes.py) whenever one of them changes, in any order."""

    __tablename__ = "outcome"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("enrolment.id"), primary_key=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(index=True)
    how: Mapped[str] = mapped_column(sa.String(20))  # completed | non_compliance | dropout
    left_on: Mapped[date]
    programme_id: Mapped[uuid.UUID | None]
    programme_version: Mapped[int | None]
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    intake_level: Mapped[str | None] = mapped_column(sa.String(10))  # None: no intake assessment
    new_order_on: Mapped[date | None]
    breach_on: Mapped[date | None]
    complaint_on: Mapped[date | None]
    re_referred_on: Mapped[date | None]

    __table_args__ = (sa.Index("ix_outcome_region_left_on", "region", "left_on"),
                      sa.Index("ix_outcome_left_on", "left_on"))
