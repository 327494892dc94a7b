"""Who may see which of sessions' records: a psychologist the cohorts she runs, the others their area's. A refusal is
the 404 of the record asked for, worded as for an id that names nothing."""

from __future__ import annotations

import uuid
from typing import Protocol

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import Problem, not_found
from qadam_contracts.roles import Role
from sqlalchemy.orm import Session

from .models import AttendanceMark, CohortView, GroupSession, RosterEntry

READERS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
# Who reads the reports of staff work (programme fidelity, workload): a manager or a regional analyst his region's,
# an administrator or a national analyst any (qadam.auth.report_region).
REPORT_READERS = (Role.MANAGER, Role.ADMINISTRATOR, Role.ANALYST)


def cohort_of(s: Session, principal: Principal, cohort_id: uuid.UUID, *, facilitating: bool,
              asked: tuple[str, uuid.UUID] | None = None) -> CohortView:
    """The cohort if the caller may see it (or, with `facilitating`, work in it as its psychologist). `asked`: the
    record the caller asked for by id (a session, an enrolment), which a refusal names instead of its cohort."""
    cohort = s.get(CohortView, cohort_id)
    if cohort is None:
        raise not_found(*(asked or ("cohort", cohort_id)))
    check_cohort_access(principal, cohort, facilitating=facilitating, asked=asked)
    return cohort


class CohortScope(Protocol):
    """What access to a cohort depends on: a CohortView, or a row with the same columns."""

    cohort_id: uuid.UUID
    region: str
    district: str
    facilitator_ids: list[str]


def check_cohort_access(principal: Principal, cohort: CohortScope, *, facilitating: bool,
                        asked: tuple[str, uuid.UUID] | None = None) -> None:
    """Refuse a caller who may not see the cohort (or work in it) with the 404 of the record they asked for: the
    same words, byte for byte, as for an id that names nothing, so that a refusal tells nobody what exists."""
    is_facilitator = principal.user_id in cohort.facilitator_ids
    if principal.role == Role.PSYCHOLOGIST:
        visible = is_facilitator and principal.has_area
    else:
        visible = principal.covers(region=cohort.region, district=cohort.district)
    if not visible:
        raise not_found(*(asked or ("cohort", cohort.cohort_id)))
    if facilitating and principal.role not in (Role.PSYCHOLOGIST, Role.MANAGER, Role.ADMINISTRATOR):
        raise Problem(403, "Only the cohort's facilitators record its sessions.")


def session_of(s: Session, principal: Principal, session_id: uuid.UUID, *, facilitating: bool,
               lock: bool = False) -> GroupSession:
    """The session, if the caller may see it (or, with `facilitating`, work in it); 404 otherwise."""
    session = s.get(GroupSession, session_id, with_for_update=lock)
    if session is None:
        raise not_found("session", session_id)
    cohort_of(s, principal, session.cohort_id, facilitating=facilitating, asked=("session", session_id))
    return session


def mark_of(s: Session, principal: Principal, session_id: uuid.UUID, enrolment_id: uuid.UUID, *,
            facilitating: bool, lock: bool = False) -> tuple[AttendanceMark, str, GroupSession]:
    """A man's mark at a session, his code and the session, if the caller may see the session (or work in it); 404
    otherwise."""
    session = session_of(s, principal, session_id, facilitating=facilitating)
    query = (sa.select(AttendanceMark, RosterEntry.participant_code)
             .join(RosterEntry, RosterEntry.enrolment_id == AttendanceMark.enrolment_id)
             .where(AttendanceMark.session_id == session_id, AttendanceMark.enrolment_id == enrolment_id))
    found = s.execute(query.with_for_update(of=AttendanceMark) if lock else query).first()
    if found is None:
        raise not_found("attendance mark of this participant at this session", enrolment_id)
    return found[0], found[1], session

