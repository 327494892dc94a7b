"""What sessions does with the events it consumes: keep its projections of cohorts and rosters."""

from __future__ import annotations

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
    values = {"cohort_id": d["cohort_id"], "participant_code": d["participant_code"], "status": d["status"]}
    session.execute(insert(RosterEntry).values(enrolment_id=d["enrolment_id"], **values)
                    .on_conflict_do_update(index_elements=[RosterEntry.enrolment_id], set_=values))


def handlers(settings: Settings) -> dict[str, Handler]:
    return {"enrollment.cohort.created": on_cohort_created, "enrollment.enrolled": on_enrolled}
