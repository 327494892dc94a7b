"""Enrollment's request and response schemas.
The events it publishes are in events.py (its contract: qadam_contracts.enrollment)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from qadam.names import name_problem, stored_form
from qadam.pages import PageArgs, page_schema
from qadam.schema_fields import Date, Integer, place
from qadam_contracts.vocabulary import ORDER_CONDITIONS

from .domain import Language, Sex, pinfl_problem
from .domain.lifecycle import Action, EnrolmentStatus
from .domain.programmes import TEMPLATES
from .domain.progress import CRITICAL_FLAG_OPEN, EXIT_REVIEW_NOT_ATTENDED, RED_SIGN_RECORDED

NAME = validate.Length(min=1, max=200)
AREA = place()
USER = validate.Length(min=1, max=100)
COMPLETION_HOLDS = (CRITICAL_FLAG_OPEN, RED_SIGN_RECORDED, EXIT_REVIEW_NOT_ATTENDED)
REFERRAL_SOURCES = ("protection_order", "court", "inspector_initiative", "self_referral")
COHORT_STATUSES = ("forming", "running", "finished", "cancelled")


class CurriculumItem(ma.Schema):
    number = Integer(required=True, validate=validate.Range(min=1))
    topic = fields.String(required=True, validate=NAME)
    exit_review = fields.Boolean(load_default=False, metadata={"description": (
        "The exit review (the statutory programme's last module): a man whose curriculum is done is proposed for "
        "completion, not completed, until it is recorded as attended.")})


class ProgrammeRules(ma.Schema):
    """What a programme version decides; every field is editable per region when a programme is defined."""

    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    curriculum = fields.List(fields.Nested(CurriculumItem), validate=validate.Length(max=200),
                             metadata={"description": "The ordered modules/topics; its length is the sessions required."})
    sessions_required = Integer(validate=validate.Range(min=1, max=200),
                                       metadata={"description": "Sessions in the curriculum (from it when given)."})
    sessions_per_week = Integer(validate=validate.Range(min=1, max=7))
    session_minutes = Integer(validate=validate.Range(min=15, max=480))
    completion_attendance_percent = Integer(validate=validate.Range(min=1, max=100),
                                                   metadata={"description": "Share of the curriculum to attend."})
    max_unexcused_absences = Integer(validate=validate.Range(min=0, max=50),
                                            metadata={"description": "Passing it proposes exit."})
    max_consecutive_absences = Integer(validate=validate.Range(min=0, max=50),
                                              metadata={"description": "Unexcused in a row; passing it proposes exit."})
    alert_unexcused_absences = Integer(allow_none=True, validate=validate.Range(min=1, max=50), metadata={
        "description": "Unexcused absences in all at which his inspector is alerted (statutory 2, extended 3)."})
    alert_consecutive_absences = Integer(allow_none=True, validate=validate.Range(min=1, max=50), metadata={
        "description": "Unexcused absences in a row at which his inspector is alerted (2)."})
    absence_call_hours = Integer(allow_none=True, validate=validate.Range(min=1, max=720), metadata={
        "description": "After an unexcused absence the psychologist calls him within this many hours (48)."})
    makeup_sessions_count = fields.Boolean()
    follow_up_months = Integer(validate=validate.OneOf([0, 3, 6, 12]))
    review_at_session = Integer(allow_none=True, validate=validate.Range(min=1))
    group_size_min = Integer(validate=validate.Range(min=1, max=30))
    group_size_max = Integer(validate=validate.Range(min=1, max=30))
    facilitators_per_group = Integer(validate=validate.Range(min=1, max=4))

    @ma.validates_schema
    def _consistent(self, data: dict[str, Any], **_: object) -> None:
        curriculum = data.get("curriculum")
        if curriculum:
            numbers = [item["number"] for item in curriculum]
            if numbers != list(range(1, len(numbers) + 1)):
                raise ma.ValidationError("Number the curriculum 1, 2, 3, … in order.", "curriculum")
            if data.get("sessions_required") not in (None, len(curriculum)):
                raise ma.ValidationError("Must equal the curriculum's length.", "sessions_required")
            if sum(1 for item in curriculum if item.get("exit_review")) > 1:
                raise ma.ValidationError("Mark one module at most as the exit review.", "curriculum")
        if data.get("group_size_min") and data.get("group_size_max") and data["group_size_min"] > data["group_size_max"]:
            raise ma.ValidationError("The smallest group cannot be larger than the largest.", "group_size_min")


# What a programme version decides: the fields a template gives and a new version changes.
RULE_FIELDS = tuple(ProgrammeRules().fields)


class ProgrammeIn(ProgrammeRules):
    name = fields.String(required=True, validate=NAME)
    template = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(TEMPLATES)),
                             metadata={"description": "Start from a shipped template; fields given here override it."})
    region = fields.String(load_default=None, allow_none=True, validate=AREA,
                           metadata={"description": "The region that runs it; empty for a national programme."})

    @ma.validates_schema
    def _complete(self, data: dict[str, Any], **_: object) -> None:
        if data.get("template"):  # its sessions are its curriculum's: none when that is given empty
            if "curriculum" in data and not data["curriculum"] and "sessions_required" not in data:
                raise ma.ValidationError({"sessions_required": ["Required when the curriculum is given empty."]})
            return
        missing = [f for f in ("max_unexcused_absences",) if f not in data]
        if "sessions_required" not in data and not data.get("curriculum"):
            missing.append("sessions_required")
        if missing:
            raise ma.ValidationError({f: ["Required unless the programme starts from a template."] for f in missing})


class ProgrammeOut(ProgrammeRules):
    id = fields.UUID(dump_only=True)
    lineage_id = fields.UUID(dump_only=True, metadata={"description": "The same for every version of a programme."})
    version = Integer(dump_only=True)
    name = fields.String(dump_only=True)
    template = fields.String(dump_only=True, allow_none=True)
    region = fields.String(dump_only=True, allow_none=True)
    retired = fields.Boolean(dump_only=True, metadata={"description": "A newer version replaced it for new cohorts."})
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ScheduleSchema(ma.Schema):
    weekdays = fields.List(Integer(validate=validate.Range(min=1, max=7)), load_default=list,
                           metadata={"description": "ISO weekdays, Monday = 1."})
    time = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class CohortIn(ma.Schema):
    programme_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=NAME)
    region = fields.String(required=True, validate=AREA)
    district = fields.String(required=True, validate=AREA)
    mahalla = fields.String(load_default=None, allow_none=True, validate=AREA)
    facilitator_ids = fields.List(fields.String(validate=AREA), required=True, validate=validate.Length(min=1, max=4),
                                  metadata={"description": "User ids of the psychologists who facilitate the group."})
    capacity = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=30),
                              metadata={"description": "Places in the group; the programme's largest group by default."})
    schedule = fields.Nested(ScheduleSchema, load_default=dict)
    start_date = Date(required=True)


class CohortOut(CohortIn):
    id = fields.UUID(dump_only=True)
    status = fields.String(dump_only=True, validate=validate.OneOf(COHORT_STATUSES))
    enrolled = Integer(dump_only=True, metadata={"description": "Participants in the programme now."})
    waiting = Integer(dump_only=True, metadata={"description": "Referrals waiting in its line for a place."})
    created_at = fields.DateTime(dump_only=True)


class CohortUpdate(ma.Schema):
    status = fields.String(validate=validate.OneOf(COHORT_STATUSES))
    facilitator_ids = fields.List(fields.String(validate=AREA), validate=validate.Length(min=1, max=4))
    capacity = Integer(validate=validate.Range(min=1, max=30))
    schedule = fields.Nested(ScheduleSchema)


class PersonName(fields.String):
    """A name as typed, in any script: stored in Unicode's composed form (NFC) and otherwise exactly, ʻ and ʼ
    included; invisible characters and fullwidth forms are refused, saying where."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = stored_form(super()._deserialize(value, attr, data, **kwargs))
        if problem := name_problem(text):
            raise ma.ValidationError(problem)
        return text


