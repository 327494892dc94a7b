"""Scale: the completion report over 100,000 enrolments (2.4 million attendance marks) across Uzbekistan's 14
regions, over HTTP (gunicorn, 2 workers) for one region and for the whole country; beside the same report's
SQL executed directly with psycopg in the same run. The national roll-up (by region and by month) likewise, for the
whole country. The outcome report likewise, over the outcomes of the enrolments that ended (seeded as enrollment
keeps them: new orders and breaches at known days after leaving)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests
from enrollment.reports import completion_query
from enrollment.reports.outcomes import curve_query, outcome_query
from enrollment.reports.rollup import rollup_query
from qadam.auth import issue_token
from qadam.config import Settings
from qadam.db import psycopg_dsn
from qadam.quarters import quarter_end, quarter_start, quarters_before
from qadam_testing import free_port, wait_until
from sqlalchemy.dialects import postgresql

from .common import RESULTS, Row, open_stack

ENROLMENTS, SESSIONS, COHORT_SIZE, DISTRICTS_PER_REGION, DAYS_SPREAD = 100_000, 24, 12, 10, 700
CALLS, WARM_UP = 20, 3
REGIONS = (
    "Qoraqalpogʻiston Respublikasi", "Andijon viloyati", "Buxoro viloyati", "Fargʻona viloyati", "Jizzax viloyati",
    "Xorazm viloyati", "Namangan viloyati", "Navoiy viloyati", "Qashqadaryo viloyati", "Samarqand viloyati",
    "Sirdaryo viloyati", "Surxondaryo viloyati", "Toshkent viloyati", "Toshkent shahri",
)
REGION = "Samarqand viloyati"
# beside the two templates the migrations ship (their names are taken)
PROGRAMMES = (("Regional statutory programme", 1), ("Regional statutory programme", 2), ("Extended group, rural", 1),
              ("Extended group, rural", 2), ("Individual programme", 1), ("Nukus pilot", 1))
EXIT_REASONS = ("non_compliance", "new_violence", "withdrawn", "transferred", "custody", "moved_away", "died")


def _values(rows: list[tuple[Any, ...]]) -> str:
    def literal(v: Any) -> str:
        return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def seed_statements(today: date) -> list[str]:
    """Set-based seed: every table filled by INSERT ... SELECT FROM generate_series, then ANALYZE."""
    cohorts = -(-ENROLMENTS // COHORT_SIZE)
    regions = _values([(i, name) for i, name in enumerate(REGIONS)])
    programmes = _values([(i, name, version) for i, (name, version) in enumerate(PROGRAMMES)])
    enrolment_id = "('00000000-0000-4000-8000-' || lpad(to_hex({i}), 12, '0'))::uuid"
    cohort_of = f"({{i}} / {COHORT_SIZE})"
    # a cohort's start day: spread over the last DAYS_SPREAD days
    cohort_start = f"(DATE '{today.isoformat()}' - (({{c}} * 37) % {DAYS_SPREAD}))"
    fate = "(({i} * 7919 + 13) % 100)"  # < 50 completed/closed, < 68 in programme, < 88 exited, < 93 excluded
    return [
        "SET synchronous_commit = off",
        "SET maintenance_work_mem = '256MB'",
        f"""INSERT INTO programme (id, lineage_id, version, name, sessions_required, max_unexcused_absences, created_by)
            SELECT md5('p' || n)::uuid, md5('l' || name)::uuid, version, name, {SESSIONS}, 3, 'bench'
            FROM (VALUES {programmes}) AS p(n, name, version)""",
        f"""INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, status, created_by)
            SELECT md5('c' || c)::uuid, md5('p' || ((c / 14) % {len(PROGRAMMES)}))::uuid, 'Group ' || c,
                   r.name, 'District ' || ((c / 14) % {DISTRICTS_PER_REGION} + 1),
                   ARRAY['psy-' || (c % 14) || '-' || ((c / 14) % {DISTRICTS_PER_REGION}) || '-' || ((c / 140) % 3)],
                   {cohort_start.format(c="c")}, 'running', 'bench'
            FROM generate_series(0, {cohorts - 1}) AS c JOIN (VALUES {regions}) AS r(n, name) ON r.n = c % 14""",
        f"""INSERT INTO participant (id, code, full_name, name_key, birth_date, sex, region, district,
                                     preferred_language, created_by)
            SELECT md5('m' || i)::uuid, 'P-2026-' || lpad(i::text, 6, '0'), 'Bench participant ' || i,
                   'bench participant ' || i, DATE '1970-01-01' + (i % 9000), 'male', c.region, c.district, 'uz', 'bench'
            FROM generate_series(0, {ENROLMENTS - 1}) AS i JOIN cohort c ON c.id = md5('c' || {cohort_of.format(i="i")})::uuid""",
        # 24 marks each; a man who exits stops coming at a session between 2 and 18
        f"""INSERT INTO attendance_record (enrolment_id, session_id, session_number, session_kind, scheduled_at, status,
                                           recorded_at)
            SELECT {enrolment_id.format(i="i")}, md5('s' || ({cohort_of.format(i="i")}) || '-' || n)::uuid, n, 'group',
                   at, CASE
                     WHEN {fate.format(i="i")} BETWEEN 68 AND 87 AND n >= 2 + i % 17 THEN 'unexcused'
                     ELSE (ARRAY['present', 'present', 'present', 'present', 'present', 'present', 'present', 'present',
                                 'present', 'present', 'present', 'present', 'present', 'present', 'present', 'present',
                                 'late', 'excused', 'unexcused', 'unexcused'])[(i * 31 + n * 17) % 20 + 1] END,
                   at + interval '3 hours'
            FROM generate_series(0, {ENROLMENTS - 1}) AS i CROSS JOIN generate_series(1, {SESSIONS}) AS n
            CROSS JOIN LATERAL (SELECT ({cohort_start.format(c=cohort_of.format(i="i"))} + (n - 1) * 3 + time '09:00')
                                       AT TIME ZONE 'UTC' AS at) AS s""",
        f"""INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, referral_source, inspector_id,
                                   psychologist_id, region, district, status, status_reason, enrolled_at, started_on,
                                   finished_on, sessions_recorded, sessions_attended, excused_absences,
                                   unexcused_absences, consecutive_absences, last_session_number, last_attended_number,
                                   created_by)
            SELECT {enrolment_id.format(i="i")}, md5('m' || i)::uuid, c.id, c.programme_id,
                   (ARRAY['protection_order', 'protection_order', 'protection_order', 'protection_order',
                          'protection_order', 'protection_order', 'court', 'inspector_initiative',
                          'inspector_initiative', 'self_referral'])[(i / 3) % 10 + 1],
                   'insp-' || (i % 997), c.facilitator_ids[1], c.region, c.district,
                   CASE WHEN f < 45 THEN 'completed' WHEN f < 50 THEN 'closed' WHEN f < 55 THEN 'assessed'
                        WHEN f < 65 THEN 'active' WHEN f < 68 THEN 'suspended' WHEN f < 88 THEN 'exited'
                        WHEN f < 93 THEN 'excluded' ELSE 'referred' END,
                   CASE WHEN f BETWEEN 68 AND 87 THEN (ARRAY{list(EXIT_REASONS)})[(i / 100) % 7 + 1] END,
                   (c.start_date - 7 + time '10:00') AT TIME ZONE 'UTC',
                   CASE WHEN f < 88 AND NOT f BETWEEN 50 AND 54 THEN c.start_date END,
                   CASE WHEN f < 50 OR f BETWEEN 68 AND 87 THEN c.start_date + 70 END,
                   a.recorded, a.attended, a.excused, a.unexcused, 0, a.last_session, a.last_attended, 'bench'
            FROM generate_series(0, {ENROLMENTS - 1}) AS i
            CROSS JOIN LATERAL (SELECT {fate.format(i="i")} AS f) AS fate
            JOIN cohort c ON c.id = md5('c' || {cohort_of.format(i="i")})::uuid
            JOIN (SELECT enrolment_id, count(*) AS recorded,
                         count(*) FILTER (WHERE status IN ('present', 'late')) AS attended,
                         count(*) FILTER (WHERE status = 'excused') AS excused,
                         count(*) FILTER (WHERE status = 'unexcused') AS unexcused,
                         max(session_number) AS last_session,
                         max(session_number) FILTER (WHERE status IN ('present', 'late')) AS last_attended
                  FROM attendance_record GROUP BY enrolment_id) AS a ON a.enrolment_id = {enrolment_id.format(i="i")}""",
        "ANALYZE",
    ]


def seed(url: str, today: date) -> dict[str, Any]:
    started = time.perf_counter()
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
        for statement in seed_statements(today):
            conn.execute(statement)  # type: ignore[arg-type]  # built from constants, not input
        counts = conn.execute("SELECT (SELECT count(*) FROM enrolment), (SELECT count(*) FROM attendance_record), "
                              "(SELECT count(DISTINCT region) FROM enrolment)").fetchone()
    assert counts is not None
    return {"seconds": round(time.perf_counter() - started, 1), "enrolments": counts[0], "attendance_records": counts[1],
            "regions": counts[2]}


def _timings(call: Any, calls: int = CALLS, warm_up: int = WARM_UP) -> list[float]:
    for _ in range(warm_up):
        call()
    out = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {"median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
            "min_ms": round(ordered[0], 1), "max_ms": round(ordered[-1], 1)}


def direct_sql(url: str, *, region: str | None, date_from: date, date_to: date, time_zone: str) -> list[float]:
    """The report's own statement (compiled once), executed and fetched over psycopg: the ceiling."""
    statement = completion_query(group_by="programme", region=region, date_from=date_from, date_to=date_to,
                                 time_zone=time_zone)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return _timings(lambda: conn.execute(sql).fetchall())  # type: ignore[arg-type]


