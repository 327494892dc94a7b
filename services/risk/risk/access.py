"""Who may see and do what in risk, by role and by the enrolment's people and area (deny by default).

- psychologist: the enrolments he runs;
- inspector: the enrolments assigned to him, and those of his district;
- support worker (Inson centre): the enrolments whose victim she supports, and no others;
- supervisor, manager: their region (managers read; they never act on a case);
- administrator: everything.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

import sqlalchemy as sa
from qadam.auth import Principal, area_filter, assignment_filter
from qadam.errors import Problem, not_found
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .domain.her_view import concern_of, flag_for_her
from .evaluation import rules_in_force
from .models import EnrolmentView, Flag, RuleSetVersion

READERS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPPORT_WORKER, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
# the people who answer for a case and act on its flags (acknowledge, resolve)
ACTORS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPPORT_WORKER, Role.SUPERVISOR, Role.ADMINISTRATOR)
# his assessments' answers and who assessed him: never her support worker (she reads his level and flags only)
ASSESSMENT_READERS = tuple(role for role in READERS if role != Role.SUPPORT_WORKER)
EVERYONE = (*READERS, Role.AUDITOR)  # what is not personal data (rules, instruments) is open to every role


def visible(principal: Principal, enrolment_col: Any, region_col: Any, district_col: Any) -> Any:
    """A SQL condition: the rows (of any table with these columns) the principal may see."""
    if principal.role == Role.ADMINISTRATOR:
        return sa.true()
    if principal.role in (Role.SUPERVISOR, Role.MANAGER):
        return area_filter(principal, region_col, district_col)
    assigned_by: dict[str, Any] = {  # the column naming a case's person of each role
        Role.PSYCHOLOGIST: EnrolmentView.psychologist_id,
        Role.INSPECTOR: EnrolmentView.inspector_id,
        Role.SUPPORT_WORKER: EnrolmentView.victim_support_worker_id,
    }
    mine = assigned_by.get(principal.role)
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


def flag_of(s: Session, principal: Principal, flag_id: uuid.UUID, *, lock: bool = False) -> Flag:
    """The flag, if the principal may see it (404 otherwise); `lock`: locked for a move, and read afresh (another
    transaction may have just acknowledged or resolved it)."""
    query = sa.select(Flag).where(Flag.id == flag_id, visible(principal, Flag.enrolment_id, Flag.region, Flag.district))
    if lock:
        query = query.with_for_update(of=Flag).execution_options(populate_existing=True)
    flag = s.execute(query).scalar()
    if flag is None:
        raise not_found("flag", flag_id)
    return flag


def hears_no_attendance(principal: Principal) -> bool:
    """Her support worker: she reads his flags and level as risk/domain/her_view.py words them."""
    return principal.role == Role.SUPPORT_WORKER


def as_dict(flag: Flag | Mapping[str, Any]) -> Mapping[str, Any]:
    return flag if isinstance(flag, Mapping) else {c.key: getattr(flag, c.key) for c in Flag.__table__.columns}


def concerns(s: Session, flags: Iterable[Mapping[str, Any]]) -> dict[Any, str]:
    """flag id -> the kind of concern it is, by the kind of the rule that raised it in the rule set it was raised
    under (the rules in force for a flag that names none, or a rule since removed)."""
    flags = list(flags)
    versions = {f["rule_set_version"] for f in flags if f.get("rule_set_version") is not None}
    kinds = {v: {r.get("id"): r.get("kind") for r in rules if isinstance(r, dict)} for v, rules in s.execute(
        sa.select(RuleSetVersion.version, RuleSetVersion.rules).where(RuleSetVersion.version.in_(versions)))}
    now = {r.id: r.kind for r in rules_in_force(s).rules}
    return {f["id"]: concern_of(kinds.get(f.get("rule_set_version"), {}).get(f["rule_id"]) or now.get(f["rule_id"]),
                                f.get("evidence")) for f in flags}


def flags_as_read(s: Session, principal: Principal, flags: Iterable[Any], zone: tzinfo) -> list[Any]:
    """The flags as this principal reads them: as they are, or, for her support worker, as her_view words them."""
    if not hears_no_attendance(principal):
        return list(flags)
    rows = [as_dict(f) for f in flags]
    kind = concerns(s, rows)
    return [flag_for_her(f, kind[f["id"]], f["raised_at"].astimezone(zone).date()) for f in rows]
