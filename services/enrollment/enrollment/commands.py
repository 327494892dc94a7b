"""Enrollment's use cases, for the routes and the event handlers alike: registering a man, recording his
protection order, placing him in a cohort (each alone or the three as one referral), moving and transferring his
enrolment, the programmes and cohorts, his marks and progress, the orders' watch, and what it keeps of others'
events. Keyword-only functions over the caller's unit of work: each keeps its history row and writes its event in
the same transaction, and raises the Problem a route answers with."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Required, TypedDict

import sqlalchemy as sa
from qadam import audit
from qadam.auth import Principal, Role
from qadam.errors import Problem, conflict, unprocessable
from qadam.outbox import add_event
from qadam_contracts.portal import AreaChanged, UserChanged
from qadam_contracts.risk import FlagAcknowledged, FlagRaised, FlagResolved
from qadam_contracts.sessions import AttendanceRecorded
from qadam_contracts.vocabulary import RED_WARNING_SIGNS
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from . import events
from .domain import name_key, participant_code
from .domain.lifecycle import (
    IN_PROGRAMME,
    Action,
    Caller,
    EnrolmentStatus,
    IllegalTransition,
    Move,
    Standing,
    add_months,
    complete_refusal,
    early_completion_needs_note,
    start_refusal,
    transition,
)
from .domain.orders import (
    OrderStatus,
    expiring_soon,
    extension_refusal,
    plan_due_on,
    plan_overdue,
)
from .domain.programmes import TEMPLATES
from .domain.progress import (
    EXIT_REVIEW_NOT_ATTENDED,
    RED_SIGN_RECORDED,
    AttendanceMark,
    Progress,
    completes,
    completion_holds,
    exit_reasons,
    latest_of,
    progress,
    supersedes,
)
from .events import OrderNow
from .models import (
    AttendanceRecord,
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
    participant_number,
)
from .queries import (
    areas_of,
    due_for_anonymising,
    known_place_or_422,
    order_facts,
    places_taken,
    rules_of,
    standing_of,
    support_worker_problem,
    with_critical_flag_open,
)
from .schemas import RULE_FIELDS
from .scoping import caller_of, may_move, may_see_participant, require_area, require_planning_region
from .settings import EnrollmentSettings


# -- what the callers ask: the loaded values of the request schemas (schemas.py), field for field ----------------
class PersonAsked(TypedDict):
    """A man to register (ParticipantIn)."""

    full_name: str
    birth_date: date
    sex: str
    pinfl: str | None
    phone: str | None
    region: str
    district: str
    mahalla: str | None
    preferred_language: str
    not_a_duplicate_of: list[str]
    not_registered_elsewhere: bool
    not_registered_elsewhere_note: str | None


class OrderTermsAsked(TypedDict):
    """A protection order as issued, without the man it binds (OrderTermsIn)."""

    number: str
    issued_by: str | None
    region: str
    district: str
    issued_on: date
    expires_on: date
    conditions: list[str]


class OrderAsked(OrderTermsAsked):
    """A protection order to record (OrderIn)."""

    participant_id: uuid.UUID


class PlacementAsked(TypedDict):
    """His place in a cohort and who answers for him (PlacementIn)."""

    cohort_id: uuid.UUID
    inspector_id: str
    psychologist_id: str
    victim_support_worker_id: str | None


class EnrolmentAsked(PlacementAsked):
    """An enrolment to make (EnrolmentIn)."""

    participant_id: uuid.UUID
    referral_source: str
    protection_order_id: uuid.UUID | None


class CurriculumItemAsked(TypedDict, total=False):
    number: Required[int]
    topic: Required[str]
    exit_review: bool


class ProgrammeRulesAsked(TypedDict, total=False):
    """What a programme version decides, as far as it is given (ProgrammeRules)."""

    description: str | None
    curriculum: list[CurriculumItemAsked]
    sessions_required: int
    sessions_per_week: int
    session_minutes: int
    completion_attendance_percent: int
    max_unexcused_absences: int
    max_consecutive_absences: int
    alert_unexcused_absences: int | None
    alert_consecutive_absences: int | None
    absence_call_hours: int | None
    makeup_sessions_count: bool
    follow_up_months: int
    review_at_session: int | None
    group_size_min: int
    group_size_max: int
    facilitators_per_group: int


class ProgrammeAsked(ProgrammeRulesAsked, total=False):
    """A programme to define (ProgrammeIn)."""

    name: Required[str]
    template: str | None
    region: str | None


class ScheduleAsked(TypedDict, total=False):
    weekdays: list[int]
    time: str | None
    place: str | None


class CohortAsked(TypedDict):
    """A cohort to form (CohortIn)."""

    programme_id: uuid.UUID
    name: str
    region: str
    district: str
    mahalla: str | None
    facilitator_ids: list[str]
    capacity: int | None
    schedule: ScheduleAsked
    start_date: date


class ReferralAsked(TypedDict):
    """A man referred under a protection order, in one request (ReferralIn)."""

    participant: PersonAsked
    order: OrderTermsAsked
    enrolment: PlacementAsked


class CohortChanges(TypedDict, total=False):
    """Changes to a cohort, as far as they are given (CohortUpdate)."""

    status: str
    facilitator_ids: list[str]
    capacity: int
    schedule: ScheduleAsked


SYSTEM = "system"  # who made an automatic move


# -- the enrolment's life ----------------------------------------------------------------------------------------


def move_enrolment(s: Session, *, enrolment: Enrolment, action: Action, by: str, reason: str | None = None,
                   note: str | None = None, today: date | None = None) -> Move:
    """Apply a lifecycle action (IllegalTransition / ValueError if it is not allowed), keep it, publish it."""
    move = transition(EnrolmentStatus(enrolment.status), action, reason)
    today = today or datetime.now(UTC).date()
    enrolment.version += 1
    enrolment.status = move.to_status.value
    if move.reason is not None or move.to_status is not EnrolmentStatus.ACTIVE:
        enrolment.status_reason = move.reason
    if move.to_status is EnrolmentStatus.ACTIVE:
        enrolment.status_reason = None
        enrolment.started_on = enrolment.started_on or today
    if move.to_status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.EXITED, EnrolmentStatus.EXCLUDED):
        enrolment.finished_on = today
    if move.to_status is EnrolmentStatus.COMPLETED:
        months = enrolment.programme.follow_up_months if enrolment.programme else 0
        enrolment.follow_up_until = add_months(today, months)
    if move.from_status is EnrolmentStatus.ACTIVE:
        enrolment.completion_proposed_at, enrolment.completion_proposal = None, None
    s.add(EnrolmentTransition(enrolment_id=enrolment.id, action=action.value, from_status=move.from_status.value,
                              to_status=move.to_status.value, reason=move.reason, note=note, by=by))
    add_event(s, events.status_changed(enrolment, action, move, by=by, at=datetime.now(UTC)))
    return move


def _change_support_worker(s: Session, enrolment: Enrolment, worker: str | None, *, by: str) -> None:
    """Link her support worker to the enrolment, change or remove them (a new version), and publish it; nothing
    when it is the one linked already."""
    previous = enrolment.victim_support_worker_id
    if worker == previous:
        return
    enrolment.victim_support_worker_id = worker
    enrolment.version += 1
    add_event(s, events.support_worker_changed(enrolment, previous=previous, by=by, at=datetime.now(UTC)))


def record_attendance(s: Session, *, marks: list[AttendanceRecorded]) -> None:
    """Keep the marks (the latest recording of a session wins) and bring each enrolment's progress up to date."""
    latest = latest_of(marks, key=lambda d: (d.enrolment_id, d.session_id), at=lambda d: d.recorded_at)
    rows = [{"enrolment_id": d.enrolment_id, "session_id": d.session_id, "session_number": d.session_number,
             "session_kind": d.session_kind or "group", "scheduled_at": d.scheduled_at, "status": d.status,
             "recorded_at": d.recorded_at} for d in latest.values()]
    stmt = insert(AttendanceRecord)
    s.execute(stmt.on_conflict_do_update(
        index_elements=[AttendanceRecord.enrolment_id, AttendanceRecord.session_id],
        set_={c: stmt.excluded[c] for c in ("session_number", "session_kind", "scheduled_at", "status", "recorded_at")},
        where=supersedes(stmt.excluded.recorded_at, AttendanceRecord.recorded_at)), rows)
    ids = sorted({d.enrolment_id for d in latest.values()})
    enrolments = s.execute(sa.select(Enrolment).where(Enrolment.id.in_(ids)).order_by(Enrolment.id)
                           .with_for_update(of=Enrolment)).unique().scalars().all()
    by_enrolment: dict[uuid.UUID, list[AttendanceMark]] = {}
    for r in s.execute(sa.select(AttendanceRecord).where(AttendanceRecord.enrolment_id.in_(ids))).scalars():
        by_enrolment.setdefault(r.enrolment_id, []).append(
            AttendanceMark(str(r.session_id), r.session_number, r.scheduled_at, r.status, r.session_kind))
    # A red sign recorded with a mark (risk has not turned it into a critical flag yet): no completion with it.
    red = {d.enrolment_id for d in marks if RED_WARNING_SIGNS & set(d.warning_signs)}
    for enrolment in enrolments:
        _update_progress(s, enrolment, progress(by_enrolment.get(enrolment.id, []), rules_of(enrolment)),
                        red_sign=enrolment.id in red)


