"""The round trips a block of code makes to PostgreSQL on one connection, read from libpq's own trace of the
protocol: a turn is a run of messages sent, then the answers. What a test counts where the number of round trips is
the point (statements sent together, qadam.together)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg


@contextmanager
def round_trips(connection: Any) -> Iterator[list[int]]:
    """Inside the block, every turn of the conversation on `connection` (a SQLAlchemy connection or session's, or
    psycopg's): after it, the list holds the statements executed in each turn (a BEGIN or COMMIT sent as a query
    counts as one)."""
    raw = _psycopg(connection)
    turns: list[int] = []
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "trace"
        with path.open("w") as f:
            raw.pgconn.trace(f.fileno())
            raw.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                yield turns
            finally:
                raw.pgconn.untrace()
        turns += _turns(path.read_text())


def _psycopg(connection: Any) -> psycopg.Connection[Any]:
    if isinstance(connection, psycopg.Connection):
        return connection
    if hasattr(connection, "get_bind"):  # a session: the connection of its transaction
        connection = connection.connection()
    return connection.connection.driver_connection


def _turns(trace: str) -> list[int]:
    turns: list[int] = []
    sending = False
    for line in trace.splitlines():
        if not line.startswith(("F\t", "B\t")):
            continue  # a statement's text goes on over several lines
        sent = line.startswith("F")
        if sent and not sending:
            turns.append(0)
        if sent and ("\tExecute\t" in line or "\tQuery\t" in line):
            turns[-1] += 1
        sending = sent
    return turns
