"""`make run` (`qadam run`) against the real PostgreSQL and RabbitMQ: Ctrl-C ends every process it started, and a
token made outside the checkout is one the running services take."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from qadam.db import drop_database
from qadam_testing import Servers, create_vhost, database_url_for, delete_vhost, free_port, wait_until
from qadam_tools.system import SERVICES, service_ports

pytestmark = pytest.mark.e2e


def _free_base_port() -> int:
    """A base port whose five development ports (base - 1 .. base + 3) nothing listens on."""
    for _ in range(50):
        base = free_port()
        ports = service_ports(base).values()
        if min(ports) > 1024 and not any(_listening(port) for port in ports):
            return base
    raise AssertionError("no five free ports in a row")


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def _descendants(root: int) -> set[int]:
    """Every process below `root` now (from /proc), however deep: gunicorn masters, their workers, the workers."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _why_it_stopped(text: str) -> str:
    """What a stopped run said about why: its error lines and tracebacks (gunicorn's CRITICAL lines, PostgreSQL's
    FATAL ones too) first, then its last lines."""
    telling = [line for line in text.splitlines()
               if any(w in line for w in ("Error", "error", "Traceback", "unexpectedly", "exited", "refused",
                                          "CRITICAL", "FATAL", "Reason:", "timeout", "TIMEOUT"))]
    return "\n".join(telling[-60:]) + "\n...\n" + text[-1500:]


@contextlib.contextmanager
def _qadam_run(servers: Servers, tmp_path: Path) -> Iterator[dict[str, object]]:
    """`qadam run` in a directory of its own (its keys and files there), on a fresh vhost, fresh databases and free
    ports, until it prints that Qadam is running; stopped (Ctrl-C, then whatever is left killed) and removed after."""
    name = f"qadam_r{uuid.uuid4().hex[:10]}"
    amqp_url = create_vhost(servers.amqp_url, name)
    database_url = database_url_for(servers.database_url, f"{name}_SERVICE").replace("SERVICE", "{service}")
    base = _free_base_port()
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QADAM_")}
    env.update(QADAM_DATABASE_URL=database_url, QADAM_AMQP_URL=amqp_url, QADAM_RUN_BASE_PORT=str(base),
               QADAM_SMTP_PORT=str(free_port()), QADAM_RUN_RECORD=str(tmp_path / "running.json"))
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "qadam_tools.cli", "run"], cwd=checkout, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    started: set[int] = set()
    try:
        wait_until(lambda: "Ctrl-C stops everything" in log.read_text(errors="replace") or process.poll() is not None,
                   timeout=180, interval=0.5, what="`qadam run` to say the system is running")
        assert process.poll() is None, _why_it_stopped(log.read_text(errors="replace"))
        started = _descendants(process.pid)
        yield {"process": process, "base": base, "env": env, "log": log, "started": started}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(30)
        for pid in started | _descendants(process.pid):  # whatever the test left, so that nothing outlives it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        for service in SERVICES:
            with contextlib.suppress(Exception):
                drop_database(database_url.replace("{service}", service))
        delete_vhost(servers.amqp_url, name)


@pytest.fixture(scope="module")
def _runs(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], dict[str, object]]]:
    """running() -> the module's `qadam run`, started again when a test before ended it (starting one takes some
    ten processes, their demo data and 15-20 s here: the tests that leave it running share it)."""
    with contextlib.ExitStack() as runs:
        current: list[dict[str, object]] = []

        def running() -> dict[str, object]:
            if not current or current[-1]["process"].poll() is not None:  # type: ignore[attr-defined]
                current.append(runs.enter_context(_qadam_run(servers, tmp_path_factory.mktemp("run"))))
            return current[-1]

        yield running


@pytest.fixture
def runner(_runs: Callable[[], dict[str, object]]) -> dict[str, object]:
    """`qadam run`, running (see `_runs`)."""
    return _runs()


def test_a_token_made_outside_the_checkout_is_taken_by_the_running_services(runner, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = subprocess.run([sys.executable, "-m", "qadam_tools.cli", "token", "--user", "mgr-1", "--role", "manager",
                           "--region", "Qoraqalpogʻiston Respublikasi"], cwd=elsewhere, env=runner["env"],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert not (elsewhere / "var").exists()  # no new keys made where it was run
    enrollment = f"http://127.0.0.1:{runner['base']}"
    answer = requests.get(f"{enrollment}/cohorts?page_size=1", timeout=10,
                          headers={"Authorization": f"Bearer {made.stdout.strip()}"})
    assert answer.status_code == 200, answer.text


def test_ctrl_c_ends_every_process_make_run_started_and_frees_its_ports_within_ten_seconds(runner):
    process: subprocess.Popen[bytes] = runner["process"]  # type: ignore[assignment]
    started: set[int] = runner["started"]  # type: ignore[assignment]
    ports = list(service_ports(runner["base"]).values())  # type: ignore[arg-type]
    # five web masters with their workers, and five workers
    assert len(started) >= 15, started
    assert all(_listening(port) for port in ports)
    requests.get(f"http://127.0.0.1:{ports[-1]}/", timeout=10)  # the portal busy with a page as Ctrl-C comes

    process.send_signal(signal.SIGINT)
    began = time.monotonic()
    wait_until(lambda: process.poll() is not None and not any(_running(pid) for pid in started)
               and not any(_listening(port) for port in ports), timeout=10, interval=0.1,
               what="every process `qadam run` started to end and its ports to be free")
    took = time.monotonic() - began
    assert took <= 10
    assert process.returncode == 0
    assert "Qadam stopped." in runner["log"].read_text(errors="replace")  # type: ignore[attr-defined]


def test_the_ports_servers_are_started_on_are_outside_the_kernels_ephemeral_range():
    """An outgoing connection's own port comes from the ephemeral range: a port chosen there could be taken between
    the choice and a server's bind (`make run`'s notify once answered "Address already in use")."""
    first, last = (int(v) for v in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    ports = {free_port() for _ in range(50)}
    assert not any(first <= port <= last for port in ports), sorted(ports)
    assert len(ports) > 40  # chosen at random, not one port again and again
