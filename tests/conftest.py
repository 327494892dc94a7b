"""Cross-service fixtures: the whole system running as processes on the run's stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from qadam_testing import MailCatcher, RunningSystem, Stack


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
