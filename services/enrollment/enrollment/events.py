"""What enrollment publishes (its contract is qadam_contracts.enrollment), and the events made from its rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from qadam_contracts.enrollment import (
    AbsenceAlerts,
    CohortCreated,
    CohortUpdated,
    Enrolled,
    EnrolmentStatusChanged,
    EnrolmentTransferred,
    ExitProposed,
    OrderEnded,
    OrderExpiring,
    OrderIssued,
    OrderPlanOverdue,
    ParticipantAnonymised,
    SupportWorkerChanged,
)
from qadam_contracts.enrollment import ProtectionOrder as OrderContract

from .domain.lifecycle import Action, Move
from .models import Cohort, Enrolment, Programme, ProtectionOrder

PUBLISHES = (CohortCreated, CohortUpdated, Enrolled, EnrolmentStatusChanged, EnrolmentTransferred, ExitProposed,
             OrderPlanOverdue, OrderExpiring, OrderIssued, OrderEnded, SupportWorkerChanged, ParticipantAnonymised)

OrderEvent = TypeVar("OrderEvent", bound=OrderContract)


def absence_alerts(programme: Programme) -> AbsenceAlerts:
    """The programme version's thresholds for alerting his inspector, as enrolled/transferred carry them."""
    return AbsenceAlerts(unexcused=programme.alert_unexcused_absences,
                         consecutive=programme.alert_consecutive_absences)


def cohort_created(cohort: Cohort) -> CohortCreated:
    return _cohort(CohortCreated, cohort)


def cohort_updated(cohort: Cohort) -> CohortUpdated:
    """The whole cohort as it is now, with its capacity."""
    return _cohort(CohortUpdated, cohort, capacity=cohort.capacity)


CohortEvent = TypeVar("CohortEvent", bound=CohortCreated)


def _cohort(kind: type[CohortEvent], cohort: Cohort, **extra: Any) -> CohortEvent:
    programme = cohort.programme
    return kind(cohort_id=cohort.id, programme_id=cohort.programme_id, name=cohort.name, region=cohort.region,
                district=cohort.district, mahalla=cohort.mahalla, facilitator_ids=list(cohort.facilitator_ids),
                start_date=cohort.start_date, sessions_required=programme.sessions_required,
                max_unexcused_absences=programme.max_unexcused_absences, status=cohort.status, version=cohort.version,
                curriculum=list(programme.curriculum), schedule=dict(cohort.schedule),
                session_minutes=programme.session_minutes, absence_call_hours=programme.absence_call_hours, **extra)


def enrolled(enrolment: Enrolment, cohort: Cohort) -> Enrolled:
    """A new enrolment in `cohort`, with its programme version's absence limits."""
    return Enrolled(
        enrolment_id=enrolment.id, participant_code=enrolment.participant.code, cohort_id=cohort.id,
        programme_id=cohort.programme_id, inspector_id=enrolment.inspector_id,
        psychologist_id=enrolment.psychologist_id, region=cohort.region, district=cohort.district,
        status=enrolment.status, enrolled_at=enrolment.enrolled_at, version=1,
        victim_support_worker_id=enrolment.victim_support_worker_id, absence_alerts=absence_alerts(cohort.programme))


def transferred(enrolment: Enrolment, *, from_cohort_id: uuid.UUID, at: datetime) -> EnrolmentTransferred:
    """The enrolment as it is after its move to another cohort (its new place, people and version)."""
    return EnrolmentTransferred(
        enrolment_id=enrolment.id, participant_code=enrolment.participant.code, from_cohort_id=from_cohort_id,
        cohort_id=enrolment.cohort_id, region=enrolment.region, district=enrolment.district,
        inspector_id=enrolment.inspector_id, psychologist_id=enrolment.psychologist_id, status=enrolment.status,
        transferred_at=at, version=enrolment.version,
        absence_alerts=absence_alerts(enrolment.programme or enrolment.cohort.programme))


