"""deploy/k8s survives a node going away and lets through only what must pass: every Deployment has a disruption
budget and spreads over nodes, each web process scales on CPU and each consumer on its incoming queue (KEDA), /metrics
is on an internal port no Service or Ingress reaches, and the NetworkPolicies, evaluated here as a CNI would, allow
exactly the conversations the system needs (the portal to the services, everyone to the database and the broker, the
ingress controller to the portal and notify, Prometheus to the metrics port) and nothing else."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from qadam.topology import WATCH_USER, incoming_queue
from qadam_tools.system import CONSUMERS

K8S = Path(__file__).resolve().parents[2] / "deploy/k8s"
SERVICES = ("enrollment", "sessions", "risk", "notify", "portal")
APIS = ("enrollment", "sessions", "risk", "notify")


def docs(*globs: str) -> list[dict[str, Any]]:
    found = []
    for pattern in globs:
        for path in sorted(K8S.glob(pattern)):
            found += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return found


def of_kind(kind: str, *globs: str) -> list[dict[str, Any]]:
    return [d for d in docs(*(globs or ("*.yaml",))) if d.get("kind") == kind]


def deployments() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in of_kind("Deployment")}


def config() -> dict[str, str]:
    return next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "qadam-config")["data"]


def labels_of(deployment: dict[str, Any]) -> dict[str, str]:
    return deployment["spec"]["template"]["metadata"]["labels"]


# -- availability --------------------------------------------------------------------------------------------------
def test_every_deployment_has_a_disruption_budget_that_leaves_all_but_one_pod_and_never_blocks_a_drain():
    budgets = of_kind("PodDisruptionBudget")
    for name, deployment in deployments().items():
        [budget] = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels_of(deployment).items()]
        assert budget["spec"] == {**budget["spec"], "maxUnavailable": 1}, name
        assert "minAvailable" not in budget["spec"], f"{name}: minAvailable would hold a one-replica Deployment's drain"
        assert budget["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_every_deployment_spreads_its_pods_over_nodes():
    for name, deployment in deployments().items():
        constraints = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        by_host = [c for c in constraints if c["topologyKey"] == "kubernetes.io/hostname"]
        assert by_host and by_host[0]["labelSelector"]["matchLabels"].items() <= labels_of(deployment).items(), name


def test_each_web_process_scales_on_cpu_from_two_and_its_deployment_leaves_the_count_to_the_autoscaler():
    autoscalers = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind("HorizontalPodAutoscaler")}
    for service in SERVICES:
        deployment = deployments()[service]
        assert labels_of(deployment)["app.kubernetes.io/component"] == "web"
        hpa = autoscalers[service]
        assert hpa["apiVersion"] == "autoscaling/v2" and hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        [metric] = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
        assert "replicas" not in deployment["spec"], f"{service}: `kubectl apply` would set the autoscaler's count back"
        assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"]


def test_each_consumer_scales_with_keda_on_the_length_of_its_own_incoming_queue():
    scaled = {s["spec"]["scaleTargetRef"]["name"]: s for s in of_kind("ScaledObject")}
    auths = {a["metadata"]["name"]: a for a in of_kind("TriggerAuthentication")}
    secret = next(s for s in of_kind("Secret") if s["metadata"]["name"] == "qadam-secrets")["stringData"]
    assert set(scaled) == {f"{s}-worker" for s in CONSUMERS}
    for service in CONSUMERS:
        spec = scaled[f"{service}-worker"]["spec"]
        assert spec["minReplicaCount"] >= 2 and spec["maxReplicaCount"] > spec["minReplicaCount"]
        [trigger] = spec["triggers"]
        assert trigger["type"] == "rabbitmq" and trigger["metadata"]["mode"] == "QueueLength"
        assert trigger["metadata"]["queueName"] == incoming_queue(service) and int(trigger["metadata"]["value"]) > 0
        [host] = auths[trigger["authenticationRef"]["name"]]["spec"]["secretTargetRef"]
        assert host["parameter"] == "host" and host["name"] == "qadam-secrets"
        url = secret[host["key"]]
        # the broker's user that may only look (WATCH_USER), never the service's own, which may take messages
        assert "," not in url and url.startswith(f"amqp://{WATCH_USER}:") and url.endswith("/qadam"), url
        assert "replicas" not in deployments()[f"{service}-worker"]["spec"], service


def test_web_metrics_are_on_the_internal_port_that_prometheus_scrapes_and_no_service_names():
    port = int(config()["QADAM_WEB_METRICS_PORT"])
    assert port and port != 8000
    [monitor] = [m for m in of_kind("PodMonitor", "monitoring/*.yaml") if m["metadata"]["name"] == "qadam-web"]
    assert monitor["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"
    for service in SERVICES:
        [container] = deployments()[service]["spec"]["template"]["spec"]["containers"]
        assert {"name": "metrics", "containerPort": port} in container["ports"], service
        assert container["readinessProbe"]["httpGet"]["port"] == "http"
    for svc in of_kind("Service"):
        assert all(p["targetPort"] != "metrics" and p["targetPort"] != port for p in svc["spec"]["ports"]), svc
    for ingress in of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            assert all(p["backend"]["service"]["port"] == {"name": "http"} for p in rule["http"]["paths"])


# -- the NetworkPolicies, evaluated ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: dict[str, str] = field(hash=False)
    ports: dict[str, int] = field(hash=False)
    ip: str | None = None  # outside the cluster: an address instead of labels


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not (selector.get("matchLabels") or {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions") or []:
        key, op, values = expression["key"], expression["operator"], expression.get("values", [])
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and labels.get(key) in values) \
                or (op == "Exists" and key not in labels) or (op == "DoesNotExist" and key in labels):
            return False
    return True


def _peer(peer: dict[str, Any], pod: Pod, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        return pod.ip is not None and ipaddress.ip_address(pod.ip) in ipaddress.ip_network(peer["ipBlock"]["cidr"])
    if pod.ip is not None:
        return False
    if "namespaceSelector" in peer:
        if not _matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": pod.namespace}):
            return False
    elif pod.namespace != policy_namespace:
        return False
    return _matches(peer.get("podSelector", {}), pod.labels)


def _port(rule: dict[str, Any], target: Pod, port: int) -> bool:
    if not rule.get("ports"):
        return True
    return any((target.ports.get(p["port"]) if isinstance(p["port"], str) else p["port"]) == port for p in rule["ports"])


def _allowed(policies: list[dict[str, Any]], pod: Pod, direction: str, other: Pod, port: int, target: Pod) -> bool:
    """Whether `pod`'s policies of `direction` (Ingress, Egress) let the connection with `other` on `port` of `target`."""
    selecting = [p for p in policies if pod.ip is None and p["metadata"]["namespace"] == pod.namespace
                 and direction in p["spec"]["policyTypes"] and _matches(p["spec"]["podSelector"], pod.labels)]
    if not selecting:
        return True  # no policy selects it that way: open
    key, peers = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    return any(_port(rule, target, port) and (not rule.get(peers) or any(
        _peer(peer, other, p["metadata"]["namespace"]) for peer in rule[peers]))
        for p in selecting for rule in p["spec"].get(key) or [])


