"""Risk's use cases that routes and handlers call: keyword-only functions over a database session."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from qadam.auth import Principal
from sqlalchemy.orm import Session

from .api.access import visible
from .models import EnrolmentView, Flag, RiskLevel


@dataclass(frozen=True)
class EnrolmentLevel:
    """An enrolment's level now (low with no unresolved flag) and how many unresolved flags hold it there."""

    enrolment_id: uuid.UUID
    participant_code: str
    status: str
    level: str
    since: datetime | None
    unresolved_flags: int


def levels_of(s: Session, *, principal: Principal, enrolment_ids: Collection[uuid.UUID]) -> list[EnrolmentLevel]:
    """The levels of those of `enrolment_ids` the principal may see, in the order asked. An enrolment risk has not
    heard of, or one outside the principal's scope, is left out: absent, exactly as one that does not exist."""
    asked = list(dict.fromkeys(enrolment_ids))
    if not asked:
        return []
    unresolved = (sa.select(Flag.enrolment_id, sa.func.count().label("n"))
                  .where(Flag.enrolment_id.in_(asked), Flag.status != "resolved")
                  .group_by(Flag.enrolment_id).subquery())
    rows = s.execute(
        sa.select(EnrolmentView.enrolment_id, EnrolmentView.participant_code, EnrolmentView.status,
                  RiskLevel.level, RiskLevel.since, unresolved.c.n)
        .outerjoin(RiskLevel, RiskLevel.enrolment_id == EnrolmentView.enrolment_id)
        .outerjoin(unresolved, unresolved.c.enrolment_id == EnrolmentView.enrolment_id)
        .where(EnrolmentView.enrolment_id.in_(asked),
               visible(principal, EnrolmentView.enrolment_id, EnrolmentView.region, EnrolmentView.district))).all()
    found = {row.enrolment_id: EnrolmentLevel(row.enrolment_id, row.participant_code, row.status,
                                              row.level or "low", row.since, row.n or 0) for row in rows}
    return [found[eid] for eid in asked if eid in found]
