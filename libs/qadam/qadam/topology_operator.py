"""The topology as RabbitMQ Messaging Topology Operator resources (rabbitmq.com/v1beta1), so that a Kubernetes
cluster gets the same vhost, exchanges, quorum queues, bindings, policies, users and permissions as
deploy/rabbitmq/definitions.json: both are written from one `Topology` (`make docs`), and a test compares.

A user's name and password come from the Secret `importCredentialsSecret` names (keys `username` and `password`),
made from the secret store, never from this file.
"""

from __future__ import annotations

import re
from typing import Any

from .topology import Topology

API_VERSION = "rabbitmq.com/v1beta1"


def resource_name(*parts: str) -> str:
    """A Kubernetes object name (DNS-1123: lower-case letters, digits and '-') for a broker object's name."""
    name = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
    return name[:253]


def credentials_secret(user: str) -> str:
    """The Secret holding `user`'s `username` and `password` (and the services' `amqp-url`)."""
    return f"{user}-amqp"


def operator_resources(topology: Topology, *, cluster: str, namespace: str, vhost: str) -> list[dict[str, Any]]:
    """Every Messaging Topology Operator object of `topology` on the `RabbitmqCluster` named `cluster`."""
    ref = {"name": cluster}

    def obj(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {"apiVersion": API_VERSION, "kind": kind,
                "metadata": {"name": resource_name(name), "namespace": namespace,
                             "labels": {"app.kubernetes.io/part-of": "qadam",
                                        "app.kubernetes.io/component": "broker-topology"}},
                "spec": {**spec, "rabbitmqClusterReference": ref}}

    out = [obj("Vhost", f"vhost-{vhost}", {"name": vhost})]
    out += [obj("Exchange", e["name"], {"name": e["name"], "vhost": vhost, "type": e["type"], "durable": True,
                                        "autoDelete": False}) for e in topology.exchanges()]
    out += [obj("Queue", q["name"], {"name": q["name"], "vhost": vhost, "type": q["arguments"]["x-queue-type"],
                                     "durable": True, "autoDelete": False,
                                     "arguments": {k: v for k, v in q["arguments"].items() if k != "x-queue-type"}})
            for q in topology.queues()]
    out += [obj("Binding", f"{b['source']}-{b['destination']}-{b['routing_key'] or 'all'}",
                {"vhost": vhost, "source": b["source"], "destination": b["destination"], "destinationType": "queue",
                 "routingKey": b["routing_key"]}) for b in topology.bindings()]
    out += [obj("Policy", f"policy-{p['name']}", {"name": p["name"], "vhost": vhost, "pattern": p["pattern"],
                                                  "applyTo": p["apply-to"], "priority": p["priority"],
                                                  "definition": p["definition"]}) for p in topology.policies()]
    out += [obj("User", user, {"tags": [], "importCredentialsSecret": {"name": credentials_secret(user)}})
            for user in topology.users()]
    out += [obj("Permission", f"{p['user']}-{vhost}", {
        "vhost": vhost, "userReference": {"name": resource_name(p["user"])},
        "permissions": {"configure": p["configure"], "write": p["write"], "read": p["read"]}})
        for p in topology.permissions()]
    out += [obj("TopicPermission", f"{p['user']}-{p['exchange']}", {
        "vhost": vhost, "userReference": {"name": resource_name(p["user"])},
        "permissions": {"exchange": p["exchange"], "write": p["write"], "read": p["read"]}})
        for p in topology.topic_permissions()]
    return out
