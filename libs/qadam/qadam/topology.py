"""The RabbitMQ topology, built from what each consuming service subscribes to.

- one durable topic exchange per producing service: `<service>.events`;
- one durable quorum queue (3 replicas) per consuming service, `<service>.incoming`, bound to the event types it
  handles, and a policy on it (not queue arguments, so that they can change without deleting the queue): a
  delivery limit, the dead-letter exchange `<service>.dead-letter` that routes into the parking queue
  `<service>.dead`, at-least-once dead-lettering and `reject-publish` overflow (which at-least-once requires);
- least privilege: one user per service (`qadam-<service>`) that may write only its own exchange (and only its own
  event types as routing keys) and read only its own queue, and may configure nothing; `qadam-setup`, the user of
  migrations, declares the topology; `qadam-watch` may configure, write and read nothing: it can only look at a queue
  (its length, by a passive declare), for an autoscaler (KEDA) that must not be able to take or send a message.
The kit names no service: the subscriptions come from the services' handlers and the producers from the contract
catalog, put together by whoever knows the system (a worker knows itself; the system's tools know all of them).
A worker declares the catalog's exchanges, its own queue, parking queue and bindings at start-up (declarations are
idempotent; run as its service's own user, `QADAM_AMQP_DECLARE=false`, it only checks that they exist); the whole
system's topology is declared before the first publish by the development runner, the test harness and the broker's
definitions file, so that a producer's `mandatory` publish is routable (a refused one
waits in the outbox and goes again with back-off, but late).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from .events import Catalog, EventData, exchange_of

# Deliveries of one message before the broker parks it. Set by the queue's policy (deploy/rabbitmq/definitions.json,
# the operator's Policy resources): changing it is a new policy, not a new queue. Only handler failures spend
# deliveries; a database outage is retried in place.
DELIVERY_LIMIT = 10
# Replicas of each quorum queue: a 3-node cluster keeps every queue through the loss of one node. A queue argument
# (fixed when the queue is made); on a smaller cluster the broker makes as many as there are nodes.
QUORUM_REPLICAS = 3
SETUP_USER = "qadam-setup"
WATCH_USER = "qadam-watch"  # looks at queues' lengths, nothing more (an autoscaler)


class QuorumQueueArguments(TypedDict, total=False):
    """Queue arguments spelt once, typed, so that a misspelt key cannot reach the broker."""

    x_queue_type: Literal["quorum"]
    x_quorum_initial_group_size: int


class IncomingPolicy(TypedDict):
    """A consuming queue's policy definition, spelt once and typed (the broker ignores a key it does not know)."""

    delivery_limit: int
    dead_letter_exchange: str
    dead_letter_strategy: Literal["at-least-once"]
    overflow: Literal["reject-publish"]


def queue_arguments(args: QuorumQueueArguments) -> dict[str, Any]:
    return {"x-" + key[2:].replace("_", "-"): value for key, value in args.items()}


def policy_definition(policy: IncomingPolicy) -> dict[str, Any]:
    return {key.replace("_", "-"): value for key, value in policy.items()}


def service_user(service: str) -> str:
    """The AMQP user a service's processes connect as."""
    return f"qadam-{service}"


