"""Enrollment's reads, for the routes and the commands alike: what a caller may see of the record, shaped as the
responses show it, and the questions commands ask before they change it (places taken, open critical flags, her
support worker, the known districts). Keyword-only where a route calls them; no function here writes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypedDict, TypeVar

import sqlalchemy as sa
from qadam import audit
from qadam.auth import Principal, area_filter, assignment_filter
from qadam.errors import not_found, unprocessable
from qadam.names import fold, same_place
from qadam.pages import paginate
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .domain import name_key
from .domain.lifecycle import FINISHED, IN_PROGRAMME, EnrolmentStatus, Standing, actions_open_to, reason_for_her
from .domain.orders import OrderFacts, OrderStatus, WorkingCalendar, plan_due_on, plan_overdue
from .domain.progress import Rules, curriculum_done, exit_review_session
from .models import (
    Cohort,
    Enrolment,
    EnrolmentTransition,
    KnownDistrict,
    OrderExtension,
    Participant,
    Programme,
    ProtectionOrder,
    RiskFlag,
    StaffMember,
    TransferRequest,
    WaitingPlace,
)
from .scoping import (
    caller_of,
    may_see_participant,
    supported_enrolments,
    visible_cohorts,
    visible_enrolments,
    visible_orders,
    visible_transfers,
)

# Taking part or about to (a referral holds a place in the group it was referred to).
HOLDS_A_PLACE = [s.value for s in IN_PROGRAMME] + [EnrolmentStatus.REFERRED.value]

Item = TypeVar("Item")


class Page(TypedDict, Generic[Item]):
    """A page of a list, as the kit's paginate makes it and the page schemas answer it."""

    items: list[Item]
    page: int
    page_size: int
    total: int


def _page_of(s: Session, query: sa.Select[Any], args: dict[str, Any]) -> Page[Any]:
    """The kit's page of `query` (`args`: page and page_size), typed."""
    found = paginate(s, query, args)
    return Page(items=list(found["items"]), page=found["page"], page_size=found["page_size"], total=found["total"])


class Area(TypedDict):
    region: str
    district: str


class ParticipantPage(Page["Participant"]):
    elsewhere: list[Area]  # where men matching the lookup are registered outside the caller's area


@dataclass(frozen=True)
class ExtensionShown:
    """An extension as a programme manager sees it: without who decided and why (free text)."""

    previous_expiry: date
    new_expiry: date
    decided_by: None
    reason: None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class OrderShown:
    """A protection order as OrderOut shows it to the caller: where its plan stands, its extensions; a programme
    manager sees codes and figures only (no number, conditions or reasons: free text that could hold her name or
    address)."""

    id: uuid.UUID
    participant_id: uuid.UUID
    participant: Participant
    number: str | None
    issued_by: str
    region: str
    district: str
    issued_on: date
    expires_on: date
    condition_codes: list[str]
    conditions: list[str] | None
    status: str
    plan_agreed_on: date | None
    plan_agreed_with: str | None
    plan_parts: list[dict[str, Any]]
    plan_due_on: date
    plan_overdue: bool
    days_to_expiry: int
    extensions: list[OrderExtension] | list[ExtensionShown]


# -- programmes and cohorts --------------------------------------------------------------------------------------
def programmes_page(s: Session, *, principal: Principal, filters: dict[str, Any]) -> Page[Programme]:
    """Programmes in use: national ones and those of the caller's region (current versions unless asked)."""
    query = sa.select(Programme).order_by(Programme.name, Programme.version)
    if not filters["include_retired"]:
        query = query.where(Programme.retired.is_(False))
    if principal.role != Role.ADMINISTRATOR:
        query = query.where(sa.or_(Programme.region.is_(None), Programme.region == principal.region))
    if filters["programme_id"]:
        query = query.where(Programme.id.in_(filters["programme_id"]))
    return _page_of(s, query, filters)


def visible_programme(s: Session, *, principal: Principal, programme_id: uuid.UUID) -> Programme:
    """The programme version, if it is national or of the caller's region; else 404."""
    programme = s.get(Programme, programme_id)
    if programme is None or (principal.role != Role.ADMINISTRATOR and programme.region not in (None, principal.region)):
        raise not_found("programme", programme_id)
    return programme


