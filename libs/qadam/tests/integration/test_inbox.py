"""The inbox consumer against the real PostgreSQL and RabbitMQ: duplicates, parking, retries, reconnects."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory
from qadam.events import envelope_of
from qadam.inbox import Consumer, Outcome, TransientError
from qadam.replay import replay_parked
from qadam_contracts.catalog import catalog
from qadam_contracts.sessions import AttendanceRecorded
from qadam_testing import (
    close_vhost_connections,
    declare_topology,
    publish_envelope,
    publish_raw,
    queue_depth,
    wait_until,
    worker_process,
)
from qadam_tools.system import subscriptions

CODE = "P-2026-000007"


def attendance_event(**data_overrides) -> dict:
    now = datetime.now(UTC)
    data = {"mark_id": uuid.uuid4(), "session_id": uuid.uuid4(), "cohort_id": uuid.uuid4(),
            "enrolment_id": uuid.uuid4(), "participant_code": CODE, "session_number": 3, "scheduled_at": now,
            "status": "unexcused", "excuse_reason": None, "recorded_by": "psy-1", "recorded_at": now}
    data.update(data_overrides)
    return envelope_of(AttendanceRecorded(**data), correlation_id="corr-inbox", causation_id=None)


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
        others = {cls: (lambda s, e: None) for cls in subscriptions()["risk"]}  # risk's other events: no effect here
        self.table = {**others, AttendanceRecorded: self.handle}
        self.consumer = Consumer(self.settings, self.factory, self.table, self.stop, catalog=catalog)
        self.thread = threading.Thread(target=self.consumer.run, daemon=True)

    def handle(self, session, event):
        mark = str(event.data.mark_id)
        self.attempts[mark] = self.attempts.get(mark, 0) + 1
        failure = self.failures.get(mark)
        if failure is not None:
            raise failure
        session.execute(sa.text("INSERT INTO handled VALUES (:m, :k)"),
                        {"m": event.id, "k": event.data.mark_id})

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
    # ten deliveries, each a failed transaction and a logged traceback, before the broker parks it: seconds on a quiet
    # machine, more than 15 s once (a clean clone's run with 4 test workers beside mypy's cold cache); the wait ends
    # as soon as it is parked, so the longer bound only decides when a real failure is reported
    wait_until(lambda: queue_depth(h.settings.amqp_url, "risk.dead") == 1, timeout=60, what="the poison message parked")
    assert h.handled() == []
    del h.failures[mark]  # the cause is fixed
    assert replay_parked(service=h.settings.service, amqp_url=h.settings.amqp_url) == 1
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
    # the consumer counts the outcome once the handler's transaction has committed: a moment after it is readable
    wait_until(lambda: h.consumer.counts[Outcome.HANDLED] == 1, what="the consumer to count the event handled")
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


# -- issue 9, Faults: graceful stop, and the operator's `qadam replay` ------------------------------------------
QADAM = str(Path(sys.executable).with_name("qadam"))


@pytest.fixture
def risk_stack(isolated_stack):
    return isolated_stack("risk")


def test_stop_finishes_and_acks_the_message_in_hand_and_takes_no_more(risk_stack):
    h = Harness(risk_stack)
    held, release = attendance_event(), threading.Event()
    in_hand = threading.Event()
    handle = h.handle

    def slow(session, event):
        if str(event.data.mark_id) == str(held["data"]["mark_id"]):
            in_hand.set()
            assert release.wait(30)
        handle(session, event)

    h.consumer.handlers["sessions.attendance.recorded"] = slow
    try:
        h.start()
        publish_envelope(h.settings.amqp_url, held)
        assert in_hand.wait(30), "the first message never reached the handler"
        h.stop.set()  # what SIGTERM does in a worker process (qadam.worker.run_worker)
        later = [attendance_event(), attendance_event()]
        for event in later:
            publish_envelope(h.settings.amqp_url, event)
        release.set()
        h.thread.join(30)
        assert not h.thread.is_alive(), "the consumer did not stop"
        # the message in hand was finished and acknowledged; the two sent after the stop were left in the queue
        assert [str(m) for m in h.handled()] == [str(held["data"]["mark_id"])]
        wait_until(lambda: queue_depth(h.settings.amqp_url, "risk.incoming") == 2, what="the later two, ready")
        # the next consumer takes them, and the one handled before is not delivered again
        stop = threading.Event()
        nxt = Consumer(h.settings, h.factory, {**h.table, AttendanceRecorded: slow}, stop, catalog=catalog)
        thread = threading.Thread(target=nxt.run, daemon=True)
        thread.start()
        try:
            wait_until(lambda: len(h.handled()) == 3, what="the later two handled by the next consumer")
            wait_until(lambda: queue_depth(h.settings.amqp_url, "risk.incoming") == 0, what="all acked")
        finally:
            stop.set()
            thread.join(30)
        assert nxt.counts[Outcome.DUPLICATE] == 0
    finally:
        h.close()


def test_a_worker_process_stops_cleanly_on_sigterm(risk_stack, tmp_path):
    declare_topology(risk_stack.settings("risk"))
    worker = worker_process(risk_stack, "risk", tmp_path).start()
    try:
        wait_until(lambda: any(line.get("event") == "consumer_started" for line in worker.log_lines()), timeout=30,
                   what="the worker's consumer")
    finally:
        code = worker.stop()  # SIGTERM, then up to 20 s
    assert code == 0
    events = [line.get("event") for line in worker.log_lines()]
    assert events.index("worker_stopping") < events.index("consumer_stopped") < events.index("worker_stopped")


def test_qadam_replay_returns_parked_poison_once_fixed(risk_stack):
    h = Harness(risk_stack).start()
    try:
        poison = attendance_event()
        mark = poison["data"]["mark_id"]
        h.failures[str(mark)] = RuntimeError("a bug in the handler")
        publish_envelope(h.settings.amqp_url, poison)
        wait_until(lambda: queue_depth(h.settings.amqp_url, "risk.dead") == 1, timeout=60,
                   what="the poison message parked at the delivery limit")
        tried = h.attempts[str(mark)]
        del h.failures[str(mark)]  # the cause is fixed
        out = subprocess.run([QADAM, "replay", "risk"], env=risk_stack.environment("risk"), capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "risk: 1 parked message(s) returned to risk.incoming" in out.stdout
        wait_until(lambda: [str(m) for m in h.handled()] == [str(mark)], what="the replayed message handled")
        assert queue_depth(h.settings.amqp_url, "risk.dead") == 0
        assert h.attempts[str(mark)] == tried + 1
    finally:
        h.close()


def test_qadam_replay_takes_every_service_with_a_parking_queue(isolated_stack):
    stack = isolated_stack("enrollment")  # enrollment consumes attendance events too: it has enrollment.dead
    declare_topology(stack.settings("enrollment"))
    out = subprocess.run([QADAM, "replay", "enrollment"], env=stack.environment("enrollment"), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "enrollment: 0 parked message(s) returned" in out.stdout


def test_a_message_is_taken_as_its_transaction_begins_in_one_round_trip_and_a_second_copy_changes_nothing(risk_stack):
    """The driver begins a transaction with a round trip of its own: the consumer sends BEGIN with the taking of the
    message's id, then the handler's statement, then COMMIT (three round trips, not four); a second copy is taken as
    a duplicate, its handler's write rolled back with it."""
    from qadam.inbox import handle_batch, handle_once
    from qadam_testing import round_trips

    # as a worker's engine: no ping at checkout (qadam.worker), one connection to trace
    engine = make_engine(risk_stack.settings("risk").database_url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    factory = make_session_factory(engine)
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE taken_once (message_id uuid)"))

    def handler(session, event):
        session.execute(sa.text("INSERT INTO taken_once VALUES (:m)"), {"m": event.id})

    event = catalog.parse(json.dumps(attendance_event()).encode())
    with engine.connect() as c:  # the pool's one connection, traced while the consumer's transactions use it
        raw = c.connection.driver_connection
    with round_trips(raw) as turns:
        assert handle_once(factory, event, handler) is Outcome.HANDLED
    assert turns == [2, 1, 1]
    assert handle_once(factory, event, handler) is Outcome.DUPLICATE
    assert handle_batch(factory, [(event, handler)]) == [Outcome.DUPLICATE]
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM taken_once")).scalar() == 1
        assert c.connection.driver_connection.autocommit is False  # back in the pool as it came
        c.execute(sa.text("DROP TABLE taken_once"))
        c.commit()
    engine.dispose()
