"""Enrollment's use cases that more than one route calls: registering a man, recording his protection order and
placing him in a cohort, each alone or the three as one referral. Keyword-only functions over the request's unit
of work; they raise the Problem a route answers with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from qadam import audit
from qadam.auth import Principal, Role
from qadam.errors import Problem, conflict, unprocessable
from qadam.outbox import add_event
from sqlalchemy.orm import Session

from .api.programmes import places_taken
from .api.scoping import known_place_or_422, may_see_participant, require_area
from .domain import name_key, participant_code
from .domain.lifecycle import EnrolmentStatus
from .domain.orders import OrderStatus
from .events import enrolled
from .models import Cohort, Enrolment, EnrolmentTransition, Participant, ProtectionOrder, participant_number
from .projections import support_worker_problem
from .service import publish_order_issued


# -- the man -----------------------------------------------------------------------------------------------------
def registered_already(s: Session, *, principal: Principal, person: dict[str, Any]) -> list[Participant]:
    """The men of the caller's area this person may be: the one of his PINFL, else those of the same name (in any
    script) and birth date, less the codes in `not_a_duplicate_of`. A man of his PINFL registered in another area,
    or only namesakes there, is a 409 naming that area (whom to contact, never his code); namesakes there the caller
    has checked with (`not_registered_elsewhere`) are set aside, and the check is audited."""
    pinfl = person.get("pinfl")
    if pinfl:
        existing = s.execute(sa.select(Participant).where(Participant.pinfl == pinfl)).scalar()
        if existing and not principal.covers(region=existing.region, district=existing.district):
            refer_elsewhere([existing], "A man with this PINFL")
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
            refer_elsewhere(outside, "A man with the same name and birth date")
        # checked with the inspectors there: someone else of the same name and birth date (audited)
        audit.note(lookup="registered_in_another_area", areas=areas_of(outside),
                   override="not_registered_elsewhere",
                   note=(person.get("not_registered_elsewhere_note") or "").strip())
    return alike


def register_participant(s: Session, *, principal: Principal, person: dict[str, Any], year: int) -> Participant:
    """Register a man referred to a programme under a new pseudonymous code (of `year`, Uzbekistan's). The same
    person is never registered twice: a known PINFL, or the same name and birth date, is a 409 naming him."""
    participant, known = _find_or_register(s, principal=principal, person=person, year=year, reuse=False)
    assert not known
    return participant


def _find_or_register(s: Session, *, principal: Principal, person: dict[str, Any], year: int,
                      reuse: bool) -> tuple[Participant, bool]:
    """(the man, whether he was registered already); `reuse`: the one man he matches in the caller's area is
    found and used instead of a 409."""
    require_area(principal, person["region"], person["district"])
    with_place = person | known_place_or_422(s, person["region"], person["district"])
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
    participant = Participant(**kept, name_key=name_key(kept["full_name"]), code=participant_code(year, number),
                              created_by=principal.user_id)
    s.add(participant)
    s.flush()
    return participant, False


def areas_of(people: list[Participant]) -> list[dict[str, str]]:
    """The areas these men are registered in, each once, in order."""
    return [{"region": r, "district": d} for r, d in sorted({(p.region, p.district) for p in people})]


def refer_elsewhere(people: list[Participant], who: str) -> None:
    """409: he is registered in another area; name the area to contact there, not his code (need to know)."""
    areas = areas_of(people)
    audit.note(lookup="registered_in_another_area", areas=areas)
    where = "; ".join(f"{a['district']} ({a['region']})" for a in areas)
    raise conflict(f"{who} is registered in another area: {where}. Contact the prevention inspectors there before "
                   "registering him; his record stays with them.", registered_in=areas)


# -- his protection order ----------------------------------------------------------------------------------------
def record_order(s: Session, *, principal: Principal, order: dict[str, Any]) -> ProtectionOrder:
    """Record a protection order issued to a participant the caller may see; `protection_order.issued` goes out
    with it. An inspector records the orders they issued themselves; a number is recorded once."""
    require_area(principal, order["region"], order["district"])
    if principal.role == Role.INSPECTOR and order.get("issued_by") not in (None, principal.user_id):
        raise Problem(403, "An inspector records the orders they issued themselves.")
    data = order | {"issued_by": order.get("issued_by") or principal.user_id}
    data.update(known_place_or_422(s, data["region"], data["district"]))
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
    publish_order_issued(s, recorded)
    return recorded


# -- his place in a cohort ---------------------------------------------------------------------------------------
def enrol(s: Session, *, principal: Principal, enrolment: dict[str, Any]) -> Enrolment:
    """Refer a participant to a cohort, naming the order it answers, his prevention inspector and psychologist;
    the enrolment starts `referred` and `enrollment.enrolled` goes out with it."""
    data = dict(enrolment)
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
    add_event(s, enrolled(made, cohort))
    return made


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


def refer(s: Session, *, principal: Principal, person: dict[str, Any], order: dict[str, Any],
          placement: dict[str, Any], year: int) -> Referral:
    """A man referred under a protection order, in one unit of work: found (the one man of his area he matches)
    or registered, his order recorded and his enrolment made, each with the rules, events and refusals of its
    own request. A refusal of any part leaves nothing of the others (the caller's transaction rolls back)."""
    with _step("participant"):
        participant, known = _find_or_register(s, principal=principal, person=person, year=year, reuse=True)
    with _step("order"):
        recorded = record_order(s, principal=principal, order=order | {"participant_id": participant.id})
    with _step("enrolment"):
        made = enrol(s, principal=principal, enrolment=placement | {
            "participant_id": participant.id, "referral_source": "protection_order",
            "protection_order_id": recorded.id})
    return Referral(participant, known, recorded, made)
