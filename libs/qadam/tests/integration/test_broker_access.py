"""Least privilege on the real broker: the definitions the topology writes (deploy/rabbitmq/definitions.json) are
loaded into a private vhost, and each service's user may write only its own exchange, with its own event types, and
read only its own queue; only the setup user may declare anything. The queues' delivery limit and dead-lettering
come from the policies in the same definitions."""

from __future__ import annotations

import json
import threading
import urllib.parse
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pika
import pika.exceptions
import pytest
import sqlalchemy as sa
from qadam.bus import connect
from qadam.db import make_engine, make_session_factory, transaction
from qadam.inbox import Consumer
from qadam.outbox import OutboxRelay, add_event
from qadam.topology import WATCH_USER, Topology, service_user
from qadam_contracts.catalog import catalog
from qadam_contracts.sessions import AttendanceRecorded
from qadam_testing import loaded_definitions, wait_until
from qadam_tools.system import subscriptions, topology

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def users(servers):
    with loaded_definitions(servers.amqp_url, topology().definitions()) as urls:
        yield urls


def _channel(url: str):
    connection = connect(url, name="test-broker-access")
    channel = connection.channel()
    channel.confirm_delivery()
    return connection, channel


def _publish(url: str, exchange: str, routing_key: str) -> None:
    connection, channel = _channel(url)
    try:
        channel.basic_publish(exchange, routing_key, json.dumps({"probe": True}).encode(), mandatory=True,
                              properties=pika.BasicProperties(delivery_mode=2))
    finally:
        if connection.is_open:
            connection.close()


def _refused(action) -> int:
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        action()
    return refused.value.reply_code


def _ready(url: str, queue: str) -> int:
    connection, channel = _channel(url)
    try:
        return int(channel.queue_declare(queue, passive=True).method.message_count)
    finally:
        connection.close()


def test_the_committed_definitions_load_and_nobody_signs_in_before_a_password_is_set(servers):
    committed = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    with loaded_definitions(servers.amqp_url, committed, passwords=False) as urls:
        for url in urls.values():
            with pytest.raises(pika.exceptions.ProbableAuthenticationError):
                connect(url, name="test-no-password").close()
            parts = urllib.parse.urlsplit(url)
            blank = urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:@{parts.hostname}:{parts.port}"))
            with pytest.raises(pika.exceptions.ProbableAuthenticationError):
                connect(blank, name="test-blank-password").close()


def test_sessions_user_cannot_publish_to_risks_exchange(users):
    sessions = users[service_user("sessions")]
    assert _refused(lambda: _publish(sessions, "risk.events", "risk.flag.raised")) == 403


def test_sessions_user_publishes_its_own_events_to_its_own_exchange(users):
    _publish(users[service_user("sessions")], "sessions.events", "sessions.attendance.recorded")
    wait_until(lambda: _ready(users["qadam-setup"], "risk.incoming") >= 1, what="the event routed to risk's queue")


def test_the_watcher_sees_each_queues_length_and_can_take_send_or_declare_nothing(users):
    """KEDA scales the workers on their queues' lengths as this user (deploy/k8s/autoscaling.yaml)."""
    watch = users[WATCH_USER]
    _publish(users[service_user("sessions")], "sessions.events", "sessions.attendance.recorded")
    wait_until(lambda: _ready(watch, "risk.incoming") >= 1, what="the watcher to see risk's queue fill")

    def take() -> None:
        connection, channel = _channel(watch)
        try:
            channel.basic_get("risk.incoming")
        finally:
            if connection.is_open:
                connection.close()

    def declare() -> None:
        connection, channel = _channel(watch)
        try:
            channel.queue_declare("watch.mine", durable=True, arguments={"x-queue-type": "quorum"})
        finally:
            if connection.is_open:
                connection.close()

    assert _refused(take) == 403
    assert _refused(declare) == 403
    assert _refused(lambda: _publish(watch, "sessions.events", "sessions.attendance.recorded")) == 403


def test_sessions_user_cannot_publish_another_services_event_type_on_its_own_exchange(users):
    sessions = users[service_user("sessions")]
    assert _refused(lambda: _publish(sessions, "sessions.events", "risk.flag.raised")) == 403


