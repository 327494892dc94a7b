"""Risk's request, response and filter schemas.
The events it publishes are in events.py (its contract: qadam_contracts.risk)."""

from __future__ import annotations

import uuid
from typing import Any, TypedDict

import marshmallow as ma
from marshmallow import fields, validate
from qadam.pages import PageArgs, page_schema
from qadam.schema_fields import Date, Integer, place
from qadam_contracts.vocabulary import ASSESSMENT_KINDS, FLAG_LEVELS, LANGUAGES

from .commands import AssessmentAnswers, IncidentReport
from .domain import DISCLAIMER
from .domain.facts import INCIDENT_KINDS, INCIDENT_SEVERITIES
from .domain.flag_life import FlagStatus
from .domain.her_view import CONCERNS

FLAG_STATUSES = tuple(s.value for s in FlagStatus)
LEVELS_AT_ONCE = 100  # enrolments one batch read of levels answers: a page of a list, never the whole register


class FlagOut(ma.Schema):
    id = fields.UUID()
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    rule_id = fields.String()
    rule_version = Integer()
    rule_set_version = Integer(allow_none=True)
    level = fields.String()
    reasons = fields.List(fields.String(), metadata={
        "description": "The reasons in English sentences (v1); render `reason_codes` in the reader's language."})
    reason_codes = fields.List(fields.Dict(), metadata={
        "description": "The reasons as data: each `{code, params}` (qadam_contracts.reasons), in `reasons`' order; "
                       "`text` is an old flag's sentence that could not be read back into a code."})
    evidence = fields.Dict()
    status = fields.String()
    raised_at = fields.DateTime()
    acknowledged_by = fields.String(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)
    episode_id = fields.UUID(allow_none=True, metadata={"description": "Flags raised from the same facts share it."})
    source = fields.String(allow_none=True, metadata={
        "description": "victim_support: it rests on what her support worker reported (reasons in redacted words)."})
    concern = fields.String(allow_none=True, validate=validate.OneOf(CONCERNS), metadata={
        "description": "For her support worker, who reads a flag's level, kind of concern, dates and state only: "
                       "the kind of concern (no reasons from his records, no evidence)."})
    note = fields.Constant(DISCLAIMER)


class FlagFilter(PageArgs):
    enrolment_id = fields.UUID(load_default=None)
    level = fields.String(load_default=None, validate=validate.OneOf(FLAG_LEVELS))
    status = fields.String(load_default=None, validate=validate.OneOf(FLAG_STATUSES))
    rule_id = fields.String(load_default=None, validate=validate.Length(max=80))


FlagPage = page_schema(FlagOut, "FlagPage")


class Resolution(TypedDict):
    """ResolveIn as loaded."""

    reason: str


class ResolveIn(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=1000), metadata={
        "description": "Why the flag needs no more action (what was done, or why it no longer applies)."})


class IncidentIn(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(INCIDENT_KINDS))
    occurred_on = Date(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(INCIDENT_SEVERITIES))
    details = fields.String(load_default=None, allow_none=True, metadata={
        "description": "What happened, in a few words: sealed at rest; a support worker's details are read by "
                       "support workers only. Never names."})

    @ma.post_load
    def as_report(self, data: Any, **_: Any) -> IncidentReport:
        return IncidentReport(**data)


class IncidentOut(ma.Schema):
    id = fields.UUID()
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    kind = fields.String(allow_none=True, metadata={"description": "Withheld from perpetrator-facing staff when her "
                                                                   "support worker reported it (see summary)."})
    occurred_on = fields.Date(allow_none=True)
    severity = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "inspector, or victim_support (her support worker)."})
    summary = fields.String(allow_none=True, metadata={
        "description": "For perpetrator-facing staff, her support worker's report as they may know it: a safety "
                       "concern reported by victim support on a date, at a level."})
    level = fields.String(allow_none=True, metadata={
        "description": "For her support worker's reports: the highest level of the flags it raised."})
    reported_by = fields.String(allow_none=True, metadata={"description": "Withheld from perpetrator-facing staff "
                                                                          "when her support worker reported it."})
    reported_at = fields.DateTime()
    details = fields.String(allow_none=True, metadata={"description": "Only for those who may read them."})
    flags = fields.List(fields.Nested(FlagOut), metadata={"description": "Flags the report raised (on creation)."})


IncidentPage = page_schema(IncidentOut, "IncidentPage")


class AssessmentIn(ma.Schema):
    instrument_id = fields.String(load_default=None, validate=validate.Length(max=60), metadata={
        "description": "Defaults to the region's own instrument, else the national default."})
    kind = fields.String(load_default="intake", validate=validate.OneOf(ASSESSMENT_KINDS))
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "Every item's answer: one of its values, or `unknown`."})
    assessed_on = Date(load_default=None, metadata={"description": "Defaults to today."})

    @ma.post_load
    def as_answers(self, data: Any, **_: Any) -> AssessmentAnswers:
        return AssessmentAnswers(**data)


