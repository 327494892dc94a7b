"""Sessions' migration 0014: a session recorded before paper registers were entered was held when it was planned,
and entered when its first mark was recorded (an amendment re-dates its own mark: the earliest one tells)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from qadam.migrations import upgrade


def test_a_session_recorded_before_0014_was_held_as_planned_and_entered_with_its_first_mark(database):
    url = database("sessions_held_at")
    upgrade("sessions", url, "0013")
    planned = datetime(2026, 11, 2, 10, tzinfo=UTC)
    held, waiting = uuid.uuid4(), uuid.uuid4()
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.begin() as c:
            for number, (sid, status) in enumerate(((held, "held"), (waiting, "scheduled")), 1):
                c.execute(sa.text("INSERT INTO group_session (id, cohort_id, number, scheduled_at, status, created_by) "
                                  "VALUES (:id, :cohort, :n, :at, :status, 'psy-1')"),
                          {"id": sid, "cohort": uuid.uuid4(), "n": number, "at": planned, "status": status})
            for minutes in (50, 5):  # the second man's mark amended later; the first was entered 5 minutes in
                c.execute(sa.text("INSERT INTO attendance_mark (id, session_id, enrolment_id, status, recorded_by, "
                                  "recorded_at) VALUES (:id, :s, :e, 'present', 'psy-1', :at)"),
                          {"id": uuid.uuid4(), "s": held, "e": uuid.uuid4(), "at": planned + timedelta(minutes=minutes)})
        upgrade("sessions", url)
        with engine.connect() as c:
            rows = {r.id: r for r in c.execute(sa.text(
                "SELECT id, held_at, register_number, attendance_entered_at, attendance_entered_by FROM group_session"))}
    finally:
        engine.dispose()
    assert rows[held].held_at == planned and rows[held].register_number is None
    assert rows[held].attendance_entered_at == planned + timedelta(minutes=5)
    assert rows[waiting].held_at is None and rows[waiting].attendance_entered_at is None
