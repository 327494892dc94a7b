"""The system as a whole: its services, in the order they start. The composition root: the kit names no service,
each service names only itself and the contracts it reads; this module is where they are put together (the
development runner, the demo seed, the generated documents and the test harness read it)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from qadam.config import Settings, settings_class
from qadam.events import EventData
from qadam.topology import DELIVERY_LIMIT, Topology
from qadam_contracts.catalog import catalog

API_SERVICES = ("enrollment", "sessions", "risk", "notify")  # the JSON APIs, each with its OpenAPI document
SERVICES = (*API_SERVICES, "portal")  # portal: the web pages people use, and sign-in
CONSUMERS = ("enrollment", "sessions", "risk", "notify")  # the services with handlers (the portal consumes nothing)


def subscriptions() -> dict[str, tuple[type[EventData], ...]]:
    """What each consuming service subscribes to, read from its handlers module (declared beside its handlers)."""
    return {service: import_module(f"{service}.handlers").handlers.event_classes for service in CONSUMERS}


def topology(delivery_limit: int = DELIVERY_LIMIT) -> Topology:
    """The whole system's exchanges, queues and bindings: what the broker's definitions file, the development runner
    and the test harness declare before anything publishes (so that no mandatory publish comes back unroutable)."""
    return Topology(subscriptions(), catalog=catalog, delivery_limit=delivery_limit)


def asyncapi() -> dict[str, Any]:
    """The AsyncAPI document of every event, with who consumes it."""
    from qadam.asyncapi import asyncapi_document

    return asyncapi_document(catalog, subscriptions())


def declare(amqp_url: str) -> None:
    """Declare the whole topology on the broker at `amqp_url` (idempotent)."""
    from qadam.bus import close_quietly, connect

    connection = connect(amqp_url, name="qadam-declare")
    try:
        topology().declare(connection.channel())
    finally:
        close_quietly(connection)


def service_ports(base_port: int) -> dict[str, int]:
    """Where each service listens in development: the portal on the port before the services' (8000 by default:
    the address people open), the APIs after it."""
    ports = {service: base_port + i for i, service in enumerate(API_SERVICES)}
    ports["portal"] = base_port - 1
    return ports


def settings_classes() -> dict[str, type[Settings]]:
    """The kit's settings (every service reads them) and each service's own: the README's tables, in order."""
    return {"every service": Settings, **{service: settings_class(service) for service in SERVICES}}