def _update_progress(s: Session, enrolment: Enrolment, p: Progress, *, red_sign: bool = False) -> None:
    """Store the figures; complete the enrolment when the curriculum is done; propose exit past the limits.
    `red_sign`: a mark just recorded carries a red warning sign (once proposed for it, he stays proposed)."""
    enrolment.sessions_recorded, enrolment.sessions_attended = p.sessions_recorded, p.sessions_attended
    enrolment.excused_absences, enrolment.unexcused_absences = p.excused_absences, p.unexcused_absences
    enrolment.consecutive_absences = p.consecutive_absences
    enrolment.last_session_number, enrolment.last_attended_number = p.last_session_number, p.last_attended_number
    enrolment.exit_review_attended = p.exit_review_attended
    if enrolment.status != EnrolmentStatus.ACTIVE.value:
        return  # marks of a suspended or finished enrolment are kept, but move nothing
    rules = rules_of(enrolment)
    if completes(p, rules):
        red_sign = red_sign or RED_SIGN_RECORDED in (enrolment.completion_proposal or [])
        holds = completion_holds(exit_review_session=rules.exit_review_session,
                                 exit_review_attended=p.exit_review_attended,
                                 critical_flag_open=bool(with_critical_flag_open(s, [enrolment.id])),
                                 red_sign_recorded=red_sign)
        if not holds:
            move_enrolment(s, enrolment=enrolment, action=Action.COMPLETE, by=SYSTEM,
                           note="The curriculum is done and attended enough.")
            return
        # Proposed, not completed: a person decides (the complete action), once what holds it back is seen to.
        enrolment.completion_proposed_at = enrolment.completion_proposed_at or datetime.now(UTC)
        enrolment.completion_proposal = holds
    else:
        enrolment.completion_proposed_at, enrolment.completion_proposal = None, None
    reasons = exit_reasons(p, rules)
    if reasons and enrolment.exit_proposed_at is None:
        proposed_at = enrolment.exit_proposed_at = datetime.now(UTC)
        enrolment.exit_proposal = reasons
        add_event(s, events.exit_proposed(enrolment, reasons, unexcused=p.unexcused_absences,
                                          consecutive=p.consecutive_absences, at=proposed_at))
    elif not reasons and enrolment.exit_proposed_at is not None:
        # A correction (an absence found to be excused) can take the proposal back.
        enrolment.exit_proposed_at, enrolment.exit_proposal = None, None


