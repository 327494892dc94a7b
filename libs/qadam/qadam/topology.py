"""The whole RabbitMQ topology, declared here and nowhere else.

- one durable topic exchange per producing service: `<service>.events`;
- one durable quorum queue per consuming service, `<service>.incoming`, bound to the event types it
  handles, with a delivery limit and a dead-letter exchange `<service>.dead-letter` that routes into
  the parking queue `<service>.dead`.
Every process declares all of it at start-up (declarations are idempotent), so a producer's
`mandatory` publish is routable even before its consumers first run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from .contracts import catalog
from .events import exchange_of

PRODUCERS = ("enrollment", "sessions", "risk", "notify", "portal")  # portal: the identity provider (its users)

# Deliveries of one message before the broker parks it. A queue argument, so the same for every process
# that declares the queue (a different value would make the broker refuse the declaration): a constant,
# not a setting. Only handler failures spend deliveries; a database outage is retried in place.
DELIVERY_LIMIT = 10

SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    # progress, completion, exit; the staff directory (support workers), the areas, and critical flags (completion)
    "enrollment": ("sessions.attendance.recorded", "sessions.attendance.amended", "portal.user.changed",
                   "portal.area.changed", "risk.flag.raised", "risk.flag.acknowledged", "risk.flag.resolved"),
    "sessions": ("enrollment.cohort.created", "enrollment.cohort.updated", "enrollment.enrolled",
                 "enrollment.status.changed", "enrollment.transferred", "enrollment.participant.anonymised"),
    "risk": ("enrollment.enrolled", "enrollment.status.changed", "enrollment.transferred",
             "enrollment.exit.proposed", "enrollment.order.plan_overdue", "enrollment.order.expiring",
             "sessions.attendance.recorded", "sessions.attendance.amended", "sessions.warning_sign.observed",
             "notify.alert.acknowledged", "enrollment.participant.anonymised", "enrollment.order.issued",
             "sessions.call.overdue", "sessions.call.recorded", "enrollment.support_worker.changed"),
    # a flag or a level names whom to tell; her support worker hears of his programme and his orders
    "notify": ("risk.flag.raised", "risk.level.changed", "risk.flag.acknowledged", "risk.flag.resolved",
               "portal.user.changed", "enrollment.status.changed", "enrollment.order.issued",
               "enrollment.order.expiring", "enrollment.order.ended", "enrollment.support_worker.changed"),
}


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
    delivery_limit: int = DELIVERY_LIMIT

    def exchanges(self) -> list[dict[str, Any]]:
        out = [{"name": exchange_of(p), "type": "topic", "durable": True} for p in PRODUCERS]
        out += [{"name": dead_letter_exchange(s), "type": "fanout", "durable": True} for s in SUBSCRIPTIONS]
        return out

    def queues(self) -> list[dict[str, Any]]:
        out = []
        for service in SUBSCRIPTIONS:
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
        for service, types in SUBSCRIPTIONS.items():
            for name in types:
                out.append({"source": catalog.latest(name).exchange, "destination": incoming_queue(service),
                            "routing_key": name})
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
