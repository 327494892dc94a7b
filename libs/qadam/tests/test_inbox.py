"""The inbox consumer against the real PostgreSQL and RabbitMQ: duplicates, parking, retries, reconnects."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from qadam.contracts import catalog
from qadam.db import make_engine, make_session_factory
from qadam.inbox import Consumer, Outcome, TransientError
from qadam.replay import replay_parked
from qadam.testing import (
    close_vhost_connections,
    declare_topology,
    publish_envelope,
    publish_raw,
    queue_depth,
    wait_until,
)
from qadam.topology import SUBSCRIPTIONS

CODE = "P-2026-000007"


def attendance_event(**data_overrides) -> dict:
    now = datetime.now(UTC)
    data = {"mark_id": uuid.uuid4(), "session_id": uuid.uuid4(), "cohort_id": uuid.uuid4(),
            "enrolment_id": uuid.uuid4(), "participant_code": CODE, "session_number": 3, "scheduled_at": now,
            "status": "unexcused", "excuse_reason": None, "recorded_by": "psy-1", "recorded_at": now}
    data.update(data_overrides)
    return catalog.build("sessions.attendance.recorded", data, producer="sessions", correlation_id="corr-inbox",
                         causation_id=None)


class Harness:
    """risk's queue, consumed by a Consumer whose handlers write to a real table of the test's own."""

    def __init__(self, stack, **overrides):
        self.settings = stack.settings("risk", **overrides)
        self.attempts: dict[str, int] = {}
        self.engine = make_engine(self.settings.database_url)
        self.factory = make_session_factory(self.engine)
        with self.engine.begin() as c:
            c.execute(sa.text("CREATE TABLE handled (message_id uuid, mark_id uuid)"))
        declare_topology(self.settings)
        self.failures: dict[str, Exception] = {}
        self.stop = threading.Event()
        others = {name: (lambda s, e: None) for name in SUBSCRIPTIONS["risk"]}  # risk's other events: no effect here
        self.consumer = Consumer(self.settings, self.factory, {
            **others, "sessions.attendance.recorded": self.handle,
        }, self.stop)
        self.thread = threading.Thread(target=self.consumer.run, daemon=True)

    def handle(self, session, event):
        mark = str(event.data["mark_id"])
        self.attempts[mark] = self.attempts.get(mark, 0) + 1
        failure = self.failures.get(mark)
        if failure is not None:
            raise failure
        session.execute(sa.text("INSERT INTO handled VALUES (:m, :k)"),
                        {"m": event.id, "k": event.data["mark_id"]})

    def handled(self) -> list:
        with self.engine.connect() as c:
            return c.execute(sa.text("SELECT mark_id FROM handled")).scalars().all()

    def start(self):
        self.thread.start()
        return self

    def close(self):
        self.stop.set()
        self.thread.join(15)
        self.engine.dispose()


@pytest.fixture
def harness(isolated_stack):
    made = []

    def make(**overrides):
        h = Harness(isolated_stack("risk"), **overrides)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def test_duplicate_delivery_is_acked_without_a_second_effect(harness):
    h = harness().start()
    event = attendance_event()
    publish_envelope(h.settings.amqp_url, event)
    publish_envelope(h.settings.amqp_url, event)  # the same message id again
    wait_until(lambda: h.consumer.counts[Outcome.DUPLICATE] == 1, what="the duplicate to be seen")
    assert [str(m) for m in h.handled()] == [event["data"]["mark_id"]]
    assert h.consumer.counts[Outcome.HANDLED] == 1
    assert queue_depth(h.settings.amqp_url, "risk.incoming") == 0


def test_malformed_event_is_parked_and_the_consumer_keeps_going(harness):
    h = harness().start()
    publish_raw(h.settings.amqp_url, "sessions.events", "sessions.attendance.recorded", b"{not json")
    bad = attendance_event()
    bad["data"]["status"] = "asleep"  # not an attendance status
    publish_raw(h.settings.amqp_url, "sessions.events", "sessions.attendance.recorded", json.dumps(bad).encode())
    good = attendance_event()
    publish_envelope(h.settings.amqp_url, good)
    wait_until(lambda: [str(m) for m in h.handled()] == [good["data"]["mark_id"]], what="the good event")
    wait_until(lambda: queue_depth(h.settings.amqp_url, "risk.dead") == 2, what="two parked messages")


def test_poison_message_stops_at_the_delivery_limit_and_replays_once_fixed(harness):
    h = harness().start()
    poison = attendance_event()
    mark = poison["data"]["mark_id"]
    h.failures[mark] = RuntimeError("a bug in the handler")
    publish_envelope(h.settings.amqp_url, poison)
    wait_until(lambda: queue_depth(h.settings.amqp_url, "risk.dead") == 1, what="the poison message parked")
    assert h.handled() == []
    del h.failures[mark]  # the cause is fixed
    assert replay_parked(h.settings) == 1
    wait_until(lambda: [str(m) for m in h.handled()] == [mark], what="the replayed message handled")
    assert queue_depth(h.settings.amqp_url, "risk.dead") == 0


def test_transient_failure_is_retried_in_place_until_it_passes(harness):
    h = harness().start()
    event = attendance_event()
    mark = event["data"]["mark_id"]
    h.failures[mark] = TransientError("database is restarting")
    publish_envelope(h.settings.amqp_url, event)
    wait_until(lambda: h.attempts.get(mark, 0) >= 3, what="the handler to be retried while the failure lasts")
    del h.failures[mark]  # the database is back
    wait_until(lambda: [str(m) for m in h.handled()] == [mark], what="the event handled after the retry")
    # retried in place: never handed back to the queue (no delivery spent), never parked
    assert h.consumer.counts[Outcome.REQUEUED] == 0 and h.consumer.counts[Outcome.HANDLED] == 1
    assert queue_depth(h.settings.amqp_url, "risk.dead") == 0


def test_consumer_reconnects_after_the_broker_drops_its_connection(harness):
    h = harness().start()
    first = attendance_event()
    publish_envelope(h.settings.amqp_url, first)
    wait_until(lambda: len(h.handled()) == 1, what="the first event")
    close_vhost_connections(h.settings.amqp_url.rsplit("/", 1)[1])
    second = attendance_event()
    publish_envelope(h.settings.amqp_url, second)
    wait_until(lambda: len(h.handled()) == 2, timeout=30, what="the event sent after the connection was dropped")