# -- protection orders ------------------------------------------------------------------------------
def _order_now(s: Session, order: ProtectionOrder) -> OrderNow:
    """What every order event says of his enrolments (OrderAttention), and whether his follow-up runs past the
    order's end."""
    enrolments = s.execute(sa.select(Enrolment.id, Enrolment.status, Enrolment.follow_up_until).where(
        Enrolment.participant_id == order.participant_id)).all()
    open_enrolments = [e.id for e in enrolments if e.status in ("referred", "assessed", "active", "suspended")]
    # The programme is part of the order: unfinished until he completed one (not yet referred counts too).
    unfinished = not any(e.status in ("completed", "closed") for e in enrolments)
    follow_up_unfinished = any(e.status == "completed" and e.follow_up_until is not None
                               and e.follow_up_until > order.expires_on for e in enrolments)
    return OrderNow(open_enrolments=list(open_enrolments), programme_unfinished=unfinished,
                    follow_up_unfinished=follow_up_unfinished)


def _publish_order_issued(s: Session, order: ProtectionOrder) -> None:
    """enrollment.order.issued: with his responsible inspector and her support worker (of his latest open
    enrolment) and the day of his previous order, if any (a second order within a year is a warning sign)."""
    now = _order_now(s, order)
    latest = s.execute(sa.select(Enrolment.inspector_id, Enrolment.victim_support_worker_id).where(
        Enrolment.participant_id == order.participant_id,
        Enrolment.status.in_(("referred", "assessed", "active", "suspended")))
        .order_by(Enrolment.enrolled_at.desc()).limit(1)).first()
    previous = s.execute(sa.select(sa.func.max(ProtectionOrder.issued_on)).where(
        ProtectionOrder.participant_id == order.participant_id, ProtectionOrder.id != order.id,
        ProtectionOrder.issued_on <= order.issued_on)).scalar()
    add_event(s, events.order_issued(
        order, now, inspector_id=latest.inspector_id if latest else None,
        victim_support_worker_id=latest.victim_support_worker_id if latest else None, previous_order_on=previous))


def _end_order(s: Session, order: ProtectionOrder, how: str, today: date) -> None:
    """The order ends (`expired` by the clock or marked so, or `revoked`): keep it, tell whoever follows."""
    order.status = how
    add_event(s, events.order_ended(order, _order_now(s, order), on=today, how=how))


def scan_orders(s: Session, *, settings: EnrollmentSettings, today: date) -> dict[str, int]:
    """Publish, once each, the orders whose correction plan is overdue and those expiring while his programme or
    his follow-up is unfinished; mark orders past their expiry as expired (and publish that they ended)."""
    calendar = settings.working_calendar
    counts = {"plan_overdue": 0, "expiring": 0, "expired": 0}
    expired = s.execute(sa.select(ProtectionOrder).where(ProtectionOrder.status == OrderStatus.ACTIVE,
                                                         ProtectionOrder.expires_on < today)
                        .with_for_update(of=ProtectionOrder, skip_locked=True)).unique().scalars().all()
    for order in expired:
        _end_order(s, order, OrderStatus.EXPIRED, today)
    counts["expired"] = len(expired)
    candidates = s.execute(sa.select(ProtectionOrder).where(
        ProtectionOrder.status == OrderStatus.ACTIVE,
        sa.or_(sa.and_(ProtectionOrder.plan_agreed_on.is_(None), ProtectionOrder.plan_overdue_reported_at.is_(None)),
               sa.and_(ProtectionOrder.expires_on <= today + timedelta(days=settings.order_expiry_warning_days),
                       sa.or_(ProtectionOrder.expiry_reported_for.is_(None),
                              ProtectionOrder.expiry_reported_for != ProtectionOrder.expires_on))))
        .with_for_update(of=ProtectionOrder, skip_locked=True)).unique().scalars().all()
    for order in candidates:
        facts = order_facts(order)
        now = _order_now(s, order)
        if order.plan_overdue_reported_at is None and plan_overdue(facts, today, **calendar):
            order.plan_overdue_reported_at = datetime.now(UTC)
            add_event(s, events.order_plan_overdue(order, now, due_on=plan_due_on(facts, **calendar)))
            counts["plan_overdue"] += 1
        if (order.expiry_reported_for != order.expires_on
                and (now.programme_unfinished or now.follow_up_unfinished)
                and expiring_soon(facts, today, within_days=settings.order_expiry_warning_days)):
            order.expiry_reported_for = order.expires_on
            add_event(s, events.order_expiring(order, now, days_left=(order.expires_on - today).days))
            counts["expiring"] += 1
    return counts


def close_followed_up(s: Session, *, today: date) -> int:
    """Close completed enrolments whose follow-up period has ended."""
    due = s.execute(sa.select(Enrolment).where(Enrolment.status == EnrolmentStatus.COMPLETED.value,
                                               Enrolment.follow_up_until < today)
                    .with_for_update(of=Enrolment, skip_locked=True)).unique().scalars().all()
    for enrolment in due:
        move_enrolment(s, enrolment=enrolment, action=Action.CLOSE, by=SYSTEM, note="The follow-up period is over.", today=today)
    return len(due)