def rollup_direct_sql(url: str, *, region: str | None, date_from: date, date_to: date,
                      time_zone: str) -> list[float]:
    """The national roll-up's own statement (by region and by month in one pass; compiled once), executed and
    fetched over psycopg: its ceiling."""
    statement = rollup_query(region=region, date_from=date_from, date_to=date_to, time_zone=time_zone)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return _timings(lambda: conn.execute(sql).fetchall())  # type: ignore[arg-type]


def national_rollup(session: requests.Session, base: str, url: str, *, admin: str, date_from: date, date_to: date,
                    time_zone: str) -> dict[str, Any]:
    """GET /reports/rollup for the whole country over HTTP, beside its SQL over psycopg."""
    query = {"from": date_from.isoformat(), "to": date_to.isoformat()}

    def call() -> None:
        response = session.get(f"{base}/reports/rollup", params=query, timeout=30,
                               headers={"Authorization": f"Bearer {admin}"})
        response.raise_for_status()

    http = _summary(_timings(call))
    ceiling = _summary(rollup_direct_sql(url, region=None, date_from=date_from, date_to=date_to, time_zone=time_zone))
    body = session.get(f"{base}/reports/rollup", params=query, headers={"Authorization": f"Bearer {admin}"},
                       timeout=30).json()
    return {"http": http, "direct_sql": ceiling, "regions": len(body["regions"]["groups"]),
            "months": len(body["months"]["groups"]), "population": body["regions"]["totals"]["enrolments"]}


