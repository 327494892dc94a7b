"""Every engine the kit makes (workers' and web processes') reads json and jsonb with qadam.json_io.loads: orjson,
the standard library for what orjson would read otherwise (an integer past 64 bits)."""

from __future__ import annotations

import pytest
from psycopg.pq import Format
from qadam import json_io
from qadam.db import make_engine, make_web_engine


@pytest.mark.parametrize("make", [make_engine, make_web_engine])
def test_the_kits_engines_read_json_with_the_kits_loader(stack, make):
    engine = make(stack.database_url("risk"))
    try:
        with engine.connect() as c:
            driver = c.connection.dbapi_connection
            types = driver.adapters.types
            for name in ("json", "jsonb"):
                for fmt in (Format.TEXT, Format.BINARY):
                    assert driver.adapters.get_loader(types[name].oid, fmt)._loads is json_io.loads
            row = c.exec_driver_sql(
                "SELECT '{\"a\": [1, 2.5, null], \"b\": \"Ўзбекистон\"}'::jsonb, "
                "'{\"version\": 123456789012345678901234567890}'::json").one()
            assert row[0] == {"a": [1, 2.5, None], "b": "Ўзбекистон"}
            assert row[1] == {"version": 123456789012345678901234567890}  # whole, not a float
    finally:
        engine.dispose()
