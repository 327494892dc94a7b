"""Cross-service fixtures: the whole system running as processes on the run's stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from qadam_testing import MailCatcher, RunningSystem, Stack

_RUNNING: list[RunningSystem] = []
_STOPPED: list[RunningSystem] = []


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
        # e-mail marked as staying in the country: the end-to-end tests read the reasons in it (what leaves over a
        # channel that is not: services/notify/tests/integration/test_message_content.py)
        running.start({"notify": {"smtp_port": system_mail.port, "portal_url": "https://portal.qadam.test",
                                  "email_in_country": True}})
        _RUNNING.append(running)
        yield running
    finally:
        running.stop()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test that takes the system after others that did not: it runs again, as it was (same ports, same data)."""
    if "system" in getattr(item, "fixturenames", ()):
        for running in _STOPPED:
            running.restart()
        _RUNNING.extend(_STOPPED)
        _STOPPED.clear()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """The system stops as soon as the tests that take it are done, not at the end of the run: under pytest-xdist the
    worker goes on with other tests, and three whole systems at once beside `make run`'s own test hold nearly all
    of the 100 connections PostgreSQL allows here."""
    if nextitem is None or "system" not in getattr(nextitem, "fixturenames", ()):
        for running in _RUNNING:
            running.stop()
        _STOPPED.extend(_RUNNING)
        _RUNNING.clear()
