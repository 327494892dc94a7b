"""The runs of unexcused absences that risk and enrollment kept computing before sessions published them are carried
over by their migrations (a copy frozen in each), as sessions computes them, at version 0 so sessions' first runs
replace them."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import command
from qadam.migrations import alembic_config, upgrade
from qadam_testing import module_at
from sessions.domain.absence_runs import KIND_COMBINATIONS, HeldMark, curriculum_run, runs_over

SERVICES = Path(__file__).parents[2] / "services"
START = datetime(2026, 9, 1, 9, tzinfo=UTC)


def migration(service: str, name: str) -> ModuleType:
    path = SERVICES / service / service / "migrations" / "versions" / name
    return module_at(path, f"{service}_{path.stem}")


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
    # kept as sessions publishes them since 0010: his one set of runs once, over the 8 combinations counting group
    [over] = runs
    assert len(over["session_kinds"]) == 8 and all("group" in kinds for kinds in over["session_kinds"])
    assert [[a["session_number"] for a in run["absences"]] for run in over["runs"]] == [[2, 4]]


def test_risk_keeps_each_different_set_of_runs_once_and_reads_them_as_before(database):
    """0010 regroups the runs kept one entry per combination of kinds (0008's form) into sessions' published form;
    risk reads every combination's runs as it did; the downgrade gives the old form back."""
    from risk.evaluation import runs_by_kinds
    from risk.handlers import runs_kept
    from sessions.domain.absence_runs import absence_runs
    from sessions.events import absence_runs as published

    url = database("risk_runs_shared")
    upgrade("risk", url, "0009")
    old = migration("risk", "0008_absence_runs_fact.py")
    rng = random.Random(10)
    men = {uuid.uuid4(): some_marks(rng) for _ in range(60)}
    kept = {e: [{"session_kinds": kinds, "runs": runs} for kinds in old.KIND_COMBINATIONS
                if (runs := old._runs_over(as_rows(marks), kinds))] for e, marks in men.items()}
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO absence_runs_fact VALUES (:e, 3, CAST(:runs AS jsonb))"),
                  [{"e": e, "runs": json.dumps(runs)} for e, runs in kept.items()])
    upgrade("risk", url, "0010")
    with engine.connect() as c:
        now = dict(c.execute(sa.text("SELECT enrolment_id, runs FROM absence_runs_fact")).all())
    for e, marks in men.items():
        each_kept = {frozenset(over["session_kinds"]): runs_by_kinds(
            [{"session_kinds": [over["session_kinds"]], "runs": over["runs"]}])[frozenset(over["session_kinds"])]
            for over in kept[e]}
        assert runs_by_kinds(now[e]) == runs_by_kinds(runs_kept(published(1, absence_runs(marks)))) == each_kept
        sets = [json.dumps(over["runs"], sort_keys=True) for over in now[e]]
        assert len(sets) == len(set(sets))  # each set of runs once
    command.downgrade(alembic_config("risk", url), "0009")
    with engine.connect() as c:
        back = dict(c.execute(sa.text("SELECT enrolment_id, runs FROM absence_runs_fact")).all())
    engine.dispose()
    assert {e: sorted(runs, key=lambda o: json.dumps(o, sort_keys=True)) for e, runs in back.items()} == {
        e: sorted(runs, key=lambda o: json.dumps(o, sort_keys=True)) for e, runs in kept.items()}
