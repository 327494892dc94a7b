"""The worker process every service runs: the outbox relay, the inbox consumer, and any extra loops.

Each loop runs in its own thread with its own broker connection (pika is not thread-safe). SIGTERM
or SIGINT sets one stop event: the consumer finishes and acks the message in hand, hands back what
it prefetched, and every loop returns. Each loop is handed the stop event as its own `Heartbeat`: every look at
it is a beat, and with QADAM_WORKER_HTTP_PORT set the worker serves `/healthz` (503 naming a hung loop) and
`/metrics` (`qadam.metrics`, and the service's `gauges`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

from prometheus_client import CollectorRegistry

from .config import Settings, refuse_unfit_for_production
from .db import make_engine, make_session_factory
from .events import Catalog, EventData
from .heartbeat import Heartbeats
from .inbox import Consumer, Handler, purge_inbox
from .log import configure_logging, get_logger
from .metrics import LOOP_RESTARTS, ServiceGauges, WorkerCollector
from .outbox import OutboxRelay
from .topology import Topology
from .tracing import configure_tracing, shutdown_tracing
from .worker_http import WorkerServer

log = get_logger(__name__)
WorkerSettings = TypeVar("WorkerSettings", bound=Settings)


def run_worker(settings: WorkerSettings, *, catalog: Catalog,
               handlers: Mapping[type[EventData], Handler] | None = None,
               extra_loops: Mapping[str, Callable[[WorkerSettings, threading.Event], None]] | None = None,
               gauges: ServiceGauges | None = None, stop: threading.Event | None = None) -> None:
    """Run the relay, the consumer of `handlers` (if any; events read through `catalog`) and `extra_loops` until
    SIGTERM or SIGINT (or `stop`). `gauges(settings, connection)`: the service's own gauges, read at each scrape of
    /metrics."""
    refuse_unfit_for_production(settings)
    configure_logging(settings.service, fmt=settings.log_format, level=settings.log_level)
    configure_tracing(settings)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    # No ping per checkout: a round trip on every message handled and every batch relayed, on the path of every
    # alert. A connection found dead fails that one unit of work, which each loop takes again (the consumer retries
    # the message, the relay its claim, a scrape answers the next time), and SQLAlchemy then discards every pooled
    # connection older than the failure.
    engine = make_engine(settings.database_url, pool_size=4, pool_pre_ping=False)
    factory = make_session_factory(engine, publisher=settings.service)
    heartbeats = Heartbeats(stop, grace_seconds=settings.worker_hang_seconds)
    topology = Topology({settings.service: tuple(handlers)} if handlers else {}, catalog=catalog)
    relay = OutboxRelay(settings, engine, heartbeats.heartbeat("relay"), topology=topology)
    loops: dict[str, Callable[[], None]] = {"relay": relay.run}
    if handlers:
        try:
            purge_inbox(factory, settings.inbox_retention_hours)
        except Exception:  # noqa: BLE001 - housekeeping; the database may be starting
            log.warning("inbox_purge_skipped", exc_info=True)
        loops["consumer"] = Consumer(settings, factory, handlers, heartbeats.heartbeat("consumer"), catalog=catalog).run
    for name, loop in (extra_loops or {}).items():
        loops[name] = partial(loop, settings, heartbeats.heartbeat(name))
    threads = []
    for name, fn in loops.items():
        thread = threading.Thread(target=_guarded(settings.service, name, fn, heartbeats.heartbeat_of(name)),
                                  name=name, daemon=True)
        heartbeats.runs_in(name, thread)
        threads.append(thread)
    server = None
    if settings.worker_http_port:  # bound before any loop starts: a port taken stops the worker at once
        registry = CollectorRegistry(auto_describe=False)
        registry.register(WorkerCollector(settings, engine, heartbeats, consumes=bool(handlers), relay=relay,
                                          gauges=gauges))
        server = WorkerServer(settings.worker_http_host, settings.worker_http_port, heartbeats, registry)
    for t in threads:
        t.start()
    if server is not None:
        server.start()
    log.info("worker_started", loops=sorted(loops))
    while not stop.is_set():
        stop.wait(0.5)
    log.info("worker_stopping")
    if server is not None:
        server.stop()
    for t in threads:
        t.join(timeout=30)
    engine.dispose()
    shutdown_tracing()  # what spans are still waiting go to the collector
    log.info("worker_stopped")


def _guarded(service: str, name: str, fn: Callable[[], None], stop: threading.Event) -> Callable[[], None]:
    """A loop that crashes is logged, counted and started again after a pause, never silently gone."""

    def run() -> None:
        while not stop.is_set():
            try:
                fn()
                return
            except Exception:  # noqa: BLE001
                log.exception("loop_crashed", loop=name)
                LOOP_RESTARTS.labels(service, name).inc()
                stop.wait(2.0)

    return run
