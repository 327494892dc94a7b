"""The transactional outbox: events are rows written in the same transaction as the change that causes them.

`add_event` is all a request handler or event handler calls; it never touches pika. The `OutboxRelay`
(in the worker process) claims unsent rows with FOR UPDATE SKIP LOCKED, publishes them persistent and
mandatory with pipelined publisher confirms, and marks them sent only once the broker confirmed them.
It wakes on PostgreSQL LISTEN (the outbox's insert trigger NOTIFYs at commit), so an event leaves
within milliseconds of its commit; the sweep interval is only a safety net.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
import pika.exceptions
import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from . import idempotency, tracing
from .bus import CONNECTION_ERRORS, close_quietly, connect, connection_parameters
from .config import Settings
from .db import OUTBOX_CHANNEL, among, given_rows, outbox, psycopg_dsn, rows_json
from .events import EventData, JSONObject, envelope_of, exchange_of
from .log import current_causation_id, current_correlation_id, get_logger, new_correlation_id
from .together import BEGIN, COMMIT, execute_together
from .topology import Topology

log = get_logger(__name__)


def add_event(session: Session, event: EventData) -> JSONObject:
    """Write `event` into the outbox inside the caller's transaction; returns its envelope."""
    return add_events(session, [event])[0]


def add_events(session: Session, events: Iterable[EventData]) -> list[JSONObject]:
    """Write events into the outbox in one statement, in the caller's transaction.

    Each goes to its producer's exchange; a session made for a service (`make_session_factory(engine,
    publisher=...)`) refuses another producer's event: a service publishes only its own words."""
    envelopes = enveloped(session, events)
    add_envelopes(session, envelopes)
    return envelopes


def enveloped(session: Session, events: Iterable[EventData]) -> list[JSONObject]:
    """The events in their envelopes as `add_events` writes them (the correlation and causation bound now), not
    written yet: a handler that causes events under several correlations (one per message of a batch) writes them
    all with one `add_envelopes`, not one statement for each message."""
    publisher = session.info.get("publisher")
    correlation_id = current_correlation_id() or new_correlation_id()
    causation_id = current_causation_id()
    # the span of the request, or of the consumer handling the message that causes them (in a batch taken at once:
    # that message's own, by its causation id)
    traceparent = tracing.traceparent_for(causation_id)
    envelopes = []
    for event in events:
        if publisher is not None and event.PRODUCER != publisher:
            raise ValueError(f"{publisher} may not publish {event.TYPE}; its producer is {event.PRODUCER}")
        envelopes.append(envelope_of(event, correlation_id=correlation_id, causation_id=causation_id,
                                     traceparent=traceparent))
    return envelopes


def add_envelopes(session: Session, envelopes: list[JSONObject]) -> None:
    """Write enveloped events into the outbox in one statement, in the caller's transaction, in their order."""
    for statement, given in envelope_rows(envelopes):
        session.connection().execute(statement, given)


def envelope_rows(envelopes: list[JSONObject]) -> list[tuple[sa.Insert, dict[str, str]]]:
    """The statement of `add_envelopes` (none for no envelope), to be sent with others (qadam.together)."""
    if not envelopes:
        return []
    # the rows as one JSON parameter of one statement, prepared once: an executemany bound and converted every
    # envelope on its own (a recompute's 230,000 events: 12% of its time)
    return [(_ADD_ENVELOPES, {"rows": rows_json(
        {"id": e["id"], "exchange": exchange_of(e["producer"]), "routing_key": e["type"], "envelope": e}
        for e in envelopes)})]


def _add_envelopes_statement() -> sa.Insert:
    columns = ("id", "exchange", "routing_key", "envelope")
    given = given_rows(outbox, columns)
    return sa.insert(outbox).from_select(list(columns), sa.select(*(given.c[c] for c in columns)))


_ADD_ENVELOPES = _add_envelopes_statement()


def message_properties(envelope: Mapping[str, Any]) -> pika.BasicProperties:
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