def test_a_service_user_may_declare_nothing_but_may_check_its_topology_exists(users):
    sessions = users[service_user("sessions")]

    def declare_a_queue() -> None:
        connection, channel = _channel(sessions)
        try:
            channel.queue_declare("sessions.mine", durable=True, arguments={"x-queue-type": "quorum"})
        finally:
            if connection.is_open:
                connection.close()

    assert _refused(declare_a_queue) == 403
    own = Topology({"sessions": subscriptions()["sessions"]}, catalog=catalog)
    connection, channel = _channel(sessions)
    try:
        own.declare(channel, passive=True)  # what a worker with QADAM_AMQP_DECLARE=false does at start
    finally:
        connection.close()


def test_a_service_user_reads_only_its_own_queue(users):
    def consume(url: str, queue: str) -> None:
        connection, channel = _channel(url)
        try:
            channel.basic_get(queue, auto_ack=False)
        finally:
            if connection.is_open:
                connection.close()

    consume(users[service_user("risk")], "risk.incoming")
    assert _refused(lambda: consume(users[service_user("sessions")], "risk.incoming")) == 403
    assert _refused(lambda: consume(users[service_user("risk")], "risk.dead")) == 403


def test_a_rejected_message_is_parked_by_the_queues_policy(users):
    # no queue argument names a dead-letter exchange: the policy from the same definitions does
    _publish(users[service_user("enrollment")], "enrollment.events", "enrollment.enrolled")
    connection, channel = _channel(users[service_user("risk")])
    try:
        method = None

        def got_one() -> bool:
            nonlocal method
            method, _properties, _body = channel.basic_get("risk.incoming", auto_ack=False)
            return method is not None

        wait_until(got_one, what="the message in risk's queue")
        channel.basic_reject(method.delivery_tag, requeue=False)
    finally:
        connection.close()
    wait_until(lambda: _ready(users["qadam-setup"], "risk.dead") >= 1, what="the rejected message parked")


def test_services_run_as_their_own_users_without_declaring_anything(servers, isolated_stack):
    """sessions' outbox relay and risk's consumer, each as its own user with QADAM_AMQP_DECLARE=false, on a broker
    whose topology came from the definitions: the event goes from sessions' outbox into risk's table."""
    with loaded_definitions(servers.amqp_url, topology().definitions()) as urls:
        sessions = isolated_stack("sessions").settings(
            "sessions", amqp_url=urls[service_user("sessions")], amqp_declare=False, relay_sweep_seconds=300.0)
        risk = isolated_stack("risk").settings("risk", amqp_url=urls[service_user("risk")], amqp_declare=False)
        sessions_engine, risk_engine = make_engine(sessions.database_url), make_engine(risk.database_url)
        with risk_engine.begin() as c:
            c.execute(sa.text("CREATE TABLE handled (mark_id uuid)"))
        handlers = {cls: (lambda s, e: None) for cls in subscriptions()["risk"]}
        handlers[AttendanceRecorded] = lambda session, event: session.execute(
            sa.text("INSERT INTO handled VALUES (:m)"), {"m": event.data.mark_id})
        stop = threading.Event()
        own = Topology({"sessions": subscriptions()["sessions"]}, catalog=catalog)
        loops = [OutboxRelay(sessions, sessions_engine, stop, topology=own).run,
                 Consumer(risk, make_session_factory(risk_engine), handlers, stop, catalog=catalog).run]
        threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
        try:
            now = datetime.now(UTC)
            mark = AttendanceRecorded(mark_id=uuid.uuid4(), session_id=uuid.uuid4(), cohort_id=uuid.uuid4(),
                                      enrolment_id=uuid.uuid4(), participant_code="P-2026-000009", session_number=1,
                                      scheduled_at=now, status="present", excuse_reason=None, recorded_by="psy-1",
                                      recorded_at=now)
            with transaction(make_session_factory(sessions_engine)) as s:
                add_event(s, mark)
            for thread in threads:
                thread.start()

            def handled() -> list:
                with risk_engine.connect() as c:
                    return c.execute(sa.text("SELECT mark_id FROM handled")).scalars().all()

            wait_until(lambda: handled() == [mark.mark_id], timeout=30, what="risk to handle sessions' event")
        finally:
            stop.set()
            for thread in threads:
                if thread.is_alive():
                    thread.join(15)
            sessions_engine.dispose()
            risk_engine.dispose()
