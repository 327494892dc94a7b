"""pika connections: one per thread, heartbeats serviced inside pika calls, reconnect with back-off."""

from __future__ import annotations

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


def connection_parameters(url: str, *, name: str) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.heartbeat = params.heartbeat if "heartbeat=" in url else 30
    params.blocked_connection_timeout = 60
    params.connection_attempts = 1
    params.socket_timeout = 5
    params.client_properties = {"connection_name": name}
    return params


def connect(url: str, *, name: str) -> pika.BlockingConnection:
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
    params.socket_timeout = timeout
    params.stack_timeout = timeout
    try:
        conn = pika.BlockingConnection(params)
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
    conn.close()
    return True
