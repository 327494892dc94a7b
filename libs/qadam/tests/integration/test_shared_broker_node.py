"""The kit's vhosts on the machine's own broker are made, given their policies and removed on its node by erl_call
(qadam_tools.erlang_node), with no rabbitmqctl call: each of those boots an Erlang VM (some 0.6 CPU-s)."""

from __future__ import annotations

import subprocess
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pika.exceptions
import pytest
from qadam_testing import (
    Servers,
    close_vhost_connections,
    create_vhost,
    delete_vhost,
    set_policies,
    wait_until,
)
from qadam_testing.harness import _policies
from qadam_tools import erlang_node
from qadam_tools.erlang_node import shared_eval


@pytest.fixture
def no_rabbitmqctl(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any rabbitmqctl call fails the test: the kit's fallback when erl_call cannot reach the node."""
    run: Callable[..., Any] = subprocess.run

    def guarded(argv: Any, *args: Any, **kwargs: Any) -> Any:
        assert not (isinstance(argv, list) and argv and argv[0] == "rabbitmqctl"), f"rabbitmqctl called: {argv}"
        return run(argv, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", guarded)
    yield


@pytest.fixture
def shared_node(servers: Servers) -> Servers:
    if urllib.parse.urlsplit(servers.amqp_url).hostname not in ("127.0.0.1", "localhost", "::1") or \
            shared_eval("ok") != "ok":
        pytest.skip("erl_call does not reach the broker's node (not on this machine, or its cookie not readable)")
    return servers


_POLICY_FIELDS = ("pattern", "apply-to", "priority", "definition")


def _by_name(policies: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {p["name"]: {k: p[k] for k in _POLICY_FIELDS} for p in policies}


def _policies_on(vhost: str) -> dict[str, dict[str, Any]]:
    """The policies the node holds for `vhost`, by name."""
    return _by_name(shared_eval(f'rabbit_policy:list(<<"{vhost}">>)'))


def test_vhost_is_made_with_permissions_and_policies_and_removed_by_erl_call(shared_node: Servers,
                                                                          no_rabbitmqctl: None) -> None:
    vhost = f"qadam_node_{uuid.uuid4().hex[:10]}"
    url = create_vhost(shared_node.amqp_url, vhost)
    try:
        # the URL's user may use it, and the queues' policies are there as the topology gives them (a pattern's
        # backslash kept)
        connection = pika.BlockingConnection(pika.URLParameters(url))
        connection.channel().queue_declare("", exclusive=True)
        assert _policies_on(vhost) == _by_name(_policies())

        # a test's own policy is added beside them
        own = {"name": "parcels.incoming", "pattern": r"^parcels\.incoming$", "apply-to": "queues", "priority": 20,
               "definition": {"delivery-limit": 3}}
        set_policies(shared_node.amqp_url, vhost, [own])
        assert _policies_on(vhost) == _by_name([*_policies(), own])

        # the broker drops the vhost's connections, as a restart would
        close_vhost_connections(vhost)
        with pytest.raises(pika.exceptions.ConnectionClosedByBroker):
            connection.process_data_events(time_limit=10)
    finally:
        delete_vhost(shared_node.amqp_url, vhost, now=True)
    assert shared_eval(f'rabbit_vhost:exists(<<"{vhost}">>)') is False
    wait_until(lambda: not _connects(url), timeout=10, what=f"{vhost} refusing connections once removed")


def _connects(url: str) -> bool:
    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    except pika.exceptions.AMQPConnectionError:
        return False
    return True


def test_vhost_is_made_and_removed_by_rabbitmqctl_when_erl_call_cannot_reach_the_node(
        shared_node: Servers, monkeypatch: pytest.MonkeyPatch) -> None:
    # a node of another name: what erl_call meets with a broker elsewhere, or a cookie it may not read
    home = erlang_node.shared_node()[1]  # type: ignore[index]  # reached: the fixture said so
    monkeypatch.setattr(erlang_node, "shared_node", lambda: (f"qadam-nobody-{uuid.uuid4().hex[:6]}@localhost", home))
    monkeypatch.setattr(erlang_node, "_UNREACHABLE", threading.Event())
    vhost = f"qadam_node_{uuid.uuid4().hex[:10]}"
    url = create_vhost(shared_node.amqp_url, vhost)
    try:
        assert erlang_node._UNREACHABLE.is_set()  # rabbitmqctl from then on, with no erl_call tried each time
        monkeypatch.undo()  # erl_call again, to look at what rabbitmqctl made
        pika.BlockingConnection(pika.URLParameters(url)).close()
        assert _policies_on(vhost) == _by_name(_policies())
    finally:
        delete_vhost(shared_node.amqp_url, vhost, now=True)
