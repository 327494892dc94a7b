"""Every event Qadam publishes: its name (= routing key), version, producer and data schema.

Events carry ids and a participant's pseudonymous code, never personal data: names, birth dates,
PINFL, phones and addresses stay in enrollment.
"""

from __future__ import annotations

from marshmallow import fields, validate

from .events import Catalog, EventSchema, EventType
from .schema_fields import Integer

ATTENDANCE_STATUSES = ("present", "late", "excused", "unexcused")
# The dynamic warning signs of DOMAIN.md a facilitator can observe or hear of in a session (red first, then amber).
WARNING_SIGNS = (
    "new_violence_disclosed", "threat_to_kill", "threat_to_partner", "strangulation", "weapon_access",
    "contact_against_order", "stalking_victim", "intoxicated_at_session",
    "denial_or_minimisation", "blaming_the_victim", "controlling_behaviour", "escalation", "separation",
    "partner_pregnant_or_infant", "substance_use", "job_loss_or_debt", "child_contact_conflict", "suicidal_talk",
)
# The red ones (DOMAIN.md: alert at once; a man showing one is never completed without a person deciding).
RED_WARNING_SIGNS = frozenset((
    "new_violence_disclosed", "threat_to_kill", "threat_to_partner", "strangulation", "weapon_access",
    "contact_against_order", "stalking_victim",
))
FLAG_LEVELS = ("low", "medium", "high", "critical")
LANGUAGES = ("uz-Latn", "uz-Cyrl", "ru", "kaa", "en")
PARTICIPANT_CODE = validate.Regexp(r"^P-\d{4}-\d{6}$", error="expected a code like P-2026-000123")

catalog = Catalog()


class CohortCreated(EventSchema):
    cohort_id = fields.UUID(required=True)
    programme_id = fields.UUID(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)
    district = fields.String(required=True)
    mahalla = fields.String(allow_none=True, load_default=None)
    facilitator_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    start_date = fields.Date(required=True)
    sessions_required = Integer(required=True, validate=validate.Range(min=1))
    max_unexcused_absences = Integer(required=True, validate=validate.Range(min=0))
    status = fields.String(load_default="forming")
    version = Integer(load_default=1, metadata={"description": "Raised by every change of the cohort."})
    curriculum = fields.List(fields.Dict(), load_default=list, metadata={
        "description": "The programme version's ordered modules: [{number, topic}]."})
    schedule = fields.Dict(load_default=dict, metadata={"description": "{weekdays (ISO), time (HH:MM), place}."})
    session_minutes = Integer(load_default=None, allow_none=True)
    absence_call_hours = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1), metadata={
        "description": "After an unexcused absence his psychologist calls him within this many hours of the session "
                       "(statutory 48); null or absent: 48. Added later in v1."})


class CohortUpdated(CohortCreated):
    """The whole cohort as it is now (facilitators, status, capacity), with its version."""

    capacity = Integer(required=True)


class AbsenceAlerts(EventSchema):
    """The man's programme version's limits for alerting his inspector (region-editable on the version)."""

    unexcused = Integer(allow_none=True, load_default=None, validate=validate.Range(min=1), metadata={
        "description": "Unexcused absences in all, in a row or not (statutory: 2, the second in all)."})
    consecutive = Integer(allow_none=True, load_default=None, validate=validate.Range(min=1), metadata={
        "description": "Unexcused absences in a row (statutory and extended: 2)."})


class Enrolled(EventSchema):
    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    cohort_id = fields.UUID(required=True)
    programme_id = fields.UUID(required=True)
    inspector_id = fields.String(required=True)
    psychologist_id = fields.String(required=True)
    region = fields.String(required=True)
    district = fields.String(required=True)
    status = fields.String(required=True)
    enrolled_at = fields.AwareDateTime(required=True)
    version = Integer(load_default=1, metadata={"description": "Raised by every move of the enrolment."})
    victim_support_worker_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Her support worker (an id only), told when his risk rises; added later in v1."})
    absence_alerts = fields.Nested(AbsenceAlerts, allow_none=True, load_default=None, metadata={
        "description": "His programme version's absence limits for alerting his inspector; added later in v1 "
                       "(absent: the risk rules' own)."})