def may_connect(policies: list[dict[str, Any]], source: Pod, target: Pod, port: int) -> bool:
    return _allowed(policies, source, "Egress", target, port, target) and \
        _allowed(policies, target, "Ingress", source, port, target)


def qadam_pods() -> list[Pod]:
    pods = []
    for kind, template_of in (("Deployment", lambda d: d["spec"]["template"]), ("Job", lambda d: d["spec"]["template"]),
                              ("CronJob", lambda d: d["spec"]["jobTemplate"]["spec"]["template"])):
        for doc in of_kind(kind):
            template = template_of(doc)
            ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
            pods.append(Pod(doc["metadata"]["name"], "qadam", template["metadata"]["labels"], ports))
    return pods


PG = Pod("postgres", "qadam", {"cnpg.io/cluster": "qadam-pg", "cnpg.io/instanceRole": "primary"},
         {"postgresql": 5432, "status": 8000, "metrics": 9187})
RABBIT = Pod("rabbitmq", "rabbitmq", {"app.kubernetes.io/name": "qadam-rabbitmq"},
             {"amqp": 5672, "management": 15672, "prometheus": 15692})
INGRESS = Pod("ingress-controller", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, {})
PROMETHEUS = Pod("prometheus", "monitoring", {"app.kubernetes.io/name": "prometheus"}, {})
STRANGER = Pod("a pod of another application", "default", {"app": "shop"}, {})
INTRUDER = Pod("an unlabelled pod started in qadam", "qadam", {}, {})
RELAY = Pod("smtp relay", "", {}, {}, ip="192.0.2.25")
ABROAD = Pod("somewhere else", "", {}, {}, ip="203.0.113.7")
TELEGRAM_DC = Pod("a Telegram data centre", "", {}, {}, ip="149.154.167.51")
QADAM_PROCESSES = ("web", "worker", "migrate", "retention", "audit-verify")


