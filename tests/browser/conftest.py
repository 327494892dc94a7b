"""The browser tests drive the running portal (Debian's Chromium through Playwright) over the whole system; the
kit they share is browsing.py (open_as, check_page)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from portal_testkit import (  # noqa: F401 - fixtures, taken by name
    demo,
    portal_mail,
    portal_stack,
    portal_system,
    resume_portal_system,
    stop_portal_system,
)
from qadam_testing import RunningSystem

_HERE = Path(__file__).parent
# Debian's headless shell (`make browser`): the headless build Playwright runs by its own default. The whole browser
# (QADAM_CHROMIUM=/usr/bin/chromium) passes the same tests, at 134.6 CPU-seconds over tests/browser against 74.5.
CHROMIUM = os.environ.get("QADAM_CHROMIUM", "/usr/bin/chromium-headless-shell")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for every browser test (each test's windows are contexts of their own, sharing nothing): it was
    launched again for each of the eight files, some 2.4 s each on this machine."""
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium-headless-shell (apt) before the tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def portal_url(portal_system: RunningSystem, demo: dict[str, Any]) -> str:  # noqa: F811 - the fixture, by name
    # `localhost`, as people open it: browsers keep the portal's Secure cookies there without HTTPS
    return portal_system.urls["portal"].replace("127.0.0.1", "localhost")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under pytest-xdist the portal's page tests may have run on this worker before, and stopped the portal's system
    when they ended (services/portal/tests/integration/conftest.py): it runs again, as it was, for the browser."""
    resume_portal_system()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """The portal's system stops as soon as the browser tests are done: under pytest-xdist the worker goes on with
    other tests, and each whole system left running holds some 30 of PostgreSQL's 100 connections."""
    if nextitem is None or _HERE not in Path(str(nextitem.path)).parents:
        stop_portal_system()
