"""Erlang evaluated on a running RabbitMQ node by `erl_call`, Erlang's own small C client: it talks to the node over
its distribution port as `rabbitmqctl eval` does, but boots no Erlang VM (a few milliseconds and no CPU to speak of,
where each rabbitmqctl call costs some 0.6 CPU-s and 0.5 to 7 s of wall time on a loaded machine).

- `erl_eval`: one expression on a node, given the node's name and a HOME holding its Erlang cookie; the fault
  suites' private nodes (qadam_testing.private_servers) and the machine's shared node both go through it.
- `shared_node`: the machine's own RabbitMQ node (the broker at 127.0.0.1:5672 that the tests share) as erl_call
  reaches it: its name and the HOME whose cookie rabbitmqctl uses, or None when erl_call is missing.
- `shared_eval`: an expression on that node, or None when erl_call cannot reach it; the caller then falls back to
  rabbitmqctl (the test harness; `qadam run` setting the queues' policies when the management API does not answer).
- `erlang_term`, `policy_steps`: the Erlang that sets a vhost's policies, for either.

Development and tests only: in production the broker's definitions or the Messaging Topology Operator set things up.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

# Erlang's client that evaluates an expression on a running node (part of every Erlang/OTP installation)
ERL_CALL = os.environ.get("QADAM_CHAOS_ERL_CALL") or shutil.which("erl_call") or "/usr/lib/erlang/bin/erl_call"
# where Debian's RabbitMQ package keeps the node's cookie: rabbitmqctl run as root switches to that user and home
_RABBITMQ_HOME = Path("/var/lib/rabbitmq")
_RABBITMQ_ENV_FILE = Path("/etc/rabbitmq/rabbitmq-env.conf")


_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_.-]+")


def erlang_term(value: Any) -> str:
    """An integer or a text (as an Erlang binary) for an expression evaluated on the node. A text with a backslash
    (a pattern) is written as its bytes: Debian's rabbitmqctl wrapper, run as root, passes the expression through a
    shell that takes one level of backslashes away, the node's own rabbitmqctl and erl_call do not."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if _PLAIN_TEXT.fullmatch(text):
        return f'<<"{text}">>'
    return "<<" + ",".join(str(byte) for byte in text.encode()) + ">>"


def policy_steps(vhost: str, policies: list[dict[str, Any]], acting_user: str) -> list[str]:
    """The steps (Erlang expressions evaluated on the node) that set `policies` (`Topology.policies()` items) on
    `vhost`, recorded as done by `acting_user`."""
    steps = []
    for policy in policies:
        definition = ", ".join(f"{{{erlang_term(k)}, {erlang_term(v)}}}" for k, v in policy["definition"].items())
        steps.append(f"ok = rabbit_policy:set({erlang_term(vhost)}, {erlang_term(policy['name'])}, "
                     f"{erlang_term(policy['pattern'])}, [{definition}], {policy['priority']}, "
                     f"{erlang_term(policy['apply-to'])}, {erlang_term(acting_user)})")
    return steps


class ErlCallFailed(RuntimeError):
    """erl_call did not give the expression's value: the node is not there, refused the cookie, or raised."""


def erl_eval(node: str, expression: str, *, home: Path, env: dict[str, str] | None = None,
             timeout: float = 60) -> Any:
    """The value of `expression` (Erlang expressions separated by commas; the last one's value, which JSON can hold)
    evaluated on `node`, as `rabbitmqctl eval` would evaluate it, with the cookie in `home`. The value crosses as
    base64 of its JSON: erl_call prints a long binary cut short, and a text as it is, with no escapes."""
    program = f"binary_to_list(base64:encode(rabbit_json:encode(begin {expression} end))).\n"
    run_env = dict(env if env is not None else os.environ)
    run_env["HOME"] = str(home)  # erl_call reads the cookie from $HOME/.erlang.cookie
    try:
        done = subprocess.run([ERL_CALL, "-sname", node, "-R", "-timeout", str(round(timeout)), "-e"],
                              input=program, env=run_env, capture_output=True, text=True, timeout=timeout + 10,
                              cwd=home)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ErlCallFailed(f"erl_call on {node} failed: {exc}") from exc
    out = done.stdout.strip()
    if done.returncode != 0 or not (out.startswith('{ok, "') and out.endswith('"}')):
        raise ErlCallFailed(f"erl_call on {node} failed ({done.returncode}): {out or done.stderr.strip()}")
    return json.loads(base64.b64decode(out[len('{ok, "'):-len('"}')]))


def _configured_node_name() -> str | None:
    """The node's name as rabbitmqctl finds it: RABBITMQ_NODENAME, else NODENAME in rabbitmq-env.conf."""
    if os.environ.get("RABBITMQ_NODENAME"):
        return os.environ["RABBITMQ_NODENAME"]
    try:
        lines = _RABBITMQ_ENV_FILE.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.strip().partition("=")
        if key.strip() == "NODENAME" and value.strip():
            return value.strip().strip("\"'")
    return None


@functools.cache
def shared_node() -> tuple[str, Path] | None:
    """The machine's shared RabbitMQ node as erl_call reaches it: its name (`rabbit@<short host name>` unless
    configured otherwise) and the HOME whose cookie rabbitmqctl uses (the RabbitMQ user's when this user may read
    it, as root may, else this user's own). None without erl_call."""
    if not Path(ERL_CALL).is_file():
        return None
    node = _configured_node_name() or "rabbit"
    if "@" not in node:
        node = f"{node}@{socket.gethostname().split('.', 1)[0]}"
    cookie = _RABBITMQ_HOME / ".erlang.cookie"
    home = _RABBITMQ_HOME if os.access(cookie, os.R_OK) else Path.home()
    return node, home


_UNREACHABLE = threading.Event()  # set once erl_call could not reach the shared node: rabbitmqctl from then on


def shared_eval(expression: str, timeout: float = 60) -> Any | None:
    """The value of `expression` evaluated on the shared node by erl_call (see `erl_eval`); None when erl_call is
    missing or cannot reach the node (another host's broker, a cookie this user may not read), and from then on in
    this process, so the caller's rabbitmqctl fallback is not tried after a wasted erl_call each time. An
    expression that raises on the node also gives None: rabbitmqctl then says what went wrong."""
    target = shared_node()
    if target is None or _UNREACHABLE.is_set():
        return None
    node, home = target
    try:
        return erl_eval(node, expression, home=home, timeout=timeout)
    except ErlCallFailed:
        try:
            erl_eval(node, "ok", home=home, timeout=10)
        except ErlCallFailed:
            _UNREACHABLE.set()
        return None