CONFIRM_TIMEOUT_SECONDS = 30.0

# What ends a relay connection (and starts a new one after a pause): the broker or the database went away.
RELAY_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, psycopg.OperationalError, sa.exc.OperationalError)
DATABASE_ERRORS: tuple[type[BaseException], ...] = (psycopg.OperationalError, sa.exc.OperationalError, sa.exc.InterfaceError)


class OutboxRelay:
    """Moves committed outbox rows to RabbitMQ: at least once, confirmed, in outbox order within a batch (several
    relays, and rows held back after a refusal, can interleave: consumers never rely on order).

    Confirms are pipelined: a pass claims a batch (FOR UPDATE SKIP LOCKED), publishes all of it
    without waiting, and the broker's confirms (often one `multiple` ack for many) come back on the
    same event loop; when the last one is in, the confirmed rows are marked sent and the claim's
    transaction commits. One round trip per batch instead of one per event. The loop is pika's
    SelectConnection ioloop, which also watches the LISTEN socket, so a commit wakes it at once.
    """

    def __init__(self, settings: Settings, engine: Engine, stop: threading.Event, *,
                 topology: Topology | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.stop = stop
        # what its worker declares at start-up (the catalog's exchanges, its own queue): none, for a relay alone
        self.topology = topology or Topology({})
        self.published = 0
        self.refused = 0
        # connections made, from a random start: which node of the broker URL's list the next one tries
        self.lives = random.randrange(64)
        self.peak_in_flight = 0  # the most publishes awaiting their confirm at once (1 would mean no pipelining)
        # Rows the broker refused (no queue bound, a nack): each waits out its own back-off, the others go on.
        self.held_back: dict[Any, tuple[float, float]] = {}  # row id -> (retry at, monotonic; last delay)

    def hold_back(self, row_id: Any) -> None:
        delay = min(max(self.held_back.get(row_id, (0.0, 0.25))[1] * 2, 0.5), 60.0)
        self.held_back[row_id] = (time.monotonic() + delay, delay)

    def waiting_rows(self) -> list[Any]:
        now = time.monotonic()
        return [row_id for row_id, (due, _) in self.held_back.items() if due > now]

    def next_retry_in(self) -> float | None:
        if not self.held_back:
            return None
        return max(0.0, min(due for due, _ in self.held_back.values()) - time.monotonic())

    def purge_sent(self) -> int:
        """Hourly housekeeping: sent outbox rows past their retention, and expired idempotency keys."""
        cutoff = datetime.now(UTC) - timedelta(hours=self.settings.outbox_retention_hours)
        with self.engine.begin() as conn:
            purged = conn.execute(sa.delete(outbox).where(outbox.c.sent_at < cutoff)).rowcount or 0
            idempotency.purge(conn, self.settings.idempotency_hours)
        return purged

    def run(self) -> None:
        pause = 0.5
        while not self.stop.is_set():
            link = _RelayLink(self)
            try:
                self._declare_topology()
                link.run()
            except RELAY_ERRORS as exc:
                log.warning("relay_connection_lost", error=repr(exc), retry_in_seconds=round(pause, 1))
            else:
                if self.stop.is_set():
                    return
                log.warning("relay_connection_lost", error=link.close_reason, retry_in_seconds=round(pause, 1))
            if link.confirmed_any:
                pause = 0.5  # it worked for a while: the next outage starts its back-off afresh
            self.stop.wait(pause)
            pause = min(pause * 2, 10.0)

    def _declare_topology(self) -> None:
        amqp = connect(self.settings.amqp_url, name=f"{self.settings.service}-relay-declare")
        try:
            self.topology.declare(amqp.channel(), passive=not self.settings.amqp_declare)
        finally:
            close_quietly(amqp)


class _RelayLink:
    """One life of the relay: a SelectConnection, its confirm-mode channel and the LISTEN connection."""

    def __init__(self, relay: OutboxRelay) -> None:
        self.relay = relay
        self.settings = relay.settings
        self.channel: Any = None
        self.listener: psycopg.Connection[Any] | None = None
        self.close_reason = "closed"
        self.confirmed_any = False
        # the batch in flight: delivery tag -> row id, and what the broker refused
        self.claim: sa.Connection | None = None  # its transaction begun by `_claim` and ended by `_complete_batch`
        self.claimed = 0
        self.in_flight: dict[int, Any] = {}
        self.batch: list[Any] = []
        self.refusals: dict[Any, str] = {}
        self.next_tag = 0
        self.again = False
        self.pass_timer: Any = None
        self.confirm_timer: Any = None
        self.last_purge = float("-inf")
        # a SelectConnection takes one node: each life of the relay tries the next, so that after a node went away
        # a later life reaches a live one
        nodes = connection_parameters(self.settings.amqp_url, name=f"{self.settings.service}-relay", shuffle=False)
        relay.lives += 1
        self.connection = pika.SelectConnection(
            nodes[relay.lives % len(nodes)],
            on_open_callback=self._on_open, on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_closed)

    # -- life of the connection -----------------------------------------------------------------
    def run(self) -> None:
        try:
            self.connection.ioloop.start()
        finally:
            self._abandon_claim()
            if self.listener is not None:
                self.listener.close()
        if self.close_reason.startswith("database"):
            raise psycopg.OperationalError(self.close_reason)

    def _on_open(self, connection: Any) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_open_error(self, _connection: Any, error: BaseException | str) -> None:
        self.close_reason = f"cannot connect: {error!r}"
        self.connection.ioloop.stop()

    def _on_closed(self, _connection: Any, reason: BaseException) -> None:
        if not self.close_reason.startswith("database"):
            self.close_reason = repr(reason)
        self.connection.ioloop.stop()

    def _on_channel(self, channel: Any) -> None:
        self.channel = channel
        channel.add_on_close_callback(lambda _ch, reason: self._close(f"channel closed: {reason!r}"))
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=lambda _frame: self._start())

    def _start(self) -> None:
        try:
            self.listener = psycopg.connect(psycopg_dsn(self.settings.database_url), autocommit=True)
            self.listener.execute(f"LISTEN {OUTBOX_CHANNEL}")
        except psycopg.OperationalError as exc:
            self._close(f"database: {exc!r}")
            return
        self.connection.ioloop.add_handler(self.listener.fileno(), self._on_notify, self.connection.ioloop.READ)
        log.info("relay_listening", channel=OUTBOX_CHANNEL)
        self._watch_stop()
        self._schedule(0)  # work may have been committed while nobody listened

    def _watch_stop(self) -> None:
        if self.relay.stop.is_set() and not self.in_flight:
            self._close("stopping")
            return
        self.connection.ioloop.call_later(0.2, self._watch_stop)

    def _close(self, reason: str) -> None:
        self.close_reason = reason
        if self.connection.is_open:
            self.connection.close()
        elif not self.connection.is_closing:
            self.connection.ioloop.stop()

    # -- waking up ------------------------------------------------------------------------------
    def _on_notify(self, _fd: int, _events: int) -> None:
        assert self.listener is not None
        pgconn = self.listener.pgconn
        try:
            pgconn.consume_input()
        except psycopg.OperationalError as exc:
            self._close(f"database: LISTEN connection lost: {exc!r}")
            return
        while pgconn.notifies() is not None:
            pass
        self._schedule(0)

    def _schedule(self, delay: float) -> None:
        """Run a pass after `delay` seconds (replacing a later one); if a batch is in flight, right after it."""
        if self.in_flight or self.claim is not None:
            self.again = True
            return
        if self.pass_timer is not None:
            self.connection.ioloop.remove_timeout(self.pass_timer)
        self.pass_timer = self.connection.ioloop.call_later(delay, self._pass)

    # -- one pass: claim, publish all, wait for the confirms, mark sent, commit ------------------
    def _pass(self) -> None:
        self.pass_timer = None
        self.again = False
        if self.relay.stop.is_set() or self.channel is None or not self.channel.is_open:
            return
        try:
            rows = self._claim()
        except DATABASE_ERRORS as exc:
            log.warning("relay_database_unavailable", error=repr(exc))
            self._abandon_claim()
            self._schedule(1.0)
            return
        if not rows:
            self._finish_claim()
            self._idle()
            return
        self.batch = [row.id for row in rows]
        # A broker that takes but never confirms (a blocked connection, a lost quorum) must not hold the
        # claim's row locks for ever: give up the connection, the rows go again on the next one.
        self.confirm_timer = self.connection.ioloop.call_later(CONFIRM_TIMEOUT_SECONDS, self._confirms_overdue)
        traced = tracing.enabled()
        for row in rows:
            properties = _properties_of(row)
            span = None
            if traced and row.envelope_traceparent:  # what was written in a span: published in its child
                span = tracing.publishing(row.envelope_traceparent, exchange=row.exchange,
                                          routing_key=row.routing_key, message_id=properties.message_id)
                properties.headers["traceparent"] = tracing.traceparent_of(span)
            self.channel.basic_publish(row.exchange, row.routing_key, row.body.encode(),
                                       properties=properties, mandatory=True)
            if span is not None:
                span.end()
            self.next_tag += 1
            self.in_flight[self.next_tag] = row.id
        self.relay.peak_in_flight = max(self.relay.peak_in_flight, len(self.in_flight))

    def _confirms_overdue(self) -> None:
        self.confirm_timer = None
        if self.in_flight:
            log.error("relay_confirms_overdue", waiting=len(self.in_flight), timeout_seconds=CONFIRM_TIMEOUT_SECONDS)
            self._close("confirms overdue")

    def _claim(self) -> list[Any]:
        """The oldest unsent rows, locked until they are marked sent (others' claims skip them). The driver would
        begin the transaction with a round trip of its own: on a connection in autocommit, BEGIN goes with the
        claim in one round trip, and COMMIT with the marking of the rows sent (qadam.together); on the path of
        every alert, twice (a mark to risk, a flag to notify)."""
        conn = self.relay.engine.connect()
        self.claim = conn.execution_options(isolation_level="AUTOCOMMIT")
        _, rows = execute_together(conn, [(BEGIN, {}), (_claim_statement(tracing.enabled()), {
            "waiting": self.relay.waiting_rows(), "batch": self.settings.relay_batch_size})])
        self.claimed = len(rows)
        return rows

    def _on_return(self, _channel: Any, method: Any, properties: Any, _body: bytes) -> None:
        # An unroutable mandatory message comes back before its confirm: remember why.
        self.refusals[uuid.UUID(properties.message_id)] = (
            f"UnroutableError: no queue took {method.routing_key} on {method.exchange}")

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        tags = [t for t in self.in_flight if t <= method.delivery_tag] if method.multiple else [method.delivery_tag]
        for tag in tags:
            row_id = self.in_flight.pop(tag, None)
            if row_id is not None and not acked:
                self.refusals.setdefault(row_id, "NackError: the broker could not take it")
        if not self.in_flight and self.batch:
            self._complete_batch()

    def _complete_batch(self) -> None:
        confirmed = [i for i in self.batch if i not in self.refusals]
        refused = dict(self.refusals)
        self.batch, self.refusals = [], {}
        if self.confirm_timer is not None:
            self.connection.ioloop.remove_timeout(self.confirm_timer)
            self.confirm_timer = None
        assert self.claim is not None
        try:
            now = datetime.now(UTC)
            execute_together(self.claim, [
                *([(_MARK_SENT, {"ids": confirmed, "at": now})] if confirmed else []),
                *((_MARK_REFUSED, {"id": row_id, "error": error}) for row_id, error in refused.items()),
                (COMMIT, {})])
            for row_id, error in refused.items():
                log.error("outbox_publish_refused", message_id=str(row_id), error=error)
            self._finish_claim(committed=True)
        except DATABASE_ERRORS as exc:
            # Published but not marked: they go again (consumers' inboxes drop the copies).
            log.warning("relay_database_unavailable", error=repr(exc))
            self._abandon_claim()
            self._schedule(1.0)
            return
        self.relay.published += len(confirmed)
        self.relay.refused += len(refused)
        self.confirmed_any = self.confirmed_any or bool(confirmed)
        for row_id in confirmed:
            self.relay.held_back.pop(row_id, None)
        for row_id in refused:
            self.relay.hold_back(row_id)
        if self.claimed >= self.settings.relay_batch_size or self.again:
            self._schedule(0)  # more are waiting: drain before sleeping
        else:
            self._idle()

    def _idle(self) -> None:
        if time.monotonic() - self.last_purge > 3600:
            self.last_purge = time.monotonic()
            try:
                self.relay.purge_sent()
            except DATABASE_ERRORS as exc:
                log.warning("outbox_purge_skipped", error=repr(exc))
        if self.again:
            self._schedule(0)
            return
        retry = self.relay.next_retry_in()
        sweep = self.settings.relay_sweep_seconds  # the safety net for a missed NOTIFY
        self._schedule(sweep if retry is None else min(sweep, retry + 0.01))

    def _finish_claim(self, *, committed: bool = False) -> None:
        if self.claim is not None:
            conn = self.claim
            self.claim = None
            try:
                if not committed:
                    execute_together(conn, [(COMMIT, {})])
            finally:
                conn.close()

    def _abandon_claim(self) -> None:
        if self.claim is not None:
            conn = self.claim
            self.claim = None
            self.in_flight.clear()
            self.batch, self.refusals = [], {}
            try:
                conn.close()  # rolls back: the rows stay unsent and are claimed again
            except Exception:  # noqa: BLE001 - the connection may be dead already
                pass


