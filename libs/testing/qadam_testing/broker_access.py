"""A private vhost loaded from the broker's definitions (deploy/rabbitmq/definitions.json, as `Topology.definitions`
writes it), with its least-privilege users given fresh passwords: what a test of who may do what on the broker needs.

Users are not per vhost in RabbitMQ, so each user here is named `<user>.<suffix>` (the suffix fresh per call) and
removed with the vhost when the block ends.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import os
import secrets
import subprocess
import tempfile
import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Any

import requests
from qadam_tools.erlang_node import erlang_term, shared_eval

from .harness import _CTL_USER, _local_ctl, node_eval, vhost_url, wait_until


def password_hash(password: str) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password)), a 4-byte salt."""
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _user_url(amqp_url: str, vhost: str, user: str, password: str) -> str:
    parts = urllib.parse.urlsplit(vhost_url(amqp_url, vhost))
    netloc = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}@{parts.hostname}"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{netloc}:{parts.port or 5672}"))


@contextlib.contextmanager
def loaded_definitions(amqp_url: str, definitions: dict[str, Any], *,
                       passwords: bool = True) -> Iterator[dict[str, str]]:
    """Import `definitions` (for vhost "/") into a fresh vhost on the broker at `amqp_url`, each user with a fresh
    password (`passwords`; else with the password hash the definitions give); yields each user's AMQP URL by the
    name the definitions give it. Everything is removed afterwards."""
    suffix = uuid.uuid4().hex[:8]
    vhost = f"qadam_access_{suffix}"
    loaded = copy.deepcopy(definitions)
    urls, renamed = {}, {}
    for user in loaded.get("users", []):
        password = secrets.token_urlsafe(16)
        renamed[user["name"]] = f"{user['name']}.{suffix}"
        urls[user["name"]] = _user_url(amqp_url, vhost, renamed[user["name"]], password)
        user["name"] = renamed[user["name"]]
        if passwords:
            user["password_hash"] = password_hash(password)
    loaded["vhosts"] = [{"name": vhost}]
    for key in ("exchanges", "queues", "bindings", "policies", "permissions", "topic_permissions"):
        for item in loaded.get(key, []):
            item["vhost"] = vhost
            if "user" in item:
                item["user"] = renamed[item["user"]]
    _import(amqp_url, loaded)
    try:
        yield urls
    finally:
        _remove(amqp_url, vhost, list(renamed.values()))


def _management(amqp_url: str) -> tuple[str, tuple[str, str]]:
    parts = urllib.parse.urlsplit(amqp_url)
    return (f"http://{parts.hostname}:15672/api",
            (urllib.parse.unquote(parts.username or "guest"), urllib.parse.unquote(parts.password or "guest")))


def _import(amqp_url: str, definitions: dict[str, Any]) -> None:
    if _local_ctl(amqp_url):
        # by erl_call the definitions cross as base64 within the expression, with no file for the node to read
        encoded = base64.b64encode(json.dumps(definitions).encode()).decode()
        if shared_eval(f'ok = rabbit_definitions:import_raw(base64:decode(<<"{encoded}">>)), done') != "done":
            _import_with_rabbitmqctl(definitions)
        # the node imports in the background, bindings last: wait for them
        vhost = definitions["vhosts"][0]["name"]
        wait_until(lambda: _bindings(vhost) >= len(definitions.get("bindings", [])), timeout=60,
                   what=f"the definitions imported into {vhost}")
        return
    api, auth = _management(amqp_url)
    requests.post(f"{api}/definitions", auth=auth, json=definitions, timeout=30).raise_for_status()


def _import_with_rabbitmqctl(definitions: dict[str, Any]) -> None:
    """`rabbitmqctl import_definitions`, for a node erl_call cannot reach."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(definitions, file)
        file.flush()
        os.chmod(file.name, 0o644)  # the node reads it, as its own user (hashes of passwords made for this test)
        done = subprocess.run(["rabbitmqctl", "-q", "import_definitions", file.name], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"rabbitmqctl import_definitions: {done.stderr or done.stdout}"


def _bindings(vhost: str) -> int:
    """The bindings of `vhost` from a named exchange (those of the default exchange are implicit)."""
    counted = shared_eval(f"length([B || B <- rabbit_binding:list({erlang_term(vhost)}), "
                          "element(4, element(2, B)) =/= <<>>])")  # #binding{source = #resource{name}}
    if isinstance(counted, int):
        return counted
    listed = subprocess.run(["rabbitmqctl", "-q", "list_bindings", "-p", vhost, "source_name", "--formatter", "json"],
                            capture_output=True, text=True, timeout=60)
    if listed.returncode != 0:
        return 0
    return sum(1 for row in json.loads(listed.stdout or "[]") if row.get("source_name"))


def _remove(amqp_url: str, vhost: str, users: list[str]) -> None:
    if _local_ctl(amqp_url):
        # one evaluation on the node for the vhost and every user (`node_eval`: erl_call, else one rabbitmqctl call
        # rather than one per user); a name already gone is passed over
        steps = [f"catch rabbit_vhost:delete({erlang_term(vhost)}, {erlang_term(_CTL_USER)})",
                 *(f"catch rabbit_auth_backend_internal:delete_user({erlang_term(user)}, {erlang_term(_CTL_USER)})"
                   for user in users)]
        if node_eval(steps):
            return
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60)
        for user in users:
            subprocess.run(["rabbitmqctl", "-q", "delete_user", user], capture_output=True, timeout=60)
        return
    api, auth = _management(amqp_url)
    with contextlib.suppress(Exception):
        requests.delete(f"{api}/vhosts/{urllib.parse.quote(vhost, safe='')}", auth=auth, timeout=10)
        requests.post(f"{api}/users/bulk-delete", auth=auth, json={"users": users}, timeout=10)