class EnrolmentNow(EventSchema):
    """Where an enrolment stands and who is responsible for it: what every later enrolment event carries, so a
    projection can be built from any of them."""

    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    cohort_id = fields.UUID(required=True)
    region = fields.String(required=True)
    district = fields.String(required=True)
    inspector_id = fields.String(required=True)
    psychologist_id = fields.String(required=True)


class EnrolmentStatusChanged(EnrolmentNow):
    action = fields.String(required=True)
    from_status = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    changed_by = fields.String(required=True, metadata={"description": "A user id, or `system` for automatic moves."})
    changed_at = fields.AwareDateTime(required=True)
    victim_support_worker_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Her support worker (an id only), who is told of an exclusion or exit."})
    version = Integer(required=True, metadata={"description": "Raised by every move of the enrolment."})


class EnrolmentTransferred(EnrolmentNow):
    from_cohort_id = fields.UUID(required=True)
    status = fields.String(required=True)
    transferred_at = fields.AwareDateTime(required=True)
    version = Integer(required=True, metadata={"description": "Raised by every move of the enrolment."})
    absence_alerts = fields.Nested(AbsenceAlerts, allow_none=True, load_default=None, metadata={
        "description": "The absence limits of the programme version he moved to; added later in v1."})


class ExitProposed(EnrolmentNow):
    reasons = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    unexcused_absences = Integer(required=True)
    consecutive_absences = Integer(required=True)
    proposed_at = fields.AwareDateTime(required=True)


class ProtectionOrder(EventSchema):
    """A protection order as every order event names it: whose, where, who issued it, from when to when."""

    order_id = fields.UUID(required=True, metadata={"description": "The order's id; its number stays in enrollment."})
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    enrolment_ids = fields.List(fields.UUID(), required=True, metadata={"description": "His open enrolments."})
    region = fields.String(required=True)
    district = fields.String(required=True)
    issued_by = fields.String(required=True, metadata={"description": "The issuing prevention inspector."})
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)


class OrderAttention(ProtectionOrder):
    """A protection order needs someone to act: its correction plan is overdue, or it expires soon."""

    due_on = fields.Date(allow_none=True, load_default=None, metadata={"description": "When the plan was due."})
    days_left = Integer(allow_none=True, load_default=None, metadata={"description": "Days until expiry."})
    programme_unfinished = fields.Boolean(required=True)


class OrderPlanOverdue(OrderAttention):
    """The correction plan is overdue (`due_on` says since when)."""


class OrderExpiring(OrderAttention):
    """The order expires soon (`days_left`) while his programme is unfinished."""

    follow_up_unfinished = fields.Boolean(allow_none=True, load_default=None, metadata={
        "description": "The order ends before his follow-up period is over; added later in v1."})


class OrderIssued(ProtectionOrder):
    """A protection order was issued (his earlier order's date beside it: a repeat order is an amber sign)."""

    inspector_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "His responsible inspector now (of his latest open enrolment), if he has one."})
    victim_support_worker_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Her support worker (an id only), of his latest open enrolment."})
    previous_order_on = fields.Date(allow_none=True, load_default=None, metadata={
        "description": "The issue date of his latest earlier order, if any."})


class SupportWorkerChanged(EnrolmentNow):
    """Her support worker was linked to the enrolment, changed or removed."""

    victim_support_worker_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Her support worker now (an id only); null: none."})
    previous_victim_support_worker_id = fields.String(allow_none=True, load_default=None)
    changed_by = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True)
    version = Integer(required=True, metadata={"description": "The enrolment's version."})


class OrderEnded(OrderAttention):
    """A protection order ended: it expired, or it was revoked."""

    ended_on = fields.Date(required=True)
    how = fields.String(required=True, validate=validate.OneOf(("expired", "revoked")))


class ParticipantAnonymised(EventSchema):
    """His cases ended longer ago than the retention period and enrollment anonymised him (enrollment.retention):
    what the others hold about his enrolments that could identify him or the victim goes too; figures stay."""

    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    enrolment_ids = fields.List(fields.UUID(), required=True, metadata={"description": "All his enrolments."})
    anonymised_at = fields.AwareDateTime(required=True)


