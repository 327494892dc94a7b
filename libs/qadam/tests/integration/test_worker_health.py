"""A worker's own /healthz and /metrics against the real PostgreSQL and RabbitMQ: a hung loop fails the health check
and names itself, and recovers; the metrics show the outbox, what the consumer handled, failed and parked, and lag.

The worker here is a test service of its own ("courier") consuming a test catalog ("post"'s parcels), on the
database of an isolated stack's risk (for the kit's outbox and inbox tables)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from qadam.config import Settings
from qadam.events import Catalog, EventData, envelope_of
from qadam.inbox import PermanentError
from qadam.topology import Topology, incoming_queue
from qadam.worker import run_worker
from qadam_testing import free_port, publish_envelope, set_policies, wait_until


@dataclass(frozen=True, kw_only=True, slots=True)
class ParcelSent(EventData):
    TYPE = "post.parcel.sent"
    PRODUCER = "post"
    SUMMARY = "A parcel left the office."

    parcel_id: uuid.UUID
    hold: bool = False  # the test's handler blocks on this parcel until the test lets it go


@dataclass(frozen=True, kw_only=True, slots=True)
class ParcelLost(EventData):
    TYPE = "post.parcel.lost"
    PRODUCER = "post"
    SUMMARY = "A parcel was lost."

    parcel_id: uuid.UUID


CATALOG = Catalog((ParcelSent, ParcelLost))


class Courier:
    """A worker of the test service, run in a thread, with its HTTP server on a free port."""

    def __init__(self, stack: Any, **overrides: Any) -> None:
        self.service = f"courier{uuid.uuid4().hex[:6]}"
        self.port = free_port()
        self.settings = Settings(service=self.service, database_url=stack.database_url("risk"),
                                 amqp_url=stack.amqp_url, log_format="json", worker_http_host="127.0.0.1",
                                 worker_http_port=self.port, worker_hang_seconds=2.0, **overrides)
        # its queue parks what fails by policy, as every service's does (the vhost has the system's policies only)
        set_policies(stack.amqp_url, stack.vhost, Topology({self.service: (ParcelSent, ParcelLost)},
                                                           catalog=CATALOG).policies())
        self.gate = threading.Event()  # a parcel with `hold` waits on it in its handler
        self.stop = threading.Event()
        self.thread = threading.Thread(target=run_worker, kwargs={
            "settings": self.settings, "catalog": CATALOG, "stop": self.stop,
            "handlers": {ParcelSent: self.on_sent, ParcelLost: self.on_lost},
            "extra_loops": {"sorting": self.sorting}}, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self.sorting_stuck = threading.Event()

    def on_sent(self, session: Any, event: Any) -> None:
        if event.data.hold:
            self.gate.wait(60)  # a handler that hangs (a call that never answers) until the test releases it

    def on_lost(self, session: Any, event: Any) -> None:
        raise PermanentError("a lost parcel cannot be handled here")

    def sorting(self, settings: Settings, stop: threading.Event) -> None:
        """An extra loop of the service: a turn every 0.1 s, stuck (not looking at `stop`) while told to be."""
        while not stop.is_set():
            if self.sorting_stuck.is_set():
                self.gate.wait(60)
                self.sorting_stuck.clear()
            stop.wait(0.1)

    def start(self) -> Courier:
        self.thread.start()
        wait_until(lambda: self.health()[0] == 200, timeout=30, what="the worker's /healthz to answer 200")
        # /healthz answers once the loops run, maybe before the consumer has declared and bound its queue: a parcel
        # published then was returned unroutable (seen on a loaded machine). Consuming, it has done both.
        wait_until(self.consuming, timeout=30, what="the consumer to consume from its queue")
        return self

    def consuming(self) -> bool:
        connection = pika.BlockingConnection(pika.URLParameters(self.settings.amqp_url))
        try:
            declared = connection.channel().queue_declare(incoming_queue(self.service), passive=True)
            return bool(declared.method.consumer_count)
        except pika.exceptions.ChannelClosedByBroker:  # not declared yet
            return False
        finally:
            if connection.is_open:
                connection.close()

    def close(self) -> None:
        self.gate.set()
        self.stop.set()
        self.thread.join(40)

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            response = requests.get(f"{self.url}/healthz", timeout=5)
        except requests.ConnectionError:
            return 0, {}
        return response.status_code, response.json()

    def metric(self, name: str, **labels: str) -> float | None:
        """The value of the sample `name` with `labels` (and this worker's service) in /metrics, None if absent."""
        text = requests.get(f"{self.url}/metrics", timeout=10).text
        wanted = {"service": self.service, **labels}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in wanted.items()):
                    return float(sample.value)
        return None

    def publish(self, event: EventData) -> dict[str, Any]:
        envelope = envelope_of(event, correlation_id=str(uuid.uuid4()), causation_id=None)
        publish_envelope(self.settings.amqp_url, _jsonable(envelope))
        return envelope


def _jsonable(envelope: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in envelope.items()}