def _exactly(*names: str) -> str:
    """A RabbitMQ permission pattern that matches exactly `names` (nothing when there are none)."""
    return "^(" + "|".join(re.escape(n) for n in names) + ")$" if names else "^$"


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
            for name in (incoming_queue(service), parking_queue(service)):
                out.append({"name": name, "durable": True, "arguments": queue_arguments({
                    "x_queue_type": "quorum", "x_quorum_initial_group_size": QUORUM_REPLICAS})})
        return out

    def policies(self) -> list[dict[str, Any]]:
        """One policy a consuming queue: its delivery limit and where, and how safely, it parks what fails."""
        return [{"name": incoming_queue(service), "pattern": _exactly(incoming_queue(service)), "apply-to": "queues",
                 "priority": 10, "definition": policy_definition({
                     "delivery_limit": self.delivery_limit,
                     "dead_letter_exchange": dead_letter_exchange(service),
                     "dead_letter_strategy": "at-least-once",
                     "overflow": "reject-publish",
                 })} for service in self.consumers()]

    def event_types(self, producer: str) -> tuple[str, ...]:
        """The routing keys `producer` publishes with: its event types in the catalog and in the subscriptions."""
        types = [cls.TYPE for cls in self.catalog if cls.PRODUCER == producer]
        types += [cls.TYPE for classes in self.consumers().values() for cls in classes if cls.PRODUCER == producer]
        return tuple(sorted(set(types)))

    def users(self) -> list[str]:
        """The setup user first, the watcher, then one user per service that produces or consumes."""
        return [SETUP_USER, WATCH_USER,
                *(service_user(s) for s in dict.fromkeys((*self.producers(), *self.consumers())))]

    def permissions(self) -> list[dict[str, str]]:
        """Each user's configure, write and read patterns: a service may configure nothing, write only its own
        exchange and read only its own queue; the setup user declares everything (and replays parked messages); the
        watcher may do nothing but open the vhost, which lets it read a queue's length by a passive declare."""
        out = [{"user": SETUP_USER, "configure": ".*", "write": ".*", "read": ".*"},
               {"user": WATCH_USER, "configure": "^$", "write": "^$", "read": "^$"}]
        producers, consumers = self.producers(), self.consumers()
        for service in dict.fromkeys((*producers, *consumers)):
            out.append({"user": service_user(service), "configure": "^$",
                        "write": _exactly(exchange_of(service)) if service in producers else "^$",
                        "read": _exactly(incoming_queue(service)) if service in consumers else "^$"})
        return out

    def topic_permissions(self) -> list[dict[str, str]]:
        """On its own topic exchange a service may publish only its own event types (the routing keys)."""
        return [{"user": service_user(p), "exchange": exchange_of(p), "write": _exactly(*self.event_types(p)),
                 "read": "^$"} for p in self.producers()]

    def bindings(self) -> list[dict[str, str]]:
        out = []
        for service, types in self.consumers().items():
            for cls in types:
                out.append({"source": cls.exchange(), "destination": incoming_queue(service), "routing_key": cls.TYPE})
            out.append({"source": dead_letter_exchange(service), "destination": parking_queue(service),
                        "routing_key": ""})
        return out

    def declare(self, channel: Any, *, passive: bool = False) -> None:
        """Declare everything on a pika channel (idempotent); `passive`: only check that the exchanges and queues
        exist (what a user without configure rights can do; the channel closes with 404 NOT_FOUND if one is
        missing). The policies are not AMQP: definitions, the operator or `rabbitmqctl` set them."""
        for ex in self.exchanges():
            channel.exchange_declare(exchange=ex["name"], exchange_type=ex["type"], durable=True, passive=passive)
        for q in self.queues():
            if passive:
                channel.queue_declare(queue=q["name"], passive=True)
            else:
                channel.queue_declare(queue=q["name"], durable=True, arguments=q["arguments"])
        if not passive:
            for b in self.bindings():
                channel.queue_bind(queue=b["destination"], exchange=b["source"], routing_key=b["routing_key"])

    def definitions(self, vhost: str = "/") -> dict[str, Any]:
        """The same topology as a RabbitMQ definitions file (deploy/rabbitmq/definitions.json). Its users have no
        password (`password_hash` empty: no one signs in as them) until the operator sets one from the secret store."""
        return {
            "vhosts": [{"name": vhost}],
            "users": [{"name": u, "password_hash": "", "hashing_algorithm": "rabbit_password_hashing_sha256",
                       "tags": []} for u in self.users()],
            "permissions": [{"vhost": vhost, **p} for p in self.permissions()],
            "topic_permissions": [{"vhost": vhost, **p} for p in self.topic_permissions()],
            "policies": [{"vhost": vhost, **p} for p in self.policies()],
            "exchanges": [{"name": e["name"], "vhost": vhost, "type": e["type"], "durable": True,
                           "auto_delete": False, "internal": False, "arguments": {}} for e in self.exchanges()],
            "queues": [{"name": q["name"], "vhost": vhost, "durable": True, "auto_delete": False,
                        "arguments": q["arguments"]} for q in self.queues()],
            "bindings": [{"source": b["source"], "vhost": vhost, "destination": b["destination"],
                          "destination_type": "queue", "routing_key": b["routing_key"], "arguments": {}}
                         for b in self.bindings()],
        }
