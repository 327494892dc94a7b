"""Registering a man: found once, never twice (his PINFL, or his name in any script and his birth date), in the
caller's area; a man registered in another area is a 409 naming where to ask."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import sqlalchemy as sa
from qadam import audit
from qadam.auth import Principal
from qadam.errors import conflict
from sqlalchemy.orm import Session

from ..domain import name_key, participant_code
from ..models import Participant, participant_number
from ..queries import areas_of, known_place_or_422
from ..scoping import require_area


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
    participant, known = find_or_register(s, principal=principal, person=person, year=year, reuse=False)
    assert not known
    return participant


def find_or_register(s: Session, *, principal: Principal, person: PersonAsked, year: int,
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