@pytest.fixture
def courier(isolated_stack: Any) -> Iterator[Any]:
    made: list[Courier] = []

    def make(**overrides: Any) -> Courier:
        c = Courier(isolated_stack("risk"), **overrides).start()
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def test_a_consumer_stuck_in_a_handler_fails_healthz_naming_it_and_recovers_when_it_returns(courier):
    c = courier(consumer_prefetch=1)
    status, body = c.health()
    assert status == 200 and body["hung"] == [] and set(body["loops"]) == {"relay", "consumer", "sorting"}
    c.publish(ParcelSent(parcel_id=uuid.uuid4(), hold=True))
    for _ in range(2):
        c.publish(ParcelSent(parcel_id=uuid.uuid4()))  # waiting behind it in the queue: the consumer's lag

    status, body = wait_until(lambda: (h := c.health())[0] == 503 and h, timeout=30,
                              what="/healthz to fail on the stuck consumer")
    assert "consumer" in body["hung"] and body["status"] == "hung"
    assert body["loops"]["consumer"]["beating"] is False
    assert c.metric("qadam_worker_loop_up", loop="consumer") == 0
    wait_until(lambda: c.metric("qadam_consumer_lag_messages", queue=f"{c.service}.incoming") == 2,
               what="the two parcels behind it counted as lag")

    c.gate.set()  # the handler returns
    wait_until(lambda: c.health()[0] == 200, timeout=30, what="/healthz to recover")
    wait_until(lambda: c.metric("qadam_messages_handled_total", type=ParcelSent.TYPE) == 3, what="all three handled")
    assert c.metric("qadam_worker_loop_up", loop="consumer") == 1
    assert c.metric("qadam_consumer_lag_messages", queue=f"{c.service}.incoming") == 0


def test_an_extra_loop_that_stops_coming_back_fails_healthz_naming_it(courier):
    c = courier()
    c.sorting_stuck.set()
    _, body = wait_until(lambda: (h := c.health())[0] == 503 and h, timeout=30, what="/healthz to fail on sorting")
    assert "sorting" in body["hung"] and "consumer" not in body["hung"]
    c.gate.set()
    wait_until(lambda: c.health()[0] == 200, timeout=30, what="/healthz to recover")


def test_a_relay_stuck_on_a_lock_fails_healthz_naming_it_and_recovers_when_the_lock_goes(courier):
    c = courier(relay_sweep_seconds=0.2)  # it looks at the outbox every 0.2 s even without a NOTIFY
    engine = sa.create_engine(c.settings.database_url)
    try:
        with engine.begin() as conn:  # an operator's migration holds the outbox: the relay's next claim waits on it
            conn.execute(sa.text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
            _, body = wait_until(lambda: (h := c.health())[0] == 503 and h, timeout=30,
                                 what="/healthz to fail on the stuck relay")
            assert "relay" in body["hung"] and "consumer" not in body["hung"]
        wait_until(lambda: c.health()[0] == 200, timeout=30, what="/healthz to recover once the lock is gone")
    finally:
        engine.dispose()


def test_metrics_show_the_unsent_outbox_row_and_its_age_and_what_was_handled_failed_duplicated_and_parked(courier):
    c = courier()
    engine = sa.create_engine(c.settings.database_url)
    stale = envelope_of(ParcelSent(parcel_id=uuid.uuid4()), correlation_id="c-stale", causation_id=None)
    with engine.begin() as conn:  # an event no queue takes: the relay tries, the broker returns it, it stays unsent
        conn.execute(sa.text(
            "INSERT INTO outbox (id, exchange, routing_key, envelope, created_at) "
            "VALUES (:id, 'post.events', 'post.parcel.nobody', CAST(:env AS jsonb), :at)"),
            {"id": stale["id"], "env": json.dumps(_jsonable(stale), default=str),
             "at": datetime.now(UTC) - timedelta(minutes=5)})
    engine.dispose()

    handled = c.publish(ParcelSent(parcel_id=uuid.uuid4()))
    publish_envelope(c.settings.amqp_url, _jsonable(handled))  # the same message again: a duplicate
    c.publish(ParcelLost(parcel_id=uuid.uuid4()))  # its handler refuses it for good: failed, then parked

    wait_until(lambda: c.metric("qadam_parked_messages", queue=f"{c.service}.dead") == 1, what="one parked")
    assert c.metric("qadam_messages_handled_total", type=ParcelSent.TYPE) == 1
    assert c.metric("qadam_inbox_duplicates_total", type=ParcelSent.TYPE) == 1
    assert c.metric("qadam_messages_failed_total", type=ParcelLost.TYPE) == 1
    assert c.metric("qadam_messages_parked_total", type=ParcelLost.TYPE) == 1
    assert c.metric("qadam_messages_handled_total", type=ParcelLost.TYPE) is None
    wait_until(lambda: (c.metric("qadam_outbox_refused_total") or 0) >= 1, what="the relay to try the unroutable row")
    assert c.metric("qadam_outbox_unsent_rows") == 1
    assert c.metric("qadam_outbox_oldest_unsent_age_seconds") >= 300  # written five minutes ago
    assert c.metric("qadam_database_up") == 1 and c.metric("qadam_broker_up") == 1


def test_a_worker_answers_only_its_two_paths_and_without_a_port_serves_nothing(courier):
    c = courier()
    response = requests.get(f"{c.url}/nothing", timeout=5)
    assert response.status_code == 404 and response.headers["Content-Type"] == "application/problem+json"
    assert Settings().worker_http_port == 0  # off unless set: a machine running every worker binds no port
