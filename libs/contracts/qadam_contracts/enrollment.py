"""enrollment's published events: cohorts, enrolments and their moves, protection orders, anonymisation.

Events carry ids and a participant's pseudonymous code, never personal data: names, birth dates, PINFL, phones and
addresses stay in enrollment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from marshmallow import validate
from qadam.events import EventData, JSONObject, detail

from .vocabulary import PARTICIPANT_CODE

PRODUCER = "enrollment"
_ENROLMENT_VERSION = "Raised by every move of the enrolment."


@dataclass(frozen=True, kw_only=True, slots=True)
class CohortCreated(EventData):
    TYPE = "enrollment.cohort.created"
    PRODUCER = PRODUCER
    SUMMARY = "A cohort (group) was formed for a programme, with its facilitator psychologists."

    cohort_id: uuid.UUID
    programme_id: uuid.UUID
    name: str
    region: str
    district: str
    mahalla: str | None = None
    facilitator_ids: list[str] = detail(validate=validate.Length(min=1))
    start_date: date
    sessions_required: int = detail(validate=validate.Range(min=1))
    max_unexcused_absences: int = detail(validate=validate.Range(min=0))
    status: str = "forming"
    version: int = detail(default=1, description="Raised by every change of the cohort.")
    curriculum: list[JSONObject] = detail(default_factory=list,
                                          description="The programme version's ordered modules: [{number, topic}].")
    schedule: JSONObject = detail(default_factory=dict, description="{weekdays (ISO), time (HH:MM), place}.")
    session_minutes: int | None = None
    absence_call_hours: int | None = detail(
        default=None, validate=validate.Range(min=1),
        description="After an unexcused absence his psychologist calls him within this many hours of the session "
                    "(statutory 48); null or absent: 48. Added later in v1.")


@dataclass(frozen=True, kw_only=True, slots=True)
class CohortUpdated(CohortCreated):
    """The whole cohort as it is now (facilitators, status, capacity), with its version."""

    TYPE = "enrollment.cohort.updated"
    SUMMARY = "A cohort changed (facilitators, status, capacity): the whole cohort as it is now, with its version."

    capacity: int


@dataclass(frozen=True, kw_only=True, slots=True)
class AbsenceAlerts(EventData):
    """The man's programme version's limits for alerting his inspector (region-editable on the version)."""

    unexcused: int | None = detail(default=None, validate=validate.Range(min=1), description=(
        "Unexcused absences in all, in a row or not (statutory: 2, the second in all)."))
    consecutive: int | None = detail(default=None, validate=validate.Range(min=1), description=(
        "Unexcused absences in a row (statutory and extended: 2)."))


@dataclass(frozen=True, kw_only=True, slots=True)
class Enrolled(EventData):
    TYPE = "enrollment.enrolled"
    PRODUCER = PRODUCER
    SUMMARY = "A participant was enrolled in a cohort, with his responsible prevention inspector and psychologist."

    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    cohort_id: uuid.UUID
    programme_id: uuid.UUID
    inspector_id: str
    psychologist_id: str
    region: str
    district: str
    status: str
    enrolled_at: datetime
    version: int = detail(default=1, description=_ENROLMENT_VERSION)
    victim_support_worker_id: str | None = detail(default=None, description=(
        "Her support worker (an id only), told when his risk rises; added later in v1."))
    absence_alerts: AbsenceAlerts | None = detail(default=None, description=(
        "His programme version's absence limits for alerting his inspector; added later in v1 "
        "(absent: the risk rules' own)."))


@dataclass(frozen=True, kw_only=True, slots=True)
class EnrolmentNow(EventData):
    """Where an enrolment stands and who is responsible for it: what every later enrolment event carries, so a
    projection can be built from any of them."""

    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    cohort_id: uuid.UUID
    region: str
    district: str
    inspector_id: str
    psychologist_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class EnrolmentStatusChanged(EnrolmentNow):
    TYPE = "enrollment.status.changed"
    PRODUCER = PRODUCER
    SUMMARY = ("An enrolment moved in its lifecycle (assessed, started, suspended, resumed, completed, closed, "
               "excluded, exited).")

    action: str
    from_status: str
    status: str
    reason: str | None = None
    changed_by: str = detail(description="A user id, or `system` for automatic moves.")
    changed_at: datetime
    victim_support_worker_id: str | None = detail(default=None, description=(
        "Her support worker (an id only), who is told of an exclusion or exit."))
    version: int = detail(description=_ENROLMENT_VERSION)


@dataclass(frozen=True, kw_only=True, slots=True)
class EnrolmentTransferred(EnrolmentNow):
    TYPE = "enrollment.transferred"
    PRODUCER = PRODUCER
    SUMMARY = "An enrolment moved to another cohort (and perhaps district), keeping its history."

    from_cohort_id: uuid.UUID
    status: str
    transferred_at: datetime
    version: int = detail(description=_ENROLMENT_VERSION)
    absence_alerts: AbsenceAlerts | None = detail(default=None, description=(
        "The absence limits of the programme version he moved to; added later in v1."))


@dataclass(frozen=True, kw_only=True, slots=True)
class ExitProposed(EnrolmentNow):
    TYPE = "enrollment.exit.proposed"
    PRODUCER = PRODUCER
    SUMMARY = ("A participant passed his programme's absence limits: exit is proposed to the people responsible, "
               "not made.")

    reasons: list[str] = detail(validate=validate.Length(min=1))
    unexcused_absences: int
    consecutive_absences: int
    proposed_at: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class ProtectionOrder(EventData):
    """A protection order as every order event names it: whose, where, who issued it, from when to when."""

    order_id: uuid.UUID = detail(description="The order's id; its number stays in enrollment.")
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    enrolment_ids: list[uuid.UUID] = detail(description="His open enrolments.")
    region: str
    district: str
    issued_by: str = detail(description="The issuing prevention inspector.")
    issued_on: date
    expires_on: date


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderAttention(ProtectionOrder):
    """A protection order needs someone to act: its correction plan is overdue, or it expires soon."""

    due_on: date | None = detail(default=None, description="When the plan was due.")
    days_left: int | None = detail(default=None, description="Days until expiry.")
    programme_unfinished: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderPlanOverdue(OrderAttention):
    """The correction plan is overdue (`due_on` says since when)."""

    TYPE = "enrollment.order.plan_overdue"
    PRODUCER = PRODUCER
    SUMMARY = "A protection order has no correction plan two working days after it was issued."


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderExpiring(OrderAttention):
    """The order expires soon (`days_left`) while his programme is unfinished."""

    TYPE = "enrollment.order.expiring"
    PRODUCER = PRODUCER
    SUMMARY = "A protection order expires within the set number of days while his programme is unfinished."

    follow_up_unfinished: bool | None = detail(default=None, description=(
        "The order ends before his follow-up period is over; added later in v1."))


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderIssued(ProtectionOrder):
    """A protection order was issued (his earlier order's date beside it: a repeat order is an amber sign)."""

    TYPE = "enrollment.order.issued"
    PRODUCER = PRODUCER
    SUMMARY = ("A protection order was issued, with the date of his earlier order if any (a repeat order is an "
               "amber sign).")

    inspector_id: str | None = detail(default=None, description=(
        "His responsible inspector now (of his latest open enrolment), if he has one."))
    victim_support_worker_id: str | None = detail(default=None, description=(
        "Her support worker (an id only), of his latest open enrolment."))
    previous_order_on: date | None = detail(default=None, description=(
        "The issue date of his latest earlier order, if any."))


@dataclass(frozen=True, kw_only=True, slots=True)
class SupportWorkerChanged(EnrolmentNow):
    """Her support worker was linked to the enrolment, changed or removed."""

    TYPE = "enrollment.support_worker.changed"
    PRODUCER = PRODUCER
    SUMMARY = "Her support worker was linked to an enrolment, changed or removed."

    victim_support_worker_id: str | None = detail(default=None, description=(
        "Her support worker now (an id only); null: none."))
    previous_victim_support_worker_id: str | None = None
    changed_by: str
    changed_at: datetime
    version: int = detail(description="The enrolment's version.")


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderEnded(OrderAttention):
    """A protection order ended: it expired, or it was revoked."""

    TYPE = "enrollment.order.ended"
    PRODUCER = PRODUCER
    SUMMARY = "A protection order ended (expired or revoked): her support worker is told."

    ended_on: date
    how: str = detail(validate=validate.OneOf(("expired", "revoked")))


@dataclass(frozen=True, kw_only=True, slots=True)
class ParticipantAnonymised(EventData):
    """His cases ended longer ago than the retention period and enrollment anonymised him (enrollment.retention):
    what the others hold about his enrolments that could identify him or the victim goes too; figures stay."""

    TYPE = "enrollment.participant.anonymised"
    PRODUCER = PRODUCER
    SUMMARY = ("A participant's cases ended longer ago than the retention period and enrollment anonymised him: "
               "sessions deletes the confidential notes about his enrolments and clears excuse reasons, risk clears "
               "incident details.")

    participant_code: str = detail(validate=PARTICIPANT_CODE)
    enrolment_ids: list[uuid.UUID] = detail(description="All his enrolments.")
    anonymised_at: datetime


EVENTS: tuple[type[EventData], ...] = (
    CohortCreated, Enrolled, CohortUpdated, EnrolmentStatusChanged, EnrolmentTransferred, ExitProposed,
    OrderPlanOverdue, OrderExpiring, OrderIssued, SupportWorkerChanged, OrderEnded, ParticipantAnonymised,
)