def rollup_rows(figures: dict[str, Any]) -> list[Row]:
    return [Row("scale: national roll-up, whole country", figures["http"]["median_ms"], "ms",
                figures["direct_sql"]["median_ms"], "its SQL over psycopg", "≤ 300 ms", higher_is_better=False)]


def run() -> tuple[list[Row], dict[str, Any]]:
    stack = open_stack("enrollment")
    web: subprocess.Popen[bytes] | None = None
    try:
        url = stack.database_url("enrollment")
        settings = Settings()
        today = date.today()
        seeded = seed(url, today)
        # every enrolment is in the population: the whole quarters around the days the seed spreads them over
        date_from, date_to = quarter_start(today - timedelta(days=DAYS_SPREAD + 10)), quarter_end(today)
        private = stack.keys[0].read_bytes()

        def token(user: str, role: str, region: str | None = None) -> str:
            return issue_token(private, user_id=user, role=role, region=region, issuer=settings.jwt_issuer,
                               audience=settings.jwt_audience, ttl_seconds=3600)

        manager, admin = token("mgr-bench", "manager", REGION), token("admin-bench", "administrator")
        port = free_port()
        RESULTS.mkdir(exist_ok=True)
        env = {**stack.environment("enrollment"), "QADAM_LOG_LEVEL": "WARNING"}
        argv = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                "enrollment.app:create_app()"]
        web = subprocess.Popen(argv, env=env, stdout=(RESULTS / "scale-app.log").open("wb"), stderr=subprocess.STDOUT,
                               cwd=Path(__file__).parent.parent)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(base), timeout=60, what="gunicorn to answer")
        session = requests.Session()
        query = {"group_by": "programme", "from": date_from.isoformat(), "to": date_to.isoformat()}

        def report(bearer: str, **more: str) -> Any:
            def call() -> None:
                response = session.get(f"{base}/reports/completion", params={**query, **more}, timeout=30,
                                        headers={"Authorization": f"Bearer {bearer}"})
                response.raise_for_status()
            return call

        figures: dict[str, Any] = {}
        for name, bearer, region in (("region", manager, REGION), ("country", admin, None)):
            http = _summary(_timings(report(bearer)))
            ceiling = _summary(direct_sql(url, region=region, date_from=date_from, date_to=date_to,
                                          time_zone=settings.time_zone))
            body = session.get(f"{base}/reports/completion", params=query, headers={"Authorization": f"Bearer {bearer}"},
                               timeout=30).json()
            figures[name] = {"http": http, "direct_sql": ceiling, "groups": len(body["groups"]),
                             "population": body["totals"]["enrolments"]}
        # Not a row: the widest grouping (a row per cohort: ~600 in a region, ~8,300 in the country), as a file too.
        figures["by_cohort"] = {
            f"{name}_{fmt}": _summary(_timings(report(bearer, group_by="cohort", format=fmt), calls=5, warm_up=1))
            for name, bearer in (("region", manager), ("country", admin)) for fmt in ("json", "xlsx")}
        figures["rollup"] = national_rollup(session, base, url, admin=admin, date_from=date_from, date_to=date_to,
                                            time_zone=settings.time_zone)
        outcome_rows, figures["outcomes"] = outcome_figures(session, base, url, manager=manager, admin=admin,
                                                             today=today)
        rows = [
            Row("scale: completion report, one region", figures["region"]["http"]["median_ms"], "ms",
                figures["region"]["direct_sql"]["median_ms"], "its SQL over psycopg", "≤ 300 ms", higher_is_better=False),
            Row("scale: completion report, whole country", figures["country"]["http"]["median_ms"], "ms",
                figures["country"]["direct_sql"]["median_ms"], "its SQL over psycopg", "≤ 300 ms", higher_is_better=False),
            # issue 20's goals for the widest grouping: a row per cohort of the country, ~8,300
            Row("scale: completion report, country by cohort", figures["by_cohort"]["country_json"]["median_ms"], "ms",
                None, "-", "≤ 300 ms", higher_is_better=False),
            Row("scale: the same as an Excel workbook", figures["by_cohort"]["country_xlsx"]["median_ms"], "ms",
                None, "-", "≤ 1,000 ms", higher_is_better=False),
            *rollup_rows(figures["rollup"]),
            *outcome_rows,
        ]
        extra = {"scale": {"seed": seeded, "region": REGION, "from": date_from.isoformat(), "to": date_to.isoformat(),
                           "calls": CALLS, "warm_up": WARM_UP, **figures}}
        return rows, extra
    finally:
        if web is not None:
            web.terminate()
            web.wait(20)
        stack.close()


