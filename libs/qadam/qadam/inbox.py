"""The inbox: a consumer commits a message's effects and its id in one transaction, then acks.

- a duplicate delivery finds its id already in the inbox and is acked without effect;
- a message that breaks its contract (bad JSON, unknown type, invalid data) or that a handler
  declares permanently wrong is rejected without requeue: the broker parks it in `<service>.dead`;
- a transient failure (database down) is retried in place with back-off for a while, then handed
  back to the queue; any other failure is handed back too, and the queue's delivery limit parks a
  message that keeps failing (poison) instead of retrying it forever;
- a lost broker connection is re-opened with back-off; unacked messages are redelivered.
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any, TypeVar

import pika
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from . import tracing
from .bus import CONNECTION_ERRORS, close_quietly, connect, with_backoff
from .config import Settings
from .db import given_rows, inbox, rows_json, transaction
from .events import Catalog, Event, EventContractError, EventData
from .log import get_logger, log_context
from .metrics import INBOX_DUPLICATES, MESSAGES_FAILED, MESSAGES_HANDLED, MESSAGES_PARKED
from .together import begin_together
from .topology import DELIVERY_LIMIT, Topology, incoming_queue

log = get_logger(__name__)

Handler = Callable[[Session, Event[Any]], None]
BatchHandler = Callable[[Session, list[Event[Any]]], None]
F = TypeVar("F", bound=Callable[..., None])


def batch_handler(one: Handler, many: BatchHandler) -> Handler:
    """A handler that can also take several events of its type at once (same effects, fewer statements)."""
    setattr(one, "many", many)  # noqa: B010 - handlers are plain callables; mypy would refuse the attribute
    return one


class Handlers:
    """What a service consumes: each event class with its handler. The service's subscriptions (its queue's
    bindings) are read from here, so a handler and its subscription cannot drift apart.

        handlers = Handlers()

        @handlers.on(CohortCreated)
        def on_cohort_created(session: Session, event: Event[CohortCreated]) -> None: ...
    """

    def __init__(self) -> None:
        self._entries: dict[type[EventData], tuple[Callable[..., None], Callable[..., None] | None]] = {}

    def on(self, *event_classes: type[EventData], many: Callable[..., None] | None = None) -> Callable[[F], F]:
        """Register the decorated function for `event_classes`; `many`, if given, takes several of them at once."""

        def register(handler: F) -> F:
            for cls in event_classes:
                if cls in self._entries:
                    raise ValueError(f"{cls.TYPE} has two handlers")
                self._entries[cls] = (handler, many)
            return handler

        return register

    @property
    def event_classes(self) -> tuple[type[EventData], ...]:
        """The events this service subscribes to."""
        return tuple(self._entries)

    def bind(self, **dependencies: Any) -> dict[type[EventData], Handler]:
        """The handlers ready to run: each given the dependencies it asks for by keyword (`settings=...`).

        A function registered for several classes is bound once, so consecutive events of those classes are
        handled together (one `many` call) as events of one class are."""
        bound: dict[type[EventData], Handler] = {}
        made: dict[int, Handler] = {}
        for cls, (one, many) in self._entries.items():
            if id(one) not in made:
                handler: Handler = _given(one, dependencies)
                if many is not None:
                    handler = batch_handler(handler, _given(many, dependencies))
                made[id(one)] = handler
            bound[cls] = made[id(one)]
        return bound


def _given(fn: Callable[..., None], dependencies: dict[str, Any]) -> Callable[..., None]:
    wanted = {name for name, p in inspect.signature(fn).parameters.items() if p.kind is p.KEYWORD_ONLY}
    given = {name: value for name, value in dependencies.items() if name in wanted}
    return partial(fn, **given) if given else fn


class PermanentError(Exception):
    """The event can never be handled as it is (it contradicts what we know): park it."""


class TransientError(Exception):
    """The event cannot be handled yet (something it depends on is not there): retry later."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
    TransientError,
)


