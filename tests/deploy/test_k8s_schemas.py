"""Every document in deploy/k8s against a schema: the built-in kinds with `kubernetes-validate --strict` (Kubernetes'
own OpenAPI schemas, no field they do not name); KEDA's and the Prometheus Operator's resources against the schemas
their npm models ship (`@kubernetes-models/keda`, `@kubernetes-models/prometheus-operator`, package.json; not strict:
those schemas do not refuse an unknown field); and every operator resource against what its CRD requires.

No package that installs from PyPI or npm ships the CRD schemas of the RabbitMQ Cluster and Messaging Topology
Operators, CloudNativePG or the barman-cloud plugin (deploy/k8s/README.md, "Checking the files before applying them"):
their required fields are checked here (and tests/documents checks what the broker's resources say), and
`kubectl apply --dry-run=server` against a cluster with the operators installed checks the rest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy/k8s"
KUBERNETES = kubernetes_validate.latest_version()


def builtin(api_version: str) -> bool:
    """Kubernetes' own API groups ("v1", "apps/v1", "networking.k8s.io/v1"), not an operator's ("keda.sh/v1alpha1")."""
    group = api_version.split("/")[0] if "/" in api_version else ""
    return group == "" or "." not in group or group.endswith(".k8s.io")


def documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found.append((str(path.relative_to(K8S)), doc))
    return found


BUILTIN = [pytest.param(doc, id=f"{file}:{doc['kind']}/{doc['metadata']['name']}")
           for file, doc in documents() if builtin(doc["apiVersion"])]
OPERATOR = [(file, doc) for file, doc in documents() if not builtin(doc["apiVersion"])]


@pytest.mark.parametrize("doc", BUILTIN)
def test_every_builtin_kind_passes_kubernetes_validate_strict(doc):
    try:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as error:
        pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: {error.message} at {'.'.join(map(str, error.path))}")


def test_the_command_line_passes_every_file_strictly_skipping_only_the_operators_kinds():
    """What an operator runs (README): `kubernetes-validate --strict` on every file; it exits non-zero on an error."""
    files = [str(p) for p in sorted(K8S.rglob("*.yaml")) if p.name != "kustomization.yaml"]
    command = Path(sys.executable).with_name("kubernetes-validate")
    run = subprocess.run([str(command), "--strict", "--kubernetes-version", KUBERNETES, *files],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert not [line for line in lines if line.startswith(("ERROR", "FATAL"))], run.stdout
    skipped = [line for line in lines if line.startswith("WARN")]
    assert len(skipped) == len(OPERATOR), "only the operators' kinds are skipped:\n" + "\n".join(skipped)


def test_a_strict_validation_refuses_a_field_kubernetes_does_not_know():
    """The check is real: a misspelt field (the kind of slip a strict check exists for) fails it."""
    doc = next(d for _, d in documents() if d["kind"] == "PodDisruptionBudget")
    wrong = {**doc, "spec": {**doc["spec"], "maxUnavailible": 1}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, KUBERNETES, strict=True)


# -- the operators' resources: what their CRDs require ---------------------------------------------------------------
# (apiVersion, kind) -> the paths (dotted) each must have, from the CRDs' `required` lists and what the operator
# refuses to reconcile without
REQUIRED: dict[tuple[str, str], list[str]] = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): ["spec.replicas", "spec.image"],
    ("rabbitmq.com/v1beta1", "Vhost"): ["spec.name", "spec.rabbitmqClusterReference.name"],
    ("rabbitmq.com/v1beta1", "Exchange"): ["spec.name", "spec.type", "spec.vhost", "spec.rabbitmqClusterReference.name"],
    ("rabbitmq.com/v1beta1", "Queue"): ["spec.name", "spec.type", "spec.vhost", "spec.rabbitmqClusterReference.name"],
    ("rabbitmq.com/v1beta1", "Binding"): ["spec.source", "spec.destination", "spec.destinationType", "spec.vhost",
                                          "spec.rabbitmqClusterReference.name"],
    ("rabbitmq.com/v1beta1", "Policy"): ["spec.name", "spec.pattern", "spec.definition", "spec.vhost",
                                         "spec.rabbitmqClusterReference.name"],
    ("rabbitmq.com/v1beta1", "User"): ["spec.importCredentialsSecret.name", "spec.rabbitmqClusterReference.name"],
    ("rabbitmq.com/v1beta1", "Permission"): ["spec.vhost", "spec.userReference.name", "spec.permissions",
                                             "spec.rabbitmqClusterReference.name"],
    ("rabbitmq.com/v1beta1", "TopicPermission"): ["spec.vhost", "spec.userReference.name", "spec.permissions.exchange",
                                                  "spec.rabbitmqClusterReference.name"],
    ("postgresql.cnpg.io/v1", "Cluster"): ["spec.instances"],
    ("postgresql.cnpg.io/v1", "Database"): ["spec.name", "spec.owner", "spec.cluster.name"],
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): ["spec.schedule", "spec.cluster.name"],
    ("barmancloud.cnpg.io/v1", "ObjectStore"): ["spec.configuration.destinationPath"],
    ("keda.sh/v1alpha1", "ScaledObject"): ["spec.scaleTargetRef.name", "spec.triggers"],
    ("keda.sh/v1alpha1", "TriggerAuthentication"): [],
    ("monitoring.coreos.com/v1", "PodMonitor"): ["spec.selector", "spec.podMetricsEndpoints"],
    ("monitoring.coreos.com/v1", "PrometheusRule"): ["spec.groups"],
}


def _at(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


@pytest.mark.parametrize("file, doc", [pytest.param(f, d, id=f"{f}:{d['kind']}/{d['metadata']['name']}")
                                       for f, d in OPERATOR])
def test_every_operator_resource_is_a_known_kind_with_what_its_crd_requires(file, doc):
    key = (doc["apiVersion"], doc["kind"])
    assert key in REQUIRED, f"{file}: {key} is neither a built-in kind nor one of the operators' kinds checked here"
    assert doc["metadata"].get("name") and doc["metadata"].get("namespace"), file
    missing = [path for path in REQUIRED[key] if _at(doc, path) in (None, "", [], {})]
    assert not missing, f"{file}: {doc['kind']} {doc['metadata']['name']} lacks {missing}"


def test_every_keda_trigger_names_a_trigger_authentication_that_exists():
    auths = {d["metadata"]["name"] for _, d in OPERATOR if d["kind"] == "TriggerAuthentication"}
    for _, doc in OPERATOR:
        if doc["kind"] == "ScaledObject":
            for trigger in doc["spec"]["triggers"]:
                assert trigger["authenticationRef"]["name"] in auths
                assert trigger["type"] in ("rabbitmq",) and trigger["metadata"]["queueName"]



# -- KEDA and the Prometheus Operator: the schemas their npm models carry ----------------------------------------------
MODELS = {"keda.sh": "keda", "monitoring.coreos.com": "prometheus-operator"}


def _model_errors(docs: list[dict[str, Any]]) -> list[str | None]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules/@kubernetes-models").is_dir():
        pytest.fail("node and the npm models (package.json) are needed: `make browser` installs them")
    run = subprocess.run([node, str(ROOT / "tests/deploy/crd_models.mjs")], input=json.dumps(docs), capture_output=True,
                         text=True, cwd=ROOT, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    errors: list[str | None] = json.loads(run.stdout)
    return errors


def test_keda_and_prometheus_operator_resources_pass_the_schemas_their_models_ship():
    docs = [d for _, d in OPERATOR if d["apiVersion"].split("/")[0] in MODELS]
    assert {d["kind"] for d in docs} == {"ScaledObject", "TriggerAuthentication", "PodMonitor", "PrometheusRule"}
    failed = [f"{d['kind']} {d['metadata']['name']}: {e}" for d, e in zip(docs, _model_errors(docs), strict=True) if e]
    assert not failed, "\n".join(failed)


def test_the_models_schemas_refuse_a_scaled_object_without_its_target():
    scaled = next(d for _, d in OPERATOR if d["kind"] == "ScaledObject")
    broken = {**scaled, "spec": {k: v for k, v in scaled["spec"].items() if k != "scaleTargetRef"}}
    [error] = _model_errors([broken])
    assert error and "scaleTargetRef" in error
