"""Write path: one attendance mark recorded over HTTP (validation, auth, the mark and its outbox row in
one transaction), 2 gunicorn workers, under wrk on loopback; beside raw Flask doing one INSERT and commit."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_testing import free_port, wait_until

from .common import RESULTS, Row, open_stack, rss_mb, wrk

COHORTS, SESSIONS_EACH, PARTICIPANTS_EACH = 1000, 10, 10  # 100,000 distinct (session, participant) marks
SWEEP = (1, 2, 8, 32)  # connections: the write path again at each, 3 s
REGION, DISTRICT = "Buxoro viloyati", "Kogon"


def seed(url: str) -> tuple[list[list[str]], list[list[str]]]:
    engine = sa.create_engine(url)
    sessions: list[list[str]] = []
    enrolments: list[list[str]] = []
    cohorts, roster, rows = [], [], []
    when = datetime.now(UTC) - timedelta(days=1)
    for c in range(COHORTS):
        cid = str(uuid.uuid4())
        cohorts.append({"cohort_id": cid, "programme_id": str(uuid.uuid4()), "region": REGION,
                        "district": DISTRICT, "facilitator_ids": ["psy-bench"], "sessions_required": 8})
        es = [str(uuid.uuid4()) for _ in range(PARTICIPANTS_EACH)]
        ss = [str(uuid.uuid4()) for _ in range(SESSIONS_EACH)]
        roster += [{"enrolment_id": e, "cohort_id": cid, "participant_code": f"P-2026-{c * 10 + j:06d}",
                    "status": "active"} for j, e in enumerate(es)]
        rows += [{"id": s, "cohort_id": cid, "number": k + 1, "scheduled_at": when, "status": "scheduled",
                  "created_by": "psy-bench"} for k, s in enumerate(ss)]
        sessions.append(ss)
        enrolments.append(es)
    meta = sa.MetaData()
    meta.reflect(engine, only=["cohort_view", "roster_entry", "group_session"])
    with engine.begin() as conn:
        conn.execute(meta.tables["cohort_view"].insert(), cohorts)
        conn.execute(meta.tables["roster_entry"].insert(), roster)
        conn.execute(meta.tables["group_session"].insert(), rows)
        conn.execute(sa.text("CREATE TABLE ceiling_mark (id uuid PRIMARY KEY, body text NOT NULL)"))
    engine.dispose()
    return sessions, enrolments


def lua_script(path: Path, sessions: list[list[str]], enrolments: list[list[str]], token: str) -> None:
    def table(rows: list[list[str]]) -> str:
        return "{" + ",".join("{" + ",".join(f'"{x}"' for x in row) + "}" for row in rows) + "}"

    path.write_text(f"""
local sessions = {table(sessions)}
local enrolments = {table(enrolments)}
local n = 0
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) n = tid * 50000 + tonumber(args[1] or "0") end
local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}}
request = function()
  local c = n % {COHORTS}
  local k = math.floor(n / {COHORTS}) % {SESSIONS_EACH}
  local j = math.floor(n / {COHORTS * SESSIONS_EACH}) % {PARTICIPANTS_EACH}
  n = n + 1
  local body = '{{"marks": [{{"enrolment_id": "' .. enrolments[c + 1][j + 1] .. '", "status": "present"}}]}}'
  return wrk.format("POST", "/sessions/" .. sessions[c + 1][k + 1] .. "/attendance", headers, body)
end
""")


def ceiling_script(path: Path) -> None:
    body = '{"marks": [{"enrolment_id": "00000000-0000-0000-0000-000000000000", "status": "present"}]}'
    path.write_text(f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{body}'
""")