class Outcome(Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    PARKED = "parked"
    REQUEUED = "requeued"


def handle_once(factory: sessionmaker[Session], event: Event[Any], handler: Handler) -> Outcome:
    """Run `handler` and record the message id in one transaction, unless the id was seen before."""
    with transaction(factory) as session:
        # the id taken as the transaction begins, in one round trip (qadam.together)
        [first_time] = begin_together(session, [(_TAKE_ID, {"message_id": event.id, "type": event.type})])
        if not first_time:
            return Outcome.DUPLICATE
        with tracing.consuming(event):
            handler(session, event)
    return Outcome.HANDLED


def handle_batch(factory: sessionmaker[Session], items: list[tuple[Event[Any], Handler]]) -> list[Outcome]:
    """Handle several events in ONE transaction with their inbox ids (one commit instead of one each).

    Raises whatever a handler raises, having rolled everything back; the caller then handles the
    messages one at a time, so a single bad message decides only its own fate.
    """
    with transaction(factory) as session:
        ids = list(dict.fromkeys(event.id for event, _ in items))
        types = {event.id: event.type for event, _ in items}
        # the ids as one JSON parameter: one statement whatever the batch size, prepared once (a multi-row INSERT
        # was a new statement for each size, converted by the driver afresh every batch)
        [taken] = begin_together(session, [(_TAKE_IDS, {"rows": rows_json(
            {"message_id": i, "type": types[i]} for i in ids)})])
        fresh = {row.message_id for row in taken}
        outcomes = []
        run: list[Event[Any]] = []  # consecutive new events for one handler that takes them together
        run_handler: Handler | None = None
        for event, handler in items:
            if event.id not in fresh:  # seen before, or a second copy within this batch
                outcomes.append(Outcome.DUPLICATE)
                continue
            fresh.discard(event.id)
            outcomes.append(Outcome.HANDLED)
            if handler is not run_handler:
                _run(session, run_handler, run)
                run, run_handler = [], handler
            run.append(event)
        _run(session, run_handler, run)
    return outcomes


def _take_ids_statement() -> sa.Insert:
    """The batch's message ids into the inbox (given as `rows`), returning those that were not there yet."""
    given = given_rows(inbox, ("message_id", "type"))
    return (pg_insert(inbox).from_select(["message_id", "type"], sa.select(given.c.message_id, given.c.type))
            .on_conflict_do_nothing(index_elements=[inbox.c.message_id]).returning(inbox.c.message_id))


_TAKE_IDS = _take_ids_statement()
_TAKE_ID = (pg_insert(inbox).values(message_id=sa.bindparam("message_id"), type=sa.bindparam("type"))
            .on_conflict_do_nothing(index_elements=[inbox.c.message_id]).returning(inbox.c.message_id))


def _run(session: Session, handler: Handler | None, events: list[Event[Any]]) -> None:
    if handler is None or not events:
        return
    many = getattr(handler, "many", None)
    if many is not None and len(events) > 1:
        with log_context(correlation_id=events[0].correlation_id, message_ids=[str(e.id) for e in events],
                         event_type=events[0].type), tracing.consuming_each(events):
            many(session, events)
        return
    for event in events:
        with log_context(correlation_id=event.correlation_id, message_id=str(event.id), event_type=event.type), \
                tracing.consuming(event):
            handler(session, event)


def purge_inbox(factory: sessionmaker[Session], hours: int) -> int:
    cutoff = datetime.now(UTC) - timedelta(hours=hours)
    with transaction(factory) as session:
        result: Any = session.execute(sa.delete(inbox).where(inbox.c.received_at < cutoff))
        return int(result.rowcount or 0)


class Consumer:
    """Consumes `<service>.incoming` and dispatches each event type to its handler."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session],
                 handlers: Mapping[type[EventData], Handler], stop: threading.Event, *, catalog: Catalog) -> None:
        self.catalog = catalog
        # its subscriptions are the events it has handlers for: its own queue and bindings, the catalog's exchanges
        self.topology = Topology({settings.service: tuple(handlers)}, catalog=catalog)
        self.settings = settings
        self.factory = factory
        self.handlers = {cls.TYPE: handler for cls, handler in handlers.items()}
        self.stop = stop
        self.queue = incoming_queue(settings.service)
        self.counts: dict[Outcome, int] = {o: 0 for o in Outcome}
        self._connection: pika.BlockingConnection | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            conn = with_backoff(lambda: connect(self.settings.amqp_url, name=f"{self.settings.service}-consumer"),
                                stop=self.stop, what="consumer: connect to RabbitMQ")
            if conn is None:
                return
            self._connection = conn
            try:
                channel = conn.channel()
                self.topology.declare(channel, passive=not self.settings.amqp_declare)
                channel.basic_qos(prefetch_count=self.settings.consumer_prefetch)
                arrived: list[tuple[Any, Any, bytes]] = []
                tag = channel.basic_consume(self.queue, partial(_collect, arrived))
                log.info("consumer_started", queue=self.queue)
                while not self.stop.is_set():
                    # Returns as soon as messages arrive: each pass takes what came, up to the prefetch.
                    conn.process_data_events(time_limit=1.0)
                    if arrived:
                        batch = arrived[:]
                        arrived.clear()
                        self.on_batch(channel, batch)
                # Cancelling hands back what we prefetched but never started on.
                channel.basic_cancel(tag)
            except CONNECTION_ERRORS as exc:
                log.warning("consumer_connection_lost", error=repr(exc))
                self.stop.wait(0.5)
            finally:
                close_quietly(conn)
        log.info("consumer_stopped", **{o.value: n for o, n in self.counts.items()})

    def on_batch(self, channel: Any, batch: list[tuple[Any, Any, bytes]]) -> None:
        """Park what breaks its contract, handle the rest in one transaction (or one by one if that fails)."""
        ready: list[tuple[Any, Any, Event[Any], Handler]] = []
        for method, properties, body in batch:
            parsed = self._parse(channel, method, properties, body)
            if parsed is not None:
                ready.append((method, properties, *parsed))
        if len(ready) > 1:
            try:
                outcomes = handle_batch(self.factory, [(event, handler) for _, _, event, handler in ready])
            except Exception as exc:  # noqa: BLE001 - one of them failed: let each decide its own fate
                log.info("batch_fallback_one_by_one", size=len(ready), error=repr(exc))
            else:
                if any(o is Outcome.HANDLED and e.type == self.settings.fault_exit_after_commit
                       for o, (_, _, e, _) in zip(outcomes, ready, strict=True)):
                    log.warning("fault_injected_exit_after_commit")
                    os._exit(75)
                tally: dict[tuple[Outcome, str], int] = {}
                for outcome, (_, properties, event, _) in zip(outcomes, ready, strict=True):
                    with log_context(correlation_id=event.correlation_id, message_id=str(event.id),
                                     event_type=event.type):
                        log.info("message_" + outcome.value, deliveries=_deliveries(properties), batch=len(ready))
                    tally[outcome, event.type] = tally.get((outcome, event.type), 0) + 1
                for (outcome, event_type), n in tally.items():
                    self._count(outcome, event_type, n)
                channel.basic_ack(max(m.delivery_tag for m, _, _, _ in ready), multiple=True)
                return
        for method, properties, event, handler in ready:
            self._handle_one(channel, method, properties, event, handler)

    def _parse(self, channel: Any, method: Any, properties: Any, body: bytes) -> tuple[Event[Any], Handler] | None:
        try:
            event = self.catalog.parse(body)
        except EventContractError as exc:
            with log_context(message_id=properties.message_id, correlation_id=properties.correlation_id):
                log.error("message_parked", reason=str(exc), routing_key=method.routing_key)
            channel.basic_reject(method.delivery_tag, requeue=False)
            self._count(Outcome.PARKED, method.routing_key)
            return None
        event = tracing.relayed(event, properties.headers)
        handler = self.handlers.get(event.type)
        if handler is None:
            with log_context(correlation_id=event.correlation_id, message_id=str(event.id), event_type=event.type):
                log.error("message_parked", reason="no handler for this event type")
            channel.basic_reject(method.delivery_tag, requeue=False)
            self._count(Outcome.PARKED, event.type)
            return None
        return event, handler

    def _handle_one(self, channel: Any, method: Any, properties: Any, event: Event[Any], handler: Handler) -> Outcome:
        tag = method.delivery_tag
        deliveries = _deliveries(properties)
        with log_context(correlation_id=event.correlation_id, message_id=str(event.id), event_type=event.type):
            outcome = self._process(event, handler, deliveries)
            if outcome in (Outcome.HANDLED, Outcome.DUPLICATE):
                channel.basic_ack(tag)
            elif outcome is Outcome.PARKED:
                channel.basic_reject(tag, requeue=False)
            else:
                channel.basic_nack(tag, requeue=True)
            return self._count(outcome, event.type)

    def _process(self, event: Event[Any], handler: Handler, deliveries: int) -> Outcome:
        delay = 0.1
        waited = 0.0
        while True:
            try:
                outcome = handle_once(self.factory, event, handler)
            except (EventContractError, PermanentError) as exc:
                log.error("message_parked", reason=str(exc))
                self._failed(event.type)
                return Outcome.PARKED
            except TRANSIENT_ERRORS as exc:
                self._failed(event.type)
                # The database (or what the event depends on) is away: nothing could progress anyway, so wait
                # here rather than spend the message's deliveries; only a shutdown hands it back.
                if self.stop.is_set():
                    log.warning("message_requeued", reason=repr(exc), deliveries=deliveries)
                    return Outcome.REQUEUED
                log.warning("handler_retrying", reason=repr(exc), retry_in_seconds=round(delay, 2), waited=waited)
                self._sleep(delay)
                waited += delay
                delay = min(delay * 2, 5.0)
                continue
            except Exception as exc:  # noqa: BLE001 - a bug or poison: the delivery limit decides
                self._failed(event.type)
                log.exception("handler_failed", error=repr(exc), deliveries=deliveries, delivery_limit=DELIVERY_LIMIT)
                return Outcome.REQUEUED
            if outcome is Outcome.HANDLED and self.settings.fault_exit_after_commit == event.type:
                log.warning("fault_injected_exit_after_commit")
                os._exit(75)
            log.info("message_" + outcome.value, deliveries=deliveries)
            return outcome

    def _sleep(self, seconds: float) -> None:
        # connection.sleep keeps heartbeats flowing while we wait; time.sleep would starve them.
        if self._connection is not None and self._connection.is_open:
            self._connection.sleep(seconds)
        else:
            self.stop.wait(seconds)

    def _count(self, outcome: Outcome, event_type: str, n: int = 1) -> Outcome:
        self.counts[outcome] += n
        counter = _COUNTERS.get(outcome)
        if counter is not None:
            counter.labels(self.settings.service, event_type).inc(n)
        return outcome

    def _failed(self, event_type: str) -> None:
        MESSAGES_FAILED.labels(self.settings.service, event_type).inc()


_COUNTERS = {Outcome.HANDLED: MESSAGES_HANDLED, Outcome.DUPLICATE: INBOX_DUPLICATES, Outcome.PARKED: MESSAGES_PARKED}


def _collect(into: list[tuple[Any, Any, bytes]], _channel: Any, method: Any, properties: Any, body: bytes) -> None:
    into.append((method, properties, body))


def _deliveries(properties: Any) -> int:
    """How often the broker has delivered this message, this time included (quorum queues count)."""
    return int((properties.headers or {}).get("x-delivery-count") or 0) + 1