# -- the outcome report ------------------------------------------------------------------------------------------
def outcome_seed_statements() -> list[str]:
    """The outcome of every enrolment the seed above ended as a programme ends (domain/outcomes.py), set-based:
    about one man in five with a new order, one in six with a breach, at days after leaving spread over 400; an
    intake level for four in five."""
    h = "abs(hashtext(e.id::text))"
    return [
        f"""INSERT INTO outcome (enrolment_id, participant_id, how, left_on, programme_id, programme_version, region,
                                 district, intake_level, new_order_on, breach_on, complaint_on, re_referred_on)
            SELECT e.id, e.participant_id,
                   CASE WHEN e.status IN ('completed', 'closed') THEN 'completed'
                        WHEN e.status_reason = 'non_compliance' THEN 'non_compliance' ELSE 'dropout' END,
                   e.finished_on, e.programme_id, p.version, e.region, e.district,
                   (ARRAY['low', 'medium', 'high', 'critical', NULL])[{h} % 5 + 1],
                   CASE WHEN {h} % 100 < 20 THEN e.finished_on + 1 + ({h} / 100) % 400 END,
                   CASE WHEN {h} % 100 BETWEEN 12 AND 27 THEN e.finished_on + 1 + ({h} / 1000) % 400 END,
                   CASE WHEN {h} % 100 BETWEEN 40 AND 49 THEN e.finished_on + 1 + ({h} / 10) % 400 END,
                   CASE WHEN {h} % 100 BETWEEN 60 AND 64 THEN e.finished_on + 30 END
            FROM enrolment e JOIN programme p ON p.id = e.programme_id
            WHERE e.finished_on IS NOT NULL
              AND (e.status IN ('completed', 'closed')
                   OR (e.status = 'exited' AND coalesce(e.status_reason, '') NOT IN ('transferred', 'died')))""",
        "ANALYZE outcome",
    ]


