"""deploy/k8s/monitoring and the workers' probes say what the processes do: every alert and dashboard expression names
metrics a real notify worker and web process export (scraped here), and every worker Deployment probes /healthz on
the port its settings open."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families
from qadam_testing import free_port, wait_until, worker_process

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy/k8s"
MONITORING = K8S / "monitoring"
PROMETHEUS_OWN = {"up"}  # the series Prometheus itself writes for every target it scrapes

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_RANGES = re.compile(r"\[[^\]]*\]")
_FUNCTION = re.compile(r"\b[a-z_]+\s*\(")
_KEYWORDS = {"and", "or", "unless", "bool", "offset"}
_NAME = re.compile(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label names, functions, keywords and durations left out)."""
    text = _STRINGS.sub(" ", expr)
    text = _MATCHERS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _FUNCTION.sub(" ", text)
    return {n for n in _NAME.findall(text) if n not in _KEYWORDS and not re.fullmatch(r"\d.*", n)}


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def alert_rules() -> list[dict[str, Any]]:
    [rule] = [d for d in documents(MONITORING / "prometheusrule.yaml") if d["kind"] == "PrometheusRule"]
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((MONITORING / "qadam-dashboard.json").read_text())
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def exported(text: str) -> set[str]:
    """Every metric name in a Prometheus text answer: each family's samples, and its name as HELP declared it."""
    names = set(re.findall(r"^# (?:HELP|TYPE) (\S+)", text, flags=re.M))
    for family in text_string_to_metric_families(text):
        names |= {s.name for s in family.samples}
    return names


@pytest.fixture(scope="module")
def exported_names(servers, jwt_keys, tmp_path_factory) -> set[str]:
    """What a notify worker (as its image runs it, with its HTTP port) and a notify web process export."""
    import uuid

    from notify.app import create_app
    from qadam_testing import Stack

    stack = Stack(f"qadam_o{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("notify",)).open()
    port = free_port()
    worker = worker_process(stack, "notify", tmp_path_factory.mktemp("logs"), worker_http_port=port,
                            worker_http_host="127.0.0.1").start()
    try:
        def healthy() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(healthy, timeout=60, what="notify's worker to answer /healthz")
        worker_text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        web_text = create_app(stack.base_settings("notify")).test_client().get("/metrics").get_data(as_text=True)
    finally:
        worker.stop()
        stack.close()
    return exported(worker_text) | exported(web_text)


def test_the_monitoring_manifests_and_dashboard_load_and_build():
    kinds = sorted(d["kind"] for f in ("podmonitors.yaml", "prometheusrule.yaml") for d in documents(MONITORING / f))
    assert kinds == ["PodMonitor", "PodMonitor", "PrometheusRule"]
    kustomization = documents(MONITORING / "kustomization.yaml")[0]
    assert {f for g in kustomization["configMapGenerator"] for f in g["files"]} == {"qadam-dashboard.json"}
    assert dashboard_exprs()


@pytest.mark.parametrize("expr", [pytest.param(r["expr"], id=r["alert"]) for r in alert_rules()])
def test_every_alert_names_only_metrics_the_processes_export(expr, exported_names):
    names = metric_names(expr)
    assert names, f"no metric in {expr!r}"
    assert names <= exported_names | PROMETHEUS_OWN, f"not exported: {sorted(names - exported_names - PROMETHEUS_OWN)}"


def test_every_dashboard_panel_names_only_metrics_the_processes_export(exported_names):
    for expr in dashboard_exprs():
        assert metric_names(expr) and metric_names(expr) <= exported_names, expr


def test_the_alerts_cover_what_an_operator_must_hear_of():
    exprs = " ".join(r["expr"] for r in alert_rules())
    for metric in ("qadam_worker_loop_up", "qadam_outbox_oldest_unsent_age_seconds", "qadam_parked_messages",
                   "qadam_notify_escalations_overdue", "qadam_notify_deliveries_total", "qadam_database_up",
                   "qadam_broker_up"):
        assert metric in exprs, metric


def test_the_metric_name_reader_leaves_out_labels_functions_and_durations():
    expr = 'sum by (channel) (rate(qadam_x_total{outcome="retry"}[10m])) / sum by (channel) (rate(qadam_y[5m])) > 0.5'
    assert metric_names(expr) == {"qadam_x_total", "qadam_y"}
    assert metric_names('absent(qadam_z{service="notify"})') == {"qadam_z"}


def worker_deployments() -> list[dict[str, Any]]:
    return [d for f in sorted(K8S.glob("*.yaml")) for d in documents(f)
            if d["kind"] == "Deployment" and d["metadata"]["labels"].get("app.kubernetes.io/component") == "worker"]


def test_every_worker_deployment_probes_healthz_on_the_port_its_settings_open_and_the_podmonitor_scrapes():
    config = [d for d in documents(K8S / "configmap.yaml") if d["kind"] == "ConfigMap"][0]["data"]
    port = int(config["QADAM_WORKER_HTTP_PORT"])
    [monitor] = [d for d in documents(MONITORING / "podmonitors.yaml") if d["metadata"]["name"] == "qadam-workers"]
    deployments = worker_deployments()
    assert {d["metadata"]["name"] for d in deployments} == {f"{s}-worker" for s in
                                                            ("enrollment", "sessions", "risk", "notify", "portal")}
    for deployment in deployments:
        pod = deployment["spec"]["template"]
        [container] = pod["spec"]["containers"]
        assert {"name": "metrics", "containerPort": port} in container["ports"], deployment["metadata"]["name"]
        for probe in ("livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"] == {"path": "/healthz", "port": "metrics"}
        assert monitor["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    assert monitor["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"
