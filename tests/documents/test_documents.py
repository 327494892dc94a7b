"""The committed API documents, topology and README settings match what the code says (no drift)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qadam_contracts.catalog import catalog
from qadam_tools.cli import openapi_document, settings_markdown
from qadam_tools.system import API_SERVICES, asyncapi, subscriptions, topology

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


def test_every_quorum_queue_parks_into_its_own_dead_letter_exchange():
    queues = {q["name"]: q["arguments"] for q in topology(delivery_limit=7).queues()}
    for service in subscriptions():
        assert queues[f"{service}.incoming"] == {"x-queue-type": "quorum", "x-delivery-limit": 7,
                                                 "x-dead-letter-exchange": f"{service}.dead-letter"}


def test_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert settings_markdown() in readme, "README.md's settings tables are stale: paste `qadam settings` into it"