class ParticipantIn(ma.Schema):
    full_name = PersonName(required=True, validate=validate.Length(min=1, max=300), metadata={
        "description": "As typed, in any script; stored exactly (NFC). Invisible characters are refused."})
    birth_date = Date(required=True)
    sex = fields.String(load_default=Sex.MALE.value, validate=validate.OneOf([s.value for s in Sex]))
    pinfl = fields.String(load_default=None, allow_none=True,
                          metadata={"description": "Personal identification number: 14 digits."})
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^\+?[0-9 ()-]{7,20}$", error="A phone number of 7 to 20 digits, e.g. +998 90 123 45 67."))
    region = fields.String(required=True, validate=AREA)
    district = fields.String(required=True, validate=AREA)
    mahalla = fields.String(load_default=None, allow_none=True, validate=AREA)
    preferred_language = fields.String(load_default=Language.UZ_LATN.value,
                                       validate=validate.OneOf([lang.value for lang in Language]))
    not_a_duplicate_of = fields.List(fields.String(), load_default=list, load_only=True, metadata={"description": (
        "Codes of people with the same name and birth date whom the user checked and found to be someone else.")})
    not_registered_elsewhere = fields.Boolean(load_default=False, load_only=True, metadata={"description": (
        "The user checked with the area where a man of the same name and birth date is registered (the 409's "
        "`registered_in`) that he is someone else: register him anyway. Needs `not_registered_elsewhere_note`; "
        "audited. (A PINFL registered elsewhere is always him.)")})
    not_registered_elsewhere_note = fields.String(load_default=None, allow_none=True, load_only=True,
                                                  validate=validate.Length(max=1000), metadata={
        "description": "Why he is someone else (whom the user asked there, and what showed it); kept in the audit "
                       "log only."})

    @ma.validates("pinfl")
    def _pinfl(self, value: str | None, **_: object) -> None:
        if value is not None and (problem := pinfl_problem(value)):
            raise ma.ValidationError(problem)

    @ma.validates_schema
    def _elsewhere_note(self, data: dict[str, object], **_: object) -> None:
        if data.get("not_registered_elsewhere") and not str(data.get("not_registered_elsewhere_note") or "").strip():
            raise ma.ValidationError("Say why he is not the man registered in the other area (whom you asked there).",
                                     "not_registered_elsewhere_note")


