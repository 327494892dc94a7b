"""What enrollment does with the events it consumes: attendance moves each enrolment's progress."""

from __future__ import annotations

from functools import partial

from qadam.config import Settings
from qadam.events import Event
from qadam.inbox import Handler, batch_handler
from sqlalchemy.orm import Session

from .service import record_attendance


def on_attendance_batch(session: Session, events: list[Event], *, settings: Settings) -> None:
    """Marks (first recordings and corrections alike): keep them, recompute progress, complete or propose exit."""
    record_attendance(session, [e.data for e in events])


def on_attendance_recorded(session: Session, event: Event, *, settings: Settings) -> None:
    on_attendance_batch(session, [event], settings=settings)


def handlers(settings: Settings) -> dict[str, Handler]:
    # A correction is a later recording of the same session: the same handler, the latest recording wins.
    marks = batch_handler(partial(on_attendance_recorded, settings=settings), partial(on_attendance_batch, settings=settings))
    return {"sessions.attendance.recorded": marks, "sessions.attendance.amended": marks}
