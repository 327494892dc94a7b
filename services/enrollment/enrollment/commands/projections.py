"""What enrollment keeps of others' events: the portal's staff (whom an enrolment may name as her support worker)
and areas (the districts of each region), risk's flags (is a critical one unresolved?), and sessions' sessions (what
an attendance register names). Upserts by version (or
by time, for flags), so duplicates and reordering change nothing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from qadam_contracts.portal import AreaChanged, UserChanged
from qadam_contracts.risk import FlagAcknowledged, FlagRaised, FlagResolved
from qadam_contracts.sessions import SessionPlanned
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ..models import KnownDistrict, RiskFlag, SessionView, StaffMember


def keep_staff_member(s: Session, *, data: UserChanged) -> None:
    row = {"user_id": data.user_id, "role": data.role, "region": data.region, "district": data.district,
           "active": data.active, "version": data.version}
    stmt = insert(StaffMember).values(row)
    s.execute(stmt.on_conflict_do_update(index_elements=[StaffMember.user_id],
                                         set_={k: stmt.excluded[k] for k in row if k != "user_id"},
                                         where=StaffMember.version < stmt.excluded.version))


def keep_district(s: Session, *, data: AreaChanged) -> None:
    row = {"region": data.region, "district": data.district, "mahallas": list(data.mahallas),
           "active": data.active, "version": data.version}
    stmt = insert(KnownDistrict).values(row)
    s.execute(stmt.on_conflict_do_update(index_elements=[KnownDistrict.region, KnownDistrict.district],
                                         set_={k: stmt.excluded[k] for k in ("mahallas", "active", "version")},
                                         where=KnownDistrict.version < stmt.excluded.version))


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


def keep_session(s: Session, *, data: SessionPlanned) -> None:
    """A session as planned, rescheduled or cancelled: the latest change wins (`changed_at`), whatever the order."""
    row = {"session_id": data.session_id, "cohort_id": data.cohort_id, "number": data.number, "kind": data.kind,
           "enrolment_id": data.enrolment_id, "scheduled_at": data.scheduled_at, "place": data.place,
           "status": data.status, "changed_at": data.changed_at}
    stmt = insert(SessionView).values(row)
    s.execute(stmt.on_conflict_do_update(index_elements=[SessionView.session_id],
                                         set_={k: stmt.excluded[k] for k in row if k != "session_id"},
                                         where=SessionView.changed_at <= stmt.excluded.changed_at))
