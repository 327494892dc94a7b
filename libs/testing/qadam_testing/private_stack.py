"""The services on a private PostgreSQL cluster, for the tests that fail it over or restore it (issue 22): a stack
whose databases live there (its URL may name several servers: a failover pair), its vhost on the machine's broker,
and some services' web processes and workers started on it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import requests
from qadam.migrations import upgrade
from qadam_tools.system import declare

from .harness import (
    Process,
    Stack,
    delete_vhost,
    free_port,
    take_vhost,
    vhost_url,
    wait_until,
    web_process,
    worker_process,
)


@dataclass
class PrivateDatabaseStack(Stack):
    """A Stack whose databases are on a private cluster (its URL may name several servers: a failover pair), made by
    running each service's migrations there; the vhost is the machine's broker's, as any stack's."""

    def open(self) -> PrivateDatabaseStack:
        self.vhost = take_vhost(self.servers.amqp_url)
        self.amqp_url = vhost_url(self.servers.amqp_url, self.vhost)
        declare(self.amqp_url)
        for service in self.services:
            upgrade(service, self.database_url(service))
        return self

    def close(self) -> None:  # the private clusters are removed whole
        delete_vhost(self.servers.amqp_url, self.vhost)


@dataclass
class Services:
    """The web processes and workers of some services on a stack."""

    urls: dict[str, str]
    processes: dict[str, Process]

    def stop_workers(self) -> None:
        for name, process in self.processes.items():
            if name.endswith("-worker"):
                process.stop()

    def redeliveries(self) -> int:
        """Messages a consumer received again and acknowledged without effect (its inbox had them)."""
        return sum(1 for name, p in self.processes.items() if name.endswith("-worker")
                   for line in p.log_lines() if line.get("event") == "message_duplicate")


@contextlib.contextmanager
def running(stack: Stack, log_dir: Path, *, webs: tuple[str, ...], workers: tuple[str, ...]) -> Iterator[Services]:
    """`webs`' web processes and `workers`' workers on `stack`, ready; all stopped afterwards."""
    ports = {service: free_port() for service in webs}
    started = Services({s: f"http://127.0.0.1:{p}" for s, p in ports.items()}, {})
    try:
        for service in webs:
            started.processes[f"{service}-web"] = web_process(stack, service, log_dir, ports[service]).start()
        for service in workers:
            started.processes[f"{service}-worker"] = worker_process(stack, service, log_dir).start()
        for service, url in started.urls.items():
            wait_until(partial(_ready, started, url), timeout=60, what=f"{service} to answer /readyz")
        yield started
    finally:
        for process in started.processes.values():
            process.stop()


def _ready(started: Services, url: str) -> bool:
    """Every process still running (else its log's end is the failure), and the web process at `url` ready."""
    for process in started.processes.values():
        if process.popen is not None and process.popen.poll() is not None:
            raise AssertionError(f"{process.name} exited with {process.popen.returncode}:\n"
                                 + process.log_path.read_text(errors="replace")[-3000:])
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
