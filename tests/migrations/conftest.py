"""Fixtures of the migration tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from qadam.db import drop_database
from qadam_testing import Servers, database_url_for


@pytest.fixture
def database(servers: Servers) -> Iterator[Callable[[str], str]]:
    """Fresh, empty database URLs on the test server, all dropped afterwards."""
    made: list[str] = []

    def make(label: str) -> str:
        url = database_url_for(servers.database_url, f"migration_{label}_{uuid.uuid4().hex[:10]}")
        made.append(url)
        return url

    yield make
    for url in made:
        drop_database(url)