class AttendanceRecorded(EventSchema):
    mark_id = fields.UUID(required=True)
    session_id = fields.UUID(required=True)
    cohort_id = fields.UUID(required=True)
    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    session_number = Integer(required=True, validate=validate.Range(min=1))
    scheduled_at = fields.AwareDateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))
    excuse_reason = fields.String(allow_none=True, load_default=None)
    session_kind = fields.String(load_default="group", validate=validate.OneOf(("group", "makeup", "intake", "individual")),
                                 metadata={"description": "Added later in v1: older events mean a group session."})
    participation = Integer(allow_none=True, load_default=None, metadata={
        "description": "0 none … 3 active, for a man who attended; added later in v1."})
    homework_done = fields.Boolean(allow_none=True, load_default=None)
    recorded_by = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    warning_signs = fields.List(fields.String(validate=validate.OneOf(WARNING_SIGNS)), load_default=list, metadata={
        "description": "The warning signs recorded with the mark (each also a sessions.warning_sign.observed), so "
                       "that a mark ending his curriculum with a red sign does not complete him; added later in v1."})


class WarningSignObserved(EventSchema):
    """One warning sign observed (or disclosed) at a session: a code and the sign, never the words said."""

    observation_id = fields.UUID(required=True)
    session_id = fields.UUID(required=True)
    cohort_id = fields.UUID(required=True)
    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    session_number = Integer(required=True)
    sign = fields.String(required=True, validate=validate.OneOf(WARNING_SIGNS))
    observed_by = fields.String(required=True)
    observed_at = fields.AwareDateTime(required=True)
    session_at = fields.AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "When the session took place (a sign can be recorded days later); added later in v1."})


class AttendanceAmended(AttendanceRecorded):
    """A recorded mark corrected: the mark as it is now (`recorded_at` is the amendment's time, so it wins over
    the first recording wherever the two meet) and what it was before."""

    amendment_id = fields.UUID(required=True)
    old_status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))


CALL_OUTCOMES = ("reached", "no_answer", "unreachable", "refused")


class CallOverdue(EventSchema):
    """His psychologist has not recorded the call due after his unexcused absence, and its time is past."""

    call_id = fields.UUID(required=True)
    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    cohort_id = fields.UUID(required=True)
    session_id = fields.UUID(required=True)
    session_number = Integer(required=True)
    absence_on = fields.Date(required=True, metadata={"description": "The local date of the session he missed."})
    due_at = fields.AwareDateTime(required=True)
    psychologist_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "The cohort's psychologist who was to call (the first facilitator); null if it has none."})


class CallRecorded(EventSchema):
    """The psychologist recorded the call after his unexcused absence: its outcome, never what was said."""

    call_id = fields.UUID(required=True)
    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    outcome = fields.String(required=True, validate=validate.OneOf(CALL_OUTCOMES))
    called_at = fields.AwareDateTime(required=True)
    called_by = fields.String(required=True)


class FlagRaised(EventSchema):
    flag_id = fields.UUID(required=True)
    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    rule_id = fields.String(required=True)
    rule_version = Integer(required=True)
    level = fields.String(required=True, validate=validate.OneOf(FLAG_LEVELS))
    reasons = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    evidence = fields.Dict(required=True)
    region = fields.String(required=True)
    district = fields.String(required=True)
    inspector_id = fields.String(required=True, metadata={"description": "The enrolment's prevention inspector now."})
    psychologist_id = fields.String(required=True, metadata={"description": "The enrolment's psychologist now."})
    raised_at = fields.AwareDateTime(required=True)
    rule_set_version = Integer(allow_none=True, load_default=None, metadata={
        "description": "The version of the rule set in force when it was raised; added later in v1."})
    episode_id = fields.UUID(allow_none=True, load_default=None, metadata={
        "description": "Flags raised from the same facts share it (one evaluation of an enrolment; an exit proposal "
                       "and his unresolved absence flag): one alert per episode and person. Added later in v1."})
    victim_support_worker_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Her support worker now (an id only); added later in v1."})
    source = fields.String(allow_none=True, load_default=None, metadata={
        "description": "`victim_support` when it rests on what her support worker reported: the reasons are then "
                       "the redacted wording for perpetrator-facing staff. Added later in v1."})


