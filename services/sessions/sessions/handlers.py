"""What sessions does with the events it consumes: keep its projections of cohorts and rosters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from qadam.config import Settings
from qadam.events import Event
from qadam.inbox import Handler
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .models import CohortView, RosterEntry


def on_cohort_created(session: Session, event: Event) -> None:
    d = event.data
    values = {"programme_id": d["programme_id"], "region": d["region"], "district": d["district"],
              "facilitator_ids": d["facilitator_ids"], "sessions_required": d["sessions_required"]}
    session.execute(insert(CohortView).values(cohort_id=d["cohort_id"], **values)
                    .on_conflict_do_update(index_elements=[CohortView.cohort_id], set_=values))


def on_enrolled(session: Session, event: Event) -> None:
    d = event.data
    # A later move (status change, transfer) may have arrived first: it wins over the enrolment's first state.
    session.execute(insert(RosterEntry).values(enrolment_id=d["enrolment_id"], cohort_id=d["cohort_id"],
                                               participant_code=d["participant_code"], status=d["status"])
                    .on_conflict_do_nothing(index_elements=[RosterEntry.enrolment_id]))


def on_status_changed(session: Session, event: Event) -> None:
    d = event.data
    _move(session, d, d["changed_at"], {"status": d["status"]})


def on_transferred(session: Session, event: Event) -> None:
    d = event.data
    _move(session, d, d["transferred_at"], {"cohort_id": d["cohort_id"], "status": d["status"]})


def _move(session: Session, d: dict[str, Any], at: datetime, values: dict[str, Any]) -> None:
    """Apply a move unless a later one is already applied (events of one enrolment can arrive out of order)."""
    row = {"cohort_id": d["cohort_id"], "participant_code": d["participant_code"], **values, "changed_at": at}
    stmt = insert(RosterEntry).values(enrolment_id=d["enrolment_id"], **row)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[RosterEntry.enrolment_id], set_={**values, "changed_at": at},
        where=sa.or_(RosterEntry.changed_at.is_(None), RosterEntry.changed_at < at)))


def handlers(settings: Settings) -> dict[str, Handler]:
    return {"enrollment.cohort.created": on_cohort_created, "enrollment.enrolled": on_enrolled,
            "enrollment.status.changed": on_status_changed, "enrollment.transferred": on_transferred}
