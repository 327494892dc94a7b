"""qadam.json_io: orjson reads and writes what the standard library (and Flask's own provider) would, or hands over."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st
from qadam import json_io
from qadam.web import FastJSONProvider


class Status(StrEnum):
    ACTIVE = "active"


@dataclass
class Figures:
    enrolments: int
    rate: float | None


def providers() -> tuple[DefaultJSONProvider, FastJSONProvider]:
    app = Flask("json-io")
    return DefaultJSONProvider(app), FastJSONProvider(app)


VALUES = [
    {"label": "Qoraqalpogʻiston Respublikasi", "Ўзбекистон": "Нукус", "n": 3, "rate": 0.1 + 0.2, "none": None},
    {"when": datetime(2026, 12, 7, 4, 30, tzinfo=UTC), "day": date(2026, 12, 7), "id": uuid.UUID(int=7)},
    {"amount": Decimal("12.50"), "status": Status.ACTIVE, "figures": Figures(12, None), "list": (1, 2.5, "x")},
    {"b": 1, "a": {"d": [True, False], "c": -0.0}},  # keys sorted at every depth, as Flask sorts them
    {"big": 2**70, "nested": [{"bigger": -(2**80)}]},  # past 64 bits: Flask's own
    {1: "one", 2: "two"},  # keys that are not text, as json.dumps writes them
]


@pytest.mark.parametrize("value", VALUES)
def test_an_answer_holds_the_values_flasks_own_provider_writes(value):
    flask_own, fast = providers()
    compact = {"separators": (",", ":")}  # as Flask's response() asks for, outside debug
    assert json.loads(fast.dumps(value, **compact)) == json.loads(flask_own.dumps(value, **compact))
    assert json.loads(fast.dumps(value)) == json.loads(flask_own.dumps(value))


def test_orjson_writes_the_answer_and_keys_come_sorted():
    _, fast = providers()
    text = fast.dumps({"b": "Ўзбекистон", "a": [1, 2]}, separators=(",", ":"))
    assert text == '{"a":[1,2],"b":"Ўзбекистон"}'  # UTF-8 and compact: orjson's text, not json.dumps' escapes
    assert json_io.dumps({"b": 1, "a": 2}, default=str, sort_keys=False) == '{"b":1,"a":2}'


def test_what_orjson_cannot_write_is_left_to_flask():
    flask_own, fast = providers()
    assert json_io.dumps({"n": 2**70}, default=str, sort_keys=True) is None
    assert fast.dumps({"n": 2**70}) == flask_own.dumps({"n": 2**70})
    # an indented answer (debug) is Flask's own, indent and all
    assert fast.dumps({"a": 1}, indent=2) == flask_own.dumps({"a": 1}, indent=2)
    with pytest.raises(TypeError):  # what neither can write is refused as Flask refuses it
        fast.dumps({"t": object()}, separators=(",", ":"))


def test_keys_that_are_not_text_are_written_and_sorted_as_text():
    flask_own, fast = providers()
    assert fast.dumps({2: "a", 10: "b"}, separators=(",", ":")) == '{"10":"b","2":"a"}'  # as text: "10" < "2"
    assert json.loads(fast.dumps({2: "a", 10: "b"})) == json.loads(flask_own.dumps({2: "a", 10: "b"}))
    # keys of mixed kinds, which json.dumps cannot sort, are written as one object
    assert json.loads(fast.dumps({1: "a", "b": 2}, separators=(",", ":"))) == {"1": "a", "b": 2}
    with pytest.raises(TypeError):
        flask_own.dumps({1: "a", "b": 2})


def test_dates_and_datetimes_are_written_as_flask_writes_them():
    flask_own, fast = providers()
    value = {"at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "on": date(2026, 1, 2)}
    assert fast.dumps(value, separators=(",", ":")) == flask_own.dumps(value, separators=(",", ":"))


def test_a_value_read_from_the_database_is_what_the_standard_library_reads():
    for text in ('{"a": [1, 2.5, null, true], "b": "Ўзбекистон"}', "[]", '"x"', "3", '{"v": 1e-7}'):
        assert json_io.loads(text.encode()) == json.loads(text)
        assert json_io.loads(memoryview(text.encode())) == json.loads(text)
        assert json_io.loads(text) == json.loads(text)


def test_an_integer_past_64_bits_is_read_whole():
    text = b'{"version": 123456789012345678901234567890, "n": [-98765432109876543210]}'
    value = json_io.loads(text)
    assert value == {"version": 123456789012345678901234567890, "n": [-98765432109876543210]}
    assert isinstance(value["version"], int)


def test_what_orjson_refuses_is_read_by_the_standard_library():
    assert json_io.loads(b'"\\ud800"') == json.loads('"\\ud800"')  # a lone surrogate


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=200, derandomize=True, database=None)
@given(json_values)
def test_any_json_reads_and_writes_as_the_standard_library_does(value):
    text = json.dumps(value).encode()
    assert json_io.loads(text) == json.loads(text)
    flask_own, fast = providers()
    assert json.loads(fast.dumps(value, separators=(",", ":"))) == json.loads(flask_own.dumps(value))