# -- the man -----------------------------------------------------------------------------------------------------
def registered_already(s: Session, *, principal: Principal, person: PersonAsked) -> list[Participant]:
    """The men of the caller's area this person may be: the one of his PINFL, else those of the same name (in any
    script) and birth date, less the codes in `not_a_duplicate_of`. A man of his PINFL registered in another area,
    or only namesakes there, is a 409 naming that area (whom to contact, never his code); namesakes there the caller
    has checked with (`not_registered_elsewhere`) are set aside, and the check is audited."""
    pinfl = person.get("pinfl")
    if pinfl:
        existing = s.execute(sa.select(Participant).where(Participant.pinfl == pinfl)).scalar()
        if existing and not principal.covers(region=existing.region, district=existing.district):
            _refer_elsewhere([existing], "A man with this PINFL")
        if existing:
            return [existing]
    checked = set(person.get("not_a_duplicate_of") or ())
    same = [p for p in s.execute(sa.select(Participant).where(
        Participant.name_key == name_key(person["full_name"]), Participant.birth_date == person["birth_date"])).scalars()
        if p.code not in checked and not (p.pinfl and pinfl and p.pinfl != pinfl)]
    outside = [p for p in same if not principal.covers(region=p.region, district=p.district)]
    alike = [p for p in same if p not in outside]
    if outside and not alike:
        if not person.get("not_registered_elsewhere"):
            _refer_elsewhere(outside, "A man with the same name and birth date")
        # checked with the inspectors there: someone else of the same name and birth date (audited)
        audit.note(lookup="registered_in_another_area", areas=areas_of(outside),
                   override="not_registered_elsewhere",
                   note=(person.get("not_registered_elsewhere_note") or "").strip())
    return alike


def register_participant(s: Session, *, principal: Principal, person: PersonAsked, year: int) -> Participant:
    """Register a man referred to a programme under a new pseudonymous code (of `year`, Uzbekistan's). The same
    person is never registered twice: a known PINFL, or the same name and birth date, is a 409 naming him."""
    participant, known = _find_or_register(s, principal=principal, person=person, year=year, reuse=False)
    assert not known
    return participant


def _find_or_register(s: Session, *, principal: Principal, person: PersonAsked, year: int,
                      reuse: bool) -> tuple[Participant, bool]:
    """(the man, whether he was registered already); `reuse`: the one man he matches in the caller's area is
    found and used instead of a 409."""
    require_area(principal, person["region"], person["district"])
    place = known_place_or_422(s, person["region"], person["district"])
    with_place: PersonAsked = {**person, "region": place.region, "district": place.district}
    found = registered_already(s, principal=principal, person=with_place)
    if len(found) == 1 and reuse:
        return found[0], True
    if found and person.get("pinfl") and found[0].pinfl == person["pinfl"]:
        raise conflict(f"A participant with this PINFL is registered already as {found[0].code}; "
                       "enrol him instead of registering him again.", existing_code=found[0].code)
    if found:
        alike = [p.code for p in found]
        raise conflict(f"{', '.join(alike)} has the same name and birth date; if this is him, enrol him instead. "
                       "If it is someone else, send the request again with those codes in `not_a_duplicate_of`.",
                       possible_duplicates=alike)
    kept = {k: v for k, v in with_place.items()
            if k not in ("not_a_duplicate_of", "not_registered_elsewhere", "not_registered_elsewhere_note")}
    number = s.execute(participant_number.next_value()).scalar_one()
    participant = Participant(**kept, name_key=name_key(with_place["full_name"]), code=participant_code(year, number),
                              created_by=principal.user_id)
    s.add(participant)
    s.flush()
    return participant, False


def _refer_elsewhere(people: list[Participant], who: str) -> None:
    """409: he is registered in another area; name the area to contact there, not his code (need to know)."""
    areas = areas_of(people)
    audit.note(lookup="registered_in_another_area", areas=areas)
    where = "; ".join(f"{a['district']} ({a['region']})" for a in areas)
    raise conflict(f"{who} is registered in another area: {where}. Contact the prevention inspectors there before "
                   "registering him; his record stays with them.", registered_in=areas)


# -- his protection order ----------------------------------------------------------------------------------------
def record_order(s: Session, *, principal: Principal, order: OrderAsked) -> ProtectionOrder:
    """Record a protection order issued to a participant the caller may see; `protection_order.issued` goes out
    with it. An inspector records the orders they issued themselves; a number is recorded once."""
    require_area(principal, order["region"], order["district"])
    if principal.role == Role.INSPECTOR and order.get("issued_by") not in (None, principal.user_id):
        raise Problem(403, "An inspector records the orders they issued themselves.")
    place = known_place_or_422(s, order["region"], order["district"])
    data: OrderAsked = {**order, "issued_by": order.get("issued_by") or principal.user_id, "region": place.region,
                        "district": place.district}
    participant = s.get(Participant, data["participant_id"])
    if participant is None or not may_see_participant(s, principal, participant):
        raise unprocessable("No such participant in your area.", {"participant_id": ["No such participant."]})
    taken = s.execute(sa.select(ProtectionOrder.id).where(ProtectionOrder.number == data["number"])).scalar()
    if taken:
        raise conflict(f"Order {data['number']} is recorded already.", existing_order_id=str(taken))
    recorded = ProtectionOrder(**data, status=OrderStatus.ACTIVE)
    recorded.participant = participant
    s.add(recorded)
    s.flush()
    _publish_order_issued(s, recorded)
    return recorded


