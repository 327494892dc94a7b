"""The base images are pinned by digest where one could be read (deploy/k8s/README.md, Images): the Dockerfile's
Python, the broker in Kubernetes and in compose, and compose's PostgreSQL. A tag alone may point at another build
tomorrow; a digest is the same bytes wherever and whenever it is pulled."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PINNED = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")
# where no digest could be read (no registry reachable where these files are written): named in deploy/k8s/README.md
NOT_YET = {"axllent/mailpit"}


def test_the_dockerfile_builds_on_python_by_digest() -> None:
    default = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", (ROOT / "deploy" / "Dockerfile").read_text(), re.M)
    assert default is not None, "deploy/Dockerfile has no default PYTHON_IMAGE"
    assert PINNED.match(default.group(1)), default.group(1)
    assert default.group(1).startswith("python:3.11-slim@")


def test_compose_pulls_its_servers_by_digest() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    pulled = {name: service["image"] for name, service in compose["services"].items()
              if "image" in service and "build" not in service and not service["image"].startswith("qadam/")}
    assert pulled, "compose pulls no image"
    unpinned = {name: image for name, image in pulled.items()
                if not PINNED.match(image) and image.split(":")[0] not in NOT_YET}
    assert unpinned == {}


def test_the_broker_in_kubernetes_runs_by_digest() -> None:
    documents = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "rabbitmq" / "cluster.yaml").read_text())
    cluster = next(d for d in documents if d and d["kind"] == "RabbitmqCluster")
    assert PINNED.match(cluster["spec"]["image"]), cluster["spec"]["image"]
