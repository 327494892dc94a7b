"""The runs of unexcused absences that risk and enrollment kept computing before sessions published them are carried
over by their migrations (a copy frozen in each), as sessions computes them, at version 0 so sessions' first runs
replace them."""

from __future__ import annotations

import importlib.util
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from qadam.migrations import upgrade
from sessions.domain.absence_runs import KIND_COMBINATIONS, HeldMark, curriculum_run, runs_over

SERVICES = Path(__file__).parents[2] / "services"
START = datetime(2026, 9, 1, 9, tzinfo=UTC)


def migration(service: str, name: str) -> ModuleType:
    path = SERVICES / service / service / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(f"{service}_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def some_marks(rng: random.Random) -> list[HeldMark]:
    """A man's marks: sessions of every kind, some numbers met twice (a transfer), statuses at random."""
    return [HeldMark(uuid.UUID(int=rng.getrandbits(128)), rng.randint(1, 8), START + timedelta(days=rng.randint(0, 40)),
                     rng.choice(["present", "late", "excused", "unexcused", "unexcused"]),
                     rng.choice(["group", "group", "group", "makeup", "intake", "individual"]))
            for _ in range(rng.randint(0, 14))]


def as_rows(marks: list[HeldMark]) -> list[dict]:
    return [{"session_id": m.session_id, "session_number": m.session_number, "scheduled_at": m.scheduled_at,
             "status": m.status, "session_kind": m.kind} for m in marks]


def test_the_frozen_copies_compute_the_runs_as_sessions_does():
    risk, enrollment = (migration("risk", "0008_absence_runs_fact.py"),
                        migration("enrollment", "0007_absence_runs_from_sessions.py"))
    assert [tuple(k) for k in risk.KIND_COMBINATIONS] == list(KIND_COMBINATIONS)
    rng = random.Random(17)
    for _ in range(300):
        marks = some_marks(rng)
        assert enrollment._longest(as_rows(marks)) == curriculum_run(marks).longest
        for kinds in KIND_COMBINATIONS:
            assert [[a["session_id"] for a in run["absences"]] for run in risk._runs_over(as_rows(marks), kinds)] == [
                [str(m.session_id) for m in run] for run in runs_over(marks, kinds)]


def test_risk_carries_the_runs_of_the_marks_it_kept_over_at_version_0(database):
    url = database("risk_runs")
    upgrade("risk", url, "0007")
    him, sessions = uuid.uuid4(), [uuid.uuid4() for _ in range(4)]
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as c:
        for n, (sid, status) in enumerate(zip(sessions, ["present", "unexcused", "excused", "unexcused"], strict=True), 1):
            c.execute(sa.text("INSERT INTO attendance_fact (enrolment_id, session_id, participant_code, session_number, "
                              "scheduled_at, status, recorded_at, session_kind) VALUES (:e, :s, 'P-2026-000001', :n, "
                              ":at, :st, now(), 'group')"),
                      {"e": him, "s": sid, "n": n, "at": START + timedelta(days=3 * n), "st": status})
    upgrade("risk", url)
    with engine.connect() as c:
        version, runs = c.execute(sa.text("SELECT version, runs FROM absence_runs_fact WHERE enrolment_id = :e"),
                                  {"e": him}).one()
    engine.dispose()
    assert version == 0
    over_group = {tuple(o["session_kinds"]): o["runs"] for o in runs}[("group",)]
    assert [[a["session_number"] for a in run["absences"]] for run in over_group] == [[2, 4]]
    assert all(o["runs"] for o in runs) and all("group" in o["session_kinds"] for o in runs)  # none kept empty
