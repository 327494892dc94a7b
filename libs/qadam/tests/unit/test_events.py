"""Typed events: the schema derived from a frozen dataclass is as strict both ways as a hand-written one (no I/O)."""

from __future__ import annotations

import json
import uuid
from dataclasses import FrozenInstanceError, asdict, dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import pytest
from marshmallow import validate
from qadam.events import Catalog, EventContractError, EventData, delivered, detail, envelope_of, schema_of, to_data
from qadam.inbox import Handlers


@dataclass(frozen=True, kw_only=True, slots=True)
class Window(EventData):
    """A nested part: when a thing may happen."""

    opens: int | None = detail(default=None, validate=validate.Range(min=1))


@dataclass(frozen=True, kw_only=True, slots=True)
class ParcelSent(EventData):
    TYPE = "post.parcel.sent"
    PRODUCER = "post"
    SUMMARY = "A parcel left the office."

    parcel_id: uuid.UUID
    weight: int = detail(validate=validate.Range(min=1), description="Grams.")
    sent_on: date
    sent_at: datetime
    labels: list[str] = detail(default_factory=list, item_validate=validate.OneOf(("fragile", "urgent")))
    note: str | None = None
    window: Window | None = None
    kind: str = "letter"


@dataclass(frozen=True, kw_only=True, slots=True)
class ParcelLost(ParcelSent):
    TYPE = "post.parcel.lost"
    SUMMARY = "A parcel was lost."

    lost_at: datetime


CATALOG = Catalog((ParcelSent, ParcelLost))


@dataclass(frozen=True, kw_only=True, slots=True)
class Sealed(EventData):
    """A nested part with a field it must have."""

    window: Window


@dataclass(frozen=True, kw_only=True, slots=True)
class Wrapped(EventData):
    TYPE = "post.parcel.wrapped"
    PRODUCER = "post"

    inner: Sealed


class NoOffset(tzinfo):
    """A time zone that knows no offset: a moment in it is not aware, whatever its tzinfo says."""

    def utcoffset(self, dt):
        return None


def sent(**changes) -> ParcelSent:
    fields = {"parcel_id": uuid.uuid4(), "weight": 300, "sent_on": date(2026, 11, 2),
              "sent_at": datetime(2026, 11, 2, 9, tzinfo=UTC)} | changes
    return ParcelSent(**fields)


def body(data: dict, type_: str = "post.parcel.sent") -> str:
    return json.dumps({"id": str(uuid.uuid4()), "type": type_, "version": 1, "occurred_at": "2026-11-02T09:00:00+00:00",
                       "producer": "post", "correlation_id": "c", "causation_id": None, "data": data})


def test_an_event_comes_back_as_its_own_typed_class_with_its_nested_parts_typed_and_defaults_filled():
    event = delivered(sent(window=Window(opens=3), labels=["fragile"]))
    assert isinstance(event.data, ParcelSent) and isinstance(event.data.window, Window)
    assert event.data.window.opens == 3 and event.data.labels == ["fragile"] and event.data.kind == "letter"
    assert event.type == "post.parcel.sent" and event.producer == "post"


def test_event_data_is_frozen():
    with pytest.raises(FrozenInstanceError):
        sent().weight = 1  # type: ignore[misc]


def test_a_consumer_ignores_fields_a_newer_producer_added_and_fills_what_an_older_one_left_out():
    data = to_data(sent())
    del data["kind"], data["labels"], data["note"]
    data["colour"] = "brown"
    event = CATALOG.parse(body(data))
    assert (event.data.kind, event.data.labels, event.data.note) == ("letter", [], None)
    assert not hasattr(event.data, "colour")


