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
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `--dist loadscope`: a folder's tests run on one worker, in their order, and every cross-service test
    (top-level tests/) on one worker: the whole system they start as processes is then started once, not on each
    worker (two at once, beside the portal's, come near PostgreSQL's 100 connections here)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FolderScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests" if path.startswith("tests/") else path.rsplit("/", 1)[0]

    return FolderScheduling(config, log)
