"""Qadam's test harness: real PostgreSQL and RabbitMQ for every integration test, and the whole system as processes.

Where the servers come from, in order (DESIGN.md, Tests):
1. `TEST_DATABASE_URL` / `TEST_AMQP_URL` when set;
2. testcontainers, when a Docker engine answers (its constructor raises DockerException where none does);
3. the servers on localhost (PostgreSQL 5432 as postgres, RabbitMQ 5672 as guest).
Isolation: a fresh database per service and a fresh RabbitMQ vhost per test run (and per test, for tests
that take `isolated_stack`), all removed afterwards. On this machine the vhosts are made, given their policies and
removed on the broker's node by erl_call (qadam_tools.erlang_node: no Erlang VM booted per call, as rabbitmqctl
boots one), by rabbitmqctl when erl_call cannot reach the node, and on another host through the management API.
"""

from __future__ import annotations

import atexit
import contextlib
import email.policy
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import pytest
import requests
from qadam import sealing
from qadam.auth import generate_keypair, issue_token
from qadam.config import Settings, load_settings
from qadam.db import drop_database
from qadam.gunicorn_conf import gunicorn_argv
from qadam.migrations import upgrade
from qadam_tools import erlang_node
from qadam_tools.system import SERVICES, declare, topology  # the composition root: the harness runs the whole system

from .handled import Handled, HandledLog, announce_handled
from .launcher import Launched, Launcher, launchable

LOCAL_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"
# the running systems' processes forked from a launcher that has their libraries imported (qadam_testing.launcher);
# QADAM_TEST_LAUNCHER=0 starts each as a new interpreter, as before
LAUNCHER = os.environ.get("QADAM_TEST_LAUNCHER", "1") != "0"


# -- where the servers are ---------------------------------------------------------------------------
@dataclass
class Servers:
    database_url: str  # any database on the server; tests create their own beside it
    amqp_url: str  # the broker, on its default vhost; tests create their own vhosts
    source: str
    _stop: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for stop in self._stop:
            with contextlib.suppress(Exception):
                stop()


def find_servers() -> Servers:
    db, amqp = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_AMQP_URL")
    if db and amqp:
        return Servers(db, amqp, "environment")
    stops: list[Callable[[], None]] = []
    source = "environment" if (db or amqp) else "localhost"
    try:
        import docker.errors
        from testcontainers.community.postgres import PostgresContainer
        from testcontainers.community.rabbitmq import RabbitMqContainer

        if not db:
            pg = PostgresContainer("postgres:16-alpine", driver="psycopg").start()
            stops.append(pg.stop)
            db = pg.get_connection_url()
        if not amqp:
            mq = RabbitMqContainer("rabbitmq:3.13-alpine").start()
            stops.append(mq.stop)
            amqp = f"amqp://guest:guest@{mq.get_container_host_ip()}:{mq.get_exposed_port(5672)}/%2F"
        source = "testcontainers"
    except docker.errors.DockerException:
        pass  # no Docker engine here: use the local servers
    return Servers(db or LOCAL_DATABASE, amqp or LOCAL_AMQP, source, stops)


def vhost_url(amqp_url: str, vhost: str) -> str:
    parts = urllib.parse.urlsplit(amqp_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))


_CTL_USER = "qadam-tests"  # who the broker records as having made or removed a vhost
_SAFE_VHOST = re.compile(r"[A-Za-z0-9_.-]+")
# vhosts this process is done with, removed by its next call to the node (or at the end of the run, `flush_vhosts`)
_VHOSTS_TO_DELETE: list[str] = []
_VHOSTS_LOCK = threading.Lock()


def _local_ctl(amqp_url: str) -> bool:
    return urllib.parse.urlsplit(amqp_url).hostname in ("127.0.0.1", "localhost", "::1") and bool(
        shutil.which("rabbitmqctl"))


def _erlang_binary(text: str) -> str:
    assert _SAFE_VHOST.fullmatch(text), text
    return f'<<"{text}">>'


def _policies() -> list[dict[str, Any]]:
    """The queues' policies (delivery limit, dead-lettering): every vhost a test takes gets them, as the broker's
    definitions and the Messaging Topology Operator give them in production."""
    return topology().policies()


def policy_steps(vhost: str, policies: list[dict[str, Any]] | None = None) -> list[str]:
    """The steps (Erlang expressions evaluated on the node) that set `policies` on `vhost`, by default the queues'."""
    assert _SAFE_VHOST.fullmatch(vhost), vhost
    return erlang_node.policy_steps(vhost, _policies() if policies is None else policies, _CTL_USER)


