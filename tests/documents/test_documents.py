"""The committed API documents, topology and README settings match what the code says (no drift)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qadam.asyncapi import asyncapi_document
from qadam.cli import openapi_document
from qadam.config import API_SERVICES, settings_table
from qadam.contracts import catalog
from qadam.topology import SUBSCRIPTIONS, Topology

ROOT = Path(__file__).resolve().parents[2]
FIX = "run `make docs` and commit the result"


@pytest.mark.parametrize("service", API_SERVICES)
def test_committed_openapi_matches_the_code(service):
    committed = json.loads((ROOT / f"services/{service}/openapi.json").read_text())
    assert committed == openapi_document(service), f"services/{service}/openapi.json is stale: {FIX}"


def test_committed_asyncapi_matches_the_event_catalog():
    committed = json.loads((ROOT / "deploy/asyncapi.json").read_text())
    assert committed == asyncapi_document(), f"deploy/asyncapi.json is stale: {FIX}"


def test_committed_rabbitmq_definitions_match_the_topology():
    committed = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    assert committed == Topology(delivery_limit=10).definitions(), f"definitions.json is stale: {FIX}"


def test_every_event_type_has_a_consumer_and_every_subscription_an_event_type():
    consumed = {name for names in SUBSCRIPTIONS.values() for name in names}
    assert consumed <= catalog.names()
    assert catalog.names() <= consumed, "an event nobody consumes would be refused as unroutable"


def test_every_quorum_queue_parks_into_its_own_dead_letter_exchange():
    queues = {q["name"]: q["arguments"] for q in Topology(delivery_limit=7).queues()}
    for service in SUBSCRIPTIONS:
        assert queues[f"{service}.incoming"] == {"x-queue-type": "quorum", "x-delivery-limit": 7,
                                                 "x-dead-letter-exchange": f"{service}.dead-letter"}


def test_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name, _, _ in settings_table() if f"`{name}`" not in readme]
    assert not missing, f"README.md does not document {missing}: paste `qadam settings` into it"
