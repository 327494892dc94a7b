"""Rows given as one JSON parameter and values as one array parameter (qadam.db): the same rows as the driver's own
parameters write, and the same statement however many."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from qadam.db import among, given_rows, make_engine, rows_json
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = sa.MetaData()
kept = sa.Table(
    "given_rows_kept", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("code", sa.String(20)),
    sa.Column("number", sa.Integer),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("words", ARRAY(sa.String(200))),
    sa.Column("ids", ARRAY(sa.Uuid)),
    sa.Column("facts", JSONB),
    sa.Column("note", sa.Text),
)
COLUMNS = ("id", "code", "number", "at", "words", "ids", "facts", "note")


@pytest.fixture
def engine(stack):
    engine = make_engine(stack.database_url("risk"))
    with engine.begin() as c:
        c.execute(sa.text("DROP TABLE IF EXISTS given_rows_kept"))
        metadata.create_all(c)
    yield engine
    with engine.begin() as c:
        c.execute(sa.text("DROP TABLE given_rows_kept"))
    engine.dispose()


def _rows(n: int) -> list[dict]:
    tashkent = timezone(timedelta(hours=5))
    return [{"id": uuid.uuid4(), "code": f"P-2026-{i:06d}-twenty", "number": i,
             "at": datetime(2026, 9, 1, 14, 3, 7, 123456 + i, tzinfo=tashkent if i % 2 else UTC),
             "words": ["group", "o'quv «kurs»", 'a "quoted" word\\'][: i % 4], "ids": [uuid.uuid4()],
             "facts": {"session_numbers": [1, 2], "rate": 0.5, "nested": {"x": None}}, "note": None if i else "ü"}
            for i in range(n)]


def test_rows_given_as_one_json_parameter_read_back_as_the_driver_s_own_parameters_write_them(engine):
    rows = _rows(7)
    given = given_rows(kept, COLUMNS)
    with engine.begin() as c:
        c.execute(sa.insert(kept).from_select(list(COLUMNS), sa.select(*(given.c[k] for k in COLUMNS))),
                  {"rows": rows_json(rows[:4])})
        c.execute(sa.insert(kept), rows[4:])  # the driver's own parameters, for comparison
        read = {r.id: r._asdict() for r in c.execute(sa.select(kept))}
    assert [read[r["id"]] for r in rows] == rows


def test_values_as_one_array_parameter_find_what_an_in_list_finds_with_one_statement_for_any_number(engine):
    rows = _rows(6)
    with engine.begin() as c:
        c.execute(sa.insert(kept), rows)
    sent: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    with engine.connect() as c:
        for wanted in ([rows[0]["id"]], [r["id"] for r in rows[1:4]], [], [str(rows[5]["id"])]):
            found = set(c.execute(sa.select(kept.c.id).where(among(kept.c.id, wanted))).scalars())
            assert found == {uuid.UUID(str(w)) for w in wanted}
        # a longer value is not cut to the column's length and matched
        codes = set(c.execute(sa.select(kept.c.number).where(among(kept.c.code, [
            "P-2026-000002-twenty", "none", "P-2026-000003-twenty and more"]))).scalars())
    assert codes == {2}
    assert len(set(sent[:4])) == 1


def test_a_value_no_row_holds_is_refused_not_written_as_its_repr():
    """A set would otherwise reach an array column as the text "{'a', 'b'}" and be stored with its quotes."""
    with pytest.raises(TypeError):
        rows_json([{"ids": {"a", "b"}}])


def test_rows_are_written_as_json_dumps_wrote_them_ids_days_and_times_as_their_text():
    """rows_json writes with orjson (a recompute's rows: a fifth of its time in json.dumps): the same JSON values as
    json.dumps with the same refusals, days and times as str() writes them (PostgreSQL reads them back), int keys as
    text."""
    import json
    from datetime import date
    from decimal import Decimal

    rows = [*_rows(5), {"id": uuid.uuid4(), "day": date(2026, 2, 28), "amount": Decimal("12.50"),
                        "histogram": {3: 1, 10: 2}, "words": ("ʻ", "ў", "«»"), "big": 2 ** 53, "rate": 1 / 3}]
    assert json.loads(rows_json(rows)) == json.loads(json.dumps(rows, default=lambda v: str(v)))
    assert '"2026-02-28"' in rows_json(rows) and str(rows[1]["at"]) in json.loads(rows_json(rows))[1]["at"]


def test_a_whole_number_past_64_bits_is_written_as_json_writes_it_not_refused():
    """orjson stops at 64 bits; a number someone typed (a version of 10**20 in a path, logged in the audit row of its
    refusal) must still be written: the audit row of a refused request is never lost to it."""
    import json

    from qadam.db import jsonable

    huge = {"version": 10 ** 20, "at": date(2026, 2, 28), "ids": [uuid.UUID(int=1)]}
    assert jsonable(huge) == {"version": 10 ** 20, "at": "2026-02-28", "ids": [str(uuid.UUID(int=1))]}
    assert json.loads(rows_json([huge])) == [jsonable(huge)]
    with pytest.raises(TypeError):
        rows_json([{"version": 10 ** 20, "ids": {"a"}}])  # and what no row holds is still refused
