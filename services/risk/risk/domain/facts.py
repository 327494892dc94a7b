"""The facts about one case that the rules read, as plain data (no I/O).

Every fact has an id that names it for good (a session, an observation, an incident, an event), so that a flag can
say which facts fired it and a later evaluation can tell facts already flagged from new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from qadam_contracts.reasons import Reason
from qadam_contracts.vocabulary import FLAG_LEVELS, level_rank
from qadam_contracts.vocabulary import INCIDENT_KINDS as CONTRACT_INCIDENT_KINDS

LEVELS = FLAG_LEVELS  # the contracts' levels, lowest first
OPEN_STATUSES = ("referred", "assessed", "active", "suspended", "completed")  # completed: in follow-up, still watched
ATTENDED = ("present", "late")

INCIDENT_KINDS = CONTRACT_INCIDENT_KINDS  # defined once, in the contracts (risk.incident.recorded carries them)
INCIDENT_SEVERITIES = ("minor", "serious", "severe")


def highest(levels: list[str] | tuple[str, ...], default: str = "low") -> str:
    return max(levels, key=level_rank) if levels else default


@dataclass(frozen=True)
class Mark:
    """One attendance mark. A session cancelled before it took place has no mark (sessions refuses marks on it)."""

    session_id: str
    session_number: int
    scheduled_at: datetime
    status: str  # present | late | excused | unexcused
    kind: str = "group"  # group | makeup | intake | individual
    cancelled: bool = False


@dataclass(frozen=True)
class Observation:
    """A warning sign a facilitator observed or heard of at a session."""

    observation_id: str
    sign: str
    observed_at: datetime
    session_number: int | None = None
    session_at: datetime | None = None  # when the session took place (a sign can be typed in days later)

    @property
    def seen_at(self) -> datetime:
        """When he showed the sign: at the session, where it is known; else when it was recorded."""
        return self.session_at or self.observed_at


@dataclass(frozen=True)
class Incident:
    incident_id: str
    kind: str
    occurred_on: date
    severity: str
    source: str  # inspector | victim_support
    reported_at: datetime | None = None


@dataclass(frozen=True)
class OrderSignal:
    """What enrollment reported: an exit proposal, an overdue correction plan, an order expiring unfinished."""

    signal_id: str
    kind: str  # exit_proposed | plan_overdue | order_expiring | call_overdue | order_issued
    occurred_at: datetime
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    assessment_id: str
    instrument: str  # "<id> v<version>"
    score: int
    band: str
    level: str
    assessed_at: datetime


@dataclass(frozen=True)
class Case:
    """An enrolment and everything risk knows of it."""

    enrolment_id: str
    status: str
    enrolled_at: datetime | None = None
    marks: tuple[Mark, ...] = ()
    observations: tuple[Observation, ...] = ()
    incidents: tuple[Incident, ...] = ()
    signals: tuple[OrderSignal, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    # his programme version's thresholds for alerting his inspector (None: the rule's own parameter)
    alert_unexcused: int | None = None
    alert_consecutive: int | None = None
    # his runs of unexcused absences as sessions published them (it alone computes them), by the session kinds
    # counted: every combination of kinds, so a rule counts the ones it names
    absence_runs: Mapping[frozenset[str], tuple[tuple[Mark, ...], ...]] = field(default_factory=dict)

    @property
    def latest_assessment(self) -> Assessment | None:
        return max(self.assessments, key=lambda a: (a.assessed_at, a.assessment_id), default=None)


@dataclass(frozen=True)
class Finding:
    """A rule fired on some facts. `fact_key` names the finding; `fact_ids` are every fact it read, so a finding
    that shares a fact with one already flagged under the same rule is the same episode, not a new one."""

    rule_id: str
    rule_version: int
    level: str
    fact_key: str
    reasons: list[str]
    occurred_at: datetime
    fact_ids: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    # victim_support: it rests on what her support worker reported (its words are the redacted ones)
    source: str | None = None
    # a task of the staff (a plan, an assessment, a call), not his behaviour: no sign of his for a cluster
    staff_task: bool = False
    # the reasons as codes and parameters (`reasons` is their English rendering, for v1 readers)
    codes: list[Reason] = field(default_factory=list)

    @property
    def all_ids(self) -> frozenset[str]:
        return frozenset((self.fact_key, *self.fact_ids))
