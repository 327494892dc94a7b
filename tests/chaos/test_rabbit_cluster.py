"""The broker as a cluster (issue 22, proved here): the whole system on a private PostgreSQL and a private 3-node
RabbitMQ cluster (qadam_testing.private_servers.PrivateRabbitCluster), every service given the list of the three
nodes (QADAM_AMQP_URL, comma-separated), under a steady stream of attendance marks through the HTTP API, while the
suite stops the node that leads the quorum queues (their leaders move to the other two, and marks go on being
published and consumed through them: the clients went to the live nodes of their list), then the node that leads
them now (one node of three is left: no queue has a quorum, so nothing is confirmed or delivered and the outboxes
hold what is written), and starts both again. Afterwards every mark is held once, every attendance event reached
risk and enrollment once, every flag and notification exists exactly once, nothing is parked and no outbox row is
left unsent: the table says so, as the fault suite's does (tests/mark_stream.py, shared with it).

`make chaos` runs it with 5,000 marks (QADAM_CHAOS=full, the round of faults twice); `make test` runs its short form,
a few hundred marks paced over 20 s, as the single node's fault suite does (its three nodes booting and forming the
cluster, and each node's stop and start, are most of its time).
"""

from __future__ import annotations

import os
import threading
import uuid
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
from qadam_testing.private_servers import PrivateRabbit, PrivateRabbitCluster, private_cluster_servers
from qadam_tools.system import API_SERVICES

CHAOS = os.environ.get("QADAM_CHAOS", "")
FULL = CHAOS == "full"
pytestmark = [pytest.mark.e2e, pytest.mark.chaos]
SHAPE = Shape(10, 25, 20, 5, 150) if FULL else Shape(3, 12, 8, 4, 20)
ROUNDS = 2 if FULL else 1


@dataclass
class ClusterChaos:
    system: RunningSystem
    stack: PrivateStack
    cluster: PrivateRabbitCluster
    mail: MailCatcher
    faults: list[str] = field(default_factory=list)
    stopped: list[PrivateRabbit] = field(default_factory=list)  # in the order they were stopped
    leaders_stopped: list[int] = field(default_factory=list)  # how many queues the stopped node led

    @property
    def vhost(self) -> str:
        return self.stack.name

    def queues(self) -> dict[str, int]:
        return self.cluster.live().queue_messages(self.vhost)

    def leaders_on_running_nodes(self) -> bool:
        """Every quorum queue led by a node that runs (after a leader's node stopped: an election happened)."""
        running = {node.node for node in self.cluster.nodes if node.running()}
        leaders = self.cluster.leaders(self.vhost)
        return bool(leaders) and set(leaders.values()) <= running

    def consumed_since(self, moment: Any) -> bool:
        """An attendance event that sessions' relay had confirmed after `moment` is in risk's and enrollment's inbox."""
        sent = [r.id for r in self.stack.rows("sessions", "SELECT id FROM outbox WHERE sent_at > :t "
                                   "AND routing_key = 'sessions.attendance.recorded'", t=moment)]
        return bool(sent) and all(self.stack.rows(s, "SELECT count(*) FROM inbox WHERE message_id = ANY(:ids)",
                                       ids=sent)[0][0] for s in ("risk", "enrollment"))

    def stop_leading_node(self, which: str) -> None:
        """Stop the running node that leads the most quorum queues now."""
        node, led = self.cluster.leading_node(self.vhost)
        queues = len(self.cluster.leaders(self.vhost))
        self.cluster.stop_node(node)
        self.stopped.append(node)
        self.leaders_stopped.append(led)
        live = sum(n.running() for n in self.cluster.nodes)
        self.faults.append(f"{which} node stopped: {node.short_name}, leader of {led} of {queues} quorum queues "
                           f"({live} of {len(self.cluster.nodes)} nodes left)")
        if 2 * live > len(self.cluster.nodes):  # a majority left: the queues elect leaders among it
            wait_until(self.leaders_on_running_nodes, timeout=60, interval=0.5,
                       what=f"the quorum queues to elect leaders on the nodes left after {node.short_name} stopped")
            self.faults.append("leaders elected on the nodes left")
            # the clients found the live nodes: an event sessions' relay had confirmed after the stop reached both
            # of its consumers (each connection on the stopped node went to another of the list)
            stopped_at = self.stack.rows("sessions", "SELECT now()")[0][0]
            wait_until(lambda: self.consumed_since(stopped_at), timeout=60, interval=0.5,
                       what=f"marks published and consumed through the live nodes while {node.short_name} is down")
            self.faults.append("marks published and consumed through the live nodes meanwhile")
        else:
            self.faults.append("no quorum queue has a majority")

    def start_stopped_node(self) -> None:
        """Start the node stopped first of those still stopped."""
        node = self.stopped.pop(0)
        self.cluster.start_node(node)
        self.faults.append(f"{node.short_name} started again")

    def stop_workers(self) -> None:
        """Stop every worker (SIGTERM) and wait until each has ended: nothing arrives after this."""
        for name, process in self.system.processes.items():
            if name.endswith("-worker"):
                process.stop()