def vhost_steps(vhost: str, user: str) -> list[str]:
    """The steps (Erlang expressions evaluated on the node) that add `vhost` with every permission for `user` and the
    queues' policies."""
    return [f"ok = rabbit_vhost:add({_erlang_binary(vhost)}, {_erlang_binary(_CTL_USER)})",
            f"ok = rabbit_auth_backend_internal:set_permissions({_erlang_binary(user)}, {_erlang_binary(vhost)}, "
            f'<<".*">>, <<".*">>, <<".*">>, {_erlang_binary(_CTL_USER)})', *policy_steps(vhost)]


def node_eval(steps: list[str]) -> bool:
    """Evaluate `steps` (Erlang expressions) on the machine's RabbitMQ node: by erl_call, which boots no Erlang VM,
    else (erl_call missing, or the node out of its reach) by one `rabbitmqctl eval`, which boots one: some 0.6 CPU-s,
    1 to 7 s here under a test run's load. False when the node would not take them (another RabbitMQ version's
    internal API)."""
    expression = ", ".join([*steps, "done"])
    if erlang_node.shared_eval(expression) == "done":
        return True
    done = subprocess.run(["rabbitmqctl", "-q", "eval", expression + "."], capture_output=True, text=True, timeout=60)
    return done.returncode == 0 and done.stdout.strip() == "done"


def _ctl_eval(add: list[str], user: str, delete: list[str]) -> bool:
    """One evaluation on the node (`node_eval`) that adds the vhosts `add` (with every permission for `user`, and
    the queues' policies) and removes those in `delete`, so that one call makes the vhosts of several stacks (a
    rabbitmqctl call, when erl_call cannot be used, is slow). False when the node would not take it."""
    steps = [f"rabbit_vhost:delete({_erlang_binary(v)}, {_erlang_binary(_CTL_USER)})" for v in delete]
    for vhost in add:
        steps += vhost_steps(vhost, user)
    return node_eval(steps)


_VHOST_BATCH = 8  # vhosts made ahead by one call, for the stacks this process makes next
_VHOSTS_MADE: dict[str, list[str]] = {}  # broker URL -> vhosts made ahead, not yet taken