class LevelChanged(EventSchema):
    """An enrolment's overall level moved: the highest level among its unresolved flags (low with none)."""

    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    from_level = fields.String(required=True, validate=validate.OneOf(FLAG_LEVELS))
    level = fields.String(required=True, validate=validate.OneOf(FLAG_LEVELS))
    version = Integer(required=True, metadata={"description": "Raised by every move of this enrolment's level."})
    changed_at = fields.AwareDateTime(required=True)
    cause = fields.String(required=True, metadata={"description": "What moved it: a flag raised, a flag resolved, "
                                                                  "a recompute after the rules changed."})
    flag_ids = fields.List(fields.UUID(), required=True, metadata={"description": "The flags at the new level."})
    region = fields.String(required=True)
    district = fields.String(required=True)
    inspector_id = fields.String(required=True)
    psychologist_id = fields.String(required=True)
    victim_support_worker_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Her support worker (an id only), so she can be protected when his risk rises."})


class FlagHandled(EventSchema):
    """Someone responsible acted on a flag in risk: acknowledged it, or resolved it with a reason (which stays in
    risk)."""

    flag_id = fields.UUID(required=True)
    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    by = fields.String(required=True, metadata={"description": "The user who acted."})
    at = fields.AwareDateTime(required=True)


class FlagAcknowledged(FlagHandled):
    """The flag was acknowledged in risk."""


class FlagResolved(FlagHandled):
    """The flag was resolved in risk."""


class AlertAcknowledged(EventSchema):
    """A person acknowledged an alert about a flag in notify (through the API or the signed link in a message)."""

    notification_id = fields.UUID(required=True)
    flag_id = fields.UUID(required=True)
    enrolment_id = fields.UUID(required=True)
    participant_code = fields.String(required=True, validate=PARTICIPANT_CODE)
    user_id = fields.String(required=True)
    responsibility = fields.String(required=True)
    acknowledged_at = fields.AwareDateTime(required=True)
    via = fields.String(required=True, validate=validate.OneOf(("api", "link")))


class UserChanged(EventSchema):
    """A staff member as the portal (the identity provider) knows them now: role, area, how to reach them, whom they
    answer to. Published on every change, with its version; notify keeps its own copy."""

    user_id = fields.String(required=True)
    role = fields.String(required=True)
    region = fields.String(allow_none=True, load_default=None)
    district = fields.String(allow_none=True, load_default=None)
    mahalla = fields.String(allow_none=True, load_default=None)
    email = fields.String(allow_none=True, load_default=None)
    phone = fields.String(allow_none=True, load_default=None, metadata={"description": "E.164, e.g. +998901234567."})
    telegram_chat_id = fields.String(allow_none=True, load_default=None)
    language = fields.String(load_default="uz-Latn", validate=validate.OneOf(LANGUAGES))
    supervisor_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Whom an unacknowledged alert of theirs is escalated to."})
    quiet_hours = fields.Dict(allow_none=True, load_default=None, metadata={
        "description": "{start: HH:MM, end: HH:MM} in local time: no messages but critical ones."})
    active = fields.Boolean(load_default=True)
    version = Integer(required=True, metadata={"description": "Raised by every change of the user."})


class AreaChanged(EventSchema):
    """A district as the portal knows it now: its region, its mahallas, whether it is in use; with its version."""

    region = fields.String(required=True)
    district = fields.String(required=True)
    mahallas = fields.List(fields.String(), load_default=list)
    active = fields.Boolean(load_default=True)
    version = Integer(required=True, metadata={"description": "Raised by every change of the district."})


COHORT_CREATED = catalog.register(EventType(
    "enrollment.cohort.created", 1, "enrollment", CohortCreated,
    "A cohort (group) was formed for a programme, with its facilitator psychologists."))
ENROLLED = catalog.register(EventType(
    "enrollment.enrolled", 1, "enrollment", Enrolled,
    "A participant was enrolled in a cohort, with his responsible prevention inspector and psychologist."))
COHORT_UPDATED = catalog.register(EventType(
    "enrollment.cohort.updated", 1, "enrollment", CohortUpdated,
    "A cohort changed (facilitators, status, capacity): the whole cohort as it is now, with its version."))
STATUS_CHANGED = catalog.register(EventType(
    "enrollment.status.changed", 1, "enrollment", EnrolmentStatusChanged,
    "An enrolment moved in its lifecycle (assessed, started, suspended, resumed, completed, closed, excluded, exited)."))
TRANSFERRED = catalog.register(EventType(
    "enrollment.transferred", 1, "enrollment", EnrolmentTransferred,
    "An enrolment moved to another cohort (and perhaps district), keeping its history."))
