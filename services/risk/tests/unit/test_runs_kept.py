"""The runs risk keeps from a mark are written out field by field (the hot path); they must read exactly as the
generic copy of the event's data reads (what risk kept before, and what JSONB gives back), each absence dated by
when its session was held (its paper register's day, where one gave another than planned)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from qadam.db import jsonable
from risk.handlers import runs_kept
from sessions.domain.absence_runs import HeldMark, absence_runs
from sessions.events import absence_runs as published

START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def held(n: int, status: str, kind: str = "group", days: float | None = None, later: float = 0) -> HeldMark:
    planned = START + timedelta(days=3 * n if days is None else days)
    return HeldMark(uuid.uuid5(uuid.NAMESPACE_OID, f"s{n}"), n, planned, status, kind,
                    planned + timedelta(days=later) if later else None)


def as_held(over: dict) -> dict:
    """The generic copy as risk reads it: each absence at when it was held."""
    for run in over["runs"]:
        for absence in run["absences"]:
            held_at = absence.pop("held_at")
            absence["scheduled_at"] = held_at or absence["scheduled_at"]
    return over


def test_runs_kept_read_as_the_generic_copy_of_the_event_reads() -> None:
    marks = [held(1, "unexcused"), held(2, "unexcused", later=1), held(3, "present"), held(4, "unexcused", "makeup"),
             held(5, "excused"), held(6, "unexcused", "individual"), held(7, "unexcused"), held(8, "late", "makeup"),
             held(9, "unexcused", "intake", days=0.5)]
    runs = published(4, absence_runs(marks))
    generic = [as_held(over) for over in jsonable(asdict(runs))["by_session_kinds"] if over["runs"]]
    kept = runs_kept(runs)
    assert len({json.dumps(o["runs"]) for o in kept}) > 2  # several different sets of runs, over several kinds
    assert kept == generic
    assert json.loads(json.dumps(kept)) == kept  # as JSONB gives it back


def test_a_man_without_unexcused_absences_keeps_no_runs() -> None:
    assert runs_kept(published(1, absence_runs([held(1, "present"), held(2, "excused")]))) == []