# -- his place in a cohort ---------------------------------------------------------------------------------------
def enrol(s: Session, *, principal: Principal, enrolment: EnrolmentAsked) -> Enrolment:
    """Refer a participant to a cohort, naming the order it answers, his prevention inspector and psychologist;
    the enrolment starts `referred` and `enrollment.enrolled` goes out with it."""
    data = enrolment
    cohort = s.get(Cohort, data["cohort_id"], with_for_update={"of": Cohort})
    participant = s.get(Participant, data["participant_id"])
    order = s.get(ProtectionOrder, data["protection_order_id"]) if data["protection_order_id"] else None
    errors: dict[str, list[str]] = {}
    if cohort is None:
        errors["cohort_id"] = ["No such cohort."]
    if participant is None:
        errors["participant_id"] = ["No such participant."]
    if cohort is not None and data["psychologist_id"] not in cohort.facilitator_ids:
        errors["psychologist_id"] = [f"Must be one of the cohort's facilitators: {', '.join(cohort.facilitator_ids)}."]
    if data["protection_order_id"] and (order is None or order.participant_id != data["participant_id"]):
        errors["protection_order_id"] = ["No such protection order of this participant."]
    if cohort is not None and data["victim_support_worker_id"] is not None and (
            problem := support_worker_problem(s, data["victim_support_worker_id"], cohort.region)):
        errors["victim_support_worker_id"] = [problem]
    if errors:
        raise unprocessable("The enrolment cannot be made as asked: see `errors`.", errors)
    assert cohort is not None and participant is not None
    require_area(principal, cohort.region, cohort.district)
    if not may_see_participant(s, principal, participant):
        raise unprocessable("The enrolment cannot be made as asked: see `errors`.",  # as for no such man
                            {"participant_id": ["No such participant."]})
    if principal.role == Role.INSPECTOR and data["inspector_id"] != principal.user_id:
        raise Problem(403, "An inspector enrols participants as their own responsible inspector; "
                           "ask a manager to assign another inspector.")
    if cohort.status in ("finished", "cancelled"):
        raise conflict(f"The cohort is {cohort.status}; refer him to a cohort that is forming or running.")
    duplicate = s.execute(sa.select(Enrolment.id).where(
        Enrolment.participant_id == participant.id, Enrolment.cohort_id == cohort.id)).scalar()
    if duplicate:
        raise conflict(f"{participant.code} is enrolled in this cohort already (enrolment {duplicate}).",
                       existing_enrolment_id=str(duplicate))
    if places_taken(s, cohort.id) >= cohort.capacity:
        raise conflict(f"The cohort is full ({cohort.capacity} places); choose another or raise its capacity.")
    made = Enrolment(**data, programme_id=cohort.programme_id, region=cohort.region, district=cohort.district,
                     status=EnrolmentStatus.REFERRED.value, created_by=principal.user_id)
    made.participant, made.cohort, made.programme = participant, cohort, cohort.programme
    s.add(made)
    s.flush()
    s.refresh(made, ["enrolled_at"])
    s.add(EnrolmentTransition(enrolment_id=made.id, action="refer", from_status=None, to_status=made.status,
                              reason=data["referral_source"], by=principal.user_id, to_cohort_id=cohort.id))
    add_event(s, events.enrolled(made, cohort))
    return made


# -- moves people make ------------------------------------------------------------------------------------------
class TransitionAsked(TypedDict):
    """A move of the enrolment as asked (TransitionIn): the action, the reason it needs, a note."""

    action: str
    reason: str | None
    note: str | None


def transition_enrolment(s: Session, *, principal: Principal, enrolment: Enrolment, asked: TransitionAsked,
                         today: date) -> Move:
    """Move the enrolment (locked by the caller) as the caller asks: 403 unless they may move it, 409 for a move
    the lifecycle does not allow now (naming the allowed ones), 422 for a missing reason or note."""
    action = Action(asked["action"])
    if not may_move(principal, enrolment):
        raise Problem(403, "Only the enrolment's psychologist, its inspector or staff of its area move it.")
    if action is Action.START:
        # Lock the man, not only this enrolment: two of his enrolments cannot start at the same moment.
        s.execute(sa.select(Participant.id).where(Participant.id == enrolment.participant_id).with_for_update())
    standing = standing_of(s, enrolment)
    if action is Action.START and (refusal := start_refusal(standing)):
        raise conflict(refusal)
    if action is Action.COMPLETE and enrolment.status == EnrolmentStatus.ACTIVE.value:
        # (from elsewhere it is an illegal move: 409 below)
        _may_complete(caller_of(principal, enrolment), standing, enrolment, asked["note"])
    try:
        return move_enrolment(s, enrolment=enrolment, action=action, by=principal.user_id, reason=asked["reason"],
                              note=asked["note"], today=today)
    except IllegalTransition as exc:
        raise conflict(str(exc), allowed_actions=exc.allowed) from None
    except ValueError as exc:
        raise unprocessable(str(exc), {"reason": [str(exc)]}) from None


def _may_complete(caller: Caller, standing: Standing, enrolment: Enrolment, note: str | None) -> None:
    """Completion comes with the curriculum, unless a critical flag is open or the exit review is not recorded as
    attended: then he is proposed and a person decides, saying why when it is before the curriculum is done or
    without the exit review. Never while a critical flag is open."""
    if refusal := complete_refusal(caller, standing):
        raise conflict(refusal, completion_proposal=enrolment.completion_proposal or [])
    rules = rules_of(enrolment)
    without_review = EXIT_REVIEW_NOT_ATTENDED in completion_holds(
        exit_review_session=rules.exit_review_session, exit_review_attended=enrolment.exit_review_attended,
        critical_flag_open=False)
    if why := early_completion_needs_note(curriculum_done=standing.curriculum_done, without_review=without_review,
                                          note=note):
        raise unprocessable(why, {"note": ["Say why he completes now."]})


