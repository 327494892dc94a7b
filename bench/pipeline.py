"""Pipeline and alert latency: attendance marks committed in sessions, through risk, into notify's in-app
notifications; beside raw pika publishing (a confirm per message, and no confirms) measured in the same run."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pika
import psycopg
import sqlalchemy as sa
from qadam.bus import connect
from qadam.db import make_session_factory, psycopg_dsn, transaction
from qadam.outbox import add_events
from qadam_contracts.sessions import AttendanceRecorded
from qadam_testing import Process, Stack, wait_until, worker_process

from .common import RESULTS, Row, open_stack, rss_mb

SESSIONS_EACH = 10  # each enrolment: sessions 1..10, absent from 3 and 4 (two in a row and half of four: two flags
# in one episode, one notification each for his inspector and psychologist)


def raw_publish(amqp_url: str, count: int, *, confirms: bool) -> float:
    """Messages per second that plain pika reaches publishing 300-byte persistent messages to a quorum queue."""
    conn = connect(amqp_url, name="bench-raw")
    try:
        ch = conn.channel()
        queue = f"bench.raw.{uuid.uuid4().hex[:6]}"
        ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        if confirms:
            ch.confirm_delivery()
        body = b"x" * 300
        props = pika.BasicProperties(delivery_mode=2)
        started = time.perf_counter()
        for _ in range(count):
            ch.basic_publish("", queue, body, properties=props)
        if not confirms:
            ch.queue_declare(queue, passive=True)  # a round trip: the broker has taken everything sent before it
        elapsed = time.perf_counter() - started
        ch.queue_delete(queue)
        return count / elapsed
    finally:
        conn.close()


class Pipeline:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.engines = {s: sa.create_engine(stack.database_url(s)) for s in ("sessions", "risk", "notify")}
        self.cohort = uuid.uuid4()
        self.workers: dict[str, Process] = {}
        self.overrides: dict[str, Any] = {}
        self.timeline: list[tuple[uuid.UUID, datetime, datetime]] = []  # each alert sample: committed, read

    def start_workers(self, log_dir: Path) -> None:
        for service in ("sessions", "risk", "notify"):
            self.workers[service] = worker_process(self.stack, service, log_dir, log_level="WARNING", **self.overrides).start()

    def stop(self) -> None:
        for w in self.workers.values():
            w.stop()
        for e in self.engines.values():
            e.dispose()

    def enrol(self, count: int) -> list[uuid.UUID]:
        """Enrolments as enrollment's events leave them in each service's projections."""
        ids = [uuid.uuid4() for _ in range(count)]
        codes = {e: f"P-2026-{i % 1_000_000:06d}" for i, e in enumerate(ids)}
        with self.engines["sessions"].begin() as c:
            c.execute(sa.text("INSERT INTO cohort_view VALUES (:c, :p, 'Buxoro viloyati', 'Kogon', :f, 8) "
                              "ON CONFLICT DO NOTHING"), {"c": self.cohort, "p": uuid.uuid4(), "f": ["psy-b"]})
            c.execute(sa.text("INSERT INTO roster_entry VALUES (:e, :c, :code, 'active')"),
                      [{"e": e, "c": self.cohort, "code": codes[e]} for e in ids])
        with self.engines["risk"].begin() as c:
            c.execute(sa.text("INSERT INTO enrolment_view VALUES (:e, :code, :c, 'Buxoro viloyati', 'Kogon', "
                              "'insp-b', 'psy-b', 'active')"), [{"e": e, "code": codes[e], "c": self.cohort} for e in ids])
        self.codes = getattr(self, "codes", {}) | codes
        return ids

    def commit_marks(self, marks: list[tuple[uuid.UUID, int, str]], batch: int = 500) -> None:
        """Marks and their events committed in sessions, as the attendance endpoint commits them: each man's runs of
        unexcused absences computed after his marks (sessions' own `runs_after_change`: his version row locked,
        his marks read) and carried by the event."""
        from sessions.commands import runs_after_change

        factory = make_session_factory(self.engines["sessions"])
        base = datetime(2026, 9, 1, 14, tzinfo=UTC)
        for i in range(0, len(marks), batch):
            chunk = marks[i:i + batch]
            rows = [{"id": uuid.uuid4(), "session_id": uuid.uuid5(self.cohort, str(number)), "enrolment_id": enrolment,
                     "status": status, "excuse_reason": None, "recorded_by": "psy-b", "recorded_at": datetime.now(UTC),
                     "number": number} for enrolment, number, status in chunk]
            with transaction(factory) as s:
                s.execute(sa.text("INSERT INTO attendance_mark VALUES (:id, :session_id, :enrolment_id, :status, "
                                  ":excuse_reason, :recorded_by, :recorded_at)"), rows)
                runs = runs_after_change(s, [m["enrolment_id"] for m in rows])
                add_events(s, [AttendanceRecorded(
                    mark_id=m["id"], session_id=m["session_id"], cohort_id=self.cohort, enrolment_id=m["enrolment_id"],
                    participant_code=self.codes[m["enrolment_id"]], session_number=m["number"],
                    scheduled_at=base + timedelta(days=3 * m["number"]), status=m["status"], excuse_reason=None,
                    recorded_by="psy-b", recorded_at=m["recorded_at"], absence_runs=runs[m["enrolment_id"]])
                    for m in rows])

    def ensure_sessions(self) -> None:
        base = datetime(2026, 9, 1, 14, tzinfo=UTC)
        with self.engines["sessions"].begin() as c:
            c.execute(sa.text("INSERT INTO group_session VALUES (:id, :c, :n, :t, NULL, NULL, 'held', 'psy-b', now()) "
                              "ON CONFLICT DO NOTHING"),
                      [{"id": uuid.uuid5(self.cohort, str(n)), "c": self.cohort, "n": n,
                        "t": base + timedelta(days=3 * n)} for n in range(1, 200)])

    def count(self, service: str, sql: str) -> int:
        with self.engines[service].connect() as c:
            return int(c.execute(sa.text(sql)).scalar_one())

    def run_pipeline(self, enrolments: int) -> dict[str, float]:
        ids = self.enrol(enrolments)
        facts0 = self.count("risk", "SELECT count(*) FROM attendance_fact")
        notes0 = self.count("notify", "SELECT count(*) FROM notification")
        marks = [(e, n, "unexcused" if n in (3, 4) else "present") for n in range(1, SESSIONS_EACH + 1) for e in ids]
        started = time.perf_counter()
        self.commit_marks(marks)
        committed = time.perf_counter() - started
        expected_facts, expected_notes = facts0 + len(marks), notes0 + 2 * enrolments
        hop: list[float] = []  # when the first hop (sessions' outbox -> risk's inbox and facts) had it all

        def drained() -> bool:
            """Risk has every mark, and notify has handled every flag risk raised from them (not merely as many
            notifications as one flag each would make: his two absences raise two flags, in one episode)."""
            if not hop and self.count("risk", "SELECT count(*) FROM attendance_fact") >= expected_facts:
                hop.append(time.perf_counter() - started)
            if not hop or self.count("notify", "SELECT count(*) FROM notification") < expected_notes:
                return False
            raised = self.count("risk", "SELECT count(*) FROM outbox WHERE routing_key = 'risk.flag.raised'")
            return self.count("notify", "SELECT count(*) FROM inbox WHERE type = 'risk.flag.raised'") >= raised

        wait_until(drained, timeout=1200, interval=0.1, what="the pipeline to drain")
        elapsed = time.perf_counter() - started
        return {"marks": len(marks), "seconds": elapsed, "per_second": len(marks) / elapsed,
                "commit_seconds": committed, "notifications": expected_notes - notes0,
                "hop_seconds": hop[0], "hop_per_second": len(marks) / hop[0]}

    def alert_latency(self, samples: int, background_per_second: int = 0) -> list[float]:
        """ms from the commit of the absence that raises a flag to the notification being readable."""
        stop = threading.Event()
        background = None
        if background_per_second:
            others = self.enrol(200)

            def load() -> None:
                n = 100
                while not stop.is_set():
                    tick = time.perf_counter()
                    self.commit_marks([(e, n, "present") for e in others], batch=len(others))
                    n += 1
                    stop.wait(max(0.0, len(others) / background_per_second - (time.perf_counter() - tick)))

            background = threading.Thread(target=load, daemon=True)
            background.start()
            time.sleep(2)
        out = []
        ids = self.enrol(samples)
        self.commit_marks([(e, 1, "unexcused") for e in ids])
        wait_until(lambda: self.count("risk", "SELECT count(*) FROM attendance_fact WHERE session_number = 1 "
                                      f"AND enrolment_id IN ({','.join(repr(str(e)) for e in ids)})") == samples,
                   timeout=120, what="the first absences to reach risk")
        # Wake on notify's own NOTIFY (sent at the commit that makes the notification readable), then read it:
        # no busy polling stealing a core from the workers being measured.
        dsn = psycopg_dsn(self.stack.database_url("notify"))
        with self.engines["notify"].connect() as c, psycopg.connect(dsn, autocommit=True) as listener:
            listener.execute("LISTEN qadam_delivery")
            query = sa.text("SELECT 1 FROM notification WHERE enrolment_id = :e LIMIT 1")
            for e in ids:
                list(listener.notifies(timeout=0.0))  # forget wake-ups from earlier samples or the background load
                self.commit_marks([(e, 2, "unexcused")])
                t0, committed = time.perf_counter(), datetime.now(UTC)
                while c.execute(query, {"e": e}).first() is None:
                    c.commit()
                    if time.perf_counter() - t0 > 30:
                        raise AssertionError("no notification within 30 s")
                    list(listener.notifies(timeout=1.0, stop_after=1))
                out.append((time.perf_counter() - t0) * 1000)
                self.timeline.append((e, committed, datetime.now(UTC)))
                c.commit()
        stop.set()
        if background:
            background.join(30)
        return out

    def hops(self, timeline: list[tuple[uuid.UUID, datetime, datetime]]) -> dict[str, list[float]]:
        """ms each hop of an alert took, from the times the services wrote down (read after the samples, so the
        reading does not slow them): the absence's commit -> sessions' relay has it confirmed by the broker
        (outbox.sent_at) -> risk's transaction that took it begins (inbox.received_at) -> risk's relay has the flag
        confirmed -> notify's transaction that took the flag begins -> the notification read by the bench (after
        notify's commit and its NOTIFY). One machine, one clock."""
        names = ("commit → sessions relay confirmed", "→ risk handler begins", "→ risk relay confirmed (flag)",
                 "→ notify handler begins", "→ notification readable")
        found: dict[str, list[float]] = {n: [] for n in names}
        for e, committed, read in timeline:
            mark = self._sent("sessions", "sessions.attendance.recorded", e, session_number=2)
            flag = self._sent("risk", "risk.flag.raised", e)
            if mark is None or flag is None:
                continue
            risk_began = self._received("risk", mark[0])
            notify_began = self._received("notify", flag[0])
            if risk_began is None or notify_began is None:
                continue
            times = (committed, mark[1], risk_began, flag[1], notify_began, read)
            for name, (a, b) in zip(names, zip(times[:-1], times[1:], strict=True), strict=True):
                found[name].append((b - a).total_seconds() * 1000)
        return found

    def _sent(self, service: str, routing_key: str, enrolment: uuid.UUID, **data: Any) -> tuple[str, datetime] | None:
        where = "".join(f" AND envelope->'data'->>'{k}' = :{k}" for k in data)
        with self.engines[service].connect() as c:
            row = c.execute(sa.text(f"SELECT id, sent_at FROM outbox WHERE routing_key = :k "  # noqa: S608 - our keys
                                    f"AND envelope->'data'->>'enrolment_id' = :e{where} ORDER BY seq DESC LIMIT 1"),
                            {"k": routing_key, "e": str(enrolment), **{k: str(v) for k, v in data.items()}}).first()
        return (str(row.id), row.sent_at) if row is not None and row.sent_at is not None else None

    def _received(self, service: str, message_id: str) -> datetime | None:
        with self.engines[service].connect() as c:
            return c.execute(sa.text("SELECT received_at FROM inbox WHERE message_id = :m"), {"m": message_id}).scalar()