def programme_versions(s: Session, *, principal: Principal, programme_id: uuid.UUID) -> list[Programme]:
    """Every version of the programme, oldest first."""
    programme = visible_programme(s, principal=principal, programme_id=programme_id)
    return list(s.execute(sa.select(Programme).where(Programme.lineage_id == programme.lineage_id)
                          .order_by(Programme.version)).scalars())


def programme_of(enrolment: Enrolment) -> Programme:
    return enrolment.programme or enrolment.cohort.programme  # the version he started under


def rules_of(enrolment: Enrolment) -> Rules:
    """The rules of the programme version he started under."""
    p = programme_of(enrolment)
    return Rules(sessions_required=p.sessions_required, completion_attendance_percent=p.completion_attendance_percent,
                 max_unexcused_absences=p.max_unexcused_absences, max_consecutive_absences=p.max_consecutive_absences,
                 makeup_sessions_count=p.makeup_sessions_count, exit_review_session=exit_review_session(p.curriculum))


def places_taken(s: Session, cohort_id: uuid.UUID) -> int:
    """Men who hold a place in the cohort now (referred, assessed, active or suspended)."""
    return int(s.execute(sa.select(sa.func.count()).where(Enrolment.cohort_id == cohort_id,
                                                          Enrolment.status.in_(HOLDS_A_PLACE))).scalar_one())


def waiting_for(s: Session, cohort_id: uuid.UUID) -> int:
    """How many wait in the cohort's line for a place."""
    return int(s.execute(sa.select(sa.func.count()).where(
        WaitingPlace.cohort_id == cohort_id, WaitingPlace.status == WAITING)).scalar_one())


def has_room(s: Session, cohort: Cohort) -> bool:
    """A newcomer (a referral, a man moved in, a waiting man placed from another line) may take a place in the
    cohort now: one is free, and nobody waits in its line (those waiting come first)."""
    return places_taken(s, cohort.id) < cohort.capacity and waiting_for(s, cohort.id) == 0


def cohort_shown(s: Session, cohort: Cohort) -> Cohort:
    """The cohort as CohortOut shows it: with how many hold a place in it now, and how many wait for one."""
    cohort.enrolled = places_taken(s, cohort.id)
    cohort.waiting = waiting_for(s, cohort.id)
    return cohort


# -- the waiting list --------------------------------------------------------------------------------------------
WAITING = "waiting"


def waiting_shown(s: Session, waiting: WaitingPlace) -> WaitingPlace:
    """The entry as WaitingOut shows it: with his place in the line (1: next) while he waits."""
    waiting.position = int(s.execute(sa.select(sa.func.count()).where(
        WaitingPlace.cohort_id == waiting.cohort_id, WaitingPlace.status == WAITING,
        WaitingPlace.seq <= waiting.seq)).scalar_one()) if waiting.status == WAITING else None
    return waiting


def waiting_line(s: Session, *, principal: Principal, cohort_id: uuid.UUID) -> list[WaitingPlace]:
    """Those waiting for a place in the cohort (which the caller may see, else 404), first in line first."""
    visible_cohort(s, principal=principal, cohort_id=cohort_id)
    line = s.execute(sa.select(WaitingPlace).where(WaitingPlace.cohort_id == cohort_id, WaitingPlace.status == WAITING)
                     .order_by(WaitingPlace.seq)).unique().scalars().all()
    for position, waiting in enumerate(line, start=1):
        waiting.position = position
    return list(line)


def visible_waiting(s: Session, *, principal: Principal, waiting_id: uuid.UUID, lock: bool = False) -> WaitingPlace:
    """The entry, if the caller may see it (his inspector, or staff who see its cohort); else 404. `lock`: for
    update."""
    query = sa.select(WaitingPlace).where(WaitingPlace.id == waiting_id, sa.or_(
        WaitingPlace.cohort_id.in_(visible_cohorts(principal).with_only_columns(Cohort.id)),
        assignment_filter(principal, WaitingPlace.inspector_id)))
    found = s.execute(query.with_for_update(of=WaitingPlace) if lock else query).unique().scalar()
    if found is None:
        raise not_found("waiting place", waiting_id)
    return found


