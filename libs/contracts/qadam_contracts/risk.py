"""risk's published events: flags raised and handled, an enrolment's level moving."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from marshmallow import validate
from qadam.events import EventData, JSONObject, detail

from .reasons import Reason
from .vocabulary import FLAG_LEVELS, PARTICIPANT_CODE

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


EVENTS: tuple[type[EventData], ...] = (FlagRaised, LevelChanged, FlagAcknowledged, FlagResolved)
