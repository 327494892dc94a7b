"""What enrollment keeps of others' events, and the questions it asks of it: the portal's staff (is this her
support worker?) and areas (is this a district of the region?), and risk's flags (is a critical one unresolved?).
Upserts by version (or by time, for flags), so duplicates and reordering change nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from qadam.auth import Role
from qadam.names import fold, same_place
from qadam_contracts.portal import AreaChanged, UserChanged
from qadam_contracts.risk import FlagAcknowledged, FlagRaised, FlagResolved
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .models import KnownDistrict, RiskFlag, StaffMember


# -- the staff directory ---------------------------------------------------------------------------------------
def keep_staff_member(s: Session, data: UserChanged) -> None:
    row = {"user_id": data.user_id, "role": data.role, "region": data.region, "district": data.district,
           "active": data.active, "version": data.version}
    stmt = insert(StaffMember).values(row)
    s.execute(stmt.on_conflict_do_update(index_elements=[StaffMember.user_id],
                                         set_={k: stmt.excluded[k] for k in row if k != "user_id"},
                                         where=StaffMember.version < stmt.excluded.version))


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


# -- the areas -------------------------------------------------------------------------------------------------
def keep_district(s: Session, data: AreaChanged) -> None:
    row = {"region": data.region, "district": data.district, "mahallas": list(data.mahallas),
           "active": data.active, "version": data.version}
    stmt = insert(KnownDistrict).values(row)
    s.execute(stmt.on_conflict_do_update(index_elements=[KnownDistrict.region, KnownDistrict.district],
                                         set_={k: stmt.excluded[k] for k in ("mahallas", "active", "version")},
                                         where=KnownDistrict.version < stmt.excluded.version))


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


# -- risk's flags ----------------------------------------------------------------------------------------------
def keep_flag_raised(s: Session, data: FlagRaised) -> None:
    stmt = insert(RiskFlag).values(flag_id=data.flag_id, enrolment_id=data.enrolment_id, level=data.level,
                                   raised_at=data.raised_at)
    s.execute(stmt.on_conflict_do_update(index_elements=[RiskFlag.flag_id],
                                         set_={"level": stmt.excluded.level, "raised_at": stmt.excluded.raised_at}))


def keep_flag_handled(s: Session, data: FlagAcknowledged | FlagResolved, *, resolved: bool) -> None:
    """An acknowledgement or a resolution; it may arrive before the flag itself (then the level comes later)."""
    column = "resolved_at" if resolved else "acknowledged_at"
    at: datetime = data.at
    stmt = insert(RiskFlag).values(flag_id=data.flag_id, enrolment_id=data.enrolment_id, **{column: at})
    s.execute(stmt.on_conflict_do_update(index_elements=[RiskFlag.flag_id], set_={
        column: sa.func.coalesce(getattr(RiskFlag, column), stmt.excluded[column])}))


def open_critical_flags(s: Session, enrolment_id: uuid.UUID) -> int:
    return int(s.execute(sa.select(sa.func.count()).where(
        RiskFlag.enrolment_id == enrolment_id, RiskFlag.level == "critical", RiskFlag.resolved_at.is_(None)))
        .scalar_one())