class ParticipantOut(ParticipantIn):
    id = fields.UUID(dump_only=True)
    code = fields.String(dump_only=True, metadata={"description": "Pseudonymous code used outside enrollment."})
    created_at = fields.DateTime(dump_only=True)
    anonymised_at = fields.DateTime(dump_only=True, allow_none=True, metadata={
        "description": "When the retention command anonymised him (name, PINFL, phone and mahalla cleared, birth "
                       "date kept as 1 January of its year); null: not anonymised."})


class ParticipantSearch(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(min=2, max=200),
                      metadata={"description": "A code, a PINFL, or a name in any script or spelling."})


class Elsewhere(ma.Schema):
    region = fields.String(required=True)
    district = fields.String(required=True)


class ParticipantPage(page_schema(ParticipantOut, "ParticipantPageBase")):  # type: ignore[misc]
    elsewhere = fields.List(fields.Nested(Elsewhere), load_default=list, metadata={"description": (
        "The PINFL or the whole name (with its birth date unknown) matches a man registered in another area: whom to "
        "contact there, never his record. The lookup is audited.")})


class OrderTermsIn(ma.Schema):
    """An order as issued, without the man it binds (a referral names him in its own part)."""

    number = fields.String(required=True, validate=validate.Length(min=1, max=50))
    issued_by = fields.String(load_default=None, allow_none=True, validate=USER,
                              metadata={"description": "The issuing inspector; the caller when omitted."})
    region = fields.String(required=True, validate=AREA)
    district = fields.String(required=True, validate=AREA)
    issued_on = Date(required=True)
    expires_on = Date(required=True)
    condition_codes = fields.List(fields.String(validate=validate.OneOf(ORDER_CONDITIONS)), load_default=list,
                                  metadata={"description": (
                                      "Its standard conditions, as codes each reader sees in their own language: "
                                      "no_contact (no contact with the victim, in person, by phone or online), "
                                      "keep_away (not to approach the places where she lives, works or studies; no "
                                      "address is ever written), no_weapons (not to own, carry or acquire weapons), "
                                      "correction_programme (to attend the behaviour-correction programme). Stored "
                                      "once each, in that order.")})
    conditions = fields.List(fields.String(validate=validate.Length(min=1, max=300)), load_default=list,
                             metadata={"description": "Any other conditions, as the inspector wrote them (shown as "
                                                      "typed). Never her name or address."})

    @ma.validates_schema
    def _dates(self, data: dict[str, Any], **_: object) -> None:
        if data["expires_on"] <= data["issued_on"]:
            raise ma.ValidationError("An order expires after the day it was issued.", "expires_on")