@pytest.mark.parametrize(("change", "field"), [
    ({"weight": None}, "weight"), ({"weight": 0}, "weight"), ({"weight": 2.5}, "weight"),
    ({"labels": ["heavy"]}, "labels"), ({"sent_at": "2026-11-02T09:00:00"}, "sent_at"),
    ({"window": {"opens": 0}}, "window"), ({"parcel_id": "not-an-id"}, "parcel_id"),
])
def test_a_consumer_parks_data_that_breaks_the_contract(change, field):
    data = to_data(sent()) | change
    with pytest.raises(EventContractError, match=field):
        CATALOG.parse(body(data))


def test_a_required_field_is_required():
    data = to_data(sent())
    del data["sent_on"]
    with pytest.raises(EventContractError, match="sent_on"):
        CATALOG.parse(body(data))


def test_an_unknown_type_or_version_is_a_broken_contract():
    with pytest.raises(EventContractError, match="unknown event type"):
        CATALOG.parse(body(to_data(sent()), type_="post.parcel.eaten"))


def test_a_producer_s_bug_stops_at_the_producer():
    with pytest.raises(ValueError, match="weight"):
        envelope_of(sent(weight=0), correlation_id="c", causation_id=None)


def test_a_subclass_event_has_its_parent_s_fields_first_and_its_own_after():
    assert list(schema_of(ParcelLost).fields)[-1] == "lost_at"
    assert list(schema_of(ParcelLost).fields)[:len(schema_of(ParcelSent).fields)] == list(schema_of(ParcelSent).fields)


def test_one_schema_instance_per_class_is_reused():
    assert schema_of(ParcelSent) is schema_of(ParcelSent)


def test_the_catalog_names_its_producers_and_refuses_a_class_that_is_not_an_event():
    assert CATALOG.producers() == ("post",)
    with pytest.raises(ValueError, match="not an event"):
        Catalog((Window,))


def test_handlers_declare_the_subscriptions_and_one_function_for_two_classes_is_bound_once():
    handlers = Handlers()
    seen: list[tuple[str, object]] = []

    @handlers.on(ParcelSent, ParcelLost)
    def on_parcel(session, event, *, clock) -> None:
        seen.append((event.type, clock))

    def another(session, event) -> None:
        pass

    assert handlers.event_classes == (ParcelSent, ParcelLost)
    bound = handlers.bind(clock="now", unused_dependency=1)
    assert bound[ParcelSent] is bound[ParcelLost]
    bound[ParcelLost](None, delivered(ParcelLost(**asdict(sent()), lost_at=datetime.now(UTC))))
    assert seen == [("post.parcel.lost", "now")]
    with pytest.raises(ValueError, match="two handlers"):
        handlers.on(ParcelSent)(another)



@pytest.mark.parametrize(("change", "field"), [
    ({"weight": 0}, "weight"), ({"weight": None}, "weight"), ({"labels": ["heavy"]}, "labels"),
    ({"labels": "fragile"}, "labels"), ({"sent_at": datetime(2026, 11, 2, 9)}, "sent_at"),
    ({"window": Window(opens=0)}, "window"), ({"kind": None}, "kind"), ({"parcel_id": "not-an-id"}, "parcel_id"),
    ({"sent_at": datetime(2026, 11, 2, 9, tzinfo=NoOffset())}, "sent_at"),
])
def test_the_producer_refuses_what_a_consumer_would_park(change, field):
    """The producer's check of its typed values gives the consumer's verdict: each of these is refused at the
    producer, and the data it would have written (where it can be written at all) is parked by a consumer."""
    with pytest.raises(ValueError, match=field):
        to_data(sent(**change))
    try:
        data = schema_of(ParcelSent).dump(sent(**change))
    except Exception:  # noqa: BLE001 - not even writable: nothing could reach a consumer
        return
    with pytest.raises(EventContractError, match=field):
        CATALOG.parse(body(data))


def test_a_nested_part_of_another_class_is_refused_as_not_fitting():
    """A part lacking a field its schema requires is refused as marshmallow would refuse it (not an AttributeError)."""
    with pytest.raises(ValueError, match="window"):
        to_data(Wrapped(inner=Window(opens=2)))  # type: ignore[arg-type]