def status_changed(enrolment: Enrolment, action: Action, move: Move, *, by: str, at: datetime) -> EnrolmentStatusChanged:
    return EnrolmentStatusChanged(
        enrolment_id=enrolment.id, participant_code=enrolment.participant.code, cohort_id=enrolment.cohort_id,
        region=enrolment.region, district=enrolment.district, inspector_id=enrolment.inspector_id,
        psychologist_id=enrolment.psychologist_id, action=action.value, from_status=move.from_status.value,
        status=move.to_status.value, reason=move.reason, changed_by=by, changed_at=at,
        victim_support_worker_id=enrolment.victim_support_worker_id, version=enrolment.version)


def support_worker_changed(enrolment: Enrolment, *, previous: str | None, by: str,
                           at: datetime) -> SupportWorkerChanged:
    return SupportWorkerChanged(
        enrolment_id=enrolment.id, participant_code=enrolment.participant.code, cohort_id=enrolment.cohort_id,
        region=enrolment.region, district=enrolment.district, inspector_id=enrolment.inspector_id,
        psychologist_id=enrolment.psychologist_id, victim_support_worker_id=enrolment.victim_support_worker_id,
        previous_victim_support_worker_id=previous, changed_by=by, changed_at=at, version=enrolment.version)


def exit_proposed(enrolment: Enrolment, reasons: list[str], *, unexcused: int, consecutive: int,
                  at: datetime) -> ExitProposed:
    return ExitProposed(
        enrolment_id=enrolment.id, participant_code=enrolment.participant.code, cohort_id=enrolment.cohort_id,
        region=enrolment.region, district=enrolment.district, inspector_id=enrolment.inspector_id,
        psychologist_id=enrolment.psychologist_id, reasons=reasons, unexcused_absences=unexcused,
        consecutive_absences=consecutive, proposed_at=at)


@dataclass(frozen=True)
class OrderNow:
    """What every order event says of his enrolments now: the open ones, and whether his programme (or follow-up)
    is unfinished."""

    open_enrolments: list[uuid.UUID]
    programme_unfinished: bool
    follow_up_unfinished: bool


def order_event(kind: type[OrderEvent], order: ProtectionOrder, now: OrderNow, **extra: Any) -> OrderEvent:
    """An order event of `kind` about `order` (`extra`: the fields of that kind beyond the order's own)."""
    return kind(order_id=order.id, participant_code=order.participant.code, enrolment_ids=list(now.open_enrolments),
                region=order.region, district=order.district, issued_by=order.issued_by, issued_on=order.issued_on,
                expires_on=order.expires_on, **extra)


def order_issued(order: ProtectionOrder, now: OrderNow, *, inspector_id: str | None,
                 victim_support_worker_id: str | None, previous_order_on: date | None) -> OrderIssued:
    return order_event(OrderIssued, order, now, inspector_id=inspector_id,
                       victim_support_worker_id=victim_support_worker_id, previous_order_on=previous_order_on)


def order_ended(order: ProtectionOrder, now: OrderNow, *, on: date, how: str) -> OrderEnded:
    return order_event(OrderEnded, order, now, programme_unfinished=now.programme_unfinished, ended_on=on, how=how)


def order_plan_overdue(order: ProtectionOrder, now: OrderNow, *, due_on: date) -> OrderPlanOverdue:
    return order_event(OrderPlanOverdue, order, now, programme_unfinished=now.programme_unfinished, due_on=due_on)


def order_expiring(order: ProtectionOrder, now: OrderNow, *, days_left: int) -> OrderExpiring:
    return order_event(OrderExpiring, order, now, programme_unfinished=now.programme_unfinished, days_left=days_left,
                       follow_up_unfinished=now.follow_up_unfinished)


def participant_anonymised(code: str, enrolment_ids: list[uuid.UUID], at: datetime) -> ParticipantAnonymised:
    return ParticipantAnonymised(participant_code=code, enrolment_ids=enrolment_ids, anonymised_at=at)

