"""Sleep on PostgreSQL LISTEN and run a pass of work when a NOTIFY (sent at commit) wakes us.

Used by the outbox relay and by any worker loop that waits on its own table's rows: work starts within milliseconds of the
commit that created it, without polling. A pass says when it wants to run again at the latest
(0: at once, more is waiting; None: after the sweep interval, a safety net for missed wake-ups).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg

Pass = Callable[[], float | None]


def wake_loop(dsn: str, channel: str, stop: threading.Event, run_pass: Pass, *, sweep_seconds: float,
              tick: Callable[[], None] = lambda: None, tick_seconds: float = 1.0) -> None:
    """Run `run_pass` on every NOTIFY on `channel` and when it asked to be run again; `tick` at least
    every `tick_seconds` (e.g. to service pika heartbeats). Returns when `stop` is set."""
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute(f"LISTEN {channel}")
        woken = True  # work may have been committed while nobody listened
        next_due = 0.0
        while not stop.is_set():
            now = time.monotonic()
            if woken or now >= next_due:
                again = run_pass()
                if again == 0:
                    continue
                next_due = time.monotonic() + (sweep_seconds if again is None else again)
            timeout = max(0.0, min(tick_seconds, next_due - time.monotonic()))
            woken = any(True for _ in listener.notifies(timeout=timeout, stop_after=1))
            tick()
