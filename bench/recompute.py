"""Risk's batch recompute over 100,000 open enrolments (125,000 seeded, a fifth of them exited or closed, so
skipped; over a million attendance marks) across Uzbekistan's 14 regions: the first evaluation of everything
under the rules in force, then a recompute after a rules change (the next version), then the same again with nothing new (it must
raise nothing); beside the time raw psycopg takes to read the facts the recompute reads, measured in the same run:
the floor of any recompute on this machine.

Each recompute runs as the risk worker runs it: its own process, its settings from the environment, logging JSON at
the default level (to results/recompute-worker.log), `risk.recompute.run` timed inside it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from qadam.db import psycopg_dsn
from qadam_contracts.vocabulary import WARNING_SIGNS
from risk.domain import OPEN_STATUSES
from risk.domain.facts import INCIDENT_KINDS
from risk.handlers import runs_kept
from sessions.domain.absence_runs import HeldMark, absence_runs
from sessions.events import absence_runs as published_runs

from .common import RESULTS, Row, open_stack
from .scale import REGIONS

ENROLMENTS, COHORT_SIZE, DISTRICTS_PER_REGION, DAYS_SPREAD = 125_000, 12, 10, 200  # 80% open: 100,000
CEILING_CALLS = 3
GOAL_SECONDS = 60.0  # issue 20: the first evaluation of 100,000 in at most 60 s
OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


def _array(values: tuple[str, ...] | list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


def seed_statements(now: datetime) -> list[str]:
    """Set-based seed: every table filled by INSERT ... SELECT FROM generate_series, then VACUUM ANALYZE.

    Every moment is `now` less whole days and less 0-11 hours, so no assessment falls due (14 days after enrolment,
    28 after the last assessment) while the bench runs: the recomputes differ only by the rules."""
    at = f"TIMESTAMPTZ '{now.isoformat()}'"
    enrolment_id = "('00000000-0000-4000-8000-' || lpad(to_hex({i}), 12, '0'))::uuid"
    code = "('P-2026-' || lpad({i}::text, 6, '0'))"
    # a cohort (12 men) starts (c * 37) % 200 days ago; its sessions every 3 days; its men enrolled a week before
    start = f"({at} - (((({{i}} / {COHORT_SIZE}) * 37) % {DAYS_SPREAD}) * interval '1 day'))"
    enrolled_at = f"({start} - interval '7 days' - ({{i}} % 12) * interval '1 hour')"
    fate = "(({i} * 7919 + 13) % 100)"  # < 70 active, < 74 suspended, < 76 referred, < 78 assessed, < 80 completed,
    #                                       < 90 exited, else closed (exited and closed: not open, skipped)
    status = ("CASE WHEN {f} < 70 THEN 'active' WHEN {f} < 74 THEN 'suspended' WHEN {f} < 76 THEN 'referred' "
              "WHEN {f} < 78 THEN 'assessed' WHEN {f} < 80 THEN 'completed' WHEN {f} < 90 THEN 'exited' "
              "ELSE 'closed' END")
    # the men of each region and district (the region by cohort, as enrollment places them)
    region = f"({_array(list(REGIONS))})[(({{i}} / {COHORT_SIZE}) % 14) + 1]"
    district = f"('District ' || ((({{i}} / {COHORT_SIZE}) / 14) % {DISTRICTS_PER_REGION} + 1))"
    i = "i"
    return [
        "SET synchronous_commit = off",
        "SET maintenance_work_mem = '256MB'",
        f"""INSERT INTO enrolment_view (enrolment_id, participant_code, cohort_id, region, district, inspector_id,
                                        psychologist_id, status, version, enrolled_at, victim_support_worker_id)
            SELECT {enrolment_id.format(i=i)}, {code.format(i=i)}, md5('c' || (i / {COHORT_SIZE}))::uuid,
                   {region.format(i=i)}, {district.format(i=i)}, 'insp-' || (i % 997),
                   'psy-' || ((i / {COHORT_SIZE}) % 1400), {status.format(f="f")}, 1 + i % 4, {enrolled_at.format(i=i)},
                   CASE WHEN i % 3 = 0 THEN 'vsw-' || (i % 311) END
            FROM generate_series(0, {ENROLMENTS - 1}) AS i CROSS JOIN LATERAL (SELECT {fate.format(i=i)} AS f) AS fate""",
        # 9-13 sessions each (those already held); the referred and the assessed have not started. Mostly present;
        # ~8% unexcused at random, and runs: one man in 16 stops coming from a session, one in 9 misses two in a
        # row, the exited stop coming early. The first is the intake; some one-to-one and make-up sessions.
        f"""INSERT INTO attendance_fact (enrolment_id, session_id, participant_code, session_number, scheduled_at,
                                         status, recorded_at, session_kind)
            SELECT {enrolment_id.format(i=i)},
                   CASE WHEN kind IN ('group', 'intake') THEN md5('s' || (i / {COHORT_SIZE}) || '-' || n)
                        ELSE md5('s' || (i / {COHORT_SIZE}) || '-' || n || '-' || i) END::uuid,
                   {code.format(i=i)}, n, at,
                   CASE WHEN f BETWEEN 80 AND 89 AND n >= 2 + i % 8 THEN 'unexcused'
                        WHEN i % 16 = 0 AND n >= 3 + i % 7 THEN 'unexcused'
                        WHEN i % 9 = 0 AND n IN (4 + i % 5, 5 + i % 5) THEN 'unexcused'
                        WHEN h < 80 THEN 'present' WHEN h < 85 THEN 'late' WHEN h < 92 THEN 'excused'
                        ELSE 'unexcused' END,
                   at + interval '3 hours', kind
            FROM generate_series(0, {ENROLMENTS - 1}) AS i
            CROSS JOIN LATERAL (SELECT {fate.format(i=i)} AS f) AS fate
            CROSS JOIN LATERAL generate_series(1, 9 + i % 5) AS n
            CROSS JOIN LATERAL (SELECT {start.format(i=i)} + (n - 1) * interval '3 days' - interval '4 hours' AS at,
                                       abs(hashtext(i || ':' || n)) % 100 AS h,
                                       CASE WHEN n = 1 THEN 'intake' WHEN (i + n) % 17 = 0 THEN 'individual'
                                            WHEN (i + n) % 29 = 0 THEN 'makeup' ELSE 'group' END AS kind) AS s
            WHERE f NOT BETWEEN 74 AND 77 AND at < {at}""",
        # warning signs for 4%: one or two at sessions; one in 250 separation, control and a threat together
        f"""INSERT INTO signal (event_id, kind, enrolment_ids, participant_code, facts, occurred_at)
            SELECT md5('w' || i || '-' || j)::uuid, 'sessions.warning_sign.observed', ARRAY[{enrolment_id.format(i=i)}],
                   {code.format(i=i)},
                   jsonb_build_object('observation_id', md5('o' || i || '-' || j)::uuid, 'sign', sign,
                                      'observed_at', seen, 'session_number', 2 * j),
                   seen
            FROM generate_series(0, {ENROLMENTS - 1}, 25) AS i
            CROSS JOIN LATERAL generate_series(1, CASE WHEN i % 250 = 0 THEN 3 ELSE 1 + (i / 25) % 2 END) AS j
            CROSS JOIN LATERAL (
                SELECT CASE WHEN i % 250 = 0 THEN (ARRAY['separation', 'controlling_behaviour', 'threat_to_partner'])[j]
                            ELSE ({_array(WARNING_SIGNS)})[((i / 25) * 7 + j * 5) % {len(WARNING_SIGNS)} + 1] END
                       AS sign,
                       {start.format(i=i)} + (2 * j - 1) * 3 * interval '1 day' AS seen) AS o
            WHERE seen < {at}""",
        # what enrollment reports: correction plans overdue (1%), orders expiring unfinished (1%)
        f"""INSERT INTO signal (event_id, kind, enrolment_ids, participant_code, facts, occurred_at)
            SELECT md5('p' || i)::uuid, 'enrollment.order.plan_overdue', ARRAY[{enrolment_id.format(i=i)}],
                   {code.format(i=i)},
                   jsonb_build_object('order_id', md5('order' || i)::uuid, 'issued_on', ({enrolled_at.format(i=i)})::date,
                                      'due_on', ({enrolled_at.format(i=i)})::date + 2),
                   {enrolled_at.format(i=i)} + interval '3 days'
            FROM generate_series(3, {ENROLMENTS - 1}, 97) AS i
            UNION ALL
            SELECT md5('x' || i)::uuid, 'enrollment.order.expiring', ARRAY[{enrolment_id.format(i=i)}],
                   {code.format(i=i)},
                   jsonb_build_object('order_id', md5('order' || i)::uuid, 'expires_on', ({at})::date + 10,
                                      'days_left', 10, 'programme_unfinished', true),
                   {at} - interval '20 days' - (i % 12) * interval '1 hour'
            FROM generate_series(5, {ENROLMENTS - 1}, 89) AS i""",
        # incidents for 1.2%
        f"""INSERT INTO incident (id, enrolment_id, participant_code, kind, occurred_on, severity, source, reported_by,
                                  reported_at, region, district)
            SELECT md5('i' || i)::uuid, {enrolment_id.format(i=i)}, {code.format(i=i)},
                   ({_array(INCIDENT_KINDS)})[(i / 83) % {len(INCIDENT_KINDS)} + 1],
                   least(({start.format(i=i)})::date + 10, ({at})::date - 1),
                   (ARRAY['minor', 'serious', 'severe'])[(i / 83) % 3 + 1],
                   (ARRAY['inspector', 'victim_support'])[(i / 83) % 2 + 1], 'insp-' || (i % 997),
                   {at} - interval '1 day', {region.format(i=i)}, {district.format(i=i)}
            FROM generate_series(7, {ENROLMENTS - 1}, 83) AS i""",
        # an intake assessment for half (2-6 days after enrolment), a review for a sixth (28 days later)
        f"""INSERT INTO assessment (id, enrolment_id, participant_code, instrument_id, instrument_version, kind,
                                    answers, score, band, level, unknown_items, assessed_by, assessed_at)
            SELECT md5('a' || i || '-' || k)::uuid, {enrolment_id.format(i=i)}, {code.format(i=i)}, 'qadam-intake', 1,
                   CASE WHEN k = 1 THEN 'intake' ELSE 'review' END, '{{}}'::jsonb, score,
                   CASE WHEN score >= 7 THEN 'very high' WHEN score >= 4 THEN 'high' WHEN score >= 2 THEN 'medium'
                        ELSE 'low' END,
                   CASE WHEN score >= 7 THEN 'critical' WHEN score >= 4 THEN 'high' WHEN score >= 2 THEN 'medium'
                        ELSE 'low' END,
                   0, 'psy-' || ((i / {COHORT_SIZE}) % 1400), assessed
            FROM generate_series(0, {ENROLMENTS - 1}, 2) AS i
            CROSS JOIN LATERAL generate_series(1, CASE WHEN i % 6 = 0 THEN 2 ELSE 1 END) AS k
            CROSS JOIN LATERAL (SELECT abs(hashtext('score' || i || '-' || k)) % 9 AS score,
                                       {enrolled_at.format(i=i)} + (2 + i % 5 + (k - 1) * 28) * interval '1 day'
                                       AS assessed) AS a
            WHERE {fate.format(i=i)} NOT BETWEEN 74 AND 75 AND assessed < {at}""",
        "VACUUM ANALYZE",  # the state autovacuum keeps tables in (hint bits set, visibility map, statistics)
    ]


def seed(url: str, now: datetime) -> dict[str, Any]:
    started = time.perf_counter()
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
        *statements, vacuum = seed_statements(now)
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]  # built from constants, not input
        seed_runs(conn)
        conn.execute(vacuum)  # type: ignore[arg-type]
        counts = conn.execute(
            f"SELECT (SELECT count(*) FROM enrolment_view), (SELECT count(*) FROM enrolment_view WHERE status IN {OPEN}),"
            " (SELECT count(*) FROM attendance_fact), (SELECT count(*) FROM attendance_fact WHERE status = 'unexcused'),"
            " (SELECT count(*) FROM signal WHERE kind = 'sessions.warning_sign.observed'),"
            " (SELECT count(*) FROM signal WHERE kind <> 'sessions.warning_sign.observed'),"
            " (SELECT count(*) FROM incident), (SELECT count(DISTINCT enrolment_id) FROM assessment),"
            " (SELECT count(*) FROM assessment), (SELECT count(DISTINCT (region, district)) FROM enrolment_view)"
        ).fetchone()  # type: ignore[arg-type]
    assert counts is not None
    names = ("enrolments", "open_enrolments", "attendance_marks", "unexcused_marks", "warning_signs",
             "order_signals", "incidents", "assessed_enrolments", "assessments", "districts")
    return {"seconds": round(time.perf_counter() - started, 1), **dict(zip(names, counts, strict=True))}


def seed_runs(conn: psycopg.Connection[Any]) -> None:
    """Each man's runs of unexcused absences as sessions publishes them with his last mark (sessions' own code) and
    risk keeps them: the facts the consecutive-absences rule reads."""
    marks: dict[Any, list[HeldMark]] = {}
    for e, sid, n, at, status, kind in conn.execute("SELECT enrolment_id, session_id, session_number, scheduled_at, "
                                                    "status, session_kind FROM attendance_fact"):
        marks.setdefault(e, []).append(HeldMark(sid, n, at, status, kind))
    with conn.cursor().copy("COPY absence_runs_fact (enrolment_id, version, runs) FROM STDIN") as copy:
        for e, held in marks.items():
            copy.write_row((e, len(held), Jsonb(runs_kept(published_runs(len(held), absence_runs(held))))))


def ceiling_statements() -> list[str]:
    """What an evaluation reads (`evaluation._reads`: the views, the facts, the flags and the levels), for every open
    enrolment at once."""
    joined = f"JOIN enrolment_view v USING (enrolment_id) WHERE v.status IN {OPEN}"
    return [
        f"SELECT enrolment_id FROM enrolment_view WHERE status IN {OPEN} ORDER BY enrolment_id",
        "SELECT enrolment_id, participant_code, status, region, district, inspector_id, psychologist_id, "
        f"victim_support_worker_id, enrolled_at FROM enrolment_view WHERE status IN {OPEN}",
        "SELECT t.enrolment_id, t.session_id, t.session_number, t.scheduled_at, t.status, t.session_kind "
        f"FROM attendance_fact t {joined}",
        f"SELECT t.enrolment_id, t.runs FROM absence_runs_fact t {joined}",
        "SELECT s.event_id, s.kind, s.enrolment_ids, s.participant_code, s.facts, s.occurred_at FROM signal s "
        f"WHERE EXISTS (SELECT 1 FROM enrolment_view v WHERE v.enrolment_id = ANY(s.enrolment_ids) AND v.status IN {OPEN})"
        " OR (s.enrolment_ids = '{}' AND s.participant_code IN "
        f"(SELECT participant_code FROM enrolment_view WHERE status IN {OPEN}))",
        f"SELECT t.id, t.enrolment_id, t.kind, t.occurred_on, t.severity, t.source FROM incident t {joined}",
        "SELECT t.id, t.enrolment_id, t.instrument_id, t.instrument_version, t.score, t.band, t.level, t.assessed_at "
        f"FROM assessment t {joined}",
        f"SELECT t.id, t.enrolment_id, t.rule_id, t.fact_key, t.fact_ids, t.level, t.status FROM flag t {joined}",
        f"SELECT t.enrolment_id, t.level FROM risk_level t {joined}",
    ]


def read_facts(url: str) -> tuple[float, int]:
    """Seconds for raw psycopg to read and fetch into Python every fact of every open enrolment; rows fetched."""
    with psycopg.connect(psycopg_dsn(url)) as conn:
        started = time.perf_counter()
        rows = sum(len(conn.execute(sql).fetchall()) for sql in ceiling_statements())  # type: ignore[arg-type]
        return time.perf_counter() - started, rows


def recompute(stack: Any, reason: str, log: Path) -> dict[str, Any]:
    """One recompute as the risk worker runs it, in a process of its own; what `run` returned, and its seconds."""
    env = {**stack.environment("risk"), "QADAM_LOG_LEVEL": "INFO"}
    with log.open("ab") as err:
        out = subprocess.run([sys.executable, "-m", "bench.recompute", "--job", reason], env=env, stdout=subprocess.PIPE,
                             stderr=err, check=True, cwd=Path(__file__).parent.parent, timeout=1800).stdout
    return json.loads(out.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]


def _count(url: str, sql: str) -> int:
    with psycopg.connect(psycopg_dsn(url)) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    return int(row[0]) if row else 0


def rules_changed(url: str) -> int:
    """The rules in force (the migrations' newest set), with two absences in a row no longer enough (3) and a lower
    absence rate (0.4), as the next version: some new flags, and nothing already flagged raised again. Its version."""
    with psycopg.connect(psycopg_dsn(url)) as conn:
        row = conn.execute("SELECT version, rules FROM rule_set ORDER BY version DESC LIMIT 1").fetchone()
        assert row is not None
        version, rules = row[0] + 1, row[1]
        for rule in rules:
            if rule["id"] == "consecutive_absences":
                rule["version"], rule["params"]["threshold"] = rule["version"] + 1, 3
            elif rule["id"] == "absence_rate":
                rule["version"], rule["params"]["rate"] = rule["version"] + 1, 0.4
        conn.execute("INSERT INTO rule_set (version, rules, note, created_by) VALUES (%s, %s, %s, 'bench')",
                     (version, Jsonb(rules), "consecutive absences 2 -> 3; absence rate 0.5 -> 0.4"))
    return version


def run() -> tuple[list[Row], dict[str, Any]]:
    stack = open_stack("risk")
    try:
        url = stack.database_url("risk")
        RESULTS.mkdir(exist_ok=True)
        log = RESULTS / "recompute-worker.log"
        log.write_bytes(b"")
        seeded = seed(url, datetime.now(UTC).replace(microsecond=0))
        runs: dict[str, Any] = {}
        for name, reason in (("first", "requested"), ("rules_changed", "rules_changed"), ("again", "rules_changed")):
            if name == "rules_changed":
                with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
                    conn.execute("VACUUM ANALYZE")  # flags, levels and outbox rows are there now
                ceiling = [read_facts(url) for _ in range(CEILING_CALLS)]
                changed = rules_changed(url)
            outbox_before = _count(url, "SELECT count(*) FROM outbox")
            result = recompute(stack, reason, log)
            result["outbox_rows"] = _count(url, "SELECT count(*) FROM outbox") - outbox_before
            result["enrolments_per_second"] = round(result["evaluated"] / result["seconds"], 1)
            runs[name] = result
        floor = statistics.median(s for s, _ in ceiling)
        flags = _count(url, "SELECT count(*) FROM flag")
        with psycopg.connect(psycopg_dsn(url)) as conn:
            by_version = dict(conn.execute("SELECT rule_set_version, count(*) FROM flag GROUP BY 1").fetchall())
            v2_rules = dict(conn.execute("SELECT rule_id, count(*) FROM flag WHERE rule_set_version = %s GROUP BY 1 "
                                         "ORDER BY 2 DESC", (changed,)).fetchall())
        extra = {"recompute": {
            "seed": seeded, "chunk": stack.settings("risk").risk_recompute_chunk, "runs": runs,
            "read_facts": {"median_s": round(floor, 2), "calls_s": [round(s, 2) for s, _ in ceiling],
                           "rows": ceiling[0][1]},
            "flags_total": flags, "flags_by_rule_set": {str(k): v for k, v in by_version.items()},
            "v2_flags_by_rule": v2_rules,
            "goal_s": GOAL_SECONDS}}
        print(summary(extra["recompute"]))
        rows = [
            Row("risk: recompute, first evaluation of all", runs["first"]["seconds"], "s", floor,
                "raw psycopg reading its facts", f"≤ {GOAL_SECONDS:.0f} s", higher_is_better=False),
            Row("risk: recompute after rules change", runs["rules_changed"]["seconds"], "s", floor,
                "raw psycopg reading its facts", f"≤ {GOAL_SECONDS:.0f} s", higher_is_better=False),
            Row("risk: recompute again, nothing new", runs["again"]["seconds"], "s", floor,
                "raw psycopg reading its facts", f"≤ {GOAL_SECONDS:.0f} s", higher_is_better=False),
        ]
        return rows, extra
    finally:
        stack.close()


def summary(r: dict[str, Any]) -> str:
    s = r["seed"]
    lines = [f"\nrisk recompute: seeded {s['enrolments']:,} enrolments ({s['open_enrolments']:,} open) in "
             f"{s['districts']} districts, {s['attendance_marks']:,} marks, {s['warning_signs']:,} warning signs, "
             f"{s['order_signals']:,} order signals, {s['incidents']:,} incidents, {s['assessments']:,} assessments "
             f"in {s['seconds']} s; chunk {r['chunk']}"]
    for name, words in (("first", "first evaluation of all"), ("rules_changed", "after a rules change"),
                        ("again", "again, nothing new")):
        x = r["runs"][name]
        lines.append(f"  {words:<30} {x['seconds']:>7.1f} s  {x['enrolments_per_second']:>8,.0f} enrolments/s  "
                     f"{x['evaluated']:,} evaluated, {x['flags_raised']:,} flags raised, {x['levels_changed']:,} "
                     f"level changes, {x['outbox_rows']:,} outbox rows; "
                     f"{100_000 / x['enrolments_per_second']:.0f} s per 100,000 at this rate")
    lines.append(f"  flags raised after the rules change, by rule: {r['v2_flags_by_rule']}")
    read = r["read_facts"]
    lines.append(f"  {'ceiling: raw psycopg read':<30} {read['median_s']:>7.1f} s  (median of {read['calls_s']}; "
                 f"{read['rows']:,} rows)  goal: ≤ {r['goal_s']:.0f} s for 100,000")
    return "\n".join(lines)


def _job(reason: str) -> None:
    """In the process of its own: request a recompute under the rules in force and run it, as the worker does."""
    from qadam.db import make_engine, make_session_factory, transaction
    from qadam.log import configure_logging
    from risk import SERVICE
    from risk.recompute import request_recompute
    from risk.recompute import run as run_recompute
    from risk.settings import RiskSettings

    settings = RiskSettings.from_env(SERVICE)
    configure_logging(SERVICE, fmt=settings.log_format, level=settings.log_level)
    engine = make_engine(settings.database_url, pool_size=1)
    factory = make_session_factory(engine)
    with transaction(factory) as s:
        job_id = request_recompute(s, reason=reason, by="bench", status="running").id
    started = time.perf_counter()
    totals = run_recompute(factory, settings, job_id)
    seconds = time.perf_counter() - started
    engine.dispose()
    print(json.dumps({"job_id": str(job_id), "seconds": round(seconds, 2), **totals}))


if __name__ == "__main__":  # `python -m bench.recompute`: this workload alone (results/latest.json is left alone)
    if sys.argv[1:2] == ["--job"]:
        _job(sys.argv[2])
    else:
        table, more = run()
        for r in table:
            print(f"{r.workload:<44} {r.figure:>8,.1f} {r.unit}  ceiling {r.ceiling:,.1f} {r.unit} ({r.ceiling_name})"
                  f"  goal {r.goal}")
        print(json.dumps(more, indent=2))
