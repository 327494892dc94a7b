"""Least privilege on the real broker: the definitions the topology writes (deploy/rabbitmq/definitions.json) are
loaded into a private vhost, and each service's user may write only its own exchange, with its own event types, and
read only its own queue; only the setup user may declare anything. The queues' delivery limit and dead-lettering
come from the policies in the same definitions."""

from __future__ import annotations

import json

import pika
import pika.exceptions
import pytest
from qadam.bus import connect
from qadam.topology import Topology, service_user
from qadam_testing import loaded_definitions, wait_until
from qadam_tools.system import topology


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


def test_sessions_user_cannot_publish_to_risks_exchange(users):
    sessions = users[service_user("sessions")]
    assert _refused(lambda: _publish(sessions, "risk.events", "risk.flag.raised")) == 403


def test_sessions_user_publishes_its_own_events_to_its_own_exchange(users):
    _publish(users[service_user("sessions")], "sessions.events", "sessions.attendance.recorded")
    wait_until(lambda: _ready(users["qadam-setup"], "risk.incoming") >= 1, what="the event routed to risk's queue")


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
    from qadam_tools.system import subscriptions

    own = Topology({"sessions": subscriptions()["sessions"]}, catalog=topology().catalog)
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