@pytest.fixture(scope="module")
def cluster_chaos(tmp_path_factory: pytest.TempPathFactory, jwt_keys: tuple[Path, Path]) -> Iterator[ClusterChaos]:
    mail = MailCatcher().start()
    with private_cluster_servers(3) as (pg, cluster):
        stack = PrivateStack(f"qadam_r{uuid.uuid4().hex[:10]}", Servers(pg.url, cluster.url(), "private"), jwt_keys,
                             services=API_SERVICES, rabbit=cluster).open()
        system = RunningSystem(stack, tmp_path_factory.mktemp("cluster-chaos-logs"))
        overrides = {"notify": {"smtp_port": mail.port, "portal_url": "https://portal.qadam.test"}}
        try:
            system.start(overrides)
            yield ClusterChaos(system, stack, cluster, mail)
        finally:
            system.stop()
            mail.stop()


def inject_faults(chaos: ClusterChaos, shape: Shape, done: threading.Event) -> None:
    """Each round: the leaders' node stopped, then the node leading now (no quorum left), then both started again."""
    t = shape.stream_seconds
    plan: list[tuple[float, Callable[[], None]]] = []
    for r in range(ROUNDS):
        at = (0.1 + 0.45 * r) * t
        plan += [(at, lambda: chaos.stop_leading_node("leaders'")),
                 (at + 0.1 * t, lambda: chaos.stop_leading_node("second")),
                 (at + 0.2 * t, chaos.start_stopped_node),
                 (at + 0.3 * t, chaos.start_stopped_node)]
    run_plan(plan, done)


def test_no_event_lost_or_duplicated_while_cluster_nodes_stop_and_start(cluster_chaos: ClusterChaos, token: Any,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    chaos, shape = cluster_chaos, SHAPE
    # every service reaches the cluster through the list of its three nodes
    assert len(chaos.stack.amqp_url.split(",")) == 3
    # the topology was declared through the first node: it leads every quorum queue, so stopping it moves them all
    first_leaders = chaos.cluster.leaders(chaos.vhost)
    assert len(first_leaders) == 2 * len(API_SERVICES), first_leaders  # each consumer's incoming and parking queue

    run = stream_under_faults(chaos.system.urls, token, shape, lambda done: inject_faults(chaos, shape, done),
                              faults_within=600)
    groups, tally = run.groups, run.tally

    expected_flags = set().union(*(g.expected_flags() for g in groups))
    wait_until(lambda: chaos.cluster.running_nodes() == {n.node for n in chaos.cluster.nodes}, timeout=60,
               what="every node of the cluster running again")
    wait_until(lambda: settled(chaos.stack, chaos.queues, expected_flags), timeout=300 if FULL else 180,
               interval=1.0, what="every outbox sent, every queue drained, every flag and notification made")
    chaos.stop_workers()
    settle_s = run.settle_s()

    outcome = count(chaos.stack, chaos.system, chaos.mail, groups, shape, tally, chaos.queues())
    with capsys.disabled():
        print_table(f"RabbitMQ cluster chaos ({'full' if FULL else 'short'} form, 3 nodes, quorum queues of 3)",
                    shape, (run.set_up_s, run.stream_s, settle_s), outcome, chaos.faults, tally)

    # each round stopped two nodes, the first of them leading queues; both started again
    stops = [f for f in chaos.faults if " node stopped: " in f]
    assert len(stops) == 2 * ROUNDS and not chaos.stopped, chaos.faults
    assert all(led > 0 for led in chaos.leaders_stopped[::2]), chaos.faults
    assert chaos.leaders_stopped[0] == len(first_leaders), chaos.faults
    assert chaos.leaders_on_running_nodes()
    assert_exactly_once(outcome, shape)
