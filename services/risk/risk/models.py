"""Risk's tables: projections of enrolments and attendance (from events) and the flags it raises."""

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
    enrolled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # her support worker (an id only), told when his risk rises; from enrollment's status events
    victim_support_worker_id: Mapped[str | None] = mapped_column(sa.String(100))
    # his programme version's limits for alerting his inspector (enrollment.enrolled / .transferred, absence_alerts);
    # none: the absence rules' own parameters
    alert_unexcused_absences: Mapped[int | None]
    alert_consecutive_absences: Mapped[int | None]


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
    # when the session was held: as planned, or the day its paper register gives (sessions' `held_at`)
    scheduled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(20))
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    session_kind: Mapped[str] = mapped_column(sa.String(20), server_default="group")


class AbsenceRunsFact(Base):
    """His runs of unexcused absences as sessions last published them (with his marks): the runs of the highest
    version seen, each different set of runs once with the combinations of session kinds it is over
    (`[{"session_kinds": [[kind, ...], ...], "runs": [{"absences": [{session_id, session_number, scheduled_at}, ...]},
    ...]}, ...]`; a combination of kinds with no run is left out)."""

    __tablename__ = "absence_runs_fact"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    runs: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)


class Flag(Base):
    """A rule fired: raised with the rule's version and the facts it read; acknowledged by a person it reached;
    resolved with a reason. The highest level among an enrolment's unresolved flags is his level."""

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
    # the reasons in English sentences, for v1 readers; `reason_codes` are what every reader renders in its language
    reasons: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    # [{"code", "params"}] (qadam_contracts.reasons), in `reasons`' order; an old sentence no code fits is `text`
    reason_codes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    raised_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    # every fact the finding read: a later finding of the same rule sharing any of them is the same episode
    fact_ids: Mapped[list[str]] = mapped_column(ARRAY(sa.String(200)), server_default="{}")
    rule_set_version: Mapped[int | None]
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(sa.String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    # the flags raised from the same facts share it (one evaluation; an exit proposal and his absence flag): notify
    # makes one alert per episode and person
    episode_id: Mapped[uuid.UUID | None]  # notify groups alerts by it; nothing here looks a flag up by it
    # victim_support: raised on what her support worker reported (its reasons are the redacted wording)
    source: Mapped[str | None] = mapped_column(sa.String(20))

    __table_args__ = (
        # Never raised twice for the same facts, even by two workers racing on one enrolment.
        sa.UniqueConstraint("enrolment_id", "rule_id", "fact_key", name="uq_flag_enrolment_rule_fact"),
    )


class FlagAcknowledgement(Base):
    """Each person who acknowledged a flag, once, here or through notify: the flag keeps the first, and notify hears
    of each responsible person's own (an inspector's stops the escalation a psychologist's does not)."""

    __tablename__ = "flag_acknowledgement"

    flag_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("flag.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    acknowledged_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    via: Mapped[str] = mapped_column(sa.String(20))  # risk | notify


class RuleSetVersion(Base):
    """The rules in force, as data. The newest version is in force; older ones stay, for the flags they raised."""

    __tablename__ = "rule_set"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    note: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class InstrumentVersion(Base):
    """An intake instrument, as data. `region` empty: the national default; a region's own wins in that region."""

    __tablename__ = "instrument"

    id: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    region: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Assessment(Base):
    """One scored assessment of an enrolment, kept for good: the history is the point."""

    __tablename__ = "assessment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    instrument_id: Mapped[str] = mapped_column(sa.String(60))
    instrument_version: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))  # intake | review
    answers: Mapped[dict[str, str]] = mapped_column(JSONB)
    score: Mapped[int]
    band: Mapped[str] = mapped_column(sa.String(40))
    level: Mapped[str] = mapped_column(sa.String(10))
    unknown_items: Mapped[int]
    assessed_by: Mapped[str] = mapped_column(sa.String(100))
    assessed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Incident(Base):
    """An incident reported by an inspector or by the victim's support worker. The details are sealed, and those a
    support worker gives are read by support workers only: never by perpetrator-facing staff."""

    __tablename__ = "incident"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    participant_code: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(40))
    occurred_on: Mapped[date]
    severity: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[str] = mapped_column(sa.String(20))  # inspector | victim_support
    details_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    reported_by: Mapped[str] = mapped_column(sa.String(100))
    reported_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))


class RiskLevel(Base):
    """An enrolment's level now: the highest of its unresolved flags (low with none)."""

    __tablename__ = "risk_level"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(10))
    since: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(server_default="1")  # raised by every move, carried by risk.level.changed


class LevelChange(Base):
    """The history of an enrolment's level: every move, when and why."""

    __tablename__ = "level_change"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    from_level: Mapped[str] = mapped_column(sa.String(10))
    level: Mapped[str] = mapped_column(sa.String(10))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    cause: Mapped[str] = mapped_column(sa.Text)
    flag_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(sa.Uuid), server_default="{}")


class Recompute(Base):
    """A batch re-evaluation of every open enrolment: after the rules change, daily for the rules that read the
    calendar, or on request. Progress is kept as it goes."""

    __tablename__ = "recompute"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    rule_set_version: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(40))  # rules_changed | daily | requested
    requested_by: Mapped[str] = mapped_column(sa.String(100))
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    status: Mapped[str] = mapped_column(sa.String(20), server_default="pending", index=True)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    evaluated: Mapped[int] = mapped_column(server_default="0")
    # the last enrolment evaluated (they go in id order): a resumed run starts after it
    resume_after: Mapped[uuid.UUID | None]
    flags_raised: Mapped[int] = mapped_column(server_default="0")
    levels_changed: Mapped[int] = mapped_column(server_default="0")
    error: Mapped[str | None] = mapped_column(sa.Text)
