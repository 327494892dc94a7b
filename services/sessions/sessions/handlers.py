"""What sessions does with the events it consumes (its subscriptions): keep its projections of cohorts and rosters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from qadam.events import Event
from qadam.inbox import Handlers
from qadam_contracts.enrollment import (
    CohortCreated,
    CohortUpdated,
    Enrolled,
    EnrolmentStatusChanged,
    EnrolmentTransferred,
    ParticipantAnonymised,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .commands import cancel_calls_of
from .domain.calls import owes_calls
from .models import AttendanceMark, CohortView, RosterEntry, SessionNote

handlers = Handlers()


def _cohort_values(d: CohortCreated) -> dict[str, Any]:
    return {"programme_id": d.programme_id, "region": d.region, "district": d.district,
            "facilitator_ids": d.facilitator_ids, "sessions_required": d.sessions_required, "status": d.status,
            "start_date": d.start_date, "curriculum": d.curriculum, "schedule": d.schedule,
            "absence_call_hours": d.absence_call_hours, "session_minutes": d.session_minutes, "version": d.version}


@handlers.on(CohortCreated)
def on_cohort_created(session: Session, event: Event[CohortCreated]) -> None:
    d = event.data
    # An update may have arrived first (events can be redelivered out of order): it wins.
    session.execute(insert(CohortView).values(cohort_id=d.cohort_id, **_cohort_values(d))
                    .on_conflict_do_nothing(index_elements=[CohortView.cohort_id]))


@handlers.on(CohortUpdated)
def on_cohort_updated(session: Session, event: Event[CohortUpdated]) -> None:
    """Facilitators, status or schedule changed: who may record the cohort's sessions follows at once."""
    d = event.data
    values = _cohort_values(d)
    stmt = insert(CohortView).values(cohort_id=d.cohort_id, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=[CohortView.cohort_id], set_=values,
                                               where=CohortView.version < d.version))


@handlers.on(Enrolled)
def on_enrolled(session: Session, event: Event[Enrolled]) -> None:
    d = event.data
    # A later move (status change, transfer) may have arrived first: it wins over the enrolment's first state.
    session.execute(insert(RosterEntry).values(enrolment_id=d.enrolment_id, cohort_id=d.cohort_id,
                                               participant_code=d.participant_code, status=d.status,
                                               inspector_id=d.inspector_id, version=d.version)
                    .on_conflict_do_nothing(index_elements=[RosterEntry.enrolment_id]))


@handlers.on(EnrolmentStatusChanged, EnrolmentTransferred)
def on_enrolment_moved(session: Session, event: Event[EnrolmentStatusChanged | EnrolmentTransferred]) -> None:
    """A status change or a transfer, each carrying the whole roster entry and enrollment's version of it:
    applied unless a later version is already held (redeliveries and replays can arrive out of order). When he has
    left the programme his open calls are cancelled, whatever the order: no status comes after leaving but another
    way of having left (completed, then closed)."""
    d = event.data
    values = {"cohort_id": d.cohort_id, "participant_code": d.participant_code, "status": d.status,
              "inspector_id": d.inspector_id, "version": d.version}
    stmt = insert(RosterEntry).values(enrolment_id=d.enrolment_id, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=[RosterEntry.enrolment_id], set_=values,
                                               where=RosterEntry.version < d.version))
    if not owes_calls(d.status):
        cancel_calls_of(session, enrolment_id=d.enrolment_id, now=datetime.now(UTC))


@handlers.on(ParticipantAnonymised)
def on_participant_anonymised(session: Session, event: Event[ParticipantAnonymised]) -> None:
    """enrollment anonymised him after the retention period: the confidential notes about his enrolments are
    deleted and the excuses given for his absences cleared (they may name him, his family or the victim). His
    marks' statuses stay: they are the attendance figures. Notes about a whole group are left as they are."""
    ids = event.data.enrolment_ids
    session.execute(sa.delete(SessionNote).where(SessionNote.enrolment_id.in_(ids)))
    session.execute(sa.update(AttendanceMark).where(AttendanceMark.enrolment_id.in_(ids),
                                                    AttendanceMark.excuse_reason.is_not(None))
                    .values(excuse_reason=None))
