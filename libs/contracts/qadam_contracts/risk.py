"""risk's published events: flags raised and handled, an enrolment's level moving, incidents recorded and
assessments scored (their facts only: never an incident's details, never an assessment's answers)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from marshmallow import validate
from qadam.events import EventData, JSONObject, detail

from .reasons import Reason
from .vocabulary import ASSESSMENT_KINDS, FLAG_LEVELS, INCIDENT_KINDS, PARTICIPANT_CODE

PRODUCER = "risk"


@dataclass(frozen=True, kw_only=True, slots=True)
class FlagRaised(EventData):
    TYPE = "risk.flag.raised"
    PRODUCER = PRODUCER
    SUMMARY = "A risk rule fired for an enrolment; carries the rule, its level and the facts that fired it."

    flag_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    rule_id: str
    rule_version: int
    level: str = detail(validate=validate.OneOf(FLAG_LEVELS))
    reasons: list[str] = detail(validate=validate.Length(min=1), description=(
        "The reasons in English sentences, for v1 consumers; render `reason_codes` in the reader's language instead."))
    evidence: JSONObject
    region: str
    district: str
    inspector_id: str = detail(description="The enrolment's prevention inspector now.")
    psychologist_id: str = detail(description="The enrolment's psychologist now.")
    raised_at: datetime
    rule_set_version: int | None = detail(default=None, description=(
        "The version of the rule set in force when it was raised; added later in v1."))
    episode_id: uuid.UUID | None = detail(default=None, description=(
        "Flags raised from the same facts share it (one evaluation of an enrolment; an exit proposal "
        "and his unresolved absence flag): one alert per episode and person. Added later in v1."))
    victim_support_worker_id: str | None = detail(default=None, description=(
        "Her support worker now (an id only); added later in v1."))
    source: str | None = detail(default=None, description=(
        "`victim_support` when it rests on what her support worker reported: the reasons are then "
        "the redacted wording for perpetrator-facing staff. Added later in v1."))
    reason_codes: list[Reason] | None = detail(default=None, description=(
        "The same reasons as data (a code and its parameters each, in `reasons`' order), to render in the "
        "reader's language; a `victim_support` flag's are the redacted ones. Added later in v1."))


@dataclass(frozen=True, kw_only=True, slots=True)
class LevelChanged(EventData):
    """An enrolment's overall level moved: the highest level among its unresolved flags (low with none)."""

    TYPE = "risk.level.changed"
    PRODUCER = PRODUCER
    SUMMARY = "An enrolment's overall risk level moved (up when a flag is raised, down when flags are resolved)."

    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    from_level: str = detail(validate=validate.OneOf(FLAG_LEVELS))
    level: str = detail(validate=validate.OneOf(FLAG_LEVELS))
    version: int = detail(description="Raised by every move of this enrolment's level.")
    changed_at: datetime
    cause: str = detail(description="What moved it: a flag raised, a flag resolved, a recompute after the rules "
                                    "changed.")
    flag_ids: list[uuid.UUID] = detail(description="The flags at the new level.")
    region: str
    district: str
    inspector_id: str
    psychologist_id: str
    victim_support_worker_id: str | None = detail(default=None, description=(
        "Her support worker (an id only), so she can be protected when his risk rises."))


@dataclass(frozen=True, kw_only=True, slots=True)
class FlagHandled(EventData):
    """Someone responsible acted on a flag in risk: acknowledged it, or resolved it with a reason (which stays in
    risk)."""

    flag_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    by: str = detail(description="The user who acted.")
    at: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class FlagAcknowledged(FlagHandled):
    """The flag was acknowledged in risk."""

    TYPE = "risk.flag.acknowledged"
    PRODUCER = PRODUCER
    SUMMARY = "A flag was acknowledged in risk by someone responsible: its alerts need not escalate."


@dataclass(frozen=True, kw_only=True, slots=True)
class FlagResolved(FlagHandled):
    """The flag was resolved in risk."""

    TYPE = "risk.flag.resolved"
    PRODUCER = PRODUCER
    SUMMARY = "A flag was resolved in risk with a reason: its alerts need not escalate."


@dataclass(frozen=True, kw_only=True, slots=True)
class IncidentRecorded(EventData):
    """An incident an inspector reported, as facts: which, what kind, when, where. Never its details or severity's
    free text; never one her support worker reported (what she or her worker says stays on her side)."""

    TYPE = "risk.incident.recorded"
    PRODUCER = PRODUCER
    SUMMARY = ("An inspector reported an incident of an enrolment's man (a breach of his protection order, a new "
               "complaint, a call-out...): its kind, the day it happened and where; never its details. Added in v1.")

    incident_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    kind: str = detail(validate=validate.OneOf(INCIDENT_KINDS))
    occurred_on: date
    region: str
    district: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AssessmentRecorded(EventData):
    """A scored assessment of an enrolment (intake or review): its level and band, never its answers or score."""

    TYPE = "risk.assessment.recorded"
    PRODUCER = PRODUCER
    SUMMARY = ("An enrolment was assessed with the risk instrument (at intake or in review): the level and band it "
               "gave, and when; never the answers. Added in v1.")

    assessment_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    kind: str = detail(validate=validate.OneOf(ASSESSMENT_KINDS))
    level: str = detail(validate=validate.OneOf(FLAG_LEVELS))
    band: str = detail(description="The instrument's band, as the instrument names it.")
    assessed_at: datetime


EVENTS: tuple[type[EventData], ...] = (FlagRaised, LevelChanged, FlagAcknowledged, FlagResolved, IncidentRecorded,
                                       AssessmentRecorded)