def test_the_producer_passes_what_a_consumer_reads_back_the_same():
    event = sent(window=Window(opens=2), labels=["fragile", "urgent"], note="by hand")
    assert CATALOG.parse(body(to_data(event))).data == event


@pytest.mark.parametrize("change", [{"parcel_id": "5d3c1b0e-8f3a-4a57-9a43-2b1e0c9d7f10"}, {"weight": 2.0}])
def test_the_producer_passes_a_value_of_another_type_that_a_consumer_reads(change):
    """An identifier given as its text, a whole number as a float: written out, a consumer reads them; so does the
    producer's check (it reads them back as a consumer would)."""
    parcel = uuid.uuid4()
    read = CATALOG.parse(body(to_data(sent(**{"parcel_id": parcel} | change)))).data
    assert read == sent(**{"parcel_id": parcel} | {k: (uuid.UUID(v) if k == "parcel_id" else int(v))
                                                    for k, v in change.items()})


def test_a_free_form_object_that_json_cannot_hold_stops_at_the_producer():
    @dataclass(frozen=True, kw_only=True, slots=True)
    class Planned(EventData):
        TYPE = "post.parcel.planned"
        PRODUCER = "post"

        plan: dict[str, Any]

    to_data(Planned(plan={"at": "09:00", "rooms": [1, 2]}))
    with pytest.raises(ValueError, match="plan"):
        to_data(Planned(plan={"parcel": uuid.uuid4()}))


def test_the_kit_s_walk_leaves_out_a_field_that_is_missing_with_no_default_as_marshmallow_does():
    import marshmallow as ma
    from marshmallow import fields as mf
    from qadam.events import load

    class Plain(ma.Schema):
        class Meta:
            unknown = ma.EXCLUDE

        a = mf.String()
        b = mf.Integer(load_default=3)

    schema = Plain()
    for _ in range(3):  # marshmallow's own load adds empty hook lists to the schema: the walk still reads it
        assert load(schema, {}) == schema.load({}) == {"b": 3}


class _Counted:
    """A validator that counts the values it was asked about (and refuses "bad")."""

    def __init__(self) -> None:
        self.asked = 0

    def __call__(self, value: Any) -> None:
        from marshmallow import ValidationError

        self.asked += 1
        if value == "bad":
            raise ValidationError("bad word")


_WORD = _Counted()


@dataclass(frozen=True, kw_only=True, slots=True)
class Sorted(EventData):
    TYPE = "post.parcel.sorted"
    PRODUCER = "post"

    bins: list[list[str]] = detail(validate=validate.Length(min=1), item_validate=validate.OneOf(["a", "b", "c"]))
    tags: list[str] = detail(default_factory=list, item_validate=_WORD)
    ids: list[uuid.UUID] = detail(default_factory=list)


@pytest.mark.parametrize("raw", [
    {"bins": [["a"], ["a", "b"]], "tags": ["x", "y"]},
    {"bins": [["a"], ["a", "b"]], "tags": ["x", "y"], "ids": [str(uuid.UUID(int=1))]},
    {"bins": [], "tags": []},
    {"bins": [["a"], ["d"]]},
    {"bins": [["a"]], "tags": ["x", "bad"]},
    {"bins": [["a"], "a"]},
    {"bins": [[1]]},
    {"bins": ["a"]},
    {"bins": [["a"]], "ids": ["not-an-id"]},
    {"bins": [["a"]], "tags": None},
])
def test_lists_of_words_read_again_get_marshmallow_s_verdict_every_time(raw):
    """A list of words is read once and its verdict reused: each reading, first or later, is marshmallow's own."""
    import marshmallow as ma
    from qadam.events import load

    def verdict(read: Any) -> Any:
        try:
            return read()
        except ma.ValidationError as e:
            return e.messages

    schema = schema_of(Sorted)
    for _ in range(3):
        assert verdict(lambda: load(schema, raw)) == verdict(lambda: schema.load(raw))