class TransferAsked(TypedDict):
    """A transfer as asked (TransferIn): the new cohort, and who answers for him there (None: its first
    facilitator, his inspector as before)."""

    cohort_id: uuid.UUID
    psychologist_id: str | None
    inspector_id: str | None
    note: str | None


def transfer_enrolment(s: Session, *, principal: Principal, enrolment: Enrolment, asked: TransferAsked) -> None:
    """Move him (his enrolment, locked by the caller) to another cohort of the same programme, in another district
    too; his marks, progress and history go with him, and `enrollment.transferred` goes out."""
    if not may_move(principal, enrolment):
        raise Problem(403, "Only the enrolment's inspector or staff of its area transfer it.")
    if EnrolmentStatus(enrolment.status) not in IN_PROGRAMME | {EnrolmentStatus.REFERRED}:
        raise conflict(f"An enrolment that is {enrolment.status} is not transferred.")
    target = s.get(Cohort, asked["cohort_id"], with_for_update={"of": Cohort})
    if target is None or target.id == enrolment.cohort_id:
        raise unprocessable("Transfer to another existing cohort.", {"cohort_id": ["Another cohort."]})
    if principal.role != Role.ADMINISTRATOR and target.region != principal.region:
        raise Problem(403, f"{target.district} ({target.region}) is outside your region.")
    if target.programme.lineage_id != enrolment.cohort.programme.lineage_id:
        raise conflict("The new cohort runs another programme; exit (reason: transferred) and refer him anew.")
    if places_taken(s, target.id) >= target.capacity:
        raise conflict(f"The cohort is full ({target.capacity} places).")
    psychologist = asked["psychologist_id"] or target.facilitator_ids[0]
    if psychologist not in target.facilitator_ids:
        raise unprocessable("The psychologist facilitates the new cohort.",
                            {"psychologist_id": [f"One of {', '.join(target.facilitator_ids)}."]})
    if principal.role == Role.INSPECTOR and asked["inspector_id"] and asked["inspector_id"] != principal.user_id:
        raise Problem(403, "An inspector hands an enrolment only to themselves; ask a manager to assign another.")
    source = enrolment.cohort_id
    enrolment.version += 1
    enrolment.cohort, enrolment.cohort_id = target, target.id
    enrolment.region, enrolment.district = target.region, target.district
    enrolment.psychologist_id = psychologist
    enrolment.inspector_id = asked["inspector_id"] or enrolment.inspector_id
    s.add(EnrolmentTransition(enrolment_id=enrolment.id, action="transfer", from_status=enrolment.status,
                              to_status=enrolment.status, note=asked["note"], by=principal.user_id,
                              from_cohort_id=source, to_cohort_id=target.id))
    add_event(s, events.transferred(enrolment, from_cohort_id=source, at=datetime.now(UTC)))


def link_support_worker(s: Session, *, principal: Principal, enrolment: Enrolment, worker: str | None) -> None:
    """Link her support worker (Inson centre) to the enrolment (locked by the caller), change or remove them: his
    inspector or a supervisor of his area; an active support worker of his region."""
    if principal.role == Role.INSPECTOR and not principal.assigned(enrolment.inspector_id):
        raise Problem(403, "His own inspector, or a supervisor of his area, links her support worker.")
    if principal.role == Role.SUPERVISOR and not principal.covers(region=enrolment.region, district=enrolment.district):
        raise Problem(403, f"{enrolment.district} ({enrolment.region}) is outside your area.")
    if worker is not None and (problem := support_worker_problem(s, worker, enrolment.region)):
        raise unprocessable(problem, {"victim_support_worker_id": [problem]})
    _change_support_worker(s, enrolment, worker, by=principal.user_id)


# -- his order, later --------------------------------------------------------------------------------------------
def end_order_early(s: Session, *, order: ProtectionOrder, how: str, today: date) -> None:
    """Revoke the order (locked by the caller), or mark it expired early: 409 unless it is in force."""
    if order.status != OrderStatus.ACTIVE:
        raise conflict(f"The order is {order.status} already.")
    _end_order(s, order, how, today)


class ExtensionAsked(TypedDict):
    """An extension as asked (OrderExtensionIn): the new expiry, who decided, and why."""

    new_expiry: date
    decided_by: str
    reason: str


def extend_order(s: Session, *, principal: Principal, order: ProtectionOrder, asked: ExtensionAsked,
                 today: date) -> None:
    """Extend the order (locked by the caller); the previous expiry and who decided stay in its history."""
    if refusal := extension_refusal(order_facts(order), today):
        raise conflict(refusal)
    if asked["new_expiry"] <= order.expires_on:
        raise unprocessable("An extension ends after the current expiry.",
                            {"new_expiry": [f"Later than {order.expires_on.isoformat()}."]})
    s.add(OrderExtension(order_id=order.id, previous_expiry=order.expires_on, new_expiry=asked["new_expiry"],
                         decided_by=asked["decided_by"], reason=asked["reason"], recorded_by=principal.user_id))
    order.expires_on = asked["new_expiry"]
    order.status = OrderStatus.ACTIVE
    s.flush()


