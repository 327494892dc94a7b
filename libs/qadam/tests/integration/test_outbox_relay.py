"""The outbox relay against the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, outbox, transaction
from qadam.events import envelope_of
from qadam.log import log_context
from qadam.outbox import OutboxRelay, add_event
from qadam.topology import incoming_queue
from qadam_contracts.sessions import AttendanceRecorded
from qadam_testing import broker_channel, close_vhost_connections, declare_topology, wait_until
from qadam_tools.system import subscriptions

CODE = "P-2026-000001"
TAKERS = [incoming_queue(s) for s, classes in subscriptions().items() if AttendanceRecorded in classes]


def attendance(enrolment_id: uuid.UUID | None = None, status: str = "unexcused") -> AttendanceRecorded:
    now = datetime.now(UTC)
    return AttendanceRecorded(mark_id=uuid.uuid4(), session_id=uuid.uuid4(), cohort_id=uuid.uuid4(),
                              enrolment_id=enrolment_id or uuid.uuid4(), participant_code=CODE, session_number=1,
                              scheduled_at=now, status=status, excuse_reason=None, recorded_by="psy-1", recorded_at=now)


@pytest.fixture
def sessions_db(isolated_stack):
    stack = isolated_stack("sessions")
    settings = stack.settings("sessions", relay_sweep_seconds=300.0)
    engine = make_engine(settings.database_url)
    declare_topology(settings)
    yield settings, engine, make_session_factory(engine)
    engine.dispose()


def run_relay(settings, engine):
    stop = threading.Event()
    relay = OutboxRelay(settings, engine, stop)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    return relay, stop, thread


def get_all(amqp_url: str, queue: str) -> list[tuple]:
    out = []
    with broker_channel(amqp_url) as ch:
        while True:
            method, props, body = ch.basic_get(queue, auto_ack=True)
            if method is None:
                return out
            out.append((method, props, json.loads(body)))


def listening(engine) -> bool:
    with engine.connect() as c:
        return bool(c.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND query = 'LISTEN qadam_outbox'")).scalar())


def unsent(engine) -> list:
    with engine.connect() as c:
        return c.execute(sa.select(outbox.c.id, outbox.c.attempts, outbox.c.last_error)
                         .where(outbox.c.sent_at.is_(None))).all()


def test_event_of_a_rolled_back_transaction_never_leaves(sessions_db):
    settings, engine, factory = sessions_db
    with pytest.raises(RuntimeError), transaction(factory) as s:
        add_event(s, attendance())
        raise RuntimeError("the request failed after writing")
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() == 0


def test_committed_events_are_published_in_order_with_properties_and_marked_sent(sessions_db):
    settings, engine, factory = sessions_db
    with transaction(factory) as s, log_context(correlation_id="corr-relay-1"):
        envelopes = [add_event(s, attendance()) for _ in range(5)]
    relay, stop, thread = run_relay(settings, engine)
    try:
        wait_until(lambda: not unsent(engine), what="all rows marked sent")
        got = get_all(settings.amqp_url, "risk.incoming")
    finally:
        stop.set()
        thread.join(10)
    assert [body["id"] for _, _, body in got] == [e["id"] for e in envelopes]
    _, props, body = got[0]
    assert props.message_id == body["id"]
    assert props.correlation_id == "corr-relay-1" == body["correlation_id"]
    assert props.delivery_mode == 2 and props.type == "sessions.attendance.recorded"
    assert relay.published == 5


def test_relay_wakes_on_notify_not_on_its_sweep(sessions_db):
    settings, engine, factory = sessions_db  # sweep every 300 s: only NOTIFY can explain a prompt publish
    relay, stop, thread = run_relay(settings, engine)
    try:
        wait_until(lambda: listening(engine), what="the relay to LISTEN")  # and it has made its first pass
        with transaction(factory) as s:
            add_event(s, attendance())
        wait_until(lambda: not unsent(engine), timeout=10, what="the NOTIFY to wake the relay")
    finally:
        stop.set()
        thread.join(10)


def test_confirms_are_pipelined_not_awaited_one_by_one(sessions_db):
    settings, engine, factory = sessions_db
    with transaction(factory) as s:
        for _ in range(50):
            add_event(s, attendance())
    relay, stop, thread = run_relay(settings, engine)
    try:
        wait_until(lambda: not unsent(engine), what="all rows marked sent")
    finally:
        stop.set()
        thread.join(10)
    assert relay.published == 50
    assert relay.peak_in_flight == 50  # one batch published before the first confirm was awaited
    assert len(get_all(settings.amqp_url, "risk.incoming")) == 50


def test_unroutable_event_stays_unsent_until_a_queue_takes_it(sessions_db):
    settings, engine, factory = sessions_db
    relay, stop, thread = run_relay(settings, engine)
    try:
        wait_until(lambda: listening(engine), what="the relay to LISTEN")
        with broker_channel(settings.amqp_url) as ch:
            for queue in TAKERS:
                ch.queue_unbind(queue, "sessions.events", "sessions.attendance.recorded")
        with transaction(factory) as s:
            routed_later = add_event(s, attendance())
        wait_until(lambda: unsent(engine) and unsent(engine)[0].attempts >= 1, what="the broker to return it")
        [row] = unsent(engine)
        assert "UnroutableError" in row.last_error and "sessions.attendance.recorded" in row.last_error
        assert relay.published == 0
        with broker_channel(settings.amqp_url) as ch:
            for queue in TAKERS:
                ch.queue_bind(queue, "sessions.events", "sessions.attendance.recorded")
        wait_until(lambda: not unsent(engine), timeout=30, what="the retry once a queue is bound")
    finally:
        stop.set()
        thread.join(10)
    assert [body["id"] for _, _, body in get_all(settings.amqp_url, "risk.incoming")] == [routed_later["id"]]


def test_relay_reconnects_after_the_broker_drops_its_connection(sessions_db):
    settings, engine, factory = sessions_db
    relay, stop, thread = run_relay(settings, engine)
    try:
        with transaction(factory) as s:
            add_event(s, attendance())
        wait_until(lambda: not unsent(engine), what="the first event published")
        close_vhost_connections(settings.amqp_url.rsplit("/", 1)[1])
        with transaction(factory) as s:
            add_event(s, attendance())
        wait_until(lambda: not unsent(engine), timeout=30, what="the event committed after the connection was dropped")
    finally:
        stop.set()
        thread.join(10)
    assert len(get_all(settings.amqp_url, "risk.incoming")) == 2


def test_a_row_the_broker_refuses_holds_back_only_itself(sessions_db):
    settings, engine, factory = sessions_db
    envelope = envelope_of(attendance(), correlation_id="c", causation_id=None)
    stray = uuid.UUID(envelope["id"])
    with engine.begin() as c:  # e.g. an event type deployed before any consumer binds it
        c.execute(sa.insert(outbox).values(id=stray, exchange="sessions.events", routing_key="sessions.nobody.listens",
                                           envelope=json.loads(json.dumps(envelope, default=str))))
    relay, stop, thread = run_relay(settings, engine)
    try:
        wait_until(lambda: unsent(engine) and unsent(engine)[0].attempts >= 1, what="the broker to return the stray")
        for _ in range(3):
            with transaction(factory) as s:
                add_event(s, attendance())
            wait_until(lambda: [r.id for r in unsent(engine)] == [stray], timeout=5, what="the others to go at once")
        wait_until(lambda: unsent(engine)[0].attempts >= 3, timeout=20, what="the stray to be retried on its own")
    finally:
        stop.set()
        thread.join(10)
    assert relay.published == 3 and "sessions.nobody.listens" in unsent(engine)[0].last_error