def gunicorn(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", app]
    return subprocess.Popen(argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            cwd=Path(__file__).parent.parent)


def run(seconds: int = 10, connections: int = 16) -> tuple[list[Row], dict[str, Any]]:
    stack = open_stack("sessions")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        url = stack.database_url("sessions")
        sessions, enrolments = seed(url)
        settings = Settings()
        # a psychologist's token names her area: without it she sees no cohort, and every request would measure a 404
        token = issue_token(stack.keys[0].read_bytes(), user_id="psy-bench", role="psychologist", region=REGION,
                            district=DISTRICT, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                            ttl_seconds=3600)
        RESULTS.mkdir(exist_ok=True)
        lua_script(RESULTS / "attendance.lua", sessions, enrolments, token)
        ceiling_script(RESULTS / "ceiling.lua")
        app_port, ceiling_port = free_port(), free_port()
        env = {**stack.environment("sessions"), "QADAM_LOG_LEVEL": "WARNING"}
        app = gunicorn("sessions.app:create_app()", app_port, env, RESULTS / "write-app.log")
        ceiling = gunicorn("bench.ceiling_app:create_app()", ceiling_port, {**os.environ, "BENCH_DATABASE_URL": url},
                           RESULTS / "write-ceiling.log")
        procs += [app, ceiling]
        for port in (app_port, ceiling_port):
            wait_until(lambda p=port: _answers(p), timeout=60, what="gunicorn to answer")
        rest_mb = rss_mb(app.pid)
        wrk(f"http://127.0.0.1:{ceiling_port}/ceiling", RESULTS / "ceiling.lua", seconds=2, connections=connections)
        top = wrk(f"http://127.0.0.1:{ceiling_port}/ceiling", RESULTS / "ceiling.lua", seconds=seconds,
                  connections=connections)
        peak = [0.0]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.5):
                peak[0] = max(peak[0], rss_mb(app.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        ours = wrk(f"http://127.0.0.1:{app_port}", RESULTS / "attendance.lua", seconds=seconds, connections=connections)
        sampling.set()
        time.sleep(1.0)  # let the requests still in flight when wrk stopped counting finish
        engine = sa.create_engine(url)
        with engine.connect() as c:  # one statement, one snapshot
            marks, events = c.execute(sa.text(
                "SELECT (SELECT count(*) FROM attendance_mark), (SELECT count(*) FROM outbox)")).one()
        engine.dispose()
        # wrk stops counting with up to `connections` requests still in flight; the server finishes them.
        failed = None
        if ours["non_2xx"] or not 0 <= marks - ours["requests"] <= connections or events != marks:
            failed = (f"{ours['non_2xx']:,.0f} of {ours['requests']:,.0f} requests failed; {marks:,} marks and "
                      f"{events:,} events recorded")
        if top["non_2xx"]:
            failed = f"{failed + '; ' if failed else ''}the ceiling's {top['non_2xx']:,.0f} requests failed"
        # Does anything serialise the requests (the audit chain's head is one lock)? The same marks, fewer and more
        # connections, each beside the ceiling at as many: other marks each time (an offset into the script's).
        sweep = {}
        for i, n in enumerate(SWEEP, start=1):
            mine = wrk(f"http://127.0.0.1:{app_port}", RESULTS / "attendance.lua", seconds=3, connections=n,
                       args=(str(i * 10_000),))
            theirs = wrk(f"http://127.0.0.1:{ceiling_port}/ceiling", RESULTS / "ceiling.lua", seconds=3, connections=n)
            sweep[n] = {"ours": mine, "ceiling": theirs}
        rows = [
            Row("write path: attendance mark over HTTP", ours["rps"], "/s", top["rps"], "Flask + 1 INSERT", "≥ 0.8",
                failed=failed),
            Row("write path: p99 latency", ours["p99_ms"], "ms", top["p99_ms"], "Flask + 1 INSERT", "≥ 0.67 (1.5×)",
                higher_is_better=False, failed=failed),
            *(Row(f"  at {n} connection{'s' if n > 1 else ''}", m["ours"]["rps"], "/s", m["ceiling"]["rps"],
                  f"Flask + 1 INSERT at {n}; p99 {m['ours'].get('p99_ms', 0):.1f} ms beside "
                  f"{m['ceiling'].get('p99_ms', 0):.1f}", "-",
                  failed=f"{m['ours']['non_2xx']:,.0f} requests failed" if m["ours"]["non_2xx"] else None)
              for n, m in sweep.items()),
            Row("memory: sessions web (2 workers) at rest", rest_mb, "MB", None, "-", "-"),
            Row("memory: sessions web (2 workers) under load", peak[0], "MB", None, "-", "-", failed=failed),
        ]
        extra = {"write_path": {"ours": ours, "ceiling": top, "marks_recorded": marks, "outbox_rows": events,
                                "by_connections": sweep,
                                "connections": connections, "seconds": seconds, "failed": failed}}
        return rows, extra
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)
        stack.close()


def _answers(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/", timeout=1)
        return True
    except requests.RequestException:
        return False
