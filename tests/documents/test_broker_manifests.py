"""The broker's deployment files read as an operator would apply them: every Kubernetes document is well formed,
the Messaging Topology Operator resources carry what their CRDs require and say the same as
deploy/rabbitmq/definitions.json, each user has its credentials Secret, and each service connects as its own user.
(No CRD schema of the RabbitMQ operators ships in a Python package: the required fields are checked here.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from qadam.topology import service_user
from qadam_tools.system import RABBITMQ_CLUSTER, SERVICES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy/k8s"
DNS_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")

# spec fields each kind's CRD (rabbitmq.com/v1beta1) requires, beside rabbitmqClusterReference
REQUIRED = {
    "Vhost": {"name"}, "Exchange": {"name"}, "Queue": {"name"}, "Binding": set(), "Policy": {"name", "pattern",
                                                                                            "definition"},
    "User": set(), "Permission": {"vhost", "permissions"}, "TopicPermission": {"vhost", "permissions"},
}


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def everything() -> list[tuple[Path, dict]]:
    return [(path, doc) for path in sorted(K8S.rglob("*.yaml")) if path.name != "kustomization.yaml"
            for doc in documents(path)]


def test_every_kubernetes_document_names_its_api_kind_and_a_valid_name():
    for path, doc in everything():
        where = f"{path.relative_to(ROOT)}: {doc.get('kind')}"
        assert isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str), where
        name = doc.get("metadata", {}).get("name", "")
        assert DNS_1123.fullmatch(name) and len(name) <= 253, f"{where} {name!r}"


def test_kustomizations_list_files_that_exist():
    for kustomization in K8S.rglob("kustomization.yaml"):
        for resource in yaml.safe_load(kustomization.read_text())["resources"]:
            assert (kustomization.parent / resource).exists(), f"{kustomization}: {resource}"


def test_the_cluster_has_three_nodes_of_rabbitmq_4():
    (cluster,) = [d for d in documents(K8S / "rabbitmq/cluster.yaml") if d["kind"] == "RabbitmqCluster"]
    assert cluster["apiVersion"] == "rabbitmq.com/v1beta1" and cluster["metadata"]["name"] == RABBITMQ_CLUSTER
    assert cluster["spec"]["replicas"] == 3
    assert re.fullmatch(r"rabbitmq:4\.\d+[-\w.]*(@sha256:[0-9a-f]{64})?", cluster["spec"]["image"])


def topology_resources() -> list[dict]:
    return documents(K8S / "rabbitmq/topology.yaml")


def test_operator_resources_carry_what_their_crds_require():
    names: dict[str, set[str]] = {}
    for doc in topology_resources():
        assert doc["apiVersion"] == "rabbitmq.com/v1beta1", doc
        spec = doc["spec"]
        assert spec["rabbitmqClusterReference"] == {"name": RABBITMQ_CLUSTER}, doc["metadata"]["name"]
        assert REQUIRED[doc["kind"]] <= spec.keys(), doc["metadata"]["name"]
        names.setdefault(doc["kind"], set()).add(doc["metadata"]["name"])
        if doc["kind"] == "Queue":
            assert spec["type"] == "quorum" and spec["durable"] is True
            assert spec["arguments"] == {"x-quorum-initial-group-size": 3}
        if doc["kind"] in ("Permission", "TopicPermission"):
            assert spec["userReference"]["name"] in names["User"], "a permission for a user not made here"
    kinds = set(names)
    assert kinds == set(REQUIRED), kinds


def test_operator_resources_say_what_the_definitions_file_says():
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    by_kind: dict[str, list[dict]] = {}
    for doc in topology_resources():
        by_kind.setdefault(doc["kind"], []).append(doc["spec"])
    assert {(e["name"], e["type"]) for e in by_kind["Exchange"]} == {(e["name"], e["type"])
                                                                      for e in definitions["exchanges"]}
    assert {(q["name"], json.dumps({"x-queue-type": q["type"], **q["arguments"]}, sort_keys=True))
            for q in by_kind["Queue"]} == {(q["name"], json.dumps(q["arguments"], sort_keys=True))
                                           for q in definitions["queues"]}
    assert {(b["source"], b["destination"], b["routingKey"]) for b in by_kind["Binding"]} == {
        (b["source"], b["destination"], b["routing_key"]) for b in definitions["bindings"]}
    assert {(p["name"], p["pattern"], json.dumps(p["definition"], sort_keys=True)) for p in by_kind["Policy"]} == {
        (p["name"], p["pattern"], json.dumps(p["definition"], sort_keys=True)) for p in definitions["policies"]}
    assert sorted((p["userReference"]["name"], p["permissions"]["configure"], p["permissions"]["write"],
                   p["permissions"]["read"]) for p in by_kind["Permission"]) == sorted(
        (p["user"], p["configure"], p["write"], p["read"]) for p in definitions["permissions"])
    assert sorted((p["userReference"]["name"], p["permissions"]["exchange"], p["permissions"]["write"])
                  for p in by_kind["TopicPermission"]) == sorted(
        (p["user"], p["exchange"], p["write"]) for p in definitions["topic_permissions"])


def test_every_user_has_a_credentials_secret_with_its_name_and_no_committed_password():
    secrets = {d["metadata"]["name"]: d for d in documents(K8S / "rabbitmq/credentials.yaml")}
    users = [d for d in topology_resources() if d["kind"] == "User"]
    for user in users:
        secret = secrets[user["spec"]["importCredentialsSecret"]["name"]]
        assert secret["metadata"]["namespace"] == user["metadata"]["namespace"]
        assert secret["stringData"]["username"] == user["metadata"]["name"]
        assert secret["stringData"]["password"] == "CHANGE-ME-PASSWORD"
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    assert all(u["password_hash"] == "" for u in definitions["users"]), "a password hash committed"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_connects_as_its_own_user_to_every_node(service):
    (secret,) = [d for d in documents(K8S / "secret.yaml") if d["metadata"]["name"] == "qadam-secrets"]
    nodes = secret["stringData"][f"{service}-amqp-url"].split(",")
    assert len(nodes) == 3
    assert all(n.startswith(f"amqp://{service_user(service)}:") and n.endswith("/qadam") for n in nodes)
    keys = {env["valueFrom"]["secretKeyRef"]["key"]
            for doc in documents(K8S / f"{service}.yaml") if doc["kind"] in ("Deployment", "Job")
            for container in doc["spec"]["template"]["spec"]["containers"]
            for env in container.get("env", []) if env["name"] == "QADAM_AMQP_URL"}
    assert keys == {f"{service}-amqp-url"}


def test_compose_runs_rabbitmq_4():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert re.fullmatch(r"rabbitmq:4\.\d+-management(@sha256:[0-9a-f]{64})?", compose["services"]["rabbitmq"]["image"])
