"""What a worker process tells Prometheus: the kit's counters of its consumer and loops (increments on the hot path)
and the gauges read when /metrics is scraped (the outbox, the broker's queues, the loops' heartbeats, and each
service's own gauges).

A service adds its own gauges with `run_worker(..., gauges=...)`: a function given the service's settings and a
database connection at each scrape that returns metric families (made with `gauge`); its counters are plain
prometheus_client counters in its own module. The kit names none of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client import Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Connection, Engine

from .bus import close_quietly, connection_parameters
from .config import Settings
from .db import outbox
from .heartbeat import Heartbeats
from .log import get_logger
from .topology import incoming_queue, parking_queue

log = get_logger(__name__)

# -- counters: one increment each, on the consumer's and the loops' paths ---------------------------------------------
MESSAGES_HANDLED = Counter("qadam_messages_handled_total", "Messages a consumer handled (their effects committed)",
                           ["service", "type"])
MESSAGES_FAILED = Counter("qadam_messages_failed_total",
                          "Handler attempts that raised (the message then retried, handed back or parked)",
                          ["service", "type"])
INBOX_DUPLICATES = Counter("qadam_inbox_duplicates_total", "Deliveries found in the inbox already and acked without "
                           "effect", ["service", "type"])
MESSAGES_PARKED = Counter("qadam_messages_parked_total", "Messages a consumer parked (contract broken, no handler, "
                          "permanent error); the broker parks those past the delivery limit itself",
                          ["service", "type"])
LOOP_RESTARTS = Counter("qadam_worker_loop_restarts_total", "Worker loops that crashed and were started again",
                        ["service", "loop"])

ServiceGauges = Callable[[Any, Connection], Iterable[Metric]]


def gauge(name: str, documentation: str, labels: Sequence[str], values: Mapping[tuple[str, ...], float]) -> Metric:
    """A gauge family read at scrape time: `values` maps each label tuple (in `labels`' order) to its value."""
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    for key, value in values.items():
        family.add_metric(list(key), value)
    return family


class WorkerCollector(Collector):
    """The gauges of one worker, computed when Prometheus scrapes: nothing of this runs on the hot path."""

    def __init__(self, settings: Settings, engine: Engine, heartbeats: Heartbeats, *, consumes: bool,
                 relay: Any = None, gauges: ServiceGauges | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.heartbeats = heartbeats
        self.consumes = consumes
        self.relay = relay
        self.gauges = gauges

    def collect(self) -> Iterator[Metric]:
        service = self.settings.service
        yield from self._loops(service)
        yield from self._database(service)
        yield from self._broker(service)
        if self.relay is not None:
            published = CounterMetricFamily("qadam_outbox_published", "Outbox rows the relay published, confirmed",
                                            labels=["service"])
            published.add_metric([service], self.relay.published)
            yield published
            refused = CounterMetricFamily("qadam_outbox_refused", "Publishes the broker refused (unroutable, nacked); "
                                          "each row goes again with back-off", labels=["service"])
            refused.add_metric([service], self.relay.refused)
            yield refused

    def _loops(self, service: str) -> Iterator[Metric]:
        states = self.heartbeats.states()
        yield gauge("qadam_worker_loop_up", "1 while the loop beats within what it announced, 0 when it is hung or gone",
                    ["service", "loop"], {(service, s.loop): 1.0 if s.beating else 0.0 for s in states})
        yield gauge("qadam_worker_loop_silence_seconds", "Seconds since the loop last beat", ["service", "loop"],
                    {(service, s.loop): s.silent_seconds for s in states})

    def _database(self, service: str) -> Iterator[Metric]:
        families: list[Metric] = []
        try:
            with self.engine.connect() as conn:
                # a table held by a migration must not hold the scrape past Prometheus' timeout (10 s in the PodMonitor)
                conn.execute(sa.text("SET LOCAL statement_timeout = 5000"))
                unsent, oldest = conn.execute(
                    sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
                ).one()
                age = 0.0 if oldest is None else max(0.0, (datetime.now(UTC) - oldest).total_seconds())
                families += [
                    gauge("qadam_outbox_unsent_rows", "Outbox rows committed and not yet confirmed by the broker",
                          ["service"], {(service,): float(unsent)}),
                    gauge("qadam_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row (0: none)",
                          ["service"], {(service,): age}),
                ]
                if self.gauges is not None:
                    families += list(self.gauges(self.settings, conn))
                conn.rollback()
            up = 1.0
        except sa.exc.SQLAlchemyError as exc:
            log.warning("metrics_database_unavailable", error=repr(exc))
            up = 0.0
        yield gauge("qadam_database_up", "1 when the service's database answered this scrape", ["service"],
                    {(service,): up})
        if up:
            yield from families

    def _broker(self, service: str) -> Iterator[Metric]:
        """Whether the broker answers and, for a consumer, the messages ready in its queue (lag) and parked."""
        import pika

        params = connection_parameters(self.settings.amqp_url, name=f"{service}-metrics")
        for node in params:  # a scrape waits at most 2 s for each node
            node.socket_timeout = node.stack_timeout = 2.0
        depths: dict[str, float] = {}
        started = time.monotonic()
        try:
            conn = pika.BlockingConnection(params)
        except Exception as exc:  # noqa: BLE001 - any failure: the broker is not there for us
            log.warning("metrics_broker_unavailable", error=repr(exc))
            yield gauge("qadam_broker_up", "1 when the broker answered this scrape", ["service"], {(service,): 0.0})
            return
        try:
            if self.consumes:
                for queue in (incoming_queue(service), parking_queue(service)):
                    try:
                        channel = conn.channel()
                        depths[queue] = float(channel.queue_declare(queue, passive=True).method.message_count)
                        channel.close()
                    except Exception:  # noqa: BLE001 - not declared yet (the consumer starting): no figure
                        log.info("metrics_queue_missing", queue=queue)
        finally:
            close_quietly(conn)
        yield gauge("qadam_broker_up", "1 when the broker answered this scrape", ["service"], {(service,): 1.0})
        yield gauge("qadam_broker_check_seconds", "How long this scrape's look at the broker took", ["service"],
                    {(service,): time.monotonic() - started})
        if self.consumes:
            incoming, parked = incoming_queue(service), parking_queue(service)
            yield gauge("qadam_consumer_lag_messages", "Messages ready in the consumer's queue, not yet taken",
                        ["service", "queue"], {(service, incoming): depths[incoming]} if incoming in depths else {})
            yield gauge("qadam_parked_messages", "Messages in the parking queue, waiting for someone to look "
                        "(`qadam replay`)", ["service", "queue"],
                        {(service, parked): depths[parked]} if parked in depths else {})
