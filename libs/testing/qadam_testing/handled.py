"""Waiting for a consumer to have handled an event, told by its inbox rather than found by polling.

Each test database gets a trigger on its `inbox` table (`announce_handled`): every message id a consumer records
is announced on the channel `qadam_handled` as "<type> <message id>". PostgreSQL delivers a NOTIFY when the
transaction commits, and the inbox row commits with the handler's effects (DESIGN.md, Consuming), so an
announcement means the effects are there to read. Duplicates are not announced: the inbox inserts nothing for them.

`HandledLog` listens on every service's database of a stack and keeps what it heard, in order;
`wait_for_handled(service, event_type, ...)` returns as soon as enough such events were handled, or fails the
test naming what it waited for. A test takes `mark()` before it acts and waits `since` that mark, so the events of
earlier tests on the same stack do not count.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa
from qadam.db import psycopg_dsn

CHANNEL = "qadam_handled"

_TRIGGER = f"""
CREATE OR REPLACE FUNCTION qadam_test_announce_handled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.type || ' ' || NEW.message_id::text);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS qadam_test_announce_handled ON inbox;
CREATE TRIGGER qadam_test_announce_handled AFTER INSERT ON inbox
    FOR EACH ROW EXECUTE FUNCTION qadam_test_announce_handled();
"""


def announce_handled(database_url: str) -> None:
    """Put the announcing trigger on the inbox of the database at `database_url` (a test database only)."""
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as c:
            if c.execute(sa.text("SELECT to_regclass('inbox')")).scalar() is not None:
                c.exec_driver_sql(_TRIGGER)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Handled:
    """One event a service's consumer committed: its type and message id, as its inbox recorded them."""

    service: str
    type: str
    message_id: uuid.UUID


class HandledLog:
    """What the consumers of a stack handled, heard on each service's database (one LISTEN connection each)."""

    def __init__(self, database_urls: dict[str, str]) -> None:
        self._urls = database_urls
        self._seen: list[Handled] = []
        self._ids: set[tuple[str, uuid.UUID]] = set()
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> HandledLog:
        ready = threading.Barrier(len(self._urls) + 1)
        for service, url in self._urls.items():
            thread = threading.Thread(target=self._listen, args=(service, url, ready), daemon=True,
                                      name=f"handled-{service}")
            thread.start()
            self._threads.append(thread)
        ready.wait(timeout=30)
        return self

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _listen(self, service: str, url: str, ready: threading.Barrier) -> None:
        """Listen until closed; a database restarted under a test (a fault test does it) is listened to again once
        it is back, reading its inbox again so that nothing handled meanwhile is missed."""
        waiting: threading.Barrier | None = ready  # the start waits for the first LISTEN only
        while not self._stop.is_set():
            try:
                self._listen_once(service, url, waiting)
            except psycopg.OperationalError:
                self._stop.wait(0.5)
            waiting = None

    def _listen_once(self, service: str, url: str, ready: threading.Barrier | None) -> None:
        with psycopg.connect(psycopg_dsn(url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            # what was handled before we listened: read after LISTEN, so nothing falls between the two
            if conn.execute("SELECT to_regclass('inbox')").fetchone() != (None,):
                earlier = conn.execute("SELECT type, message_id FROM inbox ORDER BY received_at").fetchall()
                self._record(service, ((kind, message_id) for kind, message_id in earlier))
            if ready is not None:
                with contextlib.suppress(threading.BrokenBarrierError):
                    ready.wait(timeout=30)
            while not self._stop.is_set():
                heard = [n.payload.split(" ", 1) for n in conn.notifies(timeout=0.5)]
                self._record(service, ((kind, uuid.UUID(message_id)) for kind, message_id in heard))

    def _record(self, service: str, handled: Iterable[tuple[str, uuid.UUID]]) -> None:
        with self._changed:
            for kind, message_id in handled:
                if (service, message_id) not in self._ids:
                    self._ids.add((service, message_id))
                    self._seen.append(Handled(service, kind, message_id))
            self._changed.notify_all()

    def mark(self) -> int:
        """Where the log is now: pass it as `since` to wait only for what is handled after this moment."""
        with self._changed:
            return len(self._seen)

    def wait_for_handled(self, service: str, event_type: str, *, count: int = 1, since: int = 0,
                         message_id: uuid.UUID | str | None = None, timeout: float = 30.0) -> list[Handled]:
        """Block until `service` has handled `count` events of `event_type` (that one message, if `message_id` is
        given) after the mark `since`; those events. Fails the test after `timeout` seconds, saying what came."""
        wanted = None if message_id is None else uuid.UUID(str(message_id))
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [h for h in self._seen[since:] if h.service == service and h.type == event_type
                         and (wanted is None or h.message_id == wanted)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    heard = sorted({f"{h.service}: {h.type}" for h in self._seen[since:]})
                    raise AssertionError(f"timed out after {timeout}s waiting for {service} to handle {count} "
                                         f"{event_type} (handled {len(found)}; heard since the mark: {heard})")
                self._changed.wait(left)