class OrderIn(OrderTermsIn):
    participant_id = fields.UUID(required=True)


class ExtensionOut(ma.Schema):
    previous_expiry = fields.Date()
    new_expiry = fields.Date()
    decided_by = fields.String(allow_none=True, metadata={"description": "Null in a programme manager's answer."})
    reason = fields.String(allow_none=True, metadata={"description": "Null in a programme manager's answer."})
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


PLAN_PARTS = ("programme", "employment", "health", "education", "housing")


class PlanPart(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(PLAN_PARTS), metadata={
        "description": "The correction programme, or a referral for employment, health, education or housing."})
    details = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000), metadata={
        "description": "To whom or what (null in a programme manager's answer). Never the victim's name or address."})


class OrderOut(OrderIn):
    number = fields.String(allow_none=True, metadata={"description": "Null in a programme manager's answer."})
    conditions = fields.List(fields.String(), allow_none=True, metadata={
        "description": "Null in a programme manager's answer: managers see codes and figures only."})
    id = fields.UUID(dump_only=True)
    participant_code = fields.String(dump_only=True, attribute="participant.code")
    status = fields.String(dump_only=True)
    plan_agreed_on = fields.Date(dump_only=True, allow_none=True)
    plan_agreed_with = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "With whom the plan was agreed; null in a programme manager's answer."})
    plan_parts = fields.List(fields.Nested(PlanPart), dump_only=True)
    plan_due_on = fields.Date(dump_only=True)
    plan_overdue = fields.Boolean(dump_only=True)
    days_to_expiry = Integer(dump_only=True)
    extensions = fields.List(fields.Nested(ExtensionOut), dump_only=True)


class OrderExtensionIn(ma.Schema):
    new_expiry = Date(required=True)
    decided_by = fields.String(required=True, validate=validate.Length(min=1, max=200),
                               metadata={"description": "Who decided: the inspector, or the court and its decision."})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CorrectionPlanIn(ma.Schema):
    agreed_on = Date(required=True, metadata={"description": "When the plan was agreed with the Inson centre."})
    agreed_with = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200), metadata={
        "description": "With whom it was agreed: the Inson centre and its worker."})
    parts = fields.List(fields.Nested(PlanPart), load_default=list, validate=validate.Length(max=len(PLAN_PARTS)),
                        metadata={"description": "What it holds, each kind once: the programme, and referrals for "
                                                 "employment, health, education or housing."})

    @ma.validates("parts")
    def _once_each(self, parts: list[dict[str, Any]], **_: object) -> None:
        kinds = [part["kind"] for part in parts if "kind" in part]  # a part refused already has none
        if len(set(kinds)) != len(kinds):
            raise ma.ValidationError("Each part once.")


class OrderStatusIn(ma.Schema):
    status = fields.String(required=True, validate=validate.OneOf(["revoked", "expired"]))