def cohorts_page(s: Session, *, principal: Principal, page: dict[str, Any]) -> Page[Cohort]:
    """The cohorts the caller may see (a psychologist's own, an inspector's or manager's area), newest first."""
    found = _page_of(s, visible_cohorts(principal).order_by(Cohort.start_date.desc()), page)
    found["items"] = [cohort_shown(s, c) for c in found["items"]]
    return found


def visible_cohort(s: Session, *, principal: Principal, cohort_id: uuid.UUID, lock: bool = False) -> Cohort:
    """The cohort, if the caller may see it; else 404. `lock`: for update."""
    query = visible_cohorts(principal).where(Cohort.id == cohort_id)
    cohort = s.execute(query.with_for_update(of=Cohort) if lock else query).unique().scalar()
    if cohort is None:
        raise not_found("cohort", cohort_id)
    return cohort


# -- enrolments --------------------------------------------------------------------------------------------------
def visible_enrolment(s: Session, *, principal: Principal, enrolment_id: uuid.UUID, lock: bool = False) -> Enrolment:
    """The enrolment, if the caller may see it; else 404. `lock`: for update."""
    query = visible_enrolments(principal).where(Enrolment.id == enrolment_id)
    found = s.execute(query.with_for_update(of=Enrolment) if lock else query).unique().scalar()
    if found is None:
        raise not_found("enrolment", enrolment_id)
    return found