def test_a_list_of_words_read_again_is_not_validated_again_and_comes_back_a_list_of_its_own():
    from qadam.events import load

    schema = schema_of(Sorted)
    raw = {"bins": [["b"], ["b", "c"]], "tags": ["once", "twice"]}
    first = load(schema, raw)
    asked = _WORD.asked
    again = load(schema, raw)
    assert _WORD.asked == asked  # read before: its verdict stands
    assert again == first == Sorted(bins=[["b"], ["b", "c"]], tags=["once", "twice"])
    again.bins[0].append("a")
    again.tags.append("three")
    assert load(schema, raw) == first == Sorted(bins=[["b"], ["b", "c"]], tags=["once", "twice"])


@dataclass(frozen=True, kw_only=True, slots=True)
class Route(EventData):
    """A nested list of parts, a list of lists of words, a free-form object."""

    legs: list[Window] = detail(default_factory=list, validate=validate.Length(max=3))
    kinds: list[list[str]] = detail(default_factory=list, item_validate=validate.OneOf(("road", "rail")))
    plan: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ParcelRouted(ParcelSent):
    TYPE = "post.parcel.routed"

    route: Route
    routes: list[Route] = detail(default_factory=list)


class Text(str):
    """Words of a class of their own (not `str` itself)."""


@pytest.mark.parametrize("change", [
    {}, {"weight": 0}, {"weight": True}, {"weight": 2.0}, {"weight": "7"}, {"weight": None}, {"labels": ["heavy"]},
    {"labels": ("fragile",)}, {"labels": "fragile"}, {"labels": [1]}, {"labels": None}, {"note": Text("by hand")},
    {"note": 5}, {"kind": None}, {"parcel_id": "not-an-id"}, {"parcel_id": str(uuid.UUID(int=5))},
    {"sent_at": datetime(2026, 11, 2, 9)}, {"sent_at": datetime(2026, 11, 2, 9, tzinfo=NoOffset())},
    {"sent_at": "2026-11-02T09:00:00+00:00"}, {"sent_on": datetime(2026, 11, 2, tzinfo=UTC)}, {"sent_on": "x"},
    {"window": Window(opens=0)}, {"window": Window()}, {"window": {"opens": 2}}, {"window": Sealed(window=Window())},
    {"route": Route(legs=[Window(opens=1), Window(opens=0)], kinds=[["road"], ["sea", "rail"]])},
    {"route": Route(legs=[Window()] * 4)}, {"route": Route(plan={"at": uuid.uuid4()})}, {"route": None},
    {"routes": [Route(), Route(kinds=[["air"]])]}, {"route": Wrapped(inner=Sealed(window=Window()))},
])
def test_the_one_walk_writes_and_judges_each_value_as_the_two_walks_did(change):
    """`to_data` writes and checks an event in one walk made once per schema: for values of each field's own type
    and for every other value it gives the JSON and the verdict that writing it out and then checking it gave."""
    from qadam.events import _WRITERS, _check, _write, dump

    event = ParcelRouted(**({"parcel_id": uuid.UUID(int=1), "weight": 300, "sent_on": date(2026, 11, 2),
                             "sent_at": datetime(2026, 11, 2, 9, tzinfo=UTC), "route": Route()} | change))
    schema = schema_of(ParcelRouted)
    try:
        dumped = dump(schema, event)
    except Exception as e:  # noqa: BLE001 - not writable at all: the one walk stops the same way
        with pytest.raises(type(e)):
            _write(schema, event)
        return
    errors: dict[str, Any] = {}
    _check(schema, event, dumped, errors)
    assert _write(schema, event) == (dumped, errors)
    assert _WRITERS[type(schema)] is not None  # by the one walk, not the two