def take_vhost(amqp_url: str) -> str:
    """A fresh vhost's name, with every permission for the URL's user: on this machine one of a few made ahead by
    one call to the node (a run's stacks take some 30 vhosts a worker), elsewhere one made now."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    parts = urllib.parse.urlsplit(amqp_url)
    user = urllib.parse.unquote(parts.username or "guest")
    if not _local_ctl(amqp_url) or not _SAFE_VHOST.fullmatch(user):
        name = f"qadam_v{uuid.uuid4().hex[:10]}{'_' + worker if worker else ''}"
        create_vhost(amqp_url, name)
        return name
    with _VHOSTS_LOCK:
        made = _VHOSTS_MADE.setdefault(amqp_url, [])
        if not made:
            names = [f"qadam_v{uuid.uuid4().hex[:10]}{'_' + worker if worker else ''}" for _ in range(_VHOST_BATCH)]
            delete, _VHOSTS_TO_DELETE[:] = list(_VHOSTS_TO_DELETE), []
            if _ctl_eval(names, user, delete):
                made.extend(names)
                _flush_at_exit()
            else:
                _VHOSTS_TO_DELETE.extend(delete)
        if made:
            return made.pop(0)
    name = f"qadam_v{uuid.uuid4().hex[:10]}{'_' + worker if worker else ''}"
    create_vhost(amqp_url, name)
    return name


def create_vhost(amqp_url: str, vhost: str) -> str:
    """A fresh vhost on the broker (erl_call or rabbitmqctl on this machine, else the management API); its URL."""
    parts = urllib.parse.urlsplit(amqp_url)
    user = urllib.parse.unquote(parts.username or "guest")
    if _local_ctl(amqp_url):
        with _VHOSTS_LOCK:
            delete, _VHOSTS_TO_DELETE[:] = list(_VHOSTS_TO_DELETE), []
        if _SAFE_VHOST.fullmatch(vhost) and _SAFE_VHOST.fullmatch(user) and _ctl_eval([vhost], user, delete):
            return vhost_url(amqp_url, vhost)
        for old in delete:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", old], capture_output=True, timeout=60)
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True, timeout=60)
        subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"], check=True,
                       capture_output=True, timeout=60)
        set_policies(amqp_url, vhost, _policies())
        return vhost_url(amqp_url, vhost)
    api = f"http://{parts.hostname}:15672/api"
    auth = (user, urllib.parse.unquote(parts.password or "guest"))
    quoted = urllib.parse.quote(vhost, safe="")
    requests.put(f"{api}/vhosts/{quoted}", auth=auth, timeout=10).raise_for_status()
    requests.put(f"{api}/permissions/{quoted}/{urllib.parse.quote(user)}", auth=auth, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    set_policies(amqp_url, vhost, _policies())
    return vhost_url(amqp_url, vhost)


def set_policies(amqp_url: str, vhost: str, policies: list[dict[str, Any]]) -> None:
    """Set `policies` (`Topology.policies()`: the queues' delivery limit and dead-lettering) on `vhost`: with
    erl_call or rabbitmqctl on this machine, else through the management API. A test's own service gets its queue's
    policy so."""
    parts = urllib.parse.urlsplit(amqp_url)
    if _local_ctl(amqp_url):
        if _SAFE_VHOST.fullmatch(vhost) and node_eval(policy_steps(vhost, policies)):
            return
        for policy in policies:
            subprocess.run(["rabbitmqctl", "-q", "set_policy", "-p", vhost, "--priority", str(policy["priority"]),
                            "--apply-to", policy["apply-to"], policy["name"], policy["pattern"],
                            json.dumps(policy["definition"])], check=True, capture_output=True, timeout=60)
        return
    api = f"http://{parts.hostname}:15672/api"
    auth = (urllib.parse.unquote(parts.username or "guest"), urllib.parse.unquote(parts.password or "guest"))
    quoted = urllib.parse.quote(vhost, safe="")
    for policy in policies:
        requests.put(f"{api}/policies/{quoted}/{urllib.parse.quote(policy['name'], safe='')}", auth=auth, timeout=10,
                     json={k: policy[k] for k in ("pattern", "definition", "priority", "apply-to")}).raise_for_status()


def delete_vhost(amqp_url: str, vhost: str, *, now: bool = False) -> None:
    """Remove a vhost: on this machine with the next vhost this process makes (`now`: at once), else at once."""
    parts = urllib.parse.urlsplit(amqp_url)
    if _local_ctl(amqp_url):
        if not now and _SAFE_VHOST.fullmatch(vhost):
            with _VHOSTS_LOCK:
                _VHOSTS_TO_DELETE.append(vhost)
            return
        if not (_SAFE_VHOST.fullmatch(vhost) and node_eval(
                [f"catch rabbit_vhost:delete({_erlang_binary(vhost)}, {_erlang_binary(_CTL_USER)})"])):
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60)
        return
    with contextlib.suppress(Exception):
        requests.delete(f"http://{parts.hostname}:15672/api/vhosts/{urllib.parse.quote(vhost, safe='')}",
                        auth=(parts.username or "guest", parts.password or "guest"), timeout=10)


def _flush_at_exit() -> None:
    """A process that made vhosts ahead removes what it leaves when it ends, whoever runs it (a benchmark, a script;
    pytest's run flushes at its end too): a killed run's are removed by `.ci/run`."""
    global _FLUSH_REGISTERED
    if not _FLUSH_REGISTERED:
        atexit.register(flush_vhosts)
        _FLUSH_REGISTERED = True


_FLUSH_REGISTERED = False


def flush_vhosts() -> None:
    """Remove the vhosts still waiting to be removed, and those made ahead and never taken (the end of a run)."""
    with _VHOSTS_LOCK:
        delete, _VHOSTS_TO_DELETE[:] = list(_VHOSTS_TO_DELETE), []
        for made in _VHOSTS_MADE.values():
            delete += made
            made.clear()
    if delete and not _ctl_eval([], "", delete):
        for old in delete:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", old], capture_output=True, timeout=60)


def database_url_for(server_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


TEST_TOKEN_TTL_SECONDS = 3600  # the life of the tests' tokens, and the most the tests' services accept


# -- a service's database, migrated ----------------------------------------------------------------------------------
# Each process migrates a database per service once (its template) and copies it for every stack it makes: copying
# takes 0.1-0.5 s where running the migrations took 0.8-1.6 s a service, and a run makes more than a hundred.
_TEMPLATES: dict[tuple[str, str], str] = {}  # (server, service) -> this process's migrated template database


def migrated_back(stack: Stack, service: str, revision: str) -> tuple[Any, Any]:
    """(Alembic config, engine) of `service`'s database on `stack`, taken back to `revision`: a migration's test
    writes rows as the service stored them then, upgrades with the config and reads them back with the engine."""
    import sqlalchemy as sa
    from alembic import command
    from qadam.migrations import alembic_config

    url = stack.database_url(service)
    config = alembic_config(service, url)
    command.downgrade(config, revision)
    return config, sa.create_engine(url)


def migrated_copy(server_url: str, service: str, database_url: str) -> None:
    """Create the database at `database_url` as `service` migrated to every head, with the trigger that announces
    what its consumer handled (`wait_for_handled`): a copy of this process's template of it."""
    key = (server_url, service)
    if key not in _TEMPLATES:
        name = f"qadam_tpl{uuid.uuid4().hex[:10]}_{service}"
        template_url = database_url_for(server_url, name)
        upgrade(service, template_url)
        announce_handled(template_url)
        _TEMPLATES[key] = name
    if not create_database_from(database_url, _TEMPLATES[key]):  # it existed: brought up to date as it is
        upgrade(service, database_url)
        announce_handled(database_url)


def create_database_from(database_url: str, template: str) -> bool:
    """CREATE DATABASE ... TEMPLATE `template` (nobody may be connected to it); False when it existed already."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    u = make_url(database_url)
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}).scalar():
                return False
            conn.execute(sa.text(f'CREATE DATABASE "{u.database}" TEMPLATE "{template}"'))
            return True
    finally:
        admin.dispose()


def drop_templates() -> None:
    """Drop this process's templates (the end of a test run)."""
    for (server_url, _), name in list(_TEMPLATES.items()):
        with contextlib.suppress(Exception):
            drop_database(database_url_for(server_url, name))
    _TEMPLATES.clear()


# -- one stack: databases for the services and a vhost ------------------------------------------------
@dataclass
class Stack:
    """Fresh databases (one per service) and a fresh vhost, with the settings each service runs on."""

    name: str
    servers: Servers
    keys: tuple[Path, Path]
    amqp_url: str = ""
    services: tuple[str, ...] = SERVICES
    vhost: str = ""
    _handled: HandledLog | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # under pytest-xdist each worker makes its own stacks: its id in the names says whose a database or vhost is
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker and worker not in self.name:
            self.name = f"{self.name}_{worker}"

    def database_url(self, service: str) -> str:
        return database_url_for(self.servers.database_url, f"{self.name}_{service}")

    def rows(self, service: str, sql: str, **params: Any) -> list[Any]:
        """What `sql` reads from a service's database now, on a connection of its own."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.database_url(service), poolclass=sa.NullPool)
        try:
            with engine.connect() as c:
                return list(c.execute(sa.text(sql), params))
        finally:
            engine.dispose()

    def settings(self, service: str, **overrides: Any) -> Settings:
        return load_settings(service, environ={}, **{**self.base_settings(service), **overrides})

    def base_settings(self, service: str) -> dict[str, Any]:
        return {
            "database_url": self.database_url(service),
            "amqp_url": self.amqp_url,
            "jwt_private_key_file": str(self.keys[0]),
            "jwt_public_key_file": str(self.keys[1]),
            "sealing_key_file": str(self.keys[0].parent / "sealing-keys.txt"),
            "log_format": "json",
            "log_level": "INFO",
            # a test module may hold a token for longer than a sign-in's five minutes; the services accept what
            # the portal issues on this stack, and the `token` fixture signs them as long
            "token_ttl_seconds": TEST_TOKEN_TTL_SECONDS,
            # the portal hashes the passwords of a test's users with argon2's cheapest parameters, not production's
            # 0.2 s of CPU and 64 MiB a hash (half of the sign-in tests' CPU; test_signin holds the production hash)
            **({"portal_password_hash": "cheapest"} if service == "portal" else {}),
        }

    def environment(self, service: str, **overrides: Any) -> dict[str, str]:
        """The process environment that runs `service` on this stack."""
        from dataclasses import fields as dc_fields

        settings = self.settings(service, **overrides)
        env = {k: v for k, v in os.environ.items() if not k.startswith("QADAM_")}
        for f in dc_fields(settings):
            name = f.metadata.get("env")
            if name and name != "PROMETHEUS_MULTIPROC_DIR":
                value = getattr(settings, f.name)
                env[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return env

    def open(self) -> Stack:
        self.vhost = take_vhost(self.servers.amqp_url)
        self.amqp_url = vhost_url(self.servers.amqp_url, self.vhost)
        from qadam_tools.system import declare

        # every queue bound before anything publishes: a worker declares only its own, and a mandatory publish that
        # no queue takes waits in the outbox to go again with back-off
        declare(self.amqp_url)
        for service in self.services:
            migrated_copy(self.servers.database_url, service, self.database_url(service))
        return self

    @property
    def handled(self) -> HandledLog:
        """What the consumers on this stack handled (listening from the first time a test asks)."""
        if self._handled is None:
            self._handled = HandledLog({s: self.database_url(s) for s in self.services}).start()
        return self._handled

    def close(self) -> None:
        if self._handled is not None:
            self._handled.close()
        for service in self.services:
            with contextlib.suppress(Exception):
                drop_database(self.database_url(service))
        delete_vhost(self.servers.amqp_url, self.vhost)


# -- running services as processes --------------------------------------------------------------------
def free_port() -> int:
    """A port nothing listens on, for a server a test starts, chosen outside the kernel's range of ephemeral ports:
    an outgoing connection's own port (any test's, on any worker) comes from that range and could take the port
    between this choice and the server's bind, so `make run`'s test once saw its notify answer "Address already in
    use"."""
    low, high = _listening_range()
    for _ in range(100):
        port = random.randint(low, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # nothing free there (not seen): the kernel's choice
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening_range() -> tuple[int, int]:
    """Ports below the ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range, 32768-60999 by default), or
    above it when it starts too low to leave room."""
    try:
        first, last = (int(v) for v in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        first, last = 32768, 60999
    if first - 1 >= 12000:
        return 10000, first - 1
    return min(last + 1, 64000), 65000


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | Launched | None = None

    def start(self) -> Process:
        if LAUNCHER and launchable(self.argv):  # forked from the interpreter that has the libraries imported
            self.popen = Launcher.shared().launch(self.argv, self.env, self.log_path, name=self.name)
            return self
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        log.close()
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int | None:
        if self.popen is None or self.popen.poll() is not None:
            return self.popen.returncode if self.popen else None
        self.signal(sig)
        return self.wait_stopped(timeout)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        """Send `sig` to the process and its children, if it still runs."""
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def wait_stopped(self, timeout: float = 20) -> int | None:
        """Its exit status once it has ended; killed (SIGKILL) when it has not within `timeout` seconds."""
        if self.popen is None:
            return None
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            return self.popen.wait(5)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON log lines this process wrote (other lines, e.g. gunicorn's own, skipped)."""
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return out


def web_process(stack: Stack, service: str, log_dir: Path, port: int, workers: int = 1, **overrides: Any) -> Process:
    argv = [*gunicorn_argv(service, f"127.0.0.1:{port}", workers), "--graceful-timeout", "5",
            f"{service}.app:create_app()"]
    return Process(f"{service}-web", argv, stack.environment(service, **overrides), log_dir / f"{service}-web.log")


def worker_process(stack: Stack, service: str, log_dir: Path, **overrides: Any) -> Process:
    argv = [sys.executable, "-m", f"{service}.worker"]
    return Process(f"{service}-worker", argv, stack.environment(service, **overrides), log_dir / f"{service}-worker.log")


@dataclass
class RunningSystem:
    """The services' web processes and workers (the portal's too, when the stack has it), on one stack."""

    stack: Stack
    log_dir: Path
    urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)

    def start(self, overrides: dict[str, dict[str, Any]] | None = None) -> RunningSystem:
        overrides = overrides or {}
        ports = {service: free_port() for service in self.stack.services}
        self.urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
        # the portal calls the services; its alert links and notify's point at it
        apis = {f"{s}_url": self.urls[s] for s in self.stack.services if s != "portal"}
        for service in self.stack.services:
            extra = {**(apis if service == "portal" else {}), **overrides.get(service, {})}
            if "portal" in self.urls and service != "portal":  # as deployed: the services trust the portal's JWKS
                if hasattr(self.stack.settings(service), "portal_url"):  # notify's links lead into the portal
                    extra.setdefault("portal_url", self.urls["portal"])
                extra.setdefault("jwks_url", f"{self.urls['portal']}/.well-known/jwks.json")
            self.processes[f"{service}-web"] = web_process(self.stack, service, self.log_dir, ports[service],
                                                           **extra).start()
            self.start_worker(service, **extra)
        for service, url in self.urls.items():
            wait_until(partial(self._alive_and_ready, service, url), timeout=60, what=f"{service} to answer /readyz")
        return self

    def _alive_and_ready(self, service: str, url: str) -> bool:
        return self._alive(service) and _ready(url)

    def _alive(self, service: str) -> bool:
        for kind in ("web", "worker"):
            process = self.processes[f"{service}-{kind}"]
            if process.popen is not None and process.popen.poll() is not None:
                tail = process.log_path.read_text(errors="replace")[-3000:]
                raise AssertionError(f"{process.name} exited with {process.popen.returncode}:\n{tail}")
        return True

    def restart(self) -> RunningSystem:
        """Start every process again after `stop`, on the same ports and settings (the databases kept their data)."""
        for process in self.processes.values():
            process.start()
        for service, url in self.urls.items():
            wait_until(partial(self._alive_and_ready, service, url), timeout=60, what=f"{service} to answer /readyz")
        return self

    def start_worker(self, service: str, **overrides: Any) -> Process:
        process = worker_process(self.stack, service, self.log_dir, **overrides).start()
        self.processes[f"{service}-worker"] = process
        return process

    def stop(self) -> None:
        """Every process told to stop at once, then each waited for: one after another, each gunicorn's graceful
        shutdown (about a second) and each worker's were waited for in turn, some 10 s for a whole system."""
        for process in self.processes.values():
            process.signal()
        for process in self.processes.values():
            process.wait_stopped()

    def logs(self, name: str) -> list[dict[str, Any]]:
        return self.processes[name].log_lines()

    def mark(self) -> int:
        """Where the stack's log of handled events is now (see `wait_for_handled`)."""
        return self.stack.handled.mark()

    def wait_for_handled(self, service: str, event_type: str, *, count: int = 1, since: int = 0,
                         message_id: uuid.UUID | str | None = None, timeout: float = 30.0) -> list[Handled]:
        """Block until `service`'s consumer has committed `count` events of `event_type` after the mark `since`."""
        return self.stack.handled.wait_for_handled(service, event_type, count=count, since=since,
                                                   message_id=message_id, timeout=timeout)


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_until(predicate: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.05,
               what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy; fail the test with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# -- what the code under test logged ---------------------------------------------------------------------------
def logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> str:
    """What the code under test logged so far: through logging once a service configured structlog (its app was
    made), straight to stdout before that."""
    out = capsys.readouterr()
    return caplog.text + out.out + out.err


# -- a real SMTP server ------------------------------------------------------------------------------
class MailCatcher:
    """A real SMTP server (aiosmtpd) on localhost that keeps what it receives; can be told to fail: the next
    `fail_next` messages get `fail_reply` (a 451 "try again later" unless a test sets, say, a 550)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        self.fail_next = 0
        self.fail_reply = "451 4.3.0 Temporary failure, try again later"
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_reply
            self.messages.append(message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def start(self) -> MailCatcher:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


# -- real HTTP servers that answer like an SMS gateway and the Telegram Bot API ----------------------------------------
class LocalHttpServer:
    """An HTTP server (http.server, in a thread) on 127.0.0.1 and a free port, standing in for a system outside
    Qadam; a subclass's `start` serves its own request handler with `_serve`."""

    def __init__(self) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        # a short poll interval: stop() waits for the loop to notice, and a test waits for stop()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=type(self).__name__, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _FakeHttpService(LocalHttpServer):
    """A local HTTP server whose subclass answers each POST. `stall_next(n, seconds)` makes the next n requests wait
    before answering, for a client's timeout."""

    def __init__(self) -> None:
        super().__init__()
        self._stalls: list[float] = []

    def answer(self, path: str, headers: Mapping[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        """(status, JSON reply) to a POST of `body` (parsed JSON, or None) to `path`; `headers` in lower case."""
        raise NotImplementedError

    def stall_next(self, n: int, seconds: float) -> None:
        with self._lock:
            self._stalls.extend([seconds] * n)

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake._lock:
                    stall = fake._stalls.pop(0) if fake._stalls else 0.0
                if stall:
                    time.sleep(stall)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                status, reply = fake.answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                payload = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting (a stalled answer)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the test's output is its own
                pass

        self._serve(Handler)
        return self


class FakeSmsGateway(_FakeHttpService):
    """An SMS gateway as notify's SMS channel expects one: POST `url` with JSON {to, text, id} and, when the gateway
    has a `token`, `Authorization: Bearer <token>` (401 otherwise). Keeps each accepted message in `messages` as
    {to, text, id, authorization}; `fail_next(n, status)` answers the next n requests with that status."""

    PATH = "/api/sms/send"

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.messages: list[dict[str, Any]] = []
        self._failures: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.PATH}"

    def fail_next(self, n: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * n)

    def answer(self, path: str, headers: Mapping[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        authorization = headers.get("authorization")
        with self._lock:
            if self._failures:
                status = self._failures.pop(0)
                return status, {"status": "error", "message": f"failure {status} on request"}
            if path != self.PATH:
                return 404, {"status": "error", "message": "not found"}
            if self.token and authorization != f"Bearer {self.token}":
                return 401, {"status": "error", "message": "invalid or missing bearer token"}
            if not isinstance(body, dict) or not all(isinstance(body.get(k), str) and body.get(k) for k in ("to", "text", "id")):
                return 400, {"status": "error", "message": "to, text and id are required strings"}
            self.messages.append({"to": body["to"], "text": body["text"], "id": body["id"], "authorization": authorization})
            return 200, {"status": "accepted", "id": body["id"]}

    def to(self, number: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["to"] == number]


class FakeTelegram(_FakeHttpService):
    """The Telegram Bot API's sendMessage: put `api_url` in settings (`telegram_api_url`) with `token`. Keeps each
    message sent in `messages` as {token, chat_id, text, disable_web_page_preview}. `known_chats` (when given):
    any other chat id answers 400 "Bad Request: chat not found"; `blocked_chats` answer 403 as a user who blocked
    the bot. `fail_next(n, status, description, retry_after)` answers the next n calls with the Bot API's error."""

    def __init__(self, token: str = "123456:TEST-fake-bot-token", known_chats: Iterable[str] | None = None,
                 blocked_chats: Iterable[str] = ()) -> None:
        super().__init__()
        self.token = token
        self.known_chats = None if known_chats is None else {str(c) for c in known_chats}
        self.blocked_chats = {str(c) for c in blocked_chats}
        self.messages: list[dict[str, Any]] = []
        self._failures: list[tuple[int, str, int | None]] = []

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, n: int, status: int = 429, description: str | None = None, retry_after: int | None = None) -> None:
        described = description or {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                                    429: f"Too Many Requests: retry after {retry_after or 1}"}.get(
                                        status, "Internal Server Error")
        with self._lock:
            self._failures.extend([(status, described, retry_after)] * n)

    def answer(self, path: str, headers: Mapping[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self._failures:
                status, description, retry_after = self._failures.pop(0)
                return self._error(status, description, retry_after)
            prefix, _, method = path.rpartition("/")
            if not prefix.startswith("/bot"):
                return self._error(404, "Not Found")
            if prefix[len("/bot"):] != self.token:
                return self._error(401, "Unauthorized")
            if method != "sendMessage":
                return self._error(404, "Not Found")
            if not isinstance(body, dict) or body.get("chat_id") in (None, ""):
                return self._error(400, "Bad Request: chat_id is empty")
            chat = str(body["chat_id"])
            if not body.get("text"):
                return self._error(400, "Bad Request: message text is empty")
            if len(body["text"]) > 4096:
                return self._error(400, "Bad Request: message is too long")
            if chat in self.blocked_chats:
                return self._error(403, "Forbidden: bot was blocked by the user")
            if self.known_chats is not None and chat not in self.known_chats:
                return self._error(400, "Bad Request: chat not found")
            self.messages.append({"token": self.token, "chat_id": chat, "text": body["text"],
                                  "disable_web_page_preview": body.get("disable_web_page_preview", False)})
            return 200, {"ok": True, "result": {"message_id": len(self.messages), "chat": {"id": chat},
                                                "date": int(time.time()), "text": body["text"]}}

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None) -> tuple[int, dict[str, Any]]:
        reply: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            reply["parameters"] = {"retry_after": retry_after}
        return status, reply

    def to(self, chat_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["chat_id"] == str(chat_id)]


# -- fixtures ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    found = find_servers()
    yield found
    flush_vhosts()  # after every stack of the run was closed (they depend on this fixture)
    drop_templates()
    found.close()


def production_key_files(folder: Path) -> dict[str, Path]:
    """Keys fit for production (`qadam keys --production`: no development mark) made in `folder`, by the setting each
    is for: jwt_private_key_file, jwt_public_key_file, sealing_key_file."""
    files = {"jwt_private_key_file": folder / "jwt-private.pem", "jwt_public_key_file": folder / "jwt-public.pem",
             "sealing_key_file": folder / "sealing-keys.txt"}
    generate_keypair(files["jwt_private_key_file"], files["jwt_public_key_file"], development=False)
    sealing.ensure(files["sealing_key_file"], development=False)
    return files


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    generate_keypair(private, public)
    sealing.ensure(folder / "sealing-keys.txt")
    return private, public


@pytest.fixture(scope="session")
def stack(servers: Servers, jwt_keys: tuple[Path, Path]) -> Iterator[Stack]:
    """The test run's stack: fresh databases for all four services and a fresh vhost."""
    s = Stack(f"qadam_t{uuid.uuid4().hex[:10]}", servers, jwt_keys).open()
    yield s
    s.close()


@pytest.fixture
def isolated_stack(servers: Servers, jwt_keys: tuple[Path, Path]) -> Iterator[Callable[..., Stack]]:
    """Make a stack for this test alone (its own vhost and databases), for tests that stop or break things."""
    made: list[Stack] = []

    def make(*services: str) -> Stack:
        s = Stack(f"qadam_i{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=services or SERVICES).open()
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture(scope="session")
def token(jwt_keys: tuple[Path, Path]) -> Callable[..., str]:
    """token(user_id, role, region=..., district=...) -> a signed bearer token, as the portal will issue."""
    private = jwt_keys[0].read_bytes()
    defaults = Settings()

    def make(user_id: str, role: str, **claims: Any) -> str:
        return issue_token(private, user_id=user_id, role=role, issuer=defaults.jwt_issuer,
                           audience=defaults.jwt_audience, **{"ttl_seconds": TEST_TOKEN_TTL_SECONDS, **claims})

    return make


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher().start()
    yield catcher
    catcher.stop()


@pytest.fixture
def sms_gateway() -> Iterator[FakeSmsGateway]:
    """An SMS gateway on localhost that wants the bearer token `sms_gateway.token`; settings take `.url`."""
    gateway = FakeSmsGateway(token="test-sms-gateway-token").start()
    yield gateway
    gateway.stop()


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    """The Telegram Bot API on localhost for the bot `telegram.token`; settings take `.api_url`."""
    api = FakeTelegram().start()
    yield api
    api.stop()


# -- small helpers the tests share -------------------------------------------------------------------------
def bearer(token: str, **headers: str) -> dict[str, str]:
    """Request headers carrying `token` as the bearer token (and any other headers given)."""
    return {"Authorization": f"Bearer {token}", **headers}


def seed_sessions_cohort(conn: Any, *, region: str, district: str, facilitator_ids: Iterable[str],
                         sessions_required: int = 8, roster: Mapping[uuid.UUID, str] | None = None,
                         cohort_id: uuid.UUID | None = None, programme_id: uuid.UUID | None = None) -> uuid.UUID:
    """A cohort known to sessions, as enrollment's events would leave it, written with plain SQL on `conn` (a
    connection to sessions' database, in a transaction): its `cohort_view` row and, for each enrolment id -> participant
    code in `roster`, an active `roster_entry`. Columns by name, so a migration that adds one breaks nothing here.
    The cohort's id."""
    import sqlalchemy as sa

    cohort = cohort_id or uuid.uuid4()
    conn.execute(sa.text(
        "INSERT INTO cohort_view (cohort_id, programme_id, region, district, facilitator_ids, sessions_required) "
        "VALUES (:cohort, :programme, :region, :district, :facilitators, :required)"),
        {"cohort": cohort, "programme": programme_id or uuid.uuid4(), "region": region, "district": district,
         "facilitators": list(facilitator_ids), "required": sessions_required})
    if roster:
        conn.execute(sa.text("INSERT INTO roster_entry (enrolment_id, cohort_id, participant_code, status) "
                             "VALUES (:enrolment, :cohort, :code, 'active')"),
                     [{"enrolment": e, "cohort": cohort, "code": code} for e, code in roster.items()])
    return cohort


# -- the broker, as a producer or an operator sees it ------------------------------------------------
@contextlib.contextmanager
def broker_channel(amqp_url: str) -> Iterator[Any]:
    from qadam.bus import close_quietly, connect

    conn = connect(amqp_url, name="test")
    try:
        channel = conn.channel()
        yield channel
    finally:
        close_quietly(conn)


def publish_raw(amqp_url: str, exchange: str, routing_key: str, body: bytes, message_id: str | None = None) -> None:
    """Publish bytes as a producer would (persistent, confirmed): for duplicates and malformed messages."""
    import pika

    with broker_channel(amqp_url) as ch:
        ch.confirm_delivery()
        ch.basic_publish(exchange, routing_key, body, mandatory=True, properties=pika.BasicProperties(
            message_id=message_id or str(uuid.uuid4()), delivery_mode=2, content_type="application/json"))


def publish_envelope(amqp_url: str, envelope: dict[str, Any]) -> None:
    from qadam.events import exchange_of

    publish_raw(amqp_url, exchange_of(envelope["producer"]), envelope["type"],
                json.dumps(envelope, default=str).encode(), envelope["id"])


def queue_depth(amqp_url: str, queue: str) -> int:
    """Messages ready in `queue` (not counting those a consumer holds unacked)."""
    with broker_channel(amqp_url) as ch:
        return int(ch.queue_declare(queue, passive=True).method.message_count)


def declare_topology(settings: Settings) -> None:
    """Declare the whole system's exchanges, queues and bindings on the settings' vhost."""
    declare(settings.amqp_url)


def close_vhost_connections(vhost: str) -> None:
    """Have the broker drop every connection of a vhost, as a broker restart would (what `rabbitmqctl
    close_all_connections -p <vhost>` does, evaluated on the node)."""
    if _SAFE_VHOST.fullmatch(vhost) and node_eval([
            "rabbit_connection_tracking_handler:close_connections(rabbit_connection_tracking:list("
            f'{_erlang_binary(vhost)}), <<"test: broker went away">>, 0)']):
        return
    subprocess.run(["rabbitmqctl", "-q", "close_all_connections", "-p", vhost, "test: broker went away"],
                   check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def app_for(stack: Stack) -> Callable[[str], Any]:
    """app_for(service) -> that service's Flask app on the run's stack (in process, real database)."""
    from importlib import import_module

    apps: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in apps:
            apps[service] = import_module(f"{service}.app").create_app(stack.base_settings(service))
        return apps[service]

    return make