class PlacementIn(ma.Schema):
    """Where a man is placed and who answers for him (a referral names the man and the order in its own parts)."""

    cohort_id = fields.UUID(required=True)
    inspector_id = fields.String(required=True, validate=USER,
                                 metadata={"description": "User id of the responsible prevention inspector."})
    psychologist_id = fields.String(required=True, validate=USER,
                                    metadata={"description": "User id of the responsible psychologist (a facilitator)."})
    victim_support_worker_id = fields.String(load_default=None, allow_none=True, validate=USER, metadata={
        "description": "User id of her support worker at the Inson centre; no data about her is kept here."})


class EnrolmentIn(PlacementIn):
    participant_id = fields.UUID(required=True)
    referral_source = fields.String(load_default="protection_order", validate=validate.OneOf(REFERRAL_SOURCES))
    protection_order_id = fields.UUID(load_default=None, allow_none=True,
                                      metadata={"description": "The order the referral answers (required for that source)."})

    @ma.validates_schema
    def _order(self, data: dict[str, Any], **_: object) -> None:
        if data["referral_source"] == "protection_order" and not data.get("protection_order_id"):
            raise ma.ValidationError("A referral under a protection order names the order.", "protection_order_id")


class ProgressOut(ma.Schema):
    sessions_required = Integer(attribute="programme.sessions_required", allow_none=True)
    sessions_recorded = Integer()
    sessions_attended = Integer()
    excused_absences = Integer()
    unexcused_absences = Integer()
    consecutive_absences = Integer()
    last_session_number = Integer(allow_none=True)
    exit_review_attended = fields.Boolean(metadata={"description": "He attended his programme's exit review."})


TRANSFER_STATUSES = ("pending", "approved", "refused", "withdrawn")


class TransferOut(ma.Schema):
    """A move of an enrolment out of its district: asked by his inspector, decided by a supervisor."""

    id = fields.UUID()
    enrolment_id = fields.UUID()
    participant_code = fields.String(attribute="enrolment.participant.code")
    region = fields.String(metadata={"description": "Where he is when it is asked: its supervisors decide."})
    district = fields.String()
    from_cohort_id = fields.UUID()
    to_cohort_id = fields.UUID()
    to_region = fields.String()
    to_district = fields.String()
    psychologist_id = fields.String(allow_none=True, metadata={
        "description": "His psychologist there as asked; null: the new cohort's first facilitator."})
    inspector_id = fields.String(allow_none=True, metadata={
        "description": "His inspector there as asked; null: his inspector as before."})
    note = fields.String(allow_none=True)
    status = fields.String(metadata={
        "description": "pending, approved (the move is made), refused, or withdrawn (he left the programme first)."})
    asked_by = fields.String()
    asked_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True, metadata={"description": "Why it was refused (or a word on it)."})


class TransferFilter(PageArgs):
    status = fields.List(fields.String(validate=validate.OneOf(TRANSFER_STATUSES)), load_default=None)
    enrolment_id = fields.UUID(load_default=None)


class TransferDecisionIn(ma.Schema):
    approve = fields.Boolean(required=True, metadata={"description": "true: make the move; false: refuse it."})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000), metadata={
        "description": "Why it is refused (required then): his inspector reads it."})


class EnrolmentOut(ma.Schema):
    id = fields.UUID()
    participant_id = fields.UUID()
    participant_code = fields.String(attribute="participant.code")
    cohort_id = fields.UUID()
    programme_id = fields.UUID(allow_none=True, metadata={"description": "The programme version he started under."})
    programme_version = Integer(attribute="programme.version", allow_none=True)
    protection_order_id = fields.UUID(allow_none=True)
    referral_source = fields.String()
    inspector_id = fields.String()
    psychologist_id = fields.String()
    victim_support_worker_id = fields.String(allow_none=True)
    region = fields.String()
    district = fields.String()
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    allowed_actions = fields.List(fields.String())
    enrolled_at = fields.DateTime()
    started_on = fields.Date(allow_none=True)
    finished_on = fields.Date(allow_none=True)
    follow_up_until = fields.Date(allow_none=True)
    progress = fields.Function(lambda e: ProgressOut().dump(e))
    exit_proposed_at = fields.DateTime(allow_none=True)
    exit_proposal = fields.List(fields.String(), allow_none=True)
    completion_proposed_at = fields.DateTime(allow_none=True, metadata={
        "description": "The curriculum is done but he is not completed without a person's decision (the complete "
                       "action): since when."})
    completion_proposal = fields.List(fields.String(validate=validate.OneOf(COMPLETION_HOLDS)), allow_none=True,
                                      metadata={"description": "Why, as codes: " + ", ".join(COMPLETION_HOLDS) + "."})
    pending_transfer = fields.Nested(TransferOut, allow_none=True, metadata={
        "description": "A move out of his district asked by his inspector, waiting for a supervisor; null: none."})


