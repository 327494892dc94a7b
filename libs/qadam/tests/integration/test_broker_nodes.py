"""A broker URL that lists several nodes of a cluster: the clients reach a live one when another is down. Here the
"cluster" is a node on a port where nothing listens, then the local broker."""

from __future__ import annotations

import threading
import urllib.parse
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from qadam.bus import broker_reachable, connect, node_urls
from qadam.db import make_engine, make_session_factory, outbox, transaction
from qadam.outbox import OutboxRelay, add_event
from qadam_contracts.sessions import AttendanceRecorded
from qadam_testing import broker_channel, declare_topology, free_port, wait_until


def dead_node(amqp_url: str) -> str:
    """The same URL on a port where no broker listens."""
    parts = urllib.parse.urlsplit(amqp_url)
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0] + f":{free_port()}"))


def attendance() -> AttendanceRecorded:
    now = datetime.now(UTC)
    return AttendanceRecorded(mark_id=uuid.uuid4(), session_id=uuid.uuid4(), cohort_id=uuid.uuid4(),
                              enrolment_id=uuid.uuid4(), participant_code="P-2026-000001", session_number=1,
                              scheduled_at=now, status="present", excuse_reason=None, recorded_by="psy-1",
                              recorded_at=now)


def unsent_rows(engine) -> int:
    with engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None)))
                   .scalar() or 0)


def test_the_nodes_of_a_url_are_its_comma_separated_urls():
    assert node_urls(" amqp://a:5672/v , amqp://b:5672/v,") == ["amqp://a:5672/v", "amqp://b:5672/v"]
    with pytest.raises(ValueError, match="QADAM_AMQP_URL"):
        node_urls(" , ")


def test_a_list_whose_first_node_is_dead_connects_through_the_second(servers):
    live = servers.amqp_url
    nodes = f"{dead_node(live)},{live}"
    assert not broker_reachable(dead_node(live))
    assert broker_reachable(nodes)
    # each connection starts at a node drawn at random: a few of them start at the dead one
    for _ in range(6):
        connection = connect(nodes, name="test-nodes")
        try:
            assert connection.is_open
            assert connection._impl.params.port == urllib.parse.urlsplit(live).port
        finally:
            connection.close()


def test_the_outbox_relay_publishes_through_the_live_node_of_the_list(isolated_stack):
    stack = isolated_stack("sessions")
    live = stack.settings("sessions").amqp_url
    settings = stack.settings("sessions", relay_sweep_seconds=300.0, amqp_url=f"{dead_node(live)},{live}")
    engine = make_engine(settings.database_url)
    declare_topology(stack.settings("sessions"))
    stop = threading.Event()
    try:
        with transaction(make_session_factory(engine)) as s:
            for _ in range(3):
                add_event(s, attendance())
        relay = OutboxRelay(settings, engine, stop)
        relay.lives = -1  # its first connection tries the first node of the list, the dead one
        thread = threading.Thread(target=relay.run, daemon=True)
        thread.start()
        wait_until(lambda: not unsent_rows(engine), timeout=30, what="the rows sent through the live node")
        stop.set()
        thread.join(10)
        assert relay.lives >= 1  # the first, on the dead node, failed; a later one went to the live node
        with broker_channel(live) as ch:
            assert ch.queue_declare("risk.incoming", passive=True).method.message_count == 3
    finally:
        stop.set()
        engine.dispose()
