"""The transactional outbox: events are rows written in the same transaction as the change that causes them.

`add_event` is all a request handler or event handler calls; it never touches pika. The `OutboxRelay`
(in the worker process) claims unsent rows with FOR UPDATE SKIP LOCKED, publishes them persistent and
mandatory with publisher confirms, and marks them sent only once the broker confirmed them. It sleeps
on PostgreSQL LISTEN (the outbox's insert trigger NOTIFYs at commit), so an event leaves within
milliseconds of its commit; the sweep interval is only a safety net.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
import pika.exceptions
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .bus import CONNECTION_ERRORS, close_quietly, connect, with_backoff
from .config import Settings
from .contracts import catalog
from .db import OUTBOX_CHANNEL, outbox, psycopg_dsn
from .events import exchange_of
from .log import current_causation_id, current_correlation_id, get_logger, new_correlation_id
from .pgwake import wake_loop
from .topology import Topology

log = get_logger(__name__)


def add_event(session: Session, name: str, data: dict[str, Any], *, producer: str) -> dict[str, Any]:
    """Write event `name` into the outbox inside the caller's transaction; returns its envelope."""
    return add_events(session, name, [data], producer=producer)[0]


def add_events(session: Session, name: str, datas: list[dict[str, Any]], *, producer: str) -> list[dict[str, Any]]:
    """Write several events of one type into the outbox in one statement, in the caller's transaction."""
    correlation_id = current_correlation_id() or new_correlation_id()
    causation_id = current_causation_id()
    envelopes = [catalog.build(name, data, producer=producer, correlation_id=correlation_id, causation_id=causation_id)
                 for data in datas]
    if envelopes:
        session.execute(sa.insert(outbox), [
            {"id": e["id"], "exchange": exchange_of(producer), "routing_key": name, "envelope": e} for e in envelopes])
    return envelopes


def message_properties(envelope: dict[str, Any]) -> pika.BasicProperties:
    """AMQP properties that mirror the envelope, so tools can route and trace without parsing the body."""
    occurred = datetime.fromisoformat(envelope["occurred_at"])
    return pika.BasicProperties(
        message_id=envelope["id"],
        correlation_id=envelope["correlation_id"],
        type=envelope["type"],
        app_id=envelope["producer"],
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        timestamp=int(occurred.timestamp()),
        headers={"version": envelope["version"], "causation_id": envelope["causation_id"]},
    )


# What ends a relay connection (and starts a new one after a pause): the broker or the database went away.
RELAY_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, psycopg.OperationalError, sa.exc.OperationalError)


class OutboxRelay:
    """Moves committed outbox rows to RabbitMQ: at least once, in commit order, confirmed."""

    def __init__(self, settings: Settings, engine: Engine, stop: threading.Event) -> None:
        self.settings = settings
        self.engine = engine
        self.stop = stop
        self.topology = Topology()
        self.published = 0

    # -- one pass -------------------------------------------------------------------------------
    def publish_pending(self, channel: Any) -> int:
        """Claim a batch of unsent rows, publish each with a confirm, mark the confirmed ones sent."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(outbox.c.id, outbox.c.exchange, outbox.c.routing_key, outbox.c.envelope)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.seq)
                .limit(self.settings.relay_batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            confirmed: list[Any] = []
            failed: tuple[Any, str] | None = None
            for row in rows:
                body = _json_bytes(row.envelope)
                try:
                    channel.basic_publish(
                        exchange=row.exchange,
                        routing_key=row.routing_key,
                        body=body,
                        properties=message_properties(row.envelope),
                        mandatory=True,
                    )
                except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as exc:
                    # Keep commit order: stop here and try this row (and those after it) again later.
                    failed = (row.id, f"{type(exc).__name__}: no queue took {row.routing_key} on {row.exchange}")
                    break
                confirmed.append(row.id)
            now = datetime.now(UTC)
            if confirmed:
                conn.execute(sa.update(outbox).where(outbox.c.id.in_(confirmed)).values(sent_at=now))
            if failed:
                conn.execute(
                    sa.update(outbox).where(outbox.c.id == failed[0])
                    .values(attempts=outbox.c.attempts + 1, last_error=failed[1])
                )
                log.error("outbox_publish_refused", message_id=str(failed[0]), error=failed[1])
        self.published += len(confirmed)
        if failed:
            raise _Refused(failed[1])
        return len(rows)

    def purge_sent(self) -> int:
        cutoff = datetime.now(UTC) - timedelta(hours=self.settings.outbox_retention_hours)
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(outbox).where(outbox.c.sent_at < cutoff)).rowcount or 0

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        pause = 0.5
        while not self.stop.is_set():
            amqp = with_backoff(lambda: connect(self.settings.amqp_url, name=f"{self.settings.service}-relay"),
                                stop=self.stop, what="relay: connect to RabbitMQ")
            if amqp is None:
                return
            try:
                channel = amqp.channel()
                channel.confirm_delivery()
                self.topology.declare(channel)
                pause = 0.5  # connected: the next outage starts its back-off afresh
                self._serve(amqp, channel)
            except RELAY_ERRORS as exc:
                # The broker or the database went away: try again, waiting longer each time it stays away.
                log.warning("relay_connection_lost", error=repr(exc), retry_in_seconds=round(pause, 1))
                self.stop.wait(pause)
                pause = min(pause * 2, 10.0)
            finally:
                close_quietly(amqp)

    def _serve(self, amqp: pika.BlockingConnection, channel: Any) -> None:
        backoff = 0.0
        last_purge = float("-inf")

        def one_pass() -> float | None:
            nonlocal backoff, last_purge
            try:
                claimed = self.publish_pending(channel)
            except _Refused:
                backoff = min(max(backoff * 2, 0.5), 30.0)
                return backoff
            backoff = 0.0
            if claimed >= self.settings.relay_batch_size:
                return 0  # more are waiting: drain before sleeping
            if time.monotonic() - last_purge > 3600:
                last_purge = time.monotonic()
                self.purge_sent()
            return None

        log.info("relay_listening", channel=OUTBOX_CHANNEL)
        # pika services heartbeats only inside its own calls: tick it while we sleep on LISTEN.
        wake_loop(psycopg_dsn(self.settings.database_url), OUTBOX_CHANNEL, self.stop, one_pass,
                  sweep_seconds=self.settings.relay_sweep_seconds, tick=lambda: amqp.process_data_events(time_limit=0))


class _Refused(Exception):
    pass


def _json_bytes(envelope: Any) -> bytes:
    import json

    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