class OrderForHer(ma.Schema):
    """His protection order as her support worker reads it: its dates and whether it is in force."""

    number = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date(metadata={"description": "With every extension recorded."})
    status = fields.String(metadata={"description": "active, expired or revoked."})


class SupportedEnrolmentOut(ma.Schema):
    """A man whose partner the caller (a support worker) supports: what bears on the woman's safety, never his
    attendance, his psychologist's notes or his personal record."""

    id = fields.UUID()
    participant_code = fields.String()
    region = fields.String()
    district = fields.String()
    inspector_id = fields.String(metadata={"description": "His prevention inspector: whom she calls."})
    status = fields.String()
    status_reason = fields.String(allow_none=True, metadata={
        "description": "Why he left the programme (an exit's reason); null for any other status."})
    enrolled_at = fields.DateTime()
    started_on = fields.Date(allow_none=True)
    finished_on = fields.Date(allow_none=True)
    follow_up_until = fields.Date(allow_none=True)
    order = fields.Nested(OrderForHer, allow_none=True, metadata={
        "description": "The protection order his programme answers; null when he was referred without one."})


class SupportedFilter(PageArgs):
    status = fields.List(fields.String(validate=validate.OneOf([s.value for s in EnrolmentStatus])), load_default=None)
    code = fields.String(load_default=None, validate=validate.Length(max=20))


class SupportWorkerIn(ma.Schema):
    victim_support_worker_id = fields.String(required=True, allow_none=True, validate=USER, metadata={
        "description": "An active support worker of his region (Inson centre); null: none linked."})


class TransitionIn(ma.Schema):
    action = fields.String(required=True, validate=validate.OneOf([a.value for a in Action]))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                           metadata={"description": "Required to exit, exclude or suspend: see the lifecycle."})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class TransitionOut(ma.Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True, metadata={
        "description": "Free text: null in a programme manager's answer (managers see codes and figures only)."})
    from_cohort_id = fields.UUID(allow_none=True)
    to_cohort_id = fields.UUID(allow_none=True)
    by = fields.String()
    at = fields.DateTime()


class TransferIn(ma.Schema):
    cohort_id = fields.UUID(required=True)
    psychologist_id = fields.String(load_default=None, allow_none=True, validate=USER,
                                    metadata={"description": "One of the new cohort's facilitators; the first when omitted."})
    inspector_id = fields.String(load_default=None, allow_none=True, validate=USER,
                                 metadata={"description": "A new responsible inspector (e.g. in another district)."})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class EnrolmentFilter(PageArgs):
    cohort_id = fields.UUID(load_default=None)
    programme_id = fields.UUID(load_default=None)
    status = fields.List(fields.String(validate=validate.OneOf([s.value for s in EnrolmentStatus])), load_default=None)
    district = fields.String(load_default=None, validate=AREA)
    inspector_id = fields.String(load_default=None, validate=USER)
    psychologist_id = fields.String(load_default=None, validate=USER)
    code = fields.String(load_default=None, validate=validate.Length(max=20))
    exit_proposed = fields.Boolean(load_default=None)
    order_expiring_within_days = Integer(load_default=None, validate=validate.Range(min=0, max=366),
                                                metadata={"description": "Only those whose protection order ends soon."})
    protection_order_id = fields.List(fields.UUID(), load_default=None, validate=validate.Length(max=100), metadata={
        "description": "Only those answering these protection orders (repeated, at most 100)."})


