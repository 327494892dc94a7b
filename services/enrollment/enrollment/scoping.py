"""Need to know and who may act, for routes, commands and queries alike: which cohorts, enrolments, participants and
orders a caller may see (as queries), whose area, region or enrolment a caller may act in, and whose sessions (a
session's register is its group's facilitators')."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from qadam.auth import Principal, area_filter, assignment_filter
from qadam.auth import report_region as report_region  # the kit's, where the reports look for it
from qadam.errors import Problem, not_found
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .domain.lifecycle import Caller
from .models import Cohort, Enrolment, Participant, ProtectionOrder, SessionView, TransferRequest

# Who moves an enrolment at all (scoping below says which ones).
MOVERS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.MANAGER, Role.ADMINISTRATOR)


def require_area(principal: Principal, region: str, district: str) -> None:
    """403 unless the place is in the caller's area."""
    if not principal.covers(region=region, district=district):
        raise Problem(403, f"{district} ({region}) is outside your area.")


def require_planning_region(principal: Principal, region: str | None) -> None:
    """403 unless the caller plans programmes for `region` (None: a national programme, an administrator's)."""
    if principal.role == Role.ADMINISTRATOR:
        return
    if region is None or region != principal.region:
        raise Problem(403, "A programme manager defines programmes for their own region; national programmes are "
                           "an administrator's.")


def visible_cohorts(principal: Principal) -> sa.Select[Any]:
    query = sa.select(Cohort)
    if principal.role == Role.PSYCHOLOGIST:
        return query.where(Cohort.facilitator_ids.contains([principal.user_id]), sa.literal(principal.has_area))
    if principal.role == Role.INSPECTOR:  # his area's, and those of the men he answers for (moved elsewhere too)
        return query.where(sa.or_(area_filter(principal, Cohort.region, Cohort.district), Cohort.id.in_(
            sa.select(Enrolment.cohort_id).where(assignment_filter(principal, Enrolment.inspector_id)))))
    return query.where(area_filter(principal, Cohort.region, Cohort.district))


def supported_enrolments(principal: Principal) -> sa.Select[Any]:
    """The enrolments whose victim a support worker (Inson centre) supports: those naming her, and no others, however
    many men her district has (need to know). Nobody else's: a support worker sees nothing by area."""
    if principal.role != Role.SUPPORT_WORKER:
        return sa.select(Enrolment).where(sa.false())
    return sa.select(Enrolment).where(assignment_filter(principal, Enrolment.victim_support_worker_id))


def visible_enrolments(principal: Principal) -> sa.Select[Any]:
    query = sa.select(Enrolment)
    if principal.role == Role.SUPPORT_WORKER:
        return supported_enrolments(principal)
    if principal.role == Role.PSYCHOLOGIST:
        return query.join(Enrolment.cohort).where(Cohort.facilitator_ids.contains([principal.user_id]),
                                                  sa.literal(principal.has_area))
    if principal.role == Role.INSPECTOR:
        return query.where(sa.or_(assignment_filter(principal, Enrolment.inspector_id),
                                  area_filter(principal, Enrolment.region, Enrolment.district)))
    return query.where(area_filter(principal, Enrolment.region, Enrolment.district))


def visible_orders(principal: Principal) -> sa.Select[Any]:
    query = sa.select(ProtectionOrder)
    if principal.role == Role.SUPPORT_WORKER:  # the orders of the men whose victims she supports, no others
        return query.where(ProtectionOrder.id.in_(
            supported_enrolments(principal).with_only_columns(Enrolment.protection_order_id)))
    if principal.role == Role.PSYCHOLOGIST:  # the orders of the men in the cohorts they facilitate, no others
        return query.where(ProtectionOrder.participant_id.in_(
            sa.select(Enrolment.participant_id).join(Enrolment.cohort)
            .where(Cohort.facilitator_ids.contains([principal.user_id]))), sa.literal(principal.has_area))
    if principal.role == Role.INSPECTOR:
        return query.where(sa.or_(assignment_filter(principal, ProtectionOrder.issued_by),
                                  area_filter(principal, ProtectionOrder.region, ProtectionOrder.district)))
    return query.where(area_filter(principal, ProtectionOrder.region, ProtectionOrder.district))


def visible_transfers(principal: Principal) -> sa.Select[Any]:
    """Moves out of a district the caller may see: those asked from or into their area, and an inspector's own."""
    query = sa.select(TransferRequest)
    inside = sa.or_(area_filter(principal, TransferRequest.region, TransferRequest.district),
                    area_filter(principal, TransferRequest.to_region, TransferRequest.to_district))
    if principal.role == Role.INSPECTOR:
        return query.where(sa.or_(assignment_filter(principal, TransferRequest.asked_by), inside))
    return query.where(inside)


def may_see_participant(s: Session, principal: Principal, participant: Participant) -> bool:
    if principal.role == Role.SUPPORT_WORKER:  # his personal record is never the victim's side's
        return False
    if principal.role == Role.PSYCHOLOGIST:
        return principal.has_area and s.execute(sa.select(Enrolment.id).join(Enrolment.cohort).where(
            Enrolment.participant_id == participant.id,
            Cohort.facilitator_ids.contains([principal.user_id]))).first() is not None
    if principal.role == Role.INSPECTOR and s.execute(sa.select(Enrolment.id).where(
            Enrolment.participant_id == participant.id, assignment_filter(principal, Enrolment.inspector_id))).first():
        return True
    return principal.covers(region=participant.region, district=participant.district)


def may_move(principal: Principal, enrolment: Enrolment) -> bool:
    """Who may change an enrolment's state: its cohort's psychologists, its inspector, staff of its area."""
    if principal.role == Role.SUPPORT_WORKER:
        return False
    if principal.role == Role.PSYCHOLOGIST:
        return principal.has_area and principal.user_id in enrolment.cohort.facilitator_ids
    if principal.role == Role.INSPECTOR and principal.assigned(enrolment.inspector_id):
        return True
    return principal.covers(region=enrolment.region, district=enrolment.district)


def caller_of(principal: Principal, enrolment: Enrolment) -> Caller:
    """What the caller may do to this enrolment, as the lifecycle's rules ask it."""
    return Caller(may_move=principal.role in MOVERS and may_move(principal, enrolment),
                  may_complete_early=principal.role in (Role.MANAGER, Role.ADMINISTRATOR))


def facilitated_session(s: Session, *, principal: Principal, session_id: uuid.UUID) -> tuple[SessionView, Cohort]:
    """The session and its group, for a psychologist who facilitates the group (404 otherwise: a session she does
    not run is one she does not see)."""
    session = s.get(SessionView, session_id)
    cohort = s.get(Cohort, session.cohort_id) if session is not None else None
    if session is None or cohort is None or principal.user_id not in (cohort.facilitator_ids or []):
        raise not_found("session", session_id)
    return session, cohort
