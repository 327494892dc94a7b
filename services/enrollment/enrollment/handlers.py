"""What enrollment does with the events it consumes: attendance moves each enrolment's progress; the portal's staff
and areas, and risk's flags, are kept as projections (projections.py)."""

from __future__ import annotations

from functools import partial

from qadam.events import Event
from qadam.inbox import Handler, batch_handler
from sqlalchemy.orm import Session

from .projections import keep_district, keep_flag_handled, keep_flag_raised, keep_staff_member
from .service import record_attendance
from .settings import EnrollmentSettings


def on_attendance_batch(session: Session, events: list[Event], *, settings: EnrollmentSettings) -> None:
    """Marks (first recordings and corrections alike): keep them, recompute progress, complete or propose exit."""
    record_attendance(session, [e.data for e in events])


def on_attendance_recorded(session: Session, event: Event, *, settings: EnrollmentSettings) -> None:
    on_attendance_batch(session, [event], settings=settings)


def on_user_changed(session: Session, event: Event) -> None:
    """The staff directory: whom an enrolment may name as her support worker."""
    keep_staff_member(session, event.data)


def on_area_changed(session: Session, event: Event) -> None:
    """The districts of each region, spelt as the portal spells them."""
    keep_district(session, event.data)


def on_flag_raised(session: Session, event: Event) -> None:
    keep_flag_raised(session, event.data)


def on_flag_acknowledged(session: Session, event: Event) -> None:
    keep_flag_handled(session, event.data, resolved=False)


def on_flag_resolved(session: Session, event: Event) -> None:
    keep_flag_handled(session, event.data, resolved=True)


def handlers(settings: EnrollmentSettings) -> dict[str, Handler]:
    # A correction is a later recording of the same session: the same handler, the latest recording wins.
    marks = batch_handler(partial(on_attendance_recorded, settings=settings), partial(on_attendance_batch, settings=settings))
    return {"sessions.attendance.recorded": marks, "sessions.attendance.amended": marks,
            "portal.user.changed": on_user_changed, "portal.area.changed": on_area_changed,
            "risk.flag.raised": on_flag_raised, "risk.flag.acknowledged": on_flag_acknowledged,
            "risk.flag.resolved": on_flag_resolved}
