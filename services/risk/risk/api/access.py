"""Who may see and do what in risk, by role and by the enrolment's people and area (deny by default).

- psychologist: the enrolments he runs;
- inspector: the enrolments assigned to him, and those of his district;
- support worker (Inson centre): the enrolments whose victim she supports, and no others;
- supervisor, manager: their region (managers read; they never act on a case);
- administrator: everything.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from qadam.auth import Principal, Role, area_filter, assignment_filter
from qadam.errors import Problem, not_found
from sqlalchemy.orm import Session

from ..models import EnrolmentView

READERS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPPORT_WORKER, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
# the people who answer for a case and act on its flags (acknowledge, resolve)
ACTORS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPPORT_WORKER, Role.SUPERVISOR, Role.ADMINISTRATOR)
EVERYONE = (*READERS, Role.AUDITOR)  # what is not personal data (rules, instruments) is open to every role


def visible(principal: Principal, enrolment_col: Any, region_col: Any, district_col: Any) -> Any:
    """A SQL condition: the rows (of any table with these columns) the principal may see."""
    if principal.role == Role.ADMINISTRATOR:
        return sa.true()
    if principal.role in (Role.SUPERVISOR, Role.MANAGER):
        return area_filter(principal, region_col, district_col)
    mine = {
        Role.PSYCHOLOGIST: EnrolmentView.psychologist_id,
        Role.INSPECTOR: EnrolmentView.inspector_id,
        Role.SUPPORT_WORKER: EnrolmentView.victim_support_worker_id,
    }.get(principal.role)
    if mine is None or not principal.has_area:
        return sa.false()
    assigned = enrolment_col.in_(sa.select(EnrolmentView.enrolment_id).where(assignment_filter(principal, mine)))
    if principal.role in (Role.PSYCHOLOGIST, Role.SUPPORT_WORKER):
        return assigned
    return sa.or_(assigned, area_filter(principal, region_col, district_col))


def case_of(s: Session, principal: Principal, enrolment_id: uuid.UUID, *, acting: bool = False) -> EnrolmentView:
    """The enrolment, if the principal may see it (404 otherwise: no telling what exists); `acting` also needs a
    role that acts on cases (403 for a reader only)."""
    view = s.execute(sa.select(EnrolmentView).where(
        EnrolmentView.enrolment_id == enrolment_id,
        visible(principal, EnrolmentView.enrolment_id, EnrolmentView.region, EnrolmentView.district))).scalar()
    if view is None:
        raise not_found("enrolment", enrolment_id)
    if acting and principal.role not in ACTORS:
        raise Problem(403, f"A {principal.role} reads this case but does not act on it.")
    return view