EXIT_PROPOSED = catalog.register(EventType(
    "enrollment.exit.proposed", 1, "enrollment", ExitProposed,
    "A participant passed his programme's absence limits: exit is proposed to the people responsible, not made."))
ORDER_PLAN_OVERDUE = catalog.register(EventType(
    "enrollment.order.plan_overdue", 1, "enrollment", OrderPlanOverdue,
    "A protection order has no correction plan two working days after it was issued."))
ORDER_EXPIRING = catalog.register(EventType(
    "enrollment.order.expiring", 1, "enrollment", OrderExpiring,
    "A protection order expires within the set number of days while his programme is unfinished."))
ORDER_ISSUED = catalog.register(EventType(
    "enrollment.order.issued", 1, "enrollment", OrderIssued,
    "A protection order was issued, with the date of his earlier order if any (a repeat order is an amber sign)."))
SUPPORT_WORKER_CHANGED = catalog.register(EventType(
    "enrollment.support_worker.changed", 1, "enrollment", SupportWorkerChanged,
    "Her support worker was linked to an enrolment, changed or removed."))
ORDER_ENDED = catalog.register(EventType(
    "enrollment.order.ended", 1, "enrollment", OrderEnded,
    "A protection order ended (expired or revoked): her support worker is told."))
PARTICIPANT_ANONYMISED = catalog.register(EventType(
    "enrollment.participant.anonymised", 1, "enrollment", ParticipantAnonymised,
    "A participant's cases ended longer ago than the retention period and enrollment anonymised him: sessions "
    "deletes the confidential notes about his enrolments and clears excuse reasons, risk clears incident details."))
ATTENDANCE_RECORDED = catalog.register(EventType(
    "sessions.attendance.recorded", 1, "sessions", AttendanceRecorded,
    "One participant's attendance at one session was recorded (one event per mark)."))
WARNING_SIGN_OBSERVED = catalog.register(EventType(
    "sessions.warning_sign.observed", 1, "sessions", WarningSignObserved,
    "A facilitator recorded a warning sign for a participant at a session (one event per sign)."))
ATTENDANCE_AMENDED = catalog.register(EventType(
    "sessions.attendance.amended", 1, "sessions", AttendanceAmended,
    "A recorded attendance mark was corrected (who, when and why stay in sessions); the others recompute."))
CALL_OVERDUE = catalog.register(EventType(
    "sessions.call.overdue", 1, "sessions", CallOverdue,
    "The call his psychologist owes a participant after an unexcused absence was not recorded in time (once per call)."))
CALL_RECORDED = catalog.register(EventType(
    "sessions.call.recorded", 1, "sessions", CallRecorded,
    "His psychologist recorded the call after an unexcused absence, with its outcome."))
FLAG_RAISED = catalog.register(EventType(
    "risk.flag.raised", 1, "risk", FlagRaised,
    "A risk rule fired for an enrolment; carries the rule, its level and the facts that fired it."))
LEVEL_CHANGED = catalog.register(EventType(
    "risk.level.changed", 1, "risk", LevelChanged,
    "An enrolment's overall risk level moved (up when a flag is raised, down when flags are resolved)."))
USER_CHANGED = catalog.register(EventType(
    "portal.user.changed", 1, "portal", UserChanged,
    "A staff member was added or changed (role, area, contacts, language, supervisor, quiet hours, active)."))
FLAG_ACKNOWLEDGED = catalog.register(EventType(
    "risk.flag.acknowledged", 1, "risk", FlagAcknowledged,
    "A flag was acknowledged in risk by someone responsible: its alerts need not escalate."))
FLAG_RESOLVED = catalog.register(EventType(
    "risk.flag.resolved", 1, "risk", FlagResolved,
    "A flag was resolved in risk with a reason: its alerts need not escalate."))
ALERT_ACKNOWLEDGED = catalog.register(EventType(
    "notify.alert.acknowledged", 1, "notify", AlertAcknowledged,
    "A person acknowledged an alert about a flag (in the app or through the link in a message): risk marks the flag."))
AREA_CHANGED = catalog.register(EventType(
    "portal.area.changed", 1, "portal", AreaChanged,
    "A district was added to a region or changed (its mahallas): the district as the portal knows it now."))
