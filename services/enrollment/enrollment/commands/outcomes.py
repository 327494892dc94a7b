"""Outcomes per man, kept as facts: what became of a man after an enrolment of his ended (domain/outcomes.py).

Each outcome is recomputed whole from what enrollment holds (his enrolments, his protection orders) and what risk
told it (his incidents, his intake assessment) whenever one of them changes: when an enrolment ends, when a man gets
a new order or a new enrolment, when an incident or an assessment of his arrives. So the facts do not depend on the
order events arrive in (an incident kept before he left counts once he has left, if it came after), and a duplicate
changes nothing. A new order for a man already known is linked to his earlier enrolments through him; so is a new
referral, whether it got a place (an enrolment) or waits for one (a waiting referral).

The days compared are enrollment's: the day he left (`finished_on`), an order's day of issue, the day an incident
happened, the day a new enrolment or waiting referral was made (in UTC, as the day he left is kept). "After he left"
is strictly after that day.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from qadam_contracts.risk import AssessmentRecorded, IncidentRecorded
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ..domain.outcomes import BREACH_KINDS, COMPLAINT_KINDS, COMPLETED, DROPOUT, NON_COMPLIANCE, NOT_AN_OUTCOME
from ..models import Enrolment, Outcome, Programme, ProtectionOrder, RiskAssessment, RiskIncident, WaitingPlace

_COLUMNS = ("participant_id", "how", "left_on", "programme_id", "programme_version", "region", "district",
            "intake_level", "new_order_on", "breach_on", "complaint_on", "re_referred_on")


def outcomes_of(participant_ids: list[uuid.UUID] | None = None) -> sa.Select[tuple[object, ...]]:
    """The outcome of every enrolment that ended as a programme ends (of the participants `participant_ids` picks;
    None: of everyone), as rows of the `outcome` table."""
    e = Enrolment.__table__.alias("e")
    later = Enrolment.__table__.alias("later")
    o, i, a, p = (ProtectionOrder.__table__, RiskIncident.__table__, RiskAssessment.__table__, Programme.__table__)
    of_him = Enrolment.__table__.alias("of_him")

    def first_incident(kinds: tuple[str, ...]) -> sa.ScalarSelect[object]:
        return (sa.select(sa.func.min(i.c.occurred_on)).select_from(i.join(of_him, of_him.c.id == i.c.enrolment_id))
                .where(of_him.c.participant_id == e.c.participant_id, i.c.kind.in_(kinds),
                       i.c.occurred_on > e.c.finished_on).scalar_subquery())

    enrolled_day = sa.cast(sa.func.timezone("UTC", later.c.enrolled_at), sa.Date)
    waiting = WaitingPlace.__table__
    waiting_day = sa.cast(sa.func.timezone("UTC", waiting.c.since), sa.Date)
    how = sa.case((e.c.status.in_(("completed", "closed")), COMPLETED),
                  (e.c.status_reason == "non_compliance", NON_COMPLIANCE), else_=DROPOUT)
    statement = sa.select(
        e.c.id.label("enrolment_id"), e.c.participant_id, how.label("how"), e.c.finished_on.label("left_on"),
        e.c.programme_id, p.c.version.label("programme_version"), e.c.region, e.c.district,
        sa.select(a.c.level).where(a.c.enrolment_id == e.c.id, a.c.kind == "intake")
        .order_by(a.c.assessed_at.desc(), a.c.assessment_id.desc()).limit(1).scalar_subquery().label("intake_level"),
        sa.select(sa.func.min(o.c.issued_on)).where(o.c.participant_id == e.c.participant_id,
                                                    o.c.issued_on > e.c.finished_on)
        .scalar_subquery().label("new_order_on"),
        first_incident(BREACH_KINDS).label("breach_on"),
        first_incident(COMPLAINT_KINDS).label("complaint_on"),
        sa.func.least(
            sa.select(sa.func.min(enrolled_day)).where(later.c.participant_id == e.c.participant_id,
                                                       later.c.id != e.c.id, enrolled_day > e.c.finished_on)
            .scalar_subquery(),
            sa.select(sa.func.min(waiting_day)).where(waiting.c.participant_id == e.c.participant_id,
                                                      waiting_day > e.c.finished_on)
            .scalar_subquery()).label("re_referred_on"),
    ).select_from(e.outerjoin(p, p.c.id == e.c.programme_id)).where(
        e.c.finished_on.is_not(None),
        sa.or_(e.c.status.in_(("completed", "closed")),
               sa.and_(e.c.status == "exited", sa.func.coalesce(e.c.status_reason, "").not_in(NOT_AN_OUTCOME))))
    return statement if participant_ids is None else statement.where(e.c.participant_id.in_(participant_ids))


def refresh_outcomes(s: Session, *, participant_ids: Iterable[uuid.UUID]) -> None:
    """Recompute the outcomes of these men's enrolments (after their rows changed in this unit of work), and drop any
    that is no outcome now."""
    ids = sorted(set(participant_ids))
    if not ids:
        return
    s.flush()
    source = outcomes_of(ids)
    stmt = insert(Outcome).from_select(["enrolment_id", *_COLUMNS], source)
    s.execute(stmt.on_conflict_do_update(index_elements=[Outcome.enrolment_id],
                                         set_={name: stmt.excluded[name] for name in _COLUMNS}))
    kept = sa.select(source.subquery().c.enrolment_id)
    s.execute(sa.delete(Outcome).where(Outcome.participant_id.in_(ids), Outcome.enrolment_id.not_in(kept)))


def _man_of(s: Session, enrolment_id: uuid.UUID) -> list[uuid.UUID]:
    man = s.execute(sa.select(Enrolment.participant_id).where(Enrolment.id == enrolment_id)).scalar()
    return [] if man is None else [man]


def keep_incident(s: Session, *, data: IncidentRecorded) -> None:
    """An incident of an enrolment's man: kept once, and his outcomes recomputed (it may come after he left)."""
    s.execute(insert(RiskIncident).values(
        incident_id=data.incident_id, enrolment_id=data.enrolment_id, kind=data.kind, occurred_on=data.occurred_on,
        region=data.region, district=data.district).on_conflict_do_nothing(index_elements=[RiskIncident.incident_id]))
    refresh_outcomes(s, participant_ids=_man_of(s, data.enrolment_id))


def keep_assessment(s: Session, *, data: AssessmentRecorded) -> None:
    """An assessment of an enrolment: kept once; an intake one sets his risk band at intake."""
    s.execute(insert(RiskAssessment).values(
        assessment_id=data.assessment_id, enrolment_id=data.enrolment_id, kind=data.kind, level=data.level,
        assessed_at=data.assessed_at).on_conflict_do_nothing(index_elements=[RiskAssessment.assessment_id]))
    if data.kind == "intake":
        refresh_outcomes(s, participant_ids=_man_of(s, data.enrolment_id))