def with_critical_flag_open(s: Session, enrolment_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the enrolments with a critical flag that is not resolved (risk's events, projected here)."""
    if not enrolment_ids:
        return set()
    return set(s.execute(sa.select(RiskFlag.enrolment_id).where(
        RiskFlag.enrolment_id.in_(enrolment_ids), RiskFlag.level == "critical", RiskFlag.resolved_at.is_(None)))
        .scalars())


def _started_participants(s: Session, enrolments: list[Enrolment]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """{participant: his active or suspended enrolments}, for the men of these enrolments."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    ids = {e.participant_id for e in enrolments}
    if ids:
        for participant_id, eid in s.execute(sa.select(Enrolment.participant_id, Enrolment.id).where(
                Enrolment.participant_id.in_(ids),
                Enrolment.status.in_([EnrolmentStatus.ACTIVE.value, EnrolmentStatus.SUSPENDED.value]))):
            out.setdefault(participant_id, []).append(eid)
    return out


def standing_of(s: Session, enrolment: Enrolment, *, critical_open: set[uuid.UUID] | None = None,
                started: dict[uuid.UUID, list[uuid.UUID]] | None = None) -> Standing:
    """The facts its moves depend on (`critical_open`, `started`: already looked up for a page of enrolments)."""
    if critical_open is None:
        critical_open = with_critical_flag_open(s, [enrolment.id])
    if started is None:
        started = _started_participants(s, [enrolment])
    return Standing(status=EnrolmentStatus(enrolment.status),
                    curriculum_done=curriculum_done(enrolment.sessions_recorded, enrolment.sessions_attended,
                                                    rules_of(enrolment)),
                    critical_flag_open=enrolment.id in critical_open,
                    started_elsewhere=any(eid != enrolment.id for eid in started.get(enrolment.participant_id, [])))


def with_moves(s: Session, enrolments: list[Enrolment], *, principal: Principal) -> list[Enrolment]:
    """The enrolments with the moves the caller could make now (the same rules the moves apply), and the move out
    of the district that waits for a supervisor, if one does."""
    critical = with_critical_flag_open(s, [e.id for e in enrolments])
    started = _started_participants(s, enrolments)
    waiting = _pending_transfers(s, [e.id for e in enrolments])
    for enrolment in enrolments:
        enrolment.allowed_actions = actions_open_to(
            caller_of(principal, enrolment), standing_of(s, enrolment, critical_open=critical, started=started))
        enrolment.pending_transfer = waiting.get(enrolment.id)
    return enrolments


# -- transfers ---------------------------------------------------------------------------------------------------
def _pending_transfers(s: Session, enrolment_ids: list[uuid.UUID]) -> dict[uuid.UUID, TransferRequest]:
    if not enrolment_ids:
        return {}
    found = s.execute(sa.select(TransferRequest).where(TransferRequest.enrolment_id.in_(enrolment_ids),
                                                        TransferRequest.status == "pending")).unique().scalars()
    return {request.enrolment_id: request for request in found}


def pending_transfer_of(s: Session, enrolment_id: uuid.UUID) -> TransferRequest | None:
    """The move of the enrolment out of its district that waits for a supervisor, if one does."""
    return _pending_transfers(s, [enrolment_id]).get(enrolment_id)


def transfers_page(s: Session, *, principal: Principal, filters: dict[str, Any]) -> Page[TransferRequest]:
    """Moves out of a district the caller may see (TransferFilter), those waiting longest first, then the newest."""
    query = visible_transfers(principal).order_by((TransferRequest.status != "pending"),
                                                  sa.case((TransferRequest.status == "pending", TransferRequest.asked_at)),
                                                  TransferRequest.asked_at.desc())
    if filters["status"]:
        query = query.where(TransferRequest.status.in_(filters["status"]))
    if filters["enrolment_id"]:
        query = query.where(TransferRequest.enrolment_id == filters["enrolment_id"])
    return _page_of(s, query, filters)


def transfer_options(s: Session, *, principal: Principal, enrolment: Enrolment) -> list[Cohort]:
    """The cohorts he could be moved to: forming or running, of his programme, in the caller's region (an
    administrator: his), other than his own, by district and name, each with how many hold a place in it now."""
    region = enrolment.region if principal.role == Role.ADMINISTRATOR else principal.region
    found = s.execute(sa.select(Cohort).join(Cohort.programme).where(
        Cohort.region == region, Cohort.id != enrolment.cohort_id, Cohort.status.in_(("forming", "running")),
        Programme.lineage_id == enrolment.cohort.programme.lineage_id)
        .order_by(Cohort.district, Cohort.name)).unique().scalars()
    return [cohort_shown(s, cohort) for cohort in found]


def visible_transfer(s: Session, *, principal: Principal, transfer_id: uuid.UUID, lock: bool = False) -> TransferRequest:
    """The move, if the caller may see it; else 404. `lock`: its enrolment, then it, for update, in the order every
    change of him takes them (his exit locks the enrolment, then withdraws the move): never a deadlock."""
    query = visible_transfers(principal).where(TransferRequest.id == transfer_id)
    found = s.execute(query).unique().scalar()
    if found is None:
        raise not_found("transfer", transfer_id)
    if lock:  # as they are now, after the locks
        s.execute(sa.select(Enrolment.id).where(Enrolment.id == found.enrolment_id).with_for_update())
        s.execute(sa.select(TransferRequest.id).where(TransferRequest.id == found.id).with_for_update())
        s.refresh(found)
        s.refresh(found.enrolment)
    return found


def enrolments_page(s: Session, *, principal: Principal, filters: dict[str, Any], today: date) -> Page[Enrolment]:
    """Enrolments the caller may see, filtered (EnrolmentFilter), newest first, each with the caller's moves."""
    query = visible_enrolments(principal).order_by(Enrolment.enrolled_at.desc())
    for field in ("cohort_id", "programme_id", "district", "inspector_id", "psychologist_id"):
        if filters[field]:
            query = query.where(getattr(Enrolment, field) == filters[field])
    if filters["status"]:
        query = query.where(Enrolment.status.in_(filters["status"]))
    if filters["code"]:
        query = query.where(Enrolment.participant_id.in_(
            sa.select(Participant.id).where(Participant.code == filters["code"].upper())))
    if filters["protection_order_id"]:
        query = query.where(Enrolment.protection_order_id.in_(filters["protection_order_id"]))
    if filters["exit_proposed"] is not None:
        query = query.where(Enrolment.exit_proposed_at.is_not(None) if filters["exit_proposed"]
                            else Enrolment.exit_proposed_at.is_(None))
    if filters["order_expiring_within_days"] is not None:
        query = query.where(Enrolment.protection_order_id.in_(sa.select(ProtectionOrder.id).where(
            ProtectionOrder.status == OrderStatus.ACTIVE,
            ProtectionOrder.expires_on.between(today, today + timedelta(days=filters["order_expiring_within_days"])))))
    page = _page_of(s, query, filters)
    page["items"] = with_moves(s, page["items"], principal=principal)
    return page


# -- what her support worker knows of him ------------------------------------------------------------------------
@dataclass(frozen=True)
class SupportedCase:
    """A man whose partner the caller supports, as SupportedEnrolmentOut shows him: what bears on the woman's safety
    (where he stands, why he left, his order's dates, whom to call), never his attendance, his notes or his person."""

    id: uuid.UUID
    participant_code: str
    region: str
    district: str
    inspector_id: str
    status: str
    status_reason: str | None
    enrolled_at: datetime
    started_on: date | None
    finished_on: date | None
    follow_up_until: date | None
    order: ProtectionOrder | None


def _supported_cases(s: Session, enrolments: list[Enrolment]) -> list[SupportedCase]:
    ids = {e.protection_order_id for e in enrolments if e.protection_order_id}
    orders = {o.id: o for o in s.execute(sa.select(ProtectionOrder).where(ProtectionOrder.id.in_(ids)))
              .unique().scalars()} if ids else {}
    return [SupportedCase(
        id=e.id, participant_code=e.participant.code, region=e.region, district=e.district, inspector_id=e.inspector_id,
        status=e.status, status_reason=reason_for_her(e.status, e.status_reason), enrolled_at=e.enrolled_at,
        started_on=e.started_on, finished_on=e.finished_on, follow_up_until=e.follow_up_until,
        order=orders.get(e.protection_order_id) if e.protection_order_id else None) for e in enrolments]


def supported_page(s: Session, *, principal: Principal, filters: dict[str, Any]) -> Page[SupportedCase]:
    """The men whose partners the caller supports (SupportedFilter: status, code), newest referral first."""
    query = supported_enrolments(principal).order_by(Enrolment.enrolled_at.desc(), Enrolment.id)
    if filters["status"]:
        query = query.where(Enrolment.status.in_(filters["status"]))
    if filters["code"]:
        query = query.where(Enrolment.participant_id.in_(
            sa.select(Participant.id).where(Participant.code == filters["code"].upper())))
    page = _page_of(s, query, filters)
    return Page(items=_supported_cases(s, page["items"]), page=page["page"], page_size=page["page_size"],
                total=page["total"])


def supported_case(s: Session, *, principal: Principal, enrolment_id: uuid.UUID) -> SupportedCase:
    """One man whose partner the caller supports; 404 for any other (no telling what exists)."""
    found = s.execute(supported_enrolments(principal).where(Enrolment.id == enrolment_id)).unique().scalar()
    if found is None:
        raise not_found("enrolment", enrolment_id)
    [case] = _supported_cases(s, [found])
    return case


def enrolment_history(s: Session, *, principal: Principal, enrolment_id: uuid.UUID) -> list[Any]:
    """The enrolment's history: every move, with who, when and why (a manager: without the notes)."""
    visible_enrolment(s, principal=principal, enrolment_id=enrolment_id)
    history = list(s.execute(sa.select(EnrolmentTransition).where(
        EnrolmentTransition.enrolment_id == enrolment_id).order_by(EnrolmentTransition.id)).scalars())
    if principal.role == Role.MANAGER:  # codes and figures only: no free text
        return [{c.key: getattr(t, c.key) for c in sa.inspect(EnrolmentTransition).column_attrs} | {"note": None}
                for t in history]
    return history


# -- participants ------------------------------------------------------------------------------------------------
def areas_of(people: list[Participant]) -> list[Area]:
    """The areas these men are registered in, each once, in order."""
    return [Area(region=r, district=d) for r, d in sorted({(p.region, p.district) for p in people})]


def visible_participant(s: Session, *, principal: Principal, participant_id: uuid.UUID) -> Participant:
    """His record, personal data included, if the caller may see it (need to know: area, or his cohort's
    psychologist); else 404."""
    participant = s.get(Participant, participant_id)
    if participant is None or not may_see_participant(s, principal, participant):
        raise not_found("participant", participant_id)
    return participant


def participants_page(s: Session, *, principal: Principal, search: dict[str, Any]) -> ParticipantPage:
    """Participants of the caller's area by code, PINFL, or name in any script or spelling; and the areas where
    men matching the lookup are registered outside it (whom to contact, never who he is: audited)."""
    query = sa.select(Participant).where(area_filter(principal, Participant.region, Participant.district)) \
        .order_by(Participant.code)
    elsewhere: list[Area] = []
    if search["q"]:
        q = search["q"].strip()
        query = query.where(sa.or_(Participant.code == q.upper(), Participant.pinfl == q,
                                   Participant.name_key.contains(name_key(q), autoescape=True)))
        outside = [p for p in s.execute(sa.select(Participant).where(
            sa.or_(Participant.pinfl == q, Participant.name_key == name_key(q)), Participant.anonymised_at.is_(None))
            .limit(50)).scalars() if not principal.covers(region=p.region, district=p.district)]
        elsewhere = areas_of(outside)
        if elsewhere:
            audit.note(lookup="registered_in_another_area", areas=elsewhere)
    page = _page_of(s, query, search)
    return ParticipantPage(items=page["items"], page=page["page"], page_size=page["page_size"], total=page["total"],
                           elsewhere=elsewhere)


# -- protection orders -------------------------------------------------------------------------------------------
def order_facts(order: ProtectionOrder) -> OrderFacts:
    return OrderFacts(order.issued_on, order.expires_on, order.status, order.plan_agreed_on)


def visible_order(s: Session, *, principal: Principal, order_id: uuid.UUID, lock: bool = False) -> ProtectionOrder:
    """The order, if the caller may see it; else 404. `lock`: for update."""
    query = visible_orders(principal).where(ProtectionOrder.id == order_id)
    order = s.execute(query.with_for_update(of=ProtectionOrder) if lock else query).unique().scalar()
    if order is None:
        raise not_found("protection order", order_id)
    return order


def order_shown(s: Session, order: ProtectionOrder, *, principal: Principal, calendar: WorkingCalendar,
                today: date) -> OrderShown:
    """The order as OrderOut shows it to the caller: where its plan stands, its extensions (a manager: no free
    text)."""
    facts = order_facts(order)
    extensions = list(s.execute(sa.select(OrderExtension).where(OrderExtension.order_id == order.id)
                                .order_by(OrderExtension.recorded_at)).scalars())
    # Managers see codes and figures only: the number, the conditions and the reasons given for extensions
    # (free text, which could hold her name or address) are not theirs to read.
    manager = principal.role == Role.MANAGER
    return OrderShown(
        id=order.id, participant_id=order.participant_id, participant=order.participant,
        number=None if manager else order.number, issued_by=order.issued_by, region=order.region,
        district=order.district, issued_on=order.issued_on, expires_on=order.expires_on,
        condition_codes=list(order.condition_codes),
        conditions=None if manager else order.conditions, status=order.status, plan_agreed_on=order.plan_agreed_on,
        plan_agreed_with=None if manager else order.plan_agreed_with,
        plan_parts=[{**part, "details": None} for part in order.plan_parts] if manager else list(order.plan_parts),
        plan_due_on=plan_due_on(facts, **calendar), plan_overdue=plan_overdue(facts, today, **calendar),
        days_to_expiry=(order.expires_on - today).days,
        extensions=[ExtensionShown(previous_expiry=e.previous_expiry, new_expiry=e.new_expiry, decided_by=None,
                                   reason=None, recorded_by=e.recorded_by, recorded_at=e.recorded_at)
                    for e in extensions] if manager else extensions)


def orders_page(s: Session, *, principal: Principal, filters: dict[str, Any], calendar: WorkingCalendar,
                today: date) -> Page[OrderShown]:
    """Protection orders of the caller's area, soonest to expire first: those expiring soon, or with the correction
    plan overdue."""
    query = visible_orders(principal).order_by(ProtectionOrder.expires_on)
    if filters["district"]:
        query = query.where(ProtectionOrder.district == filters["district"])
    if filters["status"]:
        query = query.where(ProtectionOrder.status == filters["status"])
    if filters["expiring_within_days"] is not None:
        until = today + timedelta(days=filters["expiring_within_days"])
        query = query.where(ProtectionOrder.status == OrderStatus.ACTIVE,
                            ProtectionOrder.expires_on.between(today, until))
    if filters["plan_overdue"] is not None:
        # Overdue depends on working days: decided in Python over the orders still without a plan.
        waiting = s.execute(query.where(ProtectionOrder.plan_agreed_on.is_(None),
                                        ProtectionOrder.status == OrderStatus.ACTIVE)).unique().scalars().all()
        overdue = [o.id for o in waiting if plan_overdue(order_facts(o), today, **calendar)]
        query = query.where(ProtectionOrder.id.in_(overdue) if filters["plan_overdue"]
                            else ProtectionOrder.id.not_in(overdue))
    found = _page_of(s, query, filters)
    shown = [order_shown(s, o, principal=principal, calendar=calendar, today=today) for o in found["items"]]
    return Page(items=shown, page=found["page"], page_size=found["page_size"], total=found["total"])


# -- what enrollment keeps of others' events: the staff directory and the areas ---------------------------------
def support_worker_problem(s: Session, user_id: str, region: str) -> str | None:
    """Why `user_id` cannot be named as her support worker for a man of `region` (None: they can)."""
    member = s.get(StaffMember, user_id)
    if member is None or member.role != Role.SUPPORT_WORKER.value:
        return f"{user_id} is not a support worker Qadam knows; choose one of {region}."
    if not member.active:
        return f"{user_id} no longer works in Qadam; choose an active support worker of {region}."
    if not same_place(member.region, region):
        return f"{user_id} is a support worker of {member.region}, not of {region}, where he is."
    return None


@dataclass(frozen=True)
class Place:
    region: str
    district: str


class UnknownDistrict(Exception):
    def __init__(self, region: str, district: str, known: list[str]) -> None:
        super().__init__(f"{district} is not a district of {region} that Qadam knows; the known ones are: "
                         f"{', '.join(known)}.")
        self.known = known


def known_place(s: Session, region: str, district: str) -> Place:
    """The place as the portal spells it (Xo'jeli typed is Xoʻjeli stored), or UnknownDistrict naming the known
    districts. A region whose districts enrollment has not heard of yet takes any district, as typed, so that a
    fresh system works before the portal has published its areas."""
    # the region's spellings (a handful of regions; folded, cached), then only that region's districts
    spellings = [r for r in s.execute(sa.select(KnownDistrict.region).distinct()).scalars() if same_place(r, region)]
    rows = s.execute(sa.select(KnownDistrict.region, KnownDistrict.district, KnownDistrict.active)
                     .where(KnownDistrict.region.in_(spellings))).all() if spellings else []
    if not rows:
        return Place(region, district)
    wanted = fold(district)
    for row in rows:
        if row.active and fold(row.district) == wanted:
            return Place(row.region, row.district)
    raise UnknownDistrict(rows[0].region, district, sorted(r.district for r in rows if r.active))


def known_place_or_422(s: Session, region: str, district: str) -> Place:
    """The region and district as the portal spells them (Xo'jeli typed is Xoʻjeli); a 422 naming the known
    districts of the region when it is not one of them."""
    try:
        return known_place(s, region, district)
    except UnknownDistrict as exc:
        raise unprocessable(str(exc), {"district": [f"One of: {', '.join(exc.known)}."]}) from None


# -- retention ------------------------------------------------------------------------------------------------
def due_for_anonymising(cutoff: date) -> sa.Select[Any]:
    """Participants not yet anonymised whose enrolments all ended, and orders all expired, before `cutoff`."""
    e, o = Enrolment.__table__.alias("e"), ProtectionOrder.__table__.alias("o")
    ended_on = sa.func.greatest(e.c.finished_on, e.c.follow_up_until)  # NULLs ignored; both NULL: NULL
    mine = e.c.participant_id == Participant.id
    still_open = sa.or_(e.c.status.not_in([s.value for s in FINISHED]), ended_on.is_(None), ended_on >= cutoff)
    order_open = sa.or_(o.c.status == OrderStatus.ACTIVE, o.c.expires_on >= cutoff)
    return (sa.select(Participant.id)
            .where(Participant.anonymised_at.is_(None),
                   sa.exists().where(mine),
                   ~sa.exists().where(mine, still_open),
                   ~sa.exists().where(o.c.participant_id == Participant.id, order_open)))


def count_due_for_anonymising(s: Session, cutoff: date) -> int:
    """How many participants are due to be anonymised (a dry run of the retention job)."""
    return int(s.execute(sa.select(sa.func.count()).select_from(due_for_anonymising(cutoff).subquery())).scalar_one())