def agree_correction_plan(s: Session, *, order: ProtectionOrder, agreed_on: date, today: date) -> None:
    """Record that the individual correction plan was agreed with the Inson centre, between the order's issue and
    today."""
    if agreed_on < order.issued_on or agreed_on > today:
        raise unprocessable("The plan is agreed between the order's issue and today.",
                            {"agreed_on": [f"From {order.issued_on.isoformat()} to {today.isoformat()}."]})
    order.plan_agreed_on = agreed_on


# -- the three as one referral -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Referral:
    """What one referral made: the man (found or registered), his order and his enrolment."""

    participant: Participant
    registered_already: bool
    order: ProtectionOrder
    enrolment: Enrolment


@contextmanager
def _step(name: str) -> Iterator[None]:
    """A refusal of one part of a referral names that part: `step`, and its field errors under the part's name
    (`order.number`), as the request's body names them."""
    try:
        yield
    except Problem as problem:
        problem.extensions["step"] = name
        if isinstance(problem.extensions.get("errors"), dict):
            problem.extensions["errors"] = {name: problem.extensions["errors"]}
        raise


def refer(s: Session, *, principal: Principal, person: PersonAsked, order: OrderTermsAsked,
          placement: PlacementAsked, year: int) -> Referral:
    """A man referred under a protection order, in one unit of work: found (the one man of his area he matches)
    or registered, his order recorded and his enrolment made, each with the rules, events and refusals of its
    own request. A refusal of any part leaves nothing of the others (the caller's transaction rolls back)."""
    with _step("participant"):
        participant, known = _find_or_register(s, principal=principal, person=person, year=year, reuse=True)
    with _step("order"):
        recorded = record_order(s, principal=principal, order={**order, "participant_id": participant.id})
    with _step("enrolment"):
        made = enrol(s, principal=principal, enrolment={
            **placement, "participant_id": participant.id, "referral_source": "protection_order",
            "protection_order_id": recorded.id})
    return Referral(participant, known, recorded, made)


# -- programmes and cohorts --------------------------------------------------------------------------------------
def define_programme(s: Session, *, principal: Principal, asked: ProgrammeAsked) -> Programme:
    """A programme (version 1) from a shipped template with changes, or from scratch (ProgrammeIn); for the
    caller's region (a national one: an administrator's). A name is used once: a 409 names the programme."""
    require_planning_region(principal, asked.get("region"))
    values: dict[str, Any] = ({k: v for k, v in TEMPLATES[asked["template"]].items() if k in RULE_FIELDS}
                              if asked.get("template") else {})
    values.update({k: v for k, v in asked.items() if k in RULE_FIELDS})
    if values.get("curriculum"):
        values["sessions_required"] = len(values["curriculum"])
    taken = s.execute(sa.select(Programme.id).where(Programme.name == asked["name"])).scalar()
    if taken:
        raise conflict(f"A programme named {asked['name']!r} exists already; make a new version of it instead.",
                       existing_programme_id=str(taken))
    pid = uuid.uuid4()
    programme = Programme(id=pid, lineage_id=pid, version=1, name=asked["name"], template=asked.get("template"),
                          region=asked.get("region"), created_by=principal.user_id, **values)
    s.add(programme)
    return programme


def version_programme(s: Session, *, principal: Principal, programme: Programme, changes: ProgrammeRulesAsked) -> Programme:
    """A new version of the programme with the changes given (ProgrammeRules); new cohorts take it, enrolments keep
    the version they started under."""
    require_planning_region(principal, programme.region)
    latest = s.execute(sa.select(Programme).where(Programme.lineage_id == programme.lineage_id)
                       .order_by(Programme.version.desc()).limit(1).with_for_update()).scalar_one()
    values = {f: getattr(latest, f) for f in RULE_FIELDS}
    values.update(changes)
    if changes.get("curriculum"):
        values["sessions_required"] = len(changes["curriculum"])
    newer = Programme(lineage_id=latest.lineage_id, version=latest.version + 1, name=latest.name,
                      template=latest.template, region=latest.region, created_by=principal.user_id, **values)
    latest.retired = True
    s.add(newer)
    return newer


def form_cohort(s: Session, *, principal: Principal, asked: CohortAsked) -> Cohort:
    """A cohort (group) of a programme's current version in a district of the caller's area, with its facilitator
    psychologists (CohortIn); `enrollment.cohort.created` goes out with it."""
    require_area(principal, asked["region"], asked["district"])
    place = known_place_or_422(s, asked["region"], asked["district"])
    programme = s.get(Programme, asked["programme_id"])
    if programme is None or programme.region not in (None, place.region):
        raise unprocessable("The programme does not exist for this region.",
                            {"programme_id": ["No such programme in this region."]})
    if programme.retired:
        raise conflict(f"Version {programme.version} of {programme.name} has been replaced; form the cohort "
                       "with the current version.")
    as_formed = {**asked, "region": place.region, "district": place.district,
                 "capacity": asked["capacity"] or programme.group_size_max}
    cohort = Cohort(**as_formed, status="forming", created_by=principal.user_id)
    cohort.version = 1
    cohort.programme = programme
    s.add(cohort)
    s.flush()
    add_event(s, events.cohort_created(cohort))
    return cohort


def change_cohort(s: Session, *, cohort: Cohort, changes: CohortChanges) -> None:
    """Change the cohort's (locked by the caller) status, facilitators, capacity or schedule (CohortUpdate); never
    its capacity below the places taken."""
    if "capacity" in changes and changes["capacity"] < (taken := places_taken(s, cohort.id)):
        raise conflict(f"{taken} take part in this cohort already; the capacity cannot be below that.")
    for key, value in changes.items():
        setattr(cohort, key, value)
    cohort.version += 1
    # sessions decides who records a cohort's sessions from its copy: it must follow every change
    add_event(s, events.cohort_updated(cohort))