class AssessmentOut(ma.Schema):
    id = fields.UUID()
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    instrument_id = fields.String()
    instrument_version = Integer()
    kind = fields.String()
    answers = fields.Dict()
    score = Integer()
    band = fields.String()
    level = fields.String()
    unknown_items = Integer()
    assessed_by = fields.String()
    assessed_at = fields.DateTime()
    next_due = fields.Date(allow_none=True)
    note = fields.Constant(DISCLAIMER)


AssessmentPage = page_schema(AssessmentOut, "AssessmentPage")


class InstrumentLoad(TypedDict):
    """InstrumentIn as loaded: the instrument is data (its definition is checked by domain.instrument)."""

    region: str | None
    definition: dict[str, Any]


class InstrumentIn(ma.Schema):
    region = fields.String(load_default=None, allow_none=True, validate=place(0), metadata={
        "description": "The region it is for; empty for the national default (administrators only)."})
    definition = fields.Dict(required=True, metadata={
        "description": "{id, name, items: [{id, category, text: {en, …}, answers: [{value, weight}]}], "
                       "max_unknown, bands: [{name, min_score, level}]}"})


class InstrumentOut(ma.Schema):
    id = fields.String()
    version = Integer()
    region = fields.String(allow_none=True)
    definition = fields.Dict()
    created_by = fields.String()
    created_at = fields.DateTime()


class InstrumentQuery(TypedDict):
    region: str | None


class InstrumentFilter(ma.Schema):
    region = fields.String(load_default=None, validate=place(0))


class RuleSetChange(TypedDict):
    """RuleSetIn as loaded: the rules are data (checked by domain.rules)."""

    rules: list[dict[str, Any]]
    note: str


class RuleSetIn(ma.Schema):
    rules = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=500))
    note = fields.String(required=True, validate=validate.Length(min=3, max=2000), metadata={
        "description": "What changed and why: kept with the version."})


class RuleSetOut(ma.Schema):
    version = Integer()
    rules = fields.List(fields.Dict())
    note = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()
    recompute_id = fields.UUID(allow_none=True, metadata={"description": "The recompute it started (on creation)."})


class RecomputeOut(ma.Schema):
    id = fields.UUID()
    rule_set_version = Integer()
    reason = fields.String()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    status = fields.String()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    evaluated = Integer()
    flags_raised = Integer()
    levels_changed = Integer()
    error = fields.String(allow_none=True)


class FactorOut(ma.Schema):
    flag_id = fields.UUID()
    rule_id = fields.String()
    rule_version = Integer()
    level = fields.String()
    status = fields.String()
    raised_at = fields.DateTime()
    says = fields.List(fields.String(), metadata={"description": "Its reasons in the language asked for (`lang`)."})
    reason_codes = fields.List(fields.Dict(), metadata={"description": "Its reasons as data (qadam_contracts.reasons)."})
    concern = fields.String(allow_none=True, validate=validate.OneOf(CONCERNS), metadata={
        "description": "For her support worker: the kind of concern (she reads no rule and no reasons)."})


class LevelChangeOut(ma.Schema):
    from_level = fields.String()
    level = fields.String()
    changed_at = fields.DateTime()
    cause = fields.String(metadata={"description": "What moved it, as risk records it (English words)."})
    said = fields.String(metadata={"description": "What moved it, in the language asked for (`lang`)."})
    flag_ids = fields.List(fields.UUID())


class ExplanationOut(ma.Schema):
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    status = fields.String(metadata={"description": "The enrolment's status as risk knows it."})
    as_of = fields.DateTime()
    level = fields.String(validate=validate.OneOf(FLAG_LEVELS))
    since = fields.DateTime(allow_none=True)
    read_aloud = fields.List(fields.String(), metadata={
        "description": "The level and each contributing factor, in sentences for a multi-agency meeting."})
    factors = fields.List(fields.Nested(FactorOut))
    assessment = fields.Nested(AssessmentOut, allow_none=True)
    attendance = fields.Dict(metadata={"description": "{recorded, attended, excused, unexcused}; all null for her "
                                                      "support worker (she never hears his attendance)."})
    history = fields.List(fields.Nested(LevelChangeOut))
    rule_set_version = Integer()
    note = fields.Constant(DISCLAIMER)


class LangQuery(TypedDict):
    lang: str


class LangArgs(ma.Schema):
    lang = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES),
                         metadata={"description": "Language of the assessment items quoted (English where missing)."})


class LevelsQuery(TypedDict):
    enrolment_id: list[uuid.UUID]


class LevelsArgs(ma.Schema):
    enrolment_id = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=LEVELS_AT_ONCE),
                               metadata={"description": "Repeated, one per enrolment (at most 100)."})


class EnrolmentLevelOut(ma.Schema):
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    status = fields.String(metadata={"description": "The enrolment's status as risk knows it."})
    level = fields.String(validate=validate.OneOf(FLAG_LEVELS))
    since = fields.DateTime(allow_none=True, metadata={"description": "Null while he has never been above low."})
    unresolved_flags = Integer(metadata={"description": "The unresolved flags that hold him at his level."})


class LevelsOut(ma.Schema):
    items = fields.List(fields.Nested(EnrolmentLevelOut), metadata={
        "description": "The enrolments asked for that the caller may see, in the order asked; the others are absent."})
