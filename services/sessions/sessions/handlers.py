"""What sessions does with the events it consumes: keep its projections of cohorts and rosters."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from qadam.events import Event
from qadam.inbox import Handler
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .calls import cancel_calls_of
from .domain import owes_calls
from .models import AttendanceMark, CohortView, RosterEntry, SessionNote
from .settings import SessionsSettings

COHORT_FIELDS = ("programme_id", "region", "district", "facilitator_ids", "sessions_required", "status", "start_date",
                 "curriculum", "schedule", "absence_call_hours")


def on_cohort_created(session: Session, event: Event) -> None:
    d = event.data
    values = {k: d[k] for k in COHORT_FIELDS} | {"version": d["version"]}
    # An update may have arrived first (events can be redelivered out of order): it wins.
    session.execute(insert(CohortView).values(cohort_id=d["cohort_id"], **values)
                    .on_conflict_do_nothing(index_elements=[CohortView.cohort_id]))


def on_cohort_updated(session: Session, event: Event) -> None:
    """Facilitators, status or schedule changed: who may record the cohort's sessions follows at once."""
    d = event.data
    values = {k: d[k] for k in COHORT_FIELDS} | {"version": d["version"]}
    stmt = insert(CohortView).values(cohort_id=d["cohort_id"], **values)
    session.execute(stmt.on_conflict_do_update(index_elements=[CohortView.cohort_id], set_=values,
                                               where=CohortView.version < d["version"]))


def on_enrolled(session: Session, event: Event) -> None:
    d = event.data
    # A later move (status change, transfer) may have arrived first: it wins over the enrolment's first state.
    session.execute(insert(RosterEntry).values(enrolment_id=d["enrolment_id"], cohort_id=d["cohort_id"],
                                               participant_code=d["participant_code"], status=d["status"],
                                               inspector_id=d["inspector_id"], version=d["version"])
                    .on_conflict_do_nothing(index_elements=[RosterEntry.enrolment_id]))


def on_enrolment_moved(session: Session, event: Event) -> None:
    """A status change or a transfer, each carrying the whole roster entry and enrollment's version of it:
    applied unless a later version is already held (redeliveries and replays can arrive out of order). When he has
    left the programme his open calls are cancelled, whatever the order: no status comes after leaving but another
    way of having left (completed, then closed)."""
    d = event.data
    values = {"cohort_id": d["cohort_id"], "participant_code": d["participant_code"], "status": d["status"],
              "inspector_id": d["inspector_id"], "version": d["version"]}
    stmt = insert(RosterEntry).values(enrolment_id=d["enrolment_id"], **values)
    session.execute(stmt.on_conflict_do_update(index_elements=[RosterEntry.enrolment_id], set_=values,
                                               where=RosterEntry.version < d["version"]))
    if not owes_calls(d["status"]):
        cancel_calls_of(session, enrolment_id=d["enrolment_id"], now=datetime.now(UTC))


def on_participant_anonymised(session: Session, event: Event) -> None:
    """enrollment anonymised him after the retention period: the confidential notes about his enrolments are
    deleted and the excuses given for his absences cleared (they may name him, his family or the victim). His
    marks' statuses stay: they are the attendance figures. Notes about a whole group are left as they are."""
    ids = event.data["enrolment_ids"]
    session.execute(sa.delete(SessionNote).where(SessionNote.enrolment_id.in_(ids)))
    session.execute(sa.update(AttendanceMark).where(AttendanceMark.enrolment_id.in_(ids),
                                                    AttendanceMark.excuse_reason.is_not(None))
                    .values(excuse_reason=None))


def handlers(settings: SessionsSettings) -> dict[str, Handler]:
    return {"enrollment.cohort.created": on_cohort_created, "enrollment.cohort.updated": on_cohort_updated,
            "enrollment.enrolled": on_enrolled, "enrollment.status.changed": on_enrolment_moved,
            "enrollment.transferred": on_enrolment_moved,
            "enrollment.participant.anonymised": on_participant_anonymised}