# -- retention (the daily job, retention.py) --------------------------------------------------------------------
ANONYMISED_ORDER_PREFIX = "anon-"
REDACTED = "[anonymised]"
RETENTION_ROUTE = "retention:anonymise"


def anonymise_participants(s: Session, *, cutoff: date, limit: int) -> tuple[list[uuid.UUID], int]:
    """Anonymise up to `limit` participants whose cases ended before `cutoff` (retention.py says what is kept and
    what is cleared), in the caller's transaction: their ids and their enrolments' count."""
    ids = list(s.execute(due_for_anonymising(cutoff).order_by(Participant.id).limit(limit)
                         .with_for_update(of=Participant, skip_locked=True)).scalars())
    if not ids:
        return [], 0
    now = datetime.now(UTC)
    s.execute(sa.update(Participant).where(Participant.id.in_(ids)).values(
        full_name="", name_key="", pinfl=None, phone=None, mahalla=None, anonymised_at=now,
        birth_date=sa.func.make_date(sa.cast(sa.extract("year", Participant.birth_date), sa.Integer), 1, 1),
    ).execution_options(synchronize_session=False))
    orders = sa.select(ProtectionOrder.id).where(ProtectionOrder.participant_id.in_(ids)).scalar_subquery()
    s.execute(sa.update(ProtectionOrder).where(ProtectionOrder.participant_id.in_(ids)).values(
        number=ANONYMISED_ORDER_PREFIX + sa.cast(ProtectionOrder.id, sa.String), conditions=[],
    ).execution_options(synchronize_session=False))
    s.execute(sa.update(OrderExtension).where(OrderExtension.order_id.in_(orders)).values(
        decided_by=REDACTED, reason=REDACTED).execution_options(synchronize_session=False))
    theirs: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    for participant_id, enrolment_id in s.execute(sa.select(Enrolment.participant_id, Enrolment.id)
                                                  .where(Enrolment.participant_id.in_(ids)).order_by(Enrolment.id)):
        theirs[participant_id].append(enrolment_id)
    enrolment_ids = [e for mine in theirs.values() for e in mine]
    s.execute(sa.update(EnrolmentTransition).where(EnrolmentTransition.enrolment_id.in_(enrolment_ids),
                                                   EnrolmentTransition.note.is_not(None))
              .values(note=None).execution_options(synchronize_session=False))
    codes: dict[uuid.UUID, str] = {row.id: row.code for row in s.execute(
        sa.select(Participant.id, Participant.code).where(Participant.id.in_(ids)))}
    for participant_id in ids:  # sessions and risk clear what they hold about his enrolments
        add_event(s, events.participant_anonymised(codes[participant_id], theirs[participant_id], now))
    audit.append(s.connection(), {
        "at": now, "user_id": "system", "role": "system", "action": "write", "method": "RETAIN", "route": RETENTION_ROUTE,
        "record": {"cutoff": cutoff.isoformat(), "participants": len(ids), "enrolments": len(enrolment_ids),
                   "participant_ids": sorted(str(i) for i in ids)},
        "status": 200, "address": None, "reason": "retention period over", "correlation_id": None,
    })
    return ids, len(enrolment_ids)


# -- the staff directory ---------------------------------------------------------------------------------------
def keep_staff_member(s: Session, *, data: UserChanged) -> None:
    row = {"user_id": data.user_id, "role": data.role, "region": data.region, "district": data.district,
           "active": data.active, "version": data.version}
    stmt = insert(StaffMember).values(row)
    s.execute(stmt.on_conflict_do_update(index_elements=[StaffMember.user_id],
                                         set_={k: stmt.excluded[k] for k in row if k != "user_id"},
                                         where=StaffMember.version < stmt.excluded.version))


# -- the areas -------------------------------------------------------------------------------------------------
def keep_district(s: Session, *, data: AreaChanged) -> None:
    row = {"region": data.region, "district": data.district, "mahallas": list(data.mahallas),
           "active": data.active, "version": data.version}
    stmt = insert(KnownDistrict).values(row)
    s.execute(stmt.on_conflict_do_update(index_elements=[KnownDistrict.region, KnownDistrict.district],
                                         set_={k: stmt.excluded[k] for k in ("mahallas", "active", "version")},
                                         where=KnownDistrict.version < stmt.excluded.version))


# -- risk's flags ----------------------------------------------------------------------------------------------
def keep_flag_raised(s: Session, *, data: FlagRaised) -> None:
    stmt = insert(RiskFlag).values(flag_id=data.flag_id, enrolment_id=data.enrolment_id, level=data.level,
                                   raised_at=data.raised_at)
    s.execute(stmt.on_conflict_do_update(index_elements=[RiskFlag.flag_id],
                                         set_={"level": stmt.excluded.level, "raised_at": stmt.excluded.raised_at}))


def keep_flag_handled(s: Session, *, data: FlagAcknowledged | FlagResolved, resolved: bool) -> None:
    """An acknowledgement or a resolution; it may arrive before the flag itself (then the level comes later)."""
    column = "resolved_at" if resolved else "acknowledged_at"
    at: datetime = data.at
    stmt = insert(RiskFlag).values(flag_id=data.flag_id, enrolment_id=data.enrolment_id, **{column: at})
    s.execute(stmt.on_conflict_do_update(index_elements=[RiskFlag.flag_id], set_={
        column: sa.func.coalesce(getattr(RiskFlag, column), stmt.excluded[column])}))
