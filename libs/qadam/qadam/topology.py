"""The RabbitMQ topology, built from what each consuming service subscribes to.

- one durable topic exchange per producing service: `<service>.events`;
- one durable quorum queue per consuming service, `<service>.incoming`, bound to the event types it
  handles, with a delivery limit and a dead-letter exchange `<service>.dead-letter` that routes into
  the parking queue `<service>.dead`.
The kit names no service: the subscriptions come from the services' handlers and the producers from the contract
catalog, put together by whoever knows the system (a worker knows itself; the system's tools know all of them).
A worker declares the catalog's exchanges, its own queue, parking queue and bindings at start-up (declarations are
idempotent); the whole system's topology is declared before the first publish by the development runner, the test
harness and the broker's definitions file, so that a producer's `mandatory` publish is routable (a refused one
waits in the outbox and goes again with back-off, but late).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from .events import Catalog, EventData, exchange_of

# Deliveries of one message before the broker parks it. A queue argument, so the same for every process
# that declares the queue (a different value would make the broker refuse the declaration): a constant,
# not a setting. Only handler failures spend deliveries; a database outage is retried in place.
DELIVERY_LIMIT = 10


class QuorumQueueArguments(TypedDict, total=False):
    """Queue arguments spelt once, typed, so that a misspelt key cannot reach the broker."""

    x_queue_type: Literal["quorum"]
    x_delivery_limit: int
    x_dead_letter_exchange: str


def queue_arguments(args: QuorumQueueArguments) -> dict[str, Any]:
    return {"x-" + key[2:].replace("_", "-"): value for key, value in args.items()}


def incoming_queue(service: str) -> str:
    return f"{service}.incoming"


def dead_letter_exchange(service: str) -> str:
    return f"{service}.dead-letter"


def parking_queue(service: str) -> str:
    return f"{service}.dead"


@dataclass(frozen=True)
class Topology:
    """Exchanges, queues and bindings for `subscriptions` (consuming service -> the event classes it handles); the
    exchanges are those of every producer in `catalog` and of every subscribed event."""

    subscriptions: Mapping[str, Iterable[type[EventData]]]
    catalog: Catalog = field(default_factory=Catalog)
    delivery_limit: int = DELIVERY_LIMIT

    def consumers(self) -> dict[str, tuple[type[EventData], ...]]:
        return {service: tuple(types) for service, types in self.subscriptions.items()}

    def producers(self) -> tuple[str, ...]:
        subscribed = (cls.PRODUCER for types in self.consumers().values() for cls in types)
        return tuple(dict.fromkeys((*self.catalog.producers(), *subscribed)))

    def exchanges(self) -> list[dict[str, Any]]:
        out = [{"name": exchange_of(p), "type": "topic", "durable": True} for p in self.producers()]
        out += [{"name": dead_letter_exchange(s), "type": "fanout", "durable": True} for s in self.consumers()]
        return out

    def queues(self) -> list[dict[str, Any]]:
        out = []
        for service in self.consumers():
            out.append({"name": incoming_queue(service), "durable": True, "arguments": queue_arguments({
                "x_queue_type": "quorum",
                "x_delivery_limit": self.delivery_limit,
                "x_dead_letter_exchange": dead_letter_exchange(service),
            })})
            out.append({"name": parking_queue(service), "durable": True,
                        "arguments": queue_arguments({"x_queue_type": "quorum"})})
        return out

    def bindings(self) -> list[dict[str, str]]:
        out = []
        for service, types in self.consumers().items():
            for cls in types:
                out.append({"source": cls.exchange(), "destination": incoming_queue(service), "routing_key": cls.TYPE})
            out.append({"source": dead_letter_exchange(service), "destination": parking_queue(service),
                        "routing_key": ""})
        return out

    def declare(self, channel: Any) -> None:
        """Declare everything on a pika channel (idempotent)."""
        for ex in self.exchanges():
            channel.exchange_declare(exchange=ex["name"], exchange_type=ex["type"], durable=True)
        for q in self.queues():
            channel.queue_declare(queue=q["name"], durable=True, arguments=q["arguments"])
        for b in self.bindings():
            channel.queue_bind(queue=b["destination"], exchange=b["source"], routing_key=b["routing_key"])

    def definitions(self, vhost: str = "/") -> dict[str, Any]:
        """The same topology as a RabbitMQ definitions file (deploy/rabbitmq/definitions.json)."""
        return {
            "exchanges": [{"name": e["name"], "vhost": vhost, "type": e["type"], "durable": True,
                           "auto_delete": False, "internal": False, "arguments": {}} for e in self.exchanges()],
            "queues": [{"name": q["name"], "vhost": vhost, "durable": True, "auto_delete": False,
                        "arguments": q["arguments"]} for q in self.queues()],
            "bindings": [{"source": b["source"], "vhost": vhost, "destination": b["destination"],
                          "destination_type": "queue", "routing_key": b["routing_key"], "arguments": {}}
                         for b in self.bindings()],
        }