class OrderFilter(PageArgs):
    district = fields.String(load_default=None, validate=AREA)
    expiring_within_days = Integer(load_default=None, validate=validate.Range(min=0, max=366))
    plan_overdue = fields.Boolean(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["active", "expired", "revoked"]))


ProgrammePage = page_schema(ProgrammeOut, "ProgrammePage")
CohortPage = page_schema(CohortOut, "CohortPage")
EnrolmentPage = page_schema(EnrolmentOut, "EnrolmentPage")
SupportedEnrolmentPage = page_schema(SupportedEnrolmentOut, "SupportedEnrolmentPage")
OrderPage = page_schema(OrderOut, "OrderPage")
TransferPage = page_schema(TransferOut, "TransferPage")


class ReferralIn(ma.Schema):
    participant = fields.Nested(ParticipantIn, required=True, metadata={
        "description": "The man; one registered already in the caller's area (his PINFL, or his name in any script "
                       "and birth date) is found and used, never registered twice."})
    order = fields.Nested(OrderTermsIn, required=True, metadata={"description": "The protection order he is under."})
    enrolment = fields.Nested(PlacementIn, required=True, metadata={
        "description": "His place: the cohort, his inspector and psychologist."})


WAITING_STATUSES = ("waiting", "placed", "withdrawn")


class WaitingOut(ma.Schema):
    """A referral to a full cohort, in its line (or placed, or withdrawn since)."""

    id = fields.UUID()
    status = fields.String(validate=validate.OneOf(WAITING_STATUSES), metadata={"description": (
        "waiting: in the line; placed: enrolled (`enrolment_id`), in the place that freed or another group; "
        "withdrawn: taken off the line (`withdrawn_reason`).")})
    position = Integer(allow_none=True, metadata={"description": "His place in the line (1: next); null unless waiting."})
    cohort_id = fields.UUID(metadata={"description": "The cohort he was referred to, whose line he waits in."})
    cohort_name = fields.String(attribute="cohort.name")
    participant_id = fields.UUID()
    participant_code = fields.String(attribute="participant.code")
    protection_order_id = fields.UUID(allow_none=True)
    inspector_id = fields.String()
    psychologist_id = fields.String()
    victim_support_worker_id = fields.String(allow_none=True)
    region = fields.String()
    district = fields.String()
    since = fields.DateTime(metadata={"description": "When he was referred: the line's order."})
    asked_by = fields.String()
    enrolment_id = fields.UUID(allow_none=True)
    placed_cohort_id = fields.UUID(allow_none=True)
    placed_at = fields.DateTime(allow_none=True)
    placed_by = fields.String(allow_none=True, metadata={"description": "A user id, or `system` (the next free place)."})
    withdrawn_reason = fields.String(allow_none=True)
    withdrawn_by = fields.String(allow_none=True)


class WaitingLine(ma.Schema):
    items = fields.List(fields.Nested(WaitingOut), metadata={"description": "First in line first."})


class WaitingPlacementIn(ma.Schema):
    cohort_id = fields.UUID(required=True, metadata={"description": "Another cohort of his programme with a free place."})
    psychologist_id = fields.String(load_default=None, allow_none=True, validate=USER,
                                    metadata={"description": "One of its facilitators; null: the first."})


class WaitingWithdrawalIn(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReferralOut(ma.Schema):
    participant = fields.Nested(ParticipantOut)
    registered_already = fields.Boolean(metadata={
        "description": "He was registered before this referral: his existing record is used."})
    order = fields.Nested(OrderOut)
    enrolment = fields.Nested(EnrolmentOut, allow_none=True, metadata={
        "description": "His enrolment; null when the cohort was full and he waits in its line (`waiting`)."})
    waiting = fields.Nested(WaitingOut, allow_none=True, metadata={
        "description": "His place in the cohort's line when it was full (`position`: 1 is next); null when enrolled."})
