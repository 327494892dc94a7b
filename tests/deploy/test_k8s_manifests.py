"""deploy/k8s read as an operator would apply it: every manifest loads and is listed by its kustomization, no link a
user follows leads to 127.0.0.1 or localhost (the acknowledgement links go through the portal's public address),
and PostgreSQL is a CloudNativePG cluster of three with synchronous replication, a role and a database per service
(no CREATEDB), barman-cloud backups to in-country S3-compatible storage, a schedule, and a point-in-time recovery."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from notify.settings import NotifySettings
from sqlalchemy.engine import make_url

K8S = Path(__file__).resolve().parents[2] / "deploy/k8s"
SERVICES = ("enrollment", "sessions", "risk", "notify", "portal")
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
BARMAN = "barman-cloud.cloudnative-pg.io"
NOT_APPLIED = {"postgres/recovery-example.yaml"}  # applied by hand, when a recovery is wanted


def manifests() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(K8S.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                yield str(path.relative_to(K8S)), doc


def of_kind(kind: str, folder: str | None = None) -> list[dict[str, Any]]:
    return [d for f, d in manifests() if d.get("kind") == kind and (folder is None or f.startswith(folder))]


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def test_every_manifest_loads_with_its_kind_name_and_api_version():
    seen = list(manifests())
    assert len(seen) > 30
    for file, doc in seen:
        if doc.get("kind") == "Kustomization":
            continue
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), file


def test_each_kustomization_lists_every_manifest_of_its_folder_and_nothing_missing():
    for kustomization in K8S.rglob("kustomization.yaml"):
        folder = kustomization.parent
        listed = yaml.safe_load(kustomization.read_text())["resources"]
        for entry in listed:
            assert (folder / entry).exists(), f"{kustomization}: {entry} does not exist"
        here = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
        not_applied = {Path(n).name for n in NOT_APPLIED if (K8S / n).parent == folder}
        assert here - not_applied <= set(listed), f"{kustomization} does not list {here - not_applied - set(listed)}"
    top = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert "postgres" in top, "the database cluster is part of the installation"


def test_no_manifest_names_127_0_0_1_or_localhost_in_a_url():
    for file, doc in manifests():
        for text in strings(doc):
            for url in URL.findall(text):
                assert urlsplit(url).hostname not in LOCAL_HOSTS, f"{file}: {url}"


def container_env(deployment: dict[str, Any], config: dict[str, str]) -> dict[str, str]:
    """The environment its container gets: the ConfigMaps it takes whole, then its own values with `$(VAR)`
    expanded as Kubernetes does (from what came before)."""
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config)
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), item["value"])
    return env


def test_every_link_in_notifys_messages_leads_to_the_portals_public_address_and_the_ingress_sends_ack_to_notify():
    config = next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "qadam-config")["data"]
    ingress = next(i for i in of_kind("Ingress") if i["metadata"]["name"] == "portal")
    host = ingress["spec"]["rules"][0]["host"]
    assert host in ingress["spec"]["tls"][0]["hosts"]
    paths = {p["path"]: p["backend"]["service"]["name"] for p in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert paths["/ack"] == "notify" and paths["/"] == "portal"
    defaults = NotifySettings()
    notify = [d for d in of_kind("Deployment") if d["metadata"]["labels"]["app.kubernetes.io/name"] == "notify"]
    assert {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in notify} == {"web", "worker"}
    for deployment in notify:
        env = container_env(deployment, config)
        portal_url = env.get("QADAM_PORTAL_URL", defaults.portal_url)
        ack_url = env.get("QADAM_ACK_LINK_URL", defaults.ack_link_url)
        for url in (portal_url, ack_url):
            assert urlsplit(url).scheme == "https" and urlsplit(url).hostname == host, (deployment["metadata"], url)
        assert urlsplit(ack_url).path.rstrip("/") == "/ack"


def test_the_portal_behind_its_ingress_believes_the_one_proxy_so_sign_ins_are_counted_by_the_clients_address():
    config = next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "qadam-config")["data"]
    web = next(d for d in of_kind("Deployment") if d["metadata"]["name"] == "portal")
    assert int(container_env(web, config).get("QADAM_PORTAL_TRUSTED_PROXIES", "0")) >= 1


@pytest.fixture(scope="module")
def cluster() -> dict[str, Any]:
    clusters = of_kind("Cluster", "postgres/cluster.yaml")
    assert len(clusters) == 1 and clusters[0]["apiVersion"] == "postgresql.cnpg.io/v1"
    return clusters[0]


def test_the_database_cluster_is_three_instances_replicating_synchronously_to_one_standby(cluster):
    spec = cluster["spec"]
    assert spec["instances"] == 3
    synchronous = spec.get("postgresql", {}).get("synchronous")
    if synchronous is not None:
        assert synchronous["number"] == 1 and synchronous["method"] in ("any", "first")
        assert synchronous.get("dataDurability", "required") == "required"
    else:
        assert (spec["minSyncReplicas"], spec["maxSyncReplicas"]) == (1, 1)
    assert spec["affinity"]["enablePodAntiAffinity"] and spec["affinity"]["topologyKey"] == "kubernetes.io/hostname"
    assert spec["enableSuperuserAccess"] is False


def test_each_service_has_its_own_role_owning_its_own_database_and_no_role_may_create_databases(cluster):
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    assert set(roles) == {f"qadam_{s}" for s in SERVICES}
    for name, role in roles.items():
        assert role["login"] is True and role["ensure"] == "present"
        assert not role.get("createdb") and not role.get("superuser") and not role.get("createrole"), name
        assert not role.get("replication") and not role.get("bypassrls"), name
        assert role["passwordSecret"]["name"] == name.replace("qadam_", "qadam-pg-")
    databases = {d["spec"]["name"]: d["spec"] for d in of_kind("Database", "postgres/")}
    assert set(databases) == {f"qadam_{s}" for s in SERVICES}
    for name, spec in databases.items():
        assert spec["owner"] == name and spec["cluster"]["name"] == cluster["metadata"]["name"]
        assert spec["databaseReclaimPolicy"] == "retain"
    secrets = {s["metadata"]["name"]: s for s in of_kind("Secret", "postgres/")}
    for name in roles:
        secret = secrets[name.replace("qadam_", "qadam-pg-")]
        assert secret["type"] == "kubernetes.io/basic-auth" and secret["stringData"]["username"] == name


def test_each_services_database_url_names_its_own_role_and_database_on_the_clusters_primary(cluster):
    urls = next(s for s in of_kind("Secret") if s["metadata"]["name"] == "qadam-secrets")["stringData"]
    for service in SERVICES:
        url = make_url(urls[f"{service}-database-url"])
        assert (url.username, url.database) == (f"qadam_{service}", f"qadam_{service}")
        assert url.host == f"{cluster['metadata']['name']}-rw.qadam.svc"


def test_backups_go_with_barman_cloud_to_s3_compatible_storage_in_the_country_every_night(cluster):
    plugin = next(p for p in cluster["spec"]["plugins"] if p["name"] == BARMAN)
    assert plugin["isWALArchiver"] is True
    store = next(o for o in of_kind("ObjectStore", "postgres/") if o["metadata"]["name"] ==
                 plugin["parameters"]["barmanObjectName"])
    assert store["apiVersion"] == "barmancloud.cnpg.io/v1"
    configuration = store["spec"]["configuration"]
    assert configuration["destinationPath"].startswith("s3://")
    endpoint = urlsplit(configuration["endpointURL"])
    assert endpoint.scheme == "https" and not endpoint.hostname.endswith(("amazonaws.com", "googleapis.com"))
    assert configuration["s3Credentials"]["accessKeyId"]["name"] == "qadam-pg-backup-s3"
    assert store["spec"]["retentionPolicy"]
    # the MinIO example is the store the endpoint names
    minio = next(s for s in of_kind("Service", "minio/") if s["metadata"]["name"] == "minio")
    assert endpoint.hostname == f"minio.{minio['metadata']['namespace']}.svc"
    assert endpoint.port == minio["spec"]["ports"][0]["port"]
    scheduled = of_kind("ScheduledBackup", "postgres/")
    assert len(scheduled) == 1
    spec = scheduled[0]["spec"]
    assert spec["cluster"]["name"] == cluster["metadata"]["name"] and len(spec["schedule"].split()) == 6
    assert spec["method"] == "plugin" and spec["pluginConfiguration"]["name"] == BARMAN


def test_a_point_in_time_recovery_makes_a_new_cluster_from_the_backups_up_to_a_moment(cluster):
    recovery = of_kind("Cluster", "postgres/recovery-example.yaml")
    assert len(recovery) == 1
    spec = recovery[0]["spec"]
    assert recovery[0]["metadata"]["name"] != cluster["metadata"]["name"]
    source = spec["bootstrap"]["recovery"]["source"]
    assert spec["bootstrap"]["recovery"]["recoveryTarget"]["targetTime"]
    external = next(e for e in spec["externalClusters"] if e["name"] == source)
    assert external["plugin"]["name"] == BARMAN
    assert external["plugin"]["parameters"]["serverName"] == cluster["metadata"]["name"]
    own = next(p for p in spec["plugins"] if p["name"] == BARMAN)["parameters"]
    assert own["serverName"] != cluster["metadata"]["name"], "the restored cluster must not archive over the original"
    assert not any(r.get("createdb") for r in spec["managed"]["roles"])


def test_notifys_kubernetes_configuration_is_fit_for_production_and_sets_up_every_channel_its_routing_uses(tmp_path):
    import json

    from notify.channels import unset_for_routing
    from notify.domain.routing import parse_routing
    from qadam import sealing
    from qadam.auth import generate_keypair
    from qadam.config import refuse_unfit_for_production

    config = next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "qadam-config")["data"]
    assert config["QADAM_ENV"] == "production"
    generate_keypair(tmp_path / "jwt-private.pem", tmp_path / "jwt-public.pem", development=False)
    sealing.ensure(tmp_path / "sealing-keys.txt", development=False)
    keys = {"QADAM_JWT_PUBLIC_KEY_FILE": str(tmp_path / "jwt-public.pem"),  # the mounted Secrets' files
            "QADAM_JWT_PRIVATE_KEY_FILE": str(tmp_path / "jwt-private.pem"),
            "QADAM_SEALING_KEY_FILE": str(tmp_path / "sealing-keys.txt")}
    routing = parse_routing(json.loads((K8S.parents[1] / "services/notify/notify/defaults/routing.json").read_text()))
    notify = [d for d in of_kind("Deployment") if d["metadata"]["labels"]["app.kubernetes.io/name"] == "notify"]
    for deployment in notify:
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        from_secrets = {item["name"]: "from-a-secret" for item in container.get("env", []) if "valueFrom" in item}
        settings = NotifySettings.from_env("notify", {**container_env(deployment, config), **from_secrets, **keys})
        refuse_unfit_for_production(settings)
        assert unset_for_routing(settings, routing) == [], deployment["metadata"]["name"]


def test_telegram_alerts_go_through_the_bot_api_server_these_manifests_run_and_only_notifys_worker_reaches_it():
    config = next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "qadam-config")["data"]
    address = urlsplit(config["QADAM_TELEGRAM_API_URL"])
    name, namespace = address.hostname.split(".")[:2]  # <service>.<namespace>.svc
    [service] = [s for s in of_kind("Service") if s["metadata"]["name"] == name]
    assert service["metadata"]["namespace"] == namespace == "qadam"
    [port] = [p for p in service["spec"]["ports"] if p["port"] == address.port]
    [server] = [d for d in of_kind("Deployment")
                if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()]
    [container] = server["spec"]["template"]["spec"]["containers"]
    assert {"name": port["targetPort"], "containerPort": address.port} in container["ports"]
    secrets = {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e}
    assert {e["name"] for e in container["env"]} >= {"TELEGRAM_API_ID", "TELEGRAM_API_HASH"}
    assert all(any(s["metadata"]["name"] == secret for s in of_kind("Secret")) for secret in secrets)
    # one server for the bot, on its own volume, the old pod gone before the new one mounts it
    assert server["spec"]["replicas"] == 1 and server["spec"]["strategy"] == {"type": "Recreate"}


def test_notify_signs_in_to_the_smtp_relay_with_a_password_kept_in_a_secret():
    config = next(c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "qadam-config")["data"]
    assert config["QADAM_SMTP_USER"] and config["QADAM_SMTP_TLS"] in ("starttls", "tls")
    secret = next(s for s in of_kind("Secret") if s["metadata"]["name"] == "qadam-secrets")["stringData"]
    for deployment in (d for d in of_kind("Deployment") if d["metadata"]["labels"]["app.kubernetes.io/name"] == "notify"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        [password] = [e for e in container["env"] if e["name"] == "QADAM_SMTP_PASSWORD"]
        assert password["valueFrom"]["secretKeyRef"]["key"] in secret