@pytest.fixture(scope="module")
def policies() -> list[dict[str, Any]]:
    found = of_kind("NetworkPolicy", "*.yaml", "rabbitmq/*.yaml")
    assert all(p["apiVersion"] == "networking.k8s.io/v1" for p in found)
    return found


def component(pod: Pod) -> str:
    return pod.labels.get("app.kubernetes.io/component", "")


def service_of(pod: Pod) -> str:
    return pod.labels.get("app.kubernetes.io/name", "")


def expected(source: Pod, target: Pod, port: int) -> bool:
    """What the system needs, said once: everything not named here must be refused."""
    if target is PG:
        return (source.namespace == "qadam" and component(source) in QADAM_PROCESSES and port == 5432)
    if target is RABBIT:
        return source.namespace == "qadam" and component(source) in QADAM_PROCESSES and port == 5672
    notify_worker = service_of(source) == "notify" and component(source) == "worker"
    if target in (RELAY, ABROAD):
        return target is RELAY and notify_worker and port in (25, 443, 465, 587)  # mail, and the SMS gateway
    if target is TELEGRAM_DC:  # only the Bot API server inside the country talks to Telegram, over MTProto
        return service_of(source) == "telegram-bot-api" and port == 443
    if service_of(target) == "telegram-bot-api":
        return notify_worker and port == 8081
    if component(target) not in ("web", "worker"):
        return False  # Jobs and CronJobs take no connection
    if source is PROMETHEUS:
        return port == 9100
    if port != 8000 or component(target) != "web":
        return False
    if source is INGRESS:
        return service_of(target) in ("portal", "notify")
    if component(source) != "web":
        return False
    if service_of(source) == "portal":
        return service_of(target) in APIS
    return service_of(source) in APIS and service_of(target) == "portal"  # the portal's published keys


def test_the_network_policies_allow_exactly_what_the_system_needs(policies):
    pods = qadam_pods()
    sources = [*pods, INGRESS, PROMETHEUS, STRANGER, INTRUDER]
    targets = [*pods, PG, RABBIT, RELAY, ABROAD, TELEGRAM_DC]
    wrong = []
    for source in sources:
        for target in targets:
            if source is target:
                continue
            if target.ip is not None and source.namespace != "qadam":
                continue  # what other namespaces send out of the cluster is theirs to decide
            for port in (8000, 9100, 5432, 5672, 15672, 25, 443, 8081):
                if target.ip is None and port not in target.ports.values():
                    continue
                if may_connect(policies, source, target, port) != expected(source, target, port):
                    wrong.append(f"{source.name} -> {target.name}:{port}: "
                                 f"{'allowed' if not expected(source, target, port) else 'refused'}")
    assert not wrong, "\n".join(wrong)


def test_every_pod_of_the_namespace_is_under_the_default_deny(policies):
    [deny] = [p for p in policies if p["metadata"]["name"] == "qadam-default-deny"]
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"] and deny["spec"]["podSelector"] == {}
    assert not deny["spec"].get("ingress") and not deny["spec"].get("egress")


def test_the_evaluator_refuses_and_allows_as_kubernetes_does():
    web = Pod("web", "qadam", {"app": "web"}, {"http": 8000})
    deny = {"metadata": {"namespace": "qadam"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    allow = {"metadata": {"namespace": "qadam"}, "spec": {"podSelector": {"matchLabels": {"app": "web"}},
             "policyTypes": ["Ingress"], "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                 "kubernetes.io/metadata.name": "ingress-nginx"}}}], "ports": [{"port": "http"}]}]}}
    assert may_connect([], STRANGER, web, 8000)
    assert not may_connect([deny], STRANGER, web, 8000)
    assert may_connect([deny, allow], INGRESS, web, 8000) and not may_connect([deny, allow], INGRESS, web, 9100)
    assert not may_connect([deny, allow], STRANGER, web, 8000)