def print_hops(by_load: dict[str, dict[str, list[float]]]) -> None:
    """Each hop of an alert's way, p50 and p99 in ms, idle and under load (the alert latency rows are their sum)."""
    print(f"\nalert latency by hop (ms){'':<24}" + "".join(f"{name:>22}" for name in by_load))
    print(f"{'':<50}" + "".join(f"{'p50':>11}{'p99':>11}" for _ in by_load))
    for hop in next(iter(by_load.values())):
        cells = "".join(f"{percentile(h[hop], 50):>11.1f}{percentile(h[hop], 99):>11.1f}" if h[hop] else f"{'-':>22}"
                        for h in by_load.values())
        print(f"  {hop:<48}{cells}")


def _nameko_row(hop_per_second: float, nameko: dict[str, Any]) -> Row:
    """The first hop alone (sessions' outbox to risk's database) beside nameko doing the same hop."""
    if "error" in nameko:
        return Row("  hop sessions→risk", hop_per_second, "/s", None, f"nameko: {nameko['error']}", "≥ 2.0")
    return Row("  hop sessions→risk", hop_per_second, "/s", nameko["events_per_second"],
               f"nameko {nameko['nameko']}, same hop, {nameko['events']:,} events", "≥ 2.0")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(events: int = 20_000, growth: tuple[int, ...] = (1, 4, 16), growth_base: int = 2_000,
        latency_samples: int = 100, nameko: dict[str, Any] | None = None) -> tuple[list[Row], dict[str, Any]]:
    stack = open_stack("sessions", "risk", "notify")
    pipe = Pipeline(stack)
    try:
        with_confirms = raw_publish(stack.amqp_url, events, confirms=True)
        without = raw_publish(stack.amqp_url, events, confirms=False)
        pipe.ensure_sessions()
        log_dir = RESULTS / "pipeline-logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        pipe.start_workers(log_dir)
        time.sleep(3)
        rest = {s: rss_mb(w.popen.pid) for s, w in pipe.workers.items()}  # type: ignore[union-attr]
        peak = dict(rest)
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.5):
                for s, w in pipe.workers.items():
                    peak[s] = max(peak[s], rss_mb(w.popen.pid))  # type: ignore[union-attr]

        threading.Thread(target=sample, daemon=True).start()
        main = pipe.run_pipeline(events // SESSIONS_EACH)
        sampling.set()
        grown = {f"{k}x": pipe.run_pipeline(growth_base * k // SESSIONS_EACH) for k in growth}
        idle = pipe.alert_latency(latency_samples)
        idle_hops, pipe.timeline = pipe.hops(pipe.timeline), []
        loaded = pipe.alert_latency(latency_samples, background_per_second=200)
        loaded_hops = pipe.hops(pipe.timeline)
        print_hops({"idle": idle_hops, "200 marks/s": loaded_hops})
        rows = [
            Row(f"pipeline: {main['marks']:,} marks sessions→risk→notify", main["per_second"], "/s", with_confirms,
                "pika, a confirm per message", "> 1.0"),
            Row("  (the same, beside pika without confirms)", main["per_second"], "/s", without,
                "pika, no confirms", "-"),
            _nameko_row(main["hop_per_second"], nameko or {"error": "not run"}),
        ]
        for k, g in grown.items():
            rows.append(Row(f"growth {k}: {g['marks']:,} marks", g["seconds"], "s", None, "-",
                            "linear", higher_is_better=False))
        for name, values in (("idle", idle), ("200 marks/s", loaded)):
            rows.append(Row(f"alert latency p50 ({name})", percentile(values, 50), "ms", None, "-", "≤ 20 ms",
                            higher_is_better=False))
            rows.append(Row(f"alert latency p99 ({name})", percentile(values, 99), "ms", None, "-", "≤ 100 ms",
                            higher_is_better=False))
        for s in pipe.workers:
            rows.append(Row(f"memory: {s} worker at rest / under load", rest[s], "MB", None, "-",
                            f"under load {peak[s]:.1f} MB"))
        extra = {"pipeline": main, "growth": grown, "raw_publish": {"confirm_each": with_confirms, "no_confirms": without},
                 "alert_latency_ms": {"idle": {"mean": statistics.mean(idle), "samples": len(idle)},
                                      "loaded": {"mean": statistics.mean(loaded), "samples": len(loaded)}},
                 "alert_hops_ms": {name: {hop: {"p50": percentile(v, 50), "p99": percentile(v, 99), "samples": len(v)}
                                          for hop, v in hops.items() if v}
                                   for name, hops in (("idle", idle_hops), ("loaded", loaded_hops))},
                 "worker_memory_mb": {"rest": rest, "peak": peak}}
        return rows, extra
    finally:
        pipe.stop()
        stack.close()