def seed_outcomes(url: str) -> dict[str, Any]:
    started = time.perf_counter()
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
        for statement in outcome_seed_statements():
            conn.execute(statement)  # type: ignore[arg-type]  # built from constants, not input
        row = conn.execute("SELECT count(*) FROM outcome").fetchone()
    assert row is not None
    return {"seconds": round(time.perf_counter() - started, 1), "outcomes": row[0]}


def outcome_direct_sql(url: str, *, region: str | None, date_from: date, date_to: date) -> list[float]:
    """The outcome report's two statements (its table and its curve, by quarter of leaving; compiled once), executed
    and fetched over psycopg: the ceiling. The as-of day only says which quarters are in, after the statements."""
    sqls = [str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            for statement in (outcome_query(group_by="programme", region=region, date_from=date_from, date_to=date_to),
                              curve_query(region=region, date_from=date_from, date_to=date_to))]
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return _timings(lambda: [conn.execute(sql).fetchall() for sql in sqls])  # type: ignore[call-overload]


def outcome_figures(session: requests.Session, base: str, url: str, *, manager: str, admin: str,
                    today: date) -> tuple[list[Row], dict[str, Any]]:
    """The outcome report over HTTP for one region (its manager) and the whole country (an administrator), by
    programme version, of the men who left in the eight quarters that end with today's (a run of whole quarters, as
    the report asks; the older ones followed 12 months), counted up to today, beside its SQL over psycopg."""
    seeded = seed_outcomes(url)
    date_from, date_to = quarters_before(today, 7), quarter_end(today)
    query = {"group_by": "programme", "from": date_from.isoformat(), "to": date_to.isoformat(),
             "as_of": today.isoformat()}

    def report(bearer: str) -> Any:
        def call() -> None:
            response = session.get(f"{base}/reports/outcomes", params=query, timeout=30,
                                   headers={"Authorization": f"Bearer {bearer}"})
            response.raise_for_status()
        return call

    figures: dict[str, Any] = {"seed": seeded}
    for name, bearer, region in (("region", manager, REGION), ("country", admin, None)):
        body = session.get(f"{base}/reports/outcomes", params=query, headers={"Authorization": f"Bearer {bearer}"},
                           timeout=30).json()
        figures[name] = {"http": _summary(_timings(report(bearer))),
                         "direct_sql": _summary(outcome_direct_sql(url, region=region, date_from=date_from,
                                                                   date_to=date_to)),
                         "groups": len(body["groups"]), "men": body["totals"]["men"], "curve_steps": len(body["curve"])}
    rows = [Row(f"scale: outcome report, {where}", figures[name]["http"]["median_ms"], "ms",
                figures[name]["direct_sql"]["median_ms"], "its SQL over psycopg", "≤ 300 ms", higher_is_better=False)
            for name, where in (("region", "one region"), ("country", "whole country"))]
    return rows, figures


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


if __name__ == "__main__":  # `python -m bench.scale`: this workload alone (results/latest.json is left alone)
    import json

    table, more = run()
    for r in table:
        ceiling = f"{r.ceiling:,.1f} {r.unit} ({r.ceiling_name})" if r.ceiling is not None else "-"
        print(f"{r.workload:<44} {r.figure:>8,.1f} {r.unit}  ceiling {ceiling}  goal {r.goal}")
    print(json.dumps(more, indent=2))
