"""Cross-service fixtures: the whole system running as processes on the run's stack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from qadam_testing import MailCatcher, RunningSystem, Servers, Stack


@pytest.fixture(scope="session")
def stack(servers: Servers, jwt_keys: tuple[Path, Path]) -> Iterator[Stack]:
    """The cross-service tests' own stack (databases and vhost), not the one a service's integration tests use on
    the same pytest-xdist worker: the system below keeps its workers running for the session, and they take any
    pending delivery or outbox row of their databases: on a shared stack notify's worker sent the e-mails of
    notify's flow tests to this system's mail catcher, and those tests found none."""
    s = Stack(f"qadam_x{uuid.uuid4().hex[:10]}", servers, jwt_keys).open()
    yield s
    s.close()


@pytest.fixture(scope="session")
def system_mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher().start()
    yield catcher
    catcher.stop()


@pytest.fixture(scope="session")
def system(stack: Stack, system_mail: MailCatcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """enrollment, sessions, risk and notify: each a gunicorn web process and a worker process."""
    running = RunningSystem(stack, tmp_path_factory.mktemp("logs"))
    try:
        running.start({"notify": {"smtp_port": system_mail.port, "portal_url": "https://portal.qadam.test"}})
        yield running
    finally:
        running.stop()
