"""The fault suite (issue 9, Faults): the whole system on a private PostgreSQL cluster and a private RabbitMQ node,
under a steady stream of attendance marks sent through the HTTP API, while the suite restarts the broker, kills every
worker with SIGKILL (and starts it again) and restarts PostgreSQL. Afterwards every expected flag and notification
exists exactly once, no outbox row is left unsent, no message is parked, and a table says so.

`make test` runs the short form (a few hundred marks); `make chaos` the full one (QADAM_CHAOS=full: 5,000 marks).
The groups, the stream and the count are tests/mark_stream.py's, shared with the RabbitMQ cluster's suite.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mark_stream import (
    PrivateStack,
    Shape,
    assert_exactly_once,
    count,
    print_table,
    run_plan,
    settled,
    stream_under_faults,
)
from qadam_testing import MailCatcher, RunningSystem, Servers, wait_until
from qadam_testing.private_servers import PrivateRabbit, private_servers
from qadam_tools.system import API_SERVICES

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]
FULL = os.environ.get("QADAM_CHAOS") == "full"
SHAPE = Shape(10, 25, 20, 5, 150) if FULL else Shape(3, 12, 8, 4, 20)


@dataclass
class Chaos:
    system: RunningSystem
    stack: PrivateStack
    pg: Any
    mq: PrivateRabbit
    mail: MailCatcher
    overrides: dict[str, dict[str, Any]]
    faults: list[str] = field(default_factory=list)

    def kill_worker(self, service: str) -> None:
        self.system.processes[f"{service}-worker"].kill()
        self.faults.append(f"SIGKILL {service}-worker")
        time.sleep(0.5)
        self.system.start_worker(service, **self.overrides.get(service, {}))

    def restart_broker(self) -> None:
        self.mq.restart()
        self.faults.append("RabbitMQ node stopped and started")

    def restart_database(self) -> None:
        self.pg.restart()
        self.faults.append("PostgreSQL restarted (-m fast)")

    def stop_workers(self) -> None:
        """Stop every worker (SIGTERM) and wait until each has ended: nothing is consumed, published or mailed after
        this, so what the databases and the mail catcher hold then is all there will be."""
        for name, process in self.system.processes.items():
            if name.endswith("-worker"):
                process.stop()


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory, jwt_keys: tuple[Path, Path]) -> Iterator[Chaos]:
    mail = MailCatcher().start()
    with private_servers() as (pg, mq):
        stack = PrivateStack(f"qadam_c{uuid.uuid4().hex[:10]}", Servers(pg.url, mq.url, "private"), jwt_keys,
                             services=API_SERVICES, rabbit=mq).open()
        system = RunningSystem(stack, tmp_path_factory.mktemp("chaos-logs"))
        overrides = {"notify": {"smtp_port": mail.port, "portal_url": "https://portal.qadam.test"}}
        try:
            system.start(overrides)
            yield Chaos(system, stack, pg, mq, mail, overrides)
        finally:
            system.stop()
            mail.stop()


def inject_faults(chaos: Chaos, shape: Shape, done: threading.Event) -> None:
    """The faults, spread over the stream: each worker killed, the broker and the database restarted."""
    t = shape.stream_seconds
    plan: list[tuple[float, Callable[[], None]]] = [
        (0.05 * t, lambda: chaos.kill_worker("sessions")),
        (0.10 * t, chaos.restart_broker),
        (0.40 * t, lambda: chaos.kill_worker("risk")),
        (0.50 * t, chaos.restart_database),
        (0.60 * t, lambda: chaos.kill_worker("notify")),
        (0.70 * t, lambda: chaos.kill_worker("enrollment")),
    ]
    if FULL:  # the long stream takes each fault twice
        plan += [(0.75 * t, lambda: chaos.kill_worker("risk")), (0.80 * t, chaos.restart_broker),
                 (0.85 * t, chaos.restart_database), (0.90 * t, lambda: chaos.kill_worker("sessions")),
                 (0.95 * t, lambda: chaos.kill_worker("notify"))]
    run_plan(plan, done)


def test_no_event_lost_or_duplicated_under_broker_worker_and_database_faults(chaos, token, capsys):
    shape = SHAPE
    run = stream_under_faults(chaos.system.urls, token, shape, lambda done: inject_faults(chaos, shape, done),
                              faults_within=300)
    groups, tally = run.groups, run.tally

    expected_flags = set().union(*(g.expected_flags() for g in groups))

    def queues() -> dict[str, int]:
        return chaos.mq.queue_messages(chaos.stack.name)

    wait_until(lambda: settled(chaos.stack, queues, expected_flags), timeout=240 if FULL else 120, interval=1.0,
               what="every outbox sent, every queue drained, every flag and notification made")
    # anything still arriving would be a duplicate: the workers (every consumer, outbox relay and timer) end first,
    # so it has arrived before the counting starts or never will
    chaos.stop_workers()
    settle_s = run.settle_s()

    outcome = count(chaos.stack, chaos.system, chaos.mail, groups, shape, tally, queues())
    with capsys.disabled():
        print_table(f"chaos ({'full' if FULL else 'short'} form)", shape, (run.set_up_s, run.stream_s, settle_s), outcome,
                    chaos.faults, tally)

    assert {k: v for k, v in Counter(f.split()[0] for f in chaos.faults).items()} == {
        "SIGKILL": 7 if FULL else 4, "RabbitMQ": 2 if FULL else 1, "PostgreSQL": 2 if FULL else 1}
    assert {s for f in chaos.faults if f.startswith("SIGKILL") for s in [f.split()[1]]} == {
        f"{s}-worker" for s in API_SERVICES}
    assert_exactly_once(outcome, shape)
