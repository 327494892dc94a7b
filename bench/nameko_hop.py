"""nameko on the pipeline's hop: one service publishes attendance events, another writes one row per event.

Runs INSIDE its own virtualenv with nameko (bench/nameko.py makes it); it imports nothing from Qadam. It
creates a PostgreSQL database (named on the command line) and a RabbitMQ vhost of the same name, starts a
nameko service in this process (ServiceRunner, eventlet) whose @event_handler("sessions", "attendance_recorded")
inserts one row per event with psycopg, has nameko's standalone event_dispatcher (publisher confirms on, its
default) publish N events from a second process (the publishing service), waits until all N rows are committed,
prints one JSON line on stdout, and removes the database and the vhost again.

    python -I bench/nameko_hop.py qadam_bnk1234567890 --count 5000

The clock runs from the first publish (after a warm-up publish that opens the dispatcher's connection) to the
poll that sees the N-th row. psycopg waits through eventlet's green select (PSYCOPG_WAIT_FUNC=wait_select), so
nameko's workers (max_workers, 10 by default) commit concurrently instead of blocking the hub one at a time.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

# Run as a script, this file's folder (bench/) heads sys.path, and bench/nameko.py would shadow the real nameko.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
# psycopg's C wait blocks the whole eventlet hub; its select-based wait goes through eventlet's green select.
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # nameko 2 needs it all the same

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import uuid  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from importlib.metadata import version  # noqa: E402
from typing import Any  # noqa: E402

import eventlet.queue  # noqa: E402
import nameko  # noqa: E402
import psycopg  # noqa: E402
from nameko.events import event_handler  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.standalone.events import event_dispatcher  # noqa: E402

SCHEMA = """
CREATE TABLE attendance_fact (
    mark_id uuid PRIMARY KEY,
    enrolment_id uuid NOT NULL,
    participant_code text NOT NULL,
    session_number integer NOT NULL,
    status text NOT NULL,
    recorded_at timestamptz NOT NULL
)
"""
NAMEKO_3 = hasattr(nameko, "config")  # 3.0 (release candidates) keeps its config in nameko.config, 2.x passes it around
INSERT = ("INSERT INTO attendance_fact VALUES (%(mark_id)s, %(enrolment_id)s, %(participant_code)s, %(session_number)s, "
          "%(status)s, %(recorded_at)s) ON CONFLICT (mark_id) DO NOTHING")


# -- the consuming service -----------------------------------------------------------------------------------

class AttendanceStore(DependencyProvider):
    """A psycopg connection per concurrent worker (autocommit: one INSERT, one transaction, one commit)."""

    def setup(self) -> None:
        config = nameko.config if NAMEKO_3 else self.container.config
        self.url = config["BENCH_DATABASE_URL"]
        self.size = int(config.get("max_workers", 10))
        self.idle: eventlet.queue.LightQueue = eventlet.queue.LightQueue()
        self.opened: list[psycopg.Connection] = []

    def start(self) -> None:
        for _ in range(self.size):
            conn = psycopg.connect(self.url, autocommit=True)
            self.opened.append(conn)
            self.idle.put(conn)

    def stop(self) -> None:
        for conn in self.opened:
            conn.close()

    @contextmanager
    def connection(self) -> Any:
        conn = self.idle.get()
        try:
            yield conn
        finally:
            self.idle.put(conn)

    def get_dependency(self, worker_ctx: Any) -> AttendanceStore:
        return self


class RiskService:
    name = "risk"
    store = AttendanceStore()

    @event_handler("sessions", "attendance_recorded")
    def on_attendance_recorded(self, payload: dict[str, Any]) -> None:
        with self.store.connection() as conn:
            conn.execute(INSERT, payload)


# -- the publishing service ----------------------------------------------------------------------------------

def attendance_mark(i: int, cohort: uuid.UUID) -> dict[str, Any]:
    """An attendance mark as sessions publishes it, in about 300 bytes of JSON."""
    number = 1 + i % 10
    return {"mark_id": str(uuid.uuid4()), "session_id": str(uuid.uuid5(cohort, str(number))),
            "enrolment_id": str(uuid.uuid4()), "participant_code": f"P-2026-{i % 1_000_000:06d}",
            "session_number": number, "status": "unexcused" if number in (3, 4) else "present", "excuse_reason": None,
            "recorded_by": "psy-b", "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}


def dispatch(amqp_uri: str, count: int, confirms: bool = True) -> dict[str, Any]:
    """Publish `count` events with nameko's standalone dispatcher; monotonic clock readings of first and last.

    nameko's Publisher has use_confirms=True by default: each publish waits for the broker's confirm."""
    config = {"AMQP_URI": amqp_uri}
    if NAMEKO_3:
        nameko.config.setup(config)
    send = event_dispatcher(use_confirms=confirms) if NAMEKO_3 else event_dispatcher(config, use_confirms=confirms)
    cohort = uuid.uuid4()
    marks = [attendance_mark(i, cohort) for i in range(count)]
    send("sessions", "bench_warmup", {})  # routed nowhere; opens the pooled connection and channel before the clock
    started = time.monotonic()
    for mark in marks:
        send("sessions", "attendance_recorded", mark)
    return {"started": started, "published": time.monotonic(), "confirms": confirms,
            "payload_bytes": len(json.dumps(marks[0]))}


# -- the run -------------------------------------------------------------------------------------------------

def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def count_rows(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM attendance_fact").fetchone()
    return int(row[0]) if row else 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    name, count = args.name, args.count
    amqp = urllib.parse.urlsplit(args.amqp_url)
    user = urllib.parse.unquote(amqp.username or "guest")
    vhost_uri = urllib.parse.urlunsplit(amqp._replace(path="/" + urllib.parse.quote(name, safe="")))
    db_url = with_database(args.database_url, name)
    cleanups: list[tuple[str, Any]] = []
    runner = None
    try:
        with psycopg.connect(args.database_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        cleanups.append(("database", lambda: drop_database(args.database_url, name)))
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(SCHEMA)
        rabbitmqctl("add_vhost", name)
        cleanups.append(("vhost", lambda: rabbitmqctl("delete_vhost", name)))
        rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*")

        config = {"AMQP_URI": vhost_uri, "max_workers": args.max_workers, "BENCH_DATABASE_URL": db_url}
        if NAMEKO_3:
            nameko.config.setup(config)
        runner = ServiceRunner() if NAMEKO_3 else ServiceRunner(config)
        runner.add_service(RiskService)
        runner.start()  # returns once the handler's queue is declared, bound and consumed

        with psycopg.connect(db_url, autocommit=True) as poll:
            if args.publisher == "inline":
                publishing = eventlet.spawn(dispatch, vhost_uri, count, args.confirms)
            else:
                child = subprocess.Popen([sys.executable, "-I", str(Path(__file__).resolve()), name, "--dispatch",
                                          "--count", str(count), "--amqp-url", args.amqp_url,
                                          *([] if args.confirms else ["--no-confirms"])], stdout=subprocess.PIPE,
                                         text=True)
                publishing = eventlet.spawn(child.communicate)
            deadline = time.monotonic() + args.timeout
            while (done := count_rows(poll)) < count:
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {done} of {count} rows after {args.timeout} s")
                if args.publisher == "process" and child.poll() not in (None, 0):
                    raise SystemExit(f"the publishing process failed (exit {child.returncode})")
                eventlet.sleep(args.interval)
            finished = time.monotonic()
        if args.publisher == "inline":
            sent = publishing.wait()
        else:
            out, _ = publishing.wait()
            if child.returncode != 0:
                raise SystemExit(f"the publishing process failed (exit {child.returncode})")
            sent = json.loads(out.strip().splitlines()[-1])
        seconds = finished - sent["started"]
        return {"events": count, "seconds": round(seconds, 3), "events_per_second": round(count / seconds, 1),
                "nameko": version("nameko"), "confirms": sent["confirms"],
                "publish_seconds": round(sent["published"] - sent["started"], 3), "payload_bytes": sent["payload_bytes"],
                "max_workers": args.max_workers, "publisher": args.publisher, "eventlet": version("eventlet"),
                "kombu": version("kombu"), "psycopg": version("psycopg"),
                "python": ".".join(map(str, sys.version_info[:3]))}
    finally:
        if runner is not None:
            try:
                with eventlet.Timeout(30):
                    runner.stop()
            except (Exception, eventlet.Timeout) as exc:  # eventlet.Timeout is a BaseException
                print(f"nameko_hop: stopping the service: {exc!r}; killing it", file=sys.stderr)
                runner.kill()
        for what, cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as exc:
                print(f"nameko_hop: could not remove the {what} {name}: {exc}", file=sys.stderr)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the database and vhost to create (and remove), e.g. qadam_bnk1700000000")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672")
    parser.add_argument("--max-workers", type=int, default=10, help="nameko's max_workers (its default: 10)")
    parser.add_argument("--publisher", choices=("process", "inline"), default="process",
                        help="publish from a second process (default) or from a green thread beside the service")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between polls of the row count")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--no-confirms", dest="confirms", action="store_false",
                        help="publish without publisher confirms (nameko's default is a confirm per event)")
    parser.add_argument("--dispatch", action="store_true", help=argparse.SUPPRESS)  # the publishing process
    args = parser.parse_args()
    if not args.name.replace("_", "").isalnum():
        parser.error("the name may hold letters, digits and underscores only")
    if args.dispatch:
        amqp = urllib.parse.urlsplit(args.amqp_url)
        print(json.dumps(dispatch(urllib.parse.urlunsplit(amqp._replace(path="/" + args.name)), args.count,
                                  args.confirms)), flush=True)
        return
    print(json.dumps(run(args)), flush=True)


if __name__ == "__main__":
    main()
