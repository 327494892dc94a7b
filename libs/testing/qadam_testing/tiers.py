"""The unit tier stays honest: a test under a `tests/unit` folder may not reach a server or start a process.

While a unit test is set up, run and torn down, opening a network connection (Python's sockets: requests, pika,
smtplib...), connecting to PostgreSQL (psycopg connects through libpq, below Python's sockets) or starting a
process fails the test, naming what it tried and where such a test belongs. Files (templates, translations,
migrations read as text) stay allowed: they are part of the code under test.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

UNIT_FOLDER = ("tests", "unit")


def is_unit_test(path: Path) -> bool:
    """Whether the test file at `path` is in a unit tier (a `unit` folder right under a `tests` folder)."""
    parts = path.parts
    return any(parts[i:i + 2] == UNIT_FOLDER for i in range(len(parts) - 1))


class UnitTestDidIO(AssertionError):
    """A unit test reached outside the process."""


def _refuse(what: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise UnitTestDidIO(f"a unit test may not {what} ({args[1:2] or args[:1]}): move it to tests/integration, "
                            "or give the code under test a fake")

    return refuse


@contextlib.contextmanager
def no_io() -> Iterator[None]:
    """Refuse network connections, database connections and new processes for the duration."""
    import psycopg

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse("open a network connection"))
        patch.setattr(socket.socket, "connect_ex", _refuse("open a network connection"))
        patch.setattr(socket, "create_connection", _refuse("open a network connection"))
        patch.setattr(psycopg, "connect", _refuse("connect to PostgreSQL"))
        patch.setattr(psycopg.Connection, "connect", _refuse("connect to PostgreSQL"))
        patch.setattr(subprocess.Popen, "__init__", _refuse("start a process"))
        yield


# The hooks wrap each phase of a unit test (fixtures set up and torn down included) in `no_io`.
@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    if not is_unit_test(item.path):
        return (yield)
    with no_io():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    if not is_unit_test(item.path):
        return (yield)
    with no_io():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # after the last test the run's own fixtures (stacks, running systems) are torn down too: not a unit test's I/O
    if not is_unit_test(item.path) or nextitem is None:
        return (yield)
    with no_io():
        return (yield)


# -- parallel runs (pytest-xdist) -----------------------------------------------------------------------------------
# Under `--dist loadscope` a unit of work (a scope) is a folder's tests, in their order, on one worker; except:
# - the cross-service tests that drive the whole system as processes (tests/access, tests/e2e: the `system` fixture)
#   are one scope, so that the system they start is started once, not on each worker;
# - tests/api and tests/migrations (in-process apps and databases of their own), tests/documents, the browser tests,
#   the fault suite and `make run`'s own test are scopes of their own, run beside the rest;
# - in the folders of SPLIT_BY_FILE each file is a scope: their files share nothing but the worker's session-wide
#   stack (which every scope a worker runs shares anyway), so a long folder no longer runs alone at the end of the run
#   while the other workers wait (services/enrollment/tests/integration ran its ~190 s on one worker, the run's last
#   70 s on one core of two).
SYSTEM_SCOPE = "tests/system"
_SYSTEM_FOLDERS = ("tests/access/", "tests/e2e/")
SPLIT_BY_FILE = ("services/enrollment/tests/integration/", "services/notify/tests/integration/",
                 "services/risk/tests/integration/", "services/sessions/tests/integration/",
                 "libs/qadam/tests/integration/", "tests/api/", "tests/migrations/")
# the longest scopes first, so that no long one starts last and the run does not wait on it alone; the rest follow,
# largest (most tests) first. Measured in a run of `make test` on this 2-core machine, 3 workers (a worker's seconds,
# a loaded run's figures divided by its 2.85 times the length of an unloaded one): the portal's page tests 232, the
# browser tests 142, schemathesis 133, the RabbitMQ cluster's short form 73, the cross-service system's tests 65, the
# migration history 36, the outcome pairs 38, the fault suite 33, the completion reports 28, make run's test 25, the
# kit's inbox 25, its PostgreSQL failover and restore drill 18
RABBIT_CLUSTER = "tests/chaos/test_rabbit_cluster.py"
_OWN_SCOPES = ("tools/tests/integration/test_devrun.py", RABBIT_CLUSTER)
LONGEST_FIRST = ("services/portal/tests/integration", "tests/browser", "tests/api/test_schemathesis.py", SYSTEM_SCOPE,
                 RABBIT_CLUSTER, "tests/migrations/test_migration_history.py",
                 "services/enrollment/tests/integration/test_outcome_pairs.py", "tests/chaos",
                 "services/enrollment/tests/integration/test_reports.py", "tools/tests/integration/test_devrun.py",
                 "libs/qadam/tests/integration/test_inbox.py", "tests/chaos/postgres", "tests/deploy")

# the scopes that start a whole system as processes (some 25 to 35 PostgreSQL connections each while it runs: each
# stops when its tests are done); at most MAX_SYSTEMS of them run at once, beside PostgreSQL's 100 connections here
SYSTEM_SCOPES = frozenset({"tests/browser", "services/portal/tests/integration", SYSTEM_SCOPE,
                           "tools/tests/integration/test_devrun.py"})
MAX_SYSTEMS = 2


def scope_of(nodeid: str) -> str:
    """The unit of work a test belongs to (see above)."""
    path = nodeid.split("::", 1)[0]
    if path.startswith(_SYSTEM_FOLDERS):
        return SYSTEM_SCOPE
    if path in _OWN_SCOPES or path.startswith(SPLIT_BY_FILE):
        return path
    return path.rsplit("/", 1)[0]


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadscope":
        return None
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    class FolderScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

        def schedule(self) -> None:
            if self.collection is None and self.collection_is_completed and self._check_nodes_have_same_collection():
                # the first distribution: the work queue in our order, then xdist's own (which keeps a filled queue)
                units: dict[str, dict[str, bool]] = {}
                for nodeid in next(iter(self.registered_collections.values())):
                    units.setdefault(scope_of(nodeid), {})[nodeid] = False

                def rank(scope: str) -> tuple[int, int]:
                    first = LONGEST_FIRST.index(scope) if scope in LONGEST_FIRST else len(LONGEST_FIRST)
                    return first, -len(units[scope])

                # xdist then sets each scope's tests again: an OrderedDict keeps a key where it was first put
                self.workqueue = OrderedDict((scope, units[scope]) for scope in sorted(units, key=rank))
                self.config.option.loadscopereorder = False
            super().schedule()

        def _assign_work_unit(self, node: Any) -> None:
            """The first scope of the queue, but past a system's scope while MAX_SYSTEMS others run (when only such
            scopes are left, the first of them: a worker given nothing would never be asked again)."""
            running = sum(1 for other, assigned in self.assigned_work.items() if other is not node and any(
                scope in SYSTEM_SCOPES and not all(done.values()) for scope, done in assigned.items()))
            if running >= MAX_SYSTEMS:
                for scope in self.workqueue:
                    if scope not in SYSTEM_SCOPES:
                        self.workqueue.move_to_end(scope, last=False)
                        break
            super()._assign_work_unit(node)

    return FolderScheduling(config, log)
