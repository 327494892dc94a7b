"""The topology builder's least privilege, policies and operator resources, on a system of two made-up services:
the post office publishes, the archive consumes and publishes nothing (no I/O)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from qadam.events import Catalog, EventData
from qadam.topology import SETUP_USER, WATCH_USER, Topology
from qadam.topology_operator import operator_resources


@dataclass(frozen=True, kw_only=True, slots=True)
class LetterPosted(EventData):
    TYPE = "post.letter.posted"
    PRODUCER = "post"
    SUMMARY = "A letter was posted."

    letter_id: uuid.UUID


@dataclass(frozen=True, kw_only=True, slots=True)
class LetterLost(EventData):
    TYPE = "post.letter.lost"
    PRODUCER = "post"
    SUMMARY = "A letter was lost."

    letter_id: uuid.UUID


TOPOLOGY = Topology({"archive": (LetterPosted,)}, catalog=Catalog((LetterPosted, LetterLost)), delivery_limit=4)


def matches(pattern: str, name: str) -> bool:
    # RabbitMQ matches permission patterns with `re:run` (a search): anchors are the pattern's own
    return re.search(pattern, name) is not None


def test_a_producer_may_write_only_its_exchange_and_a_consumer_read_only_its_queue():
    rights = {p["user"]: p for p in TOPOLOGY.permissions()}
    post, archive = rights["qadam-post"], rights["qadam-archive"]
    assert matches(post["write"], "post.events") and not matches(post["write"], "post.events.x")
    assert not matches(post["write"], "archive.dead-letter") and not matches(post["write"], "")
    assert not matches(post["read"], "archive.incoming")
    assert matches(archive["read"], "archive.incoming") and not matches(archive["read"], "archive.dead")
    assert not matches(archive["write"], "post.events")
    for user in (post, archive):
        assert not any(matches(user["configure"], name) for name in ("post.events", "archive.incoming", "x"))


def test_only_the_setup_user_may_configure_and_every_user_is_listed():
    assert TOPOLOGY.users() == [SETUP_USER, WATCH_USER, "qadam-post", "qadam-archive"]
    assert [p["user"] for p in TOPOLOGY.permissions() if p["configure"] != "^$"] == [SETUP_USER]
    [watch] = [p for p in TOPOLOGY.permissions() if p["user"] == WATCH_USER]
    assert watch == {"user": WATCH_USER, "configure": "^$", "write": "^$", "read": "^$"}


def test_a_producer_may_publish_only_its_own_event_types_on_its_exchange():
    (post,) = TOPOLOGY.topic_permissions()
    assert post["exchange"] == "post.events"
    assert matches(post["write"], "post.letter.lost") and matches(post["write"], "post.letter.posted")
    assert not matches(post["write"], "post.letter.posted.again") and not matches(post["write"], "postXletter.lost")


def test_the_consuming_queue_parks_by_policy_and_its_arguments_say_only_what_cannot_change():
    (policy,) = TOPOLOGY.policies()
    assert matches(policy["pattern"], "archive.incoming") and not matches(policy["pattern"], "archive.dead")
    assert policy["definition"] == {"delivery-limit": 4, "dead-letter-exchange": "archive.dead-letter",
                                    "dead-letter-strategy": "at-least-once", "overflow": "reject-publish"}
    assert {q["name"] for q in TOPOLOGY.queues()} == {"archive.incoming", "archive.dead"}
    assert all(q["arguments"] == {"x-queue-type": "quorum", "x-quorum-initial-group-size": 3}
               for q in TOPOLOGY.queues())


def test_operator_resources_are_named_for_kubernetes_and_refer_to_their_users():
    resources = operator_resources(TOPOLOGY, cluster="mq", namespace="ns", vhost="v")
    names = [(r["kind"], r["metadata"]["name"]) for r in resources]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) for _, name in names)
    users = {name for kind, name in names if kind == "User"}
    assert users == {"qadam-setup", "qadam-watch", "qadam-post", "qadam-archive"}
    for r in resources:
        assert r["spec"]["rabbitmqClusterReference"] == {"name": "mq"}
        if r["kind"] in ("Permission", "TopicPermission"):
            assert r["spec"]["userReference"]["name"] in users
