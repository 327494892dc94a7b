"""pika connections: one per thread, heartbeats serviced inside pika calls, reconnect with back-off.

A broker URL may name several nodes of a cluster, comma-separated (`amqp://u:p@rabbit-0:5672/v,amqp://u:p@rabbit-1
:5672/v`): a connection goes to the first that answers, starting from a node drawn at random so that a service's
connections spread over the cluster, and a reconnection after a node went away finds a live one."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import TypeVar

import pika
import pika.exceptions

from .log import get_logger

log = get_logger(__name__)
T = TypeVar("T")

CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    pika.exceptions.AMQPConnectionError,
    pika.exceptions.AMQPChannelError,
    pika.exceptions.StreamLostError,
    ConnectionError,
    OSError,
)


def node_urls(url: str) -> list[str]:
    """The nodes a broker URL names (one URL, or several comma-separated), in the order written."""
    nodes = [part.strip() for part in url.split(",") if part.strip()]
    if not nodes:
        raise ValueError("QADAM_AMQP_URL names no broker: give amqp://user:password@host:5672/vhost")
    return nodes


def connection_parameters(url: str, *, name: str, shuffle: bool = True) -> list[pika.URLParameters]:
    """Parameters for each node `url` names, starting at a random one and then round the list (`shuffle`), or in
    the order written."""
    out = []
    for node in node_urls(url):
        params = pika.URLParameters(node)
        params.heartbeat = params.heartbeat if "heartbeat=" in node else 30
        params.blocked_connection_timeout = 60
        params.connection_attempts = 1
        params.socket_timeout = 5
        params.client_properties = {"connection_name": name}
        out.append(params)
    start = random.randrange(len(out)) if shuffle else 0
    return out[start:] + out[:start]


def connect(url: str, *, name: str) -> pika.BlockingConnection:
    """A connection to the first node of `url` that answers."""
    return pika.BlockingConnection(connection_parameters(url, name=name))


def close_quietly(conn: pika.BlockingConnection) -> None:
    """Close a connection that may already be broken (the broker went away, the socket died)."""
    if conn.is_open:
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - already broken: nothing left to close
            pass


def with_backoff(
    action: Callable[[], T],
    *,
    stop: threading.Event,
    what: str,
    first_delay: float = 0.2,
    max_delay: float = 10.0,
    errors: tuple[type[BaseException], ...] = CONNECTION_ERRORS,
) -> T | None:
    """Call `action` until it succeeds or `stop` is set, waiting longer after each failure."""
    delay = first_delay
    while not stop.is_set():
        try:
            return action()
        except errors as exc:
            log.warning("retrying", what=what, error=repr(exc), retry_in_seconds=round(delay, 2))
            stop.wait(delay)
            delay = min(delay * 2, max_delay)
    return None


def broker_reachable(url: str, timeout: float = 2.0) -> bool:
    """Readiness: can we open (and close) an AMQP connection right now?"""
    params = connection_parameters(url, name="readyz")
    for node in params:
        node.socket_timeout = timeout
        node.stack_timeout = timeout
    try:
        conn = pika.BlockingConnection(params)
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
    conn.close()
    return True
