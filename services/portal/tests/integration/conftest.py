"""The portal's tests run against the whole system: its own stack (databases and vhost), every service and worker
running as processes (the portal's too, for the browser), the demo region seeded through the APIs and the demo
staff in the portal. Page tests use the portal in-process (Flask's test client over https://localhost) wired to
those running services; the browser tests use the running portal."""

from __future__ import annotations

from pathlib import Path

import pytest
from portal_testkit import (  # noqa: F401 - the fixtures the portal's tests take, shared with the browser tests
    client_for,
    database,
    demo,
    own_stack,
    portal_app,
    portal_mail,
    portal_stack,
    portal_system,
    resume_portal_system,
    stop_portal_system,
)

_HERE = Path(__file__).parent


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """The portal's system stops as soon as its last test has run, not at the end of the whole run: the tests after
    it start a system of their own, and two at once hold more database connections than a default PostgreSQL
    allows (100)."""
    if nextitem is None or _HERE not in Path(str(nextitem.path)).parents:
        stop_portal_system()


def pytest_runtest_setup(item: pytest.Item) -> None:
    resume_portal_system()


SCANS_FIRST = ("test_no_english.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The scan of every page for English runs before the folder's other tests: it reads the demo region as seeded,
    not the (English) names and notes the other tests type into it."""
    ours = [i for i, item in enumerate(items) if _HERE in Path(str(item.path)).parents]
    if not ours:
        return
    first = [items[i] for i in ours if Path(str(items[i].path)).name in SCANS_FIRST]
    rest = [items[i] for i in ours if Path(str(items[i].path)).name not in SCANS_FIRST]
    for i, item in zip(ours, first + rest, strict=True):
        items[i] = item
