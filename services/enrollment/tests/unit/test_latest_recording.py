"""The latest recording of a session's mark wins: one rule (qadam.latest.supersedes) for marks in a batch, for
the marks kept in the database (the same function written into the upsert's SQL) and for a curriculum session
met again after a transfer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from qadam.latest import latest_of, supersedes
from sqlalchemy.dialects import postgresql

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Recording:
    enrolment: str
    session: str
    status: str
    recorded_at: datetime


def latest(recordings: list[Recording]) -> dict[object, Recording]:
    return latest_of(recordings, key=lambda r: (r.enrolment, r.session), at=lambda r: r.recorded_at)


def test_a_later_recording_replaces_the_kept_one_and_an_earlier_one_does_not():
    assert supersedes(T0 + timedelta(minutes=1), T0) is True
    assert supersedes(T0 - timedelta(minutes=1), T0) is False


def test_a_recording_made_at_the_same_moment_wins_as_the_one_that_came_later():
    assert supersedes(T0, T0) is True


def test_a_correction_replaces_the_first_recording_whatever_order_they_arrive_in():
    first = Recording("e1", "s1", "unexcused", T0)
    correction = Recording("e1", "s1", "excused", T0 + timedelta(hours=2))
    assert latest([first, correction]) == {("e1", "s1"): correction}
    assert latest([correction, first]) == {("e1", "s1"): correction}


def test_each_session_of_each_enrolment_keeps_its_own_latest_recording():
    marks = [Recording("e1", "s1", "present", T0), Recording("e1", "s2", "late", T0),
             Recording("e2", "s1", "unexcused", T0), Recording("e2", "s1", "present", T0 + timedelta(seconds=1))]
    kept = latest(marks)
    assert {k: r.status for k, r in kept.items()} == {
        ("e1", "s1"): "present", ("e1", "s2"): "late", ("e2", "s1"): "present"}


def test_the_database_keeps_a_mark_by_the_same_rule():
    kept, incoming = sa.column("recorded_at"), sa.column("excluded_recorded_at")
    sql = str(supersedes(incoming, kept).compile(dialect=postgresql.dialect()))
    assert sql == "excluded_recorded_at >= recorded_at"
