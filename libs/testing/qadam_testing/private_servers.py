"""Private servers for the fault suite: a PostgreSQL cluster and a RabbitMQ node of the suite's own, which it may stop,
kill and restart without touching the machine's shared servers (issue 9, Faults).

- `PrivatePostgres`: `initdb` into a temporary data directory, its own free port on 127.0.0.1 (no Unix socket in the
  shared /var/run/postgresql), `pg_ctl start / stop / restart -m fast`. PostgreSQL refuses to run as root, so as
  root the cluster runs as the `postgres` user (runuser) in a directory it owns. For the restore drill and the
  failover test (issue 22) a cluster also archives its WAL into a folder of its own (`init(archive=True)`), takes a
  base backup (`base_backup`), is made as a streaming standby of another (`standby_of`, `promote`) or as a new
  cluster restored from a base backup to a point in time (`restored_from`).
- `PrivateRabbit`: `rabbitmq-server` in the foreground as a child process with its own RABBITMQ_NODENAME
  (qadam-chaos-<n>@localhost), AMQP and distribution ports, data, log and config files in a temporary directory
  (no plugins: the management and Prometheus listeners would collide with the shared node's). Its HOME is that
  directory, so the node and what talks to it share an Erlang cookie of their own; the node registers its name with
  the machine's epmd (one epmd serves every node on a host; the name differs, so nothing clashes, and stopping this
  node only unregisters its own name). `restart()` stops and starts it keeping its data: durable queues and
  persistent messages survive.
- `PrivateRabbitCluster`: three such nodes (issue 22) sharing one Erlang cookie (written into each node's HOME),
  started at once; they form one cluster as they boot (RabbitMQ's peer discovery, each node's configuration listing
  the three); its URL lists every node, as QADAM_AMQP_URL does in production. A node is stopped and started again on
  its own (`stop_node`, `start_node`): it rejoins with its data, and its quorum queue members catch up from the
  others. `leaders(vhost)` says which node leads each quorum queue.
Both clean up after themselves (`close()`: stop, then remove the directory), also from a failing test's fixture.

No rabbitmqctl: each call boots an Erlang VM (0.6 CPU-s, and 1 to 9 s of wall time on a loaded machine), and the
fault suites made some forty. A node counts as started once it takes an AMQP connection (its listener opens as the
last step of its boot), it stops cleanly on SIGTERM (as `rabbitmqctl stop` stops it), and what the suites ask it (a
vhost made, the queues' leaders and messages, the cluster's running nodes) is evaluated on the node by `erl_call`,
Erlang's own small client, which talks to the node over its distribution port as `rabbitmqctl eval` does but boots
no VM (a few milliseconds).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from qadam_tools.erlang_node import erl_eval

from .harness import _erlang_binary, free_port, vhost_steps, vhost_url

PG_BIN = Path(os.environ.get("QADAM_CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
RABBIT_BIN = Path(os.environ.get("QADAM_CHAOS_RABBIT_BIN", "/usr/lib/rabbitmq/bin"))


class PrivatePostgres:
    """A PostgreSQL cluster of the suite's own (trust on 127.0.0.1, user postgres)."""

    def __init__(self, base: Path | None = None, port: int | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="qadam-chaos-pg-", dir=base))
        self.data = self.dir / "data"
        self.archive = self.dir / "archive"  # the WAL archive, when the cluster keeps one (`init(archive=True)`)
        self.log = self.dir / "postgres.log"
        self.port = port or free_port()
        self._as: list[str] = []
        self._owner: tuple[int, int] | None = None
        if os.geteuid() == 0:  # initdb and postgres refuse root
            owner = pwd.getpwnam("postgres")
            self._owner = (owner.pw_uid, owner.pw_gid)
            os.chown(self.dir, *self._owner)
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._as, *argv], check=True, capture_output=True, text=True, timeout=timeout)

    def init(self, *, archive: bool = False, **settings: str | int) -> PrivatePostgres:
        """A new cluster; `archive`: every WAL segment it fills (or `switch_wal` closes) is copied to `self.archive`
        (what barman-cloud does to object storage in production); `settings` added to postgresql.conf."""
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                       "max_connections = 300\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        if archive:
            self._mkdir(self.archive)
            settings = {"archive_mode": "on", "full_page_writes": "on",
                        "archive_command": f"test ! -f {self.archive}/%f && cp %p {self.archive}/%f", **settings}
        if settings:
            self.configure(**settings)
        return self

    def configure(self, **settings: str | int) -> None:
        """Settings appended to postgresql.auto.conf, read after postgresql.conf: they win over both (a running
        cluster takes them at its next start, or at `reload` for those that allow it)."""
        lines = "".join(f"{name} = '{str(value).replace(chr(39), chr(39) * 2)}'\n" for name, value in settings.items())
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(lines)

    def _mkdir(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if self._owner is not None:
            os.chown(path, *self._owner)

    def _touch(self, name: str) -> None:
        path = self.data / name
        path.touch()
        if self._owner is not None:
            os.chown(path, *self._owner)

    def _ctl(self, action: str, *extra: str) -> None:
        try:
            self._run(str(PG_BIN / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *extra)
        except subprocess.CalledProcessError as e:  # why, from the server's own log (a recovery that failed, say)
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl {action} failed ({e.returncode}): {e.stderr.strip()}\n{log}") from e

    def start(self) -> PrivatePostgres:
        self._ctl("start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions ended, a clean shutdown; `immediate`: the processes quit at once, as when a machine
        fails (the next start recovers from the WAL)."""
        self._ctl("stop", "-m", mode)

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def reload(self) -> None:
        self._ctl("reload")

    def promote(self) -> None:
        """A standby (or a cluster in recovery) made a primary that takes writes; returns once it does."""
        self._ctl("promote")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def query(self, sql: str, database: str = "postgres", **params: Any) -> list[tuple[Any, ...]]:
        """The rows of one statement, on a connection of its own (autocommit)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True,
                             connect_timeout=10) as conn:
            cursor = conn.execute(sql.encode(), params or None)
            return list(cursor.fetchall()) if cursor.description else []

    def in_recovery(self) -> bool:
        return bool(self.query("SELECT pg_is_in_recovery()")[0][0])

    def switch_wal(self) -> str:
        """Close the WAL segment being written (so it is archived now, not once it is full): that segment's name."""
        return str(self.query("SELECT pg_walfile_name(pg_switch_wal())")[0][0])

    def archived(self, segment: str) -> bool:
        """Whether `segment` (and so every segment before it) has reached the archive."""
        last = self.query("SELECT last_archived_wal FROM pg_stat_archiver")[0][0]
        return last is not None and str(last)[:24] >= segment

    def base_backup(self, into: Path) -> None:
        """A base backup of the running cluster into the folder `into` (made, plain files, with the WAL that makes it
        consistent): what a restore or a new standby starts from."""
        self._run(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-D",
                  str(into), "-X", "stream", "-c", "fast", "--no-sync", timeout=300)

    @classmethod
    def standby_of(cls, primary: PrivatePostgres, name: str, base: Path | None = None,
                   port: int | None = None) -> PrivatePostgres:
        """A streaming standby of `primary` (not started) under the application name `name`, which the primary's
        `synchronous_standby_names` may list. It names no synchronous standby itself: once promoted it is alone,
        and a primary waiting for a standby that is not there would take no write."""
        standby = cls(base, port)
        primary.base_backup(standby.data)
        standby._touch("standby.signal")
        standby.configure(port=standby.port, synchronous_standby_names="", archive_mode="off",
                          primary_conninfo=f"host=127.0.0.1 port={primary.port} user=postgres application_name={name}")
        return standby

    @classmethod
    def restored_from(cls, backup: Path, archive: Path, target_time: datetime, base: Path | None = None) -> PrivatePostgres:
        """A new cluster (not started) from the base backup in `backup`, that replays the WAL archived in `archive`
        up to `target_time` and then takes writes: point-in-time recovery. It archives nothing itself (the archive
        is the old cluster's)."""
        restored = cls(base)
        restored._run("cp", "-a", str(backup), str(restored.data))
        restored._touch("recovery.signal")
        restored.configure(port=restored.port, archive_mode="off", restore_command=f"cp {archive}/%f %p",
                           recovery_target_time=target_time.isoformat(), recovery_target_action="promote")
        return restored

    def close(self) -> None:
        if self.running():
            with contextlib.suppress(Exception):
                self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRabbit:
    """A RabbitMQ node of the suite's own: guest/guest on 127.0.0.1:<port>."""

    def __init__(self, base: Path | None = None, *, cookie: str | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="qadam-chaos-mq-", dir=base))
        self.node = f"qadam-chaos-{uuid.uuid4().hex[:8]}@localhost"
        self.port, self.dist_port = free_port(), free_port()
        self.log = self.dir / "console.log"
        self.popen: subprocess.Popen[bytes] | None = None
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n")
        (self.dir / "enabled_plugins").write_text("[].\n")
        (self.dir / "rabbitmq-env.conf").write_text("")
        if cookie is not None:  # the nodes of one cluster share it; Erlang refuses a cookie file others may read
            path = self.dir / ".erlang.cookie"
            path.write_text(cookie)
            path.chmod(0o400)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    @property
    def short_name(self) -> str:
        """The node's name without its host, for a table."""
        return self.node.split("@", 1)[0]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update({
            "HOME": str(self.dir),  # its own Erlang cookie, which erl_call below reads from there too
            "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"), "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.dir / "rabbit.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        })
        return env

    def eval(self, expression: str, timeout: float = 60) -> Any:
        """The value of `expression` evaluated on the node by erl_call (`erlang_node.erl_eval`), with the node's own
        cookie."""
        return erl_eval(self.node, expression, home=self.dir, env=self.env(), timeout=timeout)

    def start(self) -> PrivateRabbit:
        self.launch()
        return self.await_started()

    def launch(self) -> None:
        """Start the node's process and return at once (`await_started` waits for it): nodes boot side by side."""
        log = self.log.open("ab")
        self.popen = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=self.env(), stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True, cwd=self.dir)
        log.close()

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def await_started(self) -> PrivateRabbit:
        """Return once the node takes an AMQP connection. Its listener opens as the last step of its boot, after its
        database is up (in a cluster, once it has joined the others or found its tables on them), just before it
        logs "Server startup complete": what `rabbitmqctl await_startup` waits for."""
        assert self.popen is not None, "launch() first"
        deadline = time.monotonic() + 90
        while True:
            if self.popen.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited with {self.popen.returncode}:\n"
                                   + self.log.read_text(errors="replace")[-3000:])
            if self._takes_connections():
                return self
            if time.monotonic() > deadline:
                raise RuntimeError("the private RabbitMQ node did not start in 90 s:\n"
                                   + self.log.read_text(errors="replace")[-3000:])
            time.sleep(0.25)

    def _takes_connections(self) -> bool:
        """Whether an AMQP connection to the node opens (and is closed again) now."""
        import pika

        try:  # first the port alone: pika logs every refused attempt as an error
            socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
        except OSError:
            return False
        try:
            pika.BlockingConnection(pika.URLParameters(f"{self.url}?connection_attempts=1&socket_timeout=5")).close()
        except pika.exceptions.AMQPError:
            return False
        return True

    def stop(self) -> None:
        """A clean stop: rabbitmq-server passes SIGTERM to the node, which stops as `rabbitmqctl stop` stops it
        (listeners closed, queues and message stores written out) and ends."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(90)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """The node's process group, by its id: the beam and its helpers (erl_child_setup, inet_gethost)."""
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(30)

    def restart(self) -> None:
        self.stop()
        self.start()

    def add_vhost(self, vhost: str) -> str:
        """A vhost with guest's permissions and the queues' policies (their delivery limit and dead-lettering, as on
        the shared node: harness.take_vhost); its URL."""
        self.eval(", ".join([*vhost_steps(vhost, "guest"), "true"]))
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{vhost}"

    def queue_messages(self, vhost: str) -> dict[str, int]:
        """Every queue of `vhost` and its messages (ready and unacknowledged), each asked where the queue lives, as
        `rabbitmqctl list_queues` asks: a quorum queue's counts are kept on the node that leads it."""
        rows = self.eval(f"[begin {{resource, _, queue, Name}} = amqqueue:get_name(Q), "
                         "Home = case amqqueue:get_pid(Q) of {_, Leader} -> Leader; Pid -> node(Pid) end, "
                         "[{messages, Messages}] = erpc:call(Home, rabbit_amqqueue, info, [Q, [messages]], 30000), "
                         f"[Name, Messages] end || Q <- rabbit_amqqueue:list({_erlang_binary(vhost)})]")
        return {name: int(messages) for name, messages in rows}

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        with contextlib.suppress(Exception):
            self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRabbitCluster:
    """Nodes of the suite's own joined in one RabbitMQ cluster (guest/guest on each node's port)."""

    def __init__(self, size: int = 3, base: Path | None = None) -> None:
        cookie = secrets.token_hex(20).upper()
        self.nodes = [PrivateRabbit(base, cookie=cookie) for _ in range(size)]

    def start(self) -> PrivateRabbitCluster:
        # the nodes boot side by side and form the cluster as they do (classic peer discovery): the first to take
        # the discovery lock finds no other running and starts the cluster, each of the others then joins it, one at
        # a time (the lock), with no second start of its rabbit application (`stop_app`, `join_cluster`, `start_app`)
        peers = "".join(f"cluster_formation.classic_config.nodes.{i} = {node.node}\n"
                        for i, node in enumerate(self.nodes, start=1))
        for node in self.nodes:
            with (node.dir / "rabbitmq.conf").open("a") as conf:
                conf.write(f"cluster_formation.peer_discovery_backend = classic_config\n{peers}")
            node.launch()
        for node in self.nodes:
            node.await_started()
        running = self.running_nodes()
        if running != {node.node for node in self.nodes}:
            raise RuntimeError(f"the private cluster runs {sorted(running)}, not all of {[n.node for n in self.nodes]}")
        return self

    def live(self) -> PrivateRabbit:
        """A node that runs (asked about the whole cluster)."""
        for node in self.nodes:
            if node.running():
                return node
        raise RuntimeError("no node of the private cluster runs")

    def running_nodes(self) -> set[str]:
        """The nodes the cluster itself says are running."""
        return set(self.live().eval("rabbit_mnesia:cluster_nodes(running)"))  # `cluster_status`'s running_nodes

    def url(self, vhost: str = "/") -> str:
        """The broker URL for `vhost`: every node, comma-separated (QADAM_AMQP_URL's list of nodes)."""
        return ",".join(vhost_url(node.url, vhost) for node in self.nodes)

    def add_vhost(self, vhost: str) -> str:
        """A vhost on the cluster (with guest's permissions and the queues' policies); its URL listing every node."""
        self.live().add_vhost(vhost)
        return self.url(vhost)

    def leaders(self, vhost: str) -> dict[str, str]:
        """Each quorum queue of `vhost` and the node that leads it, as the cluster says now."""
        # the `leader` that `rabbitmqctl list_queues` shows (the queue's `leader` info item)
        rows = self.live().eval(f"[[element(4, amqqueue:get_name(Q)), proplists:get_value(leader, "
                                "rabbit_amqqueue:info(Q, [leader]))] || "
                                f"Q <- rabbit_amqqueue:list({_erlang_binary(vhost)}), "
                                "amqqueue:get_type(Q) =:= rabbit_quorum_queue]")
        return {name: str(leader) for name, leader in rows}

    def leading_node(self, vhost: str) -> tuple[PrivateRabbit, int]:
        """The running node that leads the most quorum queues of `vhost`, and how many it leads."""
        counts = Counter(self.leaders(vhost).values())
        running = [node for node in self.nodes if node.running()]
        node = max(running, key=lambda n: counts.get(n.node, 0))
        return node, counts.get(node.node, 0)

    def stop_node(self, node: PrivateRabbit) -> None:
        node.stop()

    def start_node(self, node: PrivateRabbit) -> None:
        node.start()  # it rejoins the cluster it was in, with its data

    def close(self) -> None:
        """Every node killed (its data goes with its directory: no need to stop it gently) and removed."""
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.kill()
            shutil.rmtree(node.dir, ignore_errors=True)


@contextlib.contextmanager
def _started(pg: PrivatePostgres, broker: Any) -> Iterator[Any]:
    """`pg` and `broker` started (a private node or cluster); both stopped and removed afterwards, whatever happens."""
    try:
        pg.init().start()
        broker.start()
        yield pg, broker
    finally:
        broker.close()
        pg.close()


@contextlib.contextmanager
def private_cluster_servers(size: int = 3, base: Path | None = None) -> Iterator[
        tuple[PrivatePostgres, PrivateRabbitCluster]]:
    """A private PostgreSQL and a private RabbitMQ cluster of `size` nodes started; both stopped and removed
    afterwards, whatever happens in between."""
    with _started(PrivatePostgres(base), PrivateRabbitCluster(size, base)) as both:
        yield both


@contextlib.contextmanager
def private_servers(base: Path | None = None) -> Iterator[tuple[PrivatePostgres, PrivateRabbit]]:
    """Both private servers started; both stopped and removed afterwards, whatever happens in between."""
    with _started(PrivatePostgres(base), PrivateRabbit(base)) as both:
        yield both
