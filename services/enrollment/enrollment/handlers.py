"""What enrollment does with the events it consumes (its subscriptions): attendance moves each enrolment's progress;
the portal's staff and areas, risk's flags, incidents and
assessments (for the outcomes per man), and sessions' sessions (for the registers) are kept as projections. Each
calls the command that does it (commands.py), as the routes do."""

from __future__ import annotations

from datetime import datetime

from qadam.events import Event
from qadam.inbox import Handlers
from qadam_contracts.portal import AreaChanged, UserChanged
from qadam_contracts.risk import AssessmentRecorded, FlagAcknowledged, FlagRaised, FlagResolved, IncidentRecorded
from qadam_contracts.sessions import AttendanceAmended, AttendanceRecorded, SessionChanged, SessionPlanned
from sqlalchemy.orm import Session

from .commands import (
    keep_assessment,
    keep_district,
    keep_flag_handled,
    keep_flag_raised,
    keep_incident,
    keep_session,
    keep_staff_member,
    record_attendance,
)
from .settings import EnrollmentSettings

handlers = Handlers()


def on_attendance_batch(session: Session, events: list[Event[AttendanceRecorded]], *,
                        settings: EnrollmentSettings) -> None:
    """Marks (first recordings and corrections alike): keep them, recompute progress, complete or propose exit (a
    completion dated on the day in the country, as a person's moves are)."""
    record_attendance(session, marks=[e.data for e in events], today=datetime.now(settings.zone).date(),
                      zone=settings.zone)


# A correction is a later recording of the same session: the same handler; the latest recording wins
# (qadam.latest.supersedes).
@handlers.on(AttendanceRecorded, AttendanceAmended, many=on_attendance_batch)
def on_attendance_recorded(session: Session, event: Event[AttendanceRecorded], *,
                           settings: EnrollmentSettings) -> None:
    on_attendance_batch(session, [event], settings=settings)


@handlers.on(UserChanged)
def on_user_changed(session: Session, event: Event[UserChanged]) -> None:
    """The staff directory: whom an enrolment may name as her support worker."""
    keep_staff_member(session, data=event.data)


@handlers.on(AreaChanged)
def on_area_changed(session: Session, event: Event[AreaChanged]) -> None:
    """The districts of each region, spelt as the portal spells them."""
    keep_district(session, data=event.data)


@handlers.on(FlagRaised)
def on_flag_raised(session: Session, event: Event[FlagRaised]) -> None:
    keep_flag_raised(session, data=event.data)


@handlers.on(FlagAcknowledged)
def on_flag_acknowledged(session: Session, event: Event[FlagAcknowledged]) -> None:
    keep_flag_handled(session, data=event.data, resolved=False)


@handlers.on(FlagResolved)
def on_flag_resolved(session: Session, event: Event[FlagResolved]) -> None:
    keep_flag_handled(session, data=event.data, resolved=True)


@handlers.on(IncidentRecorded)
def on_incident_recorded(session: Session, event: Event[IncidentRecorded]) -> None:
    """An incident of his: a breach or a new complaint after he left is an outcome."""
    keep_incident(session, data=event.data)


@handlers.on(AssessmentRecorded)
def on_assessment_recorded(session: Session, event: Event[AssessmentRecorded]) -> None:
    """An assessment of his: the intake one is his risk band at intake."""
    keep_assessment(session, data=event.data)


@handlers.on(SessionPlanned, SessionChanged)
def on_session_planned(session: Session, event: Event[SessionPlanned]) -> None:
    """The sessions an attendance register is printed for."""
    keep_session(session, data=event.data)