_PROPERTIES = ("id", "correlation_id", "type", "producer", "occurred_at", "causation_id", "version")
# What the relay sends of a row: the envelope as PostgreSQL writes its text (the body, as it is: reading it into
# Python and writing it out again was a fifth of a relay's work), and the fields its AMQP properties mirror.
_ENVELOPE_AS_SENT = (
    sa.cast(outbox.c.envelope, sa.Text).label("body"),
    *(outbox.c.envelope[name].astext.label(f"envelope_{name}") for name in _PROPERTIES[:-1]),
    sa.cast(outbox.c.envelope["version"].astext, sa.Integer).label("envelope_version"),
)


# the envelope's trace context, read only where the relay traces
_TRACEPARENT = outbox.c.envelope["traceparent"].astext.label("envelope_traceparent")


def _claim_statement(traced: bool) -> sa.Select[Any]:
    """The relay's claim, built once (with the trace context or without): the oldest `batch` unsent rows but those
    `waiting` out a back-off, locked, skipping those another relay holds."""
    found = _CLAIMS.get(traced)
    if found is None:
        found = _CLAIMS[traced] = (
            sa.select(outbox.c.id, outbox.c.exchange, outbox.c.routing_key, *_ENVELOPE_AS_SENT,
                      *((_TRACEPARENT,) if traced else ()))
            .where(outbox.c.sent_at.is_(None),
                   outbox.c.id != sa.all_(sa.bindparam("waiting", type_=ARRAY(outbox.c.id.type))))
            .order_by(outbox.c.seq).limit(sa.bindparam("batch", type_=sa.Integer))
            .with_for_update(skip_locked=True))
    return found


_CLAIMS: dict[bool, sa.Select[Any]] = {}
_MARK_SENT = sa.update(outbox).where(among(outbox.c.id, name="ids")).values(sent_at=sa.bindparam("at"))
_MARK_REFUSED = sa.update(outbox).where(outbox.c.id == sa.bindparam("id")).values(
    attempts=outbox.c.attempts + 1, last_error=sa.bindparam("error"))


def _properties_of(row: Any) -> pika.BasicProperties:
    return message_properties({name: getattr(row, f"envelope_{name}") for name in _PROPERTIES})
