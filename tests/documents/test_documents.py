"""The committed API documents, topology and README settings match what the code says (no drift)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qadam_contracts.catalog import catalog
from qadam_tools.cli import openapi_document, settings_markdown
from qadam_tools.system import API_SERVICES, asyncapi, operator_yaml, subscriptions, topology

ROOT = Path(__file__).resolve().parents[2]
FIX = "run `make docs` and commit the result"


@pytest.mark.parametrize("service", API_SERVICES)
def test_committed_openapi_matches_the_code(service):
    committed = json.loads((ROOT / f"services/{service}/openapi.json").read_text())
    assert committed == openapi_document(service), f"services/{service}/openapi.json is stale: {FIX}"


def test_committed_asyncapi_matches_the_event_catalog():
    committed = json.loads((ROOT / "deploy/asyncapi.json").read_text())
    assert committed == asyncapi(), f"deploy/asyncapi.json is stale: {FIX}"


def test_committed_rabbitmq_definitions_match_the_topology():
    committed = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    assert committed == topology(delivery_limit=10).definitions(), f"definitions.json is stale: {FIX}"


def test_every_event_type_has_a_consumer_and_every_subscription_an_event_type():
    consumed = {cls.TYPE for classes in subscriptions().values() for cls in classes}
    assert consumed <= catalog.names()
    assert catalog.names() <= consumed, "an event nobody consumes would be refused as unroutable"


def test_committed_operator_resources_match_the_topology():
    committed = (ROOT / "deploy/k8s/rabbitmq/topology.yaml").read_text()
    assert committed == operator_yaml(), f"deploy/k8s/rabbitmq/topology.yaml is stale: {FIX}"


def test_every_quorum_queue_parks_into_its_own_dead_letter_exchange_by_policy():
    policies = {p["name"]: p for p in topology(delivery_limit=7).policies()}
    for service in subscriptions():
        policy = policies[f"{service}.incoming"]
        assert policy["definition"] == {"delivery-limit": 7, "dead-letter-exchange": f"{service}.dead-letter",
                                        "dead-letter-strategy": "at-least-once", "overflow": "reject-publish"}
        assert policy["pattern"] == rf"^({service}\.incoming)$" and policy["apply-to"] == "queues"


def test_queues_carry_only_what_cannot_change_so_a_policy_can_change_the_rest():
    # a queue argument wins over a policy (or, for the delivery limit, the lower of the two does): the limit and
    # the dead-lettering must not be arguments, or changing them would mean deleting the queue
    for queue in topology().queues():
        assert queue["arguments"] == {"x-queue-type": "quorum", "x-quorum-initial-group-size": 3}, queue["name"]


def test_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert settings_markdown() in readme, "README.md's settings tables are stale: paste `qadam settings` into it"
