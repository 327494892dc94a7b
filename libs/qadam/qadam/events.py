"""The envelope every event travels in, typed event classes, and the catalog that reads a message into one.

An event's data is a frozen dataclass (subclass of `EventData`) with class-level TYPE (also the routing key),
VERSION, PRODUCER and SUMMARY. Its marshmallow schema is derived from the dataclass fields once, so a field is
written once: its Python type says what it holds, `detail(...)` adds what the type cannot say (validators, a
description, a bounded field). Both sides of a hop validate against that schema: the producer when it writes the
outbox row (`to_data`), the consumer when it reads the message (`Catalog.parse`). The producers' event classes live
in their published contracts, not here: the kit names no service's event.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Generic, TypeVar, cast

import marshmallow as ma
from marshmallow import fields, validate

from . import tracing
from .schema_fields import Integer

# A free-form JSON object inside an event (a rule's evidence, a schedule): its keys are the producer's to choose.
JSONObject = dict[str, Any]


class EventSchema(ma.Schema):
    """Base of every event's `data` schema: newer producers may add fields, so older consumers ignore them."""

    class Meta:
        unknown = ma.EXCLUDE


class EventData:
    """Base of the typed classes an event's data is (frozen, keyword-only dataclasses); also of their nested parts.

    An event class sets TYPE, VERSION, PRODUCER and SUMMARY; a part nested in events (or a base that several events
    share) leaves TYPE empty.
    """

    __slots__ = ()
    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    PRODUCER: ClassVar[str] = ""
    SUMMARY: ClassVar[str] = ""

    @classmethod
    def exchange(cls) -> str:
        return exchange_of(cls.PRODUCER)


E = TypeVar("E", bound=EventData)
T = TypeVar("T", covariant=True)  # an Event[AttendanceAmended] is an Event[AttendanceRecorded]

_OPTIONS = "qadam"  # the key of `detail`'s options in a dataclass field's metadata


@dataclass(frozen=True, kw_only=True)
class _Detail:
    description: str | None = None
    validate: Any = None
    item_validate: Any = None
    kind: type[fields.Field] | None = None


def detail(*, description: str | None = None, validate: Any = None, item_validate: Any = None,
           kind: type[fields.Field] | None = None, default: Any = dataclasses.MISSING,
           default_factory: Any = dataclasses.MISSING) -> Any:
    """An event field with what its type cannot say: a description (into AsyncAPI), validators (of the value, or
    of each item of a list: of a list of lists, each innermost item), another marshmallow field class (the kit's
    bounded Date, say), a default (the load default for older producers that did not send it)."""
    options = _Detail(description=description, validate=validate, item_validate=item_validate, kind=kind)
    return dataclasses.field(default=default, default_factory=default_factory, metadata={_OPTIONS: options})


# The marshmallow field of each Python type an event may hold (the kit's Integer refuses a fraction).
_FIELD_OF: dict[Any, type[fields.Field]] = {
    str: fields.String, int: Integer, bool: fields.Boolean, uuid.UUID: fields.UUID, date: fields.Date,
    datetime: fields.AwareDateTime,
}


def _field(hint: Any, *, kind: type[fields.Field] | None = None, **kwargs: Any) -> fields.Field:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _field(inner, kind=kind, **kwargs)
    if kind is not None:
        return kind(**kwargs)
    if origin is list:
        (item,) = typing.get_args(hint)
        item_validate = kwargs.pop("item_validate", None)
        if typing.get_origin(item) is list:  # a list of lists: the validators are of the innermost items
            return fields.List(_field(item, item_validate=item_validate), **kwargs)
        return fields.List(_field(item, validate=item_validate), **kwargs)
    kwargs.pop("item_validate", None)
    if origin is dict:
        return fields.Dict(**kwargs)
    if isinstance(hint, type) and issubclass(hint, EventData):
        return fields.Nested(schema_class(hint), **kwargs)
    try:
        return _FIELD_OF[hint](**kwargs)
    except KeyError:
        raise TypeError(f"an event field cannot hold {hint!r}") from None


_SCHEMA_CLASSES: dict[type, type[EventSchema]] = {}
_SCHEMAS: dict[type, EventSchema] = {}
_MADE_AS: dict[type, type[EventData]] = {}  # the class each derived schema makes (its only hook: `make`)


def schema_class(cls: type[EventData]) -> type[EventSchema]:
    """The marshmallow schema of an event class (or nested part), derived from its dataclass fields, made once.

    Named as the class, so the AsyncAPI document names its parts as the classes are named."""
    found = _SCHEMA_CLASSES.get(cls)
    if found is not None:
        return found
    hints = typing.get_type_hints(cls)
    declared: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        options: _Detail = f.metadata.get(_OPTIONS) or _Detail()
        hint = hints[f.name]
        kwargs: dict[str, Any] = {}
        if type(None) in typing.get_args(hint):
            kwargs["allow_none"] = True
        if f.default is not dataclasses.MISSING:
            kwargs["load_default"] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            kwargs["load_default"] = f.default_factory
        else:
            kwargs["required"] = True
        if options.validate is not None:
            kwargs["validate"] = options.validate
        if options.description is not None:
            kwargs["metadata"] = {"description": options.description}
        if options.item_validate is not None:
            kwargs["item_validate"] = options.item_validate
        declared[f.name] = _field(hint, kind=options.kind, **kwargs)

    def make(self: EventSchema, data: dict[str, Any], **_kwargs: Any) -> EventData:
        return cls(**data)

    declared["make"] = ma.post_load(make)
    made = cast(type[EventSchema], EventSchema.from_dict(declared, name=cls.__name__))
    _SCHEMA_CLASSES[cls] = made
    _MADE_AS[made] = cls
    return made


def schema_of(cls: type[EventData]) -> EventSchema:
    """One schema instance per class, reused (marshmallow builds its fields per instance: costly per event)."""
    found = _SCHEMAS.get(cls)
    if found is None:
        found = _SCHEMAS[cls] = schema_class(cls)()
    return found


def to_data(event: EventData) -> JSONObject:
    """An event's data as JSON-ready values, checked against its schema: a producer's bug stops here, not in a
    consumer's parking queue.

    The verdict is the one a consumer reading the data would give, reached without reading back every time and
    identifier just written out (on the hot path that doubled the cost of writing an event): a value of the field's
    own type is checked as it is (missing or not, each validator, nested parts and list items); anything else (a
    string for an identifier, a field of its own kind such as a bounded date) is read back as a consumer reads it."""
    schema = schema_of(type(event))
    dumped, errors = _write(schema, event)
    if errors:
        raise ValueError(f"{event.TYPE} data does not fit its schema: {errors}")
    return dumped


# How to write out and check a value of one field: (the value, the object holding it) -> (JSON value, problem).
_Step = Callable[[Any, Any], tuple[Any, Any]]
# How to write out and check one object of a schema: None where the object is not one the steps were made for.
_Writer = Callable[[Any], "tuple[JSONObject, dict[str, Any]] | None"]
_WRITERS: dict[type, _Writer | None] = {}


def _write(schema: ma.Schema, obj: Any) -> tuple[JSONObject, dict[str, Any]]:
    """`dump` and `_check` of `obj` in one walk, with each field's way made once per schema (`_writer`): the same
    values and the same verdict, at a third of the cost (the run of unexcused absences every mark carries made the
    two walks, deciding each field's kind again for every value, most of the cost of committing a mark)."""
    kind = type(schema)
    if schema.only or schema.exclude:  # an instance of its class holding some of its fields: not the class's walk
        writer = None
    else:
        writer = _WRITERS[kind] if kind in _WRITERS else _WRITERS.setdefault(kind, _writer(schema))
    written = writer(obj) if writer is not None else None
    if written is not None:
        return written
    dumped: JSONObject = dump(schema, obj)
    errors: dict[str, Any] = {}
    _check(schema, obj, dumped, errors)
    return dumped, errors


def _writer(schema: ma.Schema) -> _Writer | None:
    """The one walk of a plain schema (no hooks, each field written under its own name from its own attribute), or
    None: such a schema takes the two walks."""
    if schema._hooks.get("pre_dump") or schema._hooks.get("post_dump") \
            or list(schema.dump_fields) != list(schema.fields) \
            or any(f.attribute or f.data_key for f in schema.fields.values()):
        return None
    steps = [(name, _step(field, name)) for name, field in schema.fields.items()]

    def write(obj: Any) -> tuple[JSONObject, dict[str, Any]] | None:
        out: JSONObject = {}
        errors: dict[str, Any] = {}
        for name, step in steps:
            value = getattr(obj, name, _ABSENT)
            if value is _ABSENT:  # a part of another class (its schema's verdict, by the two walks)
                return None
            out[name], problem = step(value, obj)
            if problem is not None:
                errors[name] = problem
        return out, errors

    return write


def _step(field: fields.Field, name: str | None) -> _Step:
    """One field's step: what `_dumped` writes and what `_problem` finds, for the values of the field's own type;
    any other value by those two themselves."""
    kind, validators, allow_none = type(field), tuple(field.validators), field.allow_none
    null = None if allow_none else ["Field may not be null."]

    def valid(value: Any) -> Any:
        for validator in validators:
            try:
                validator(value)
            except ma.ValidationError as e:
                return e.messages
        return None

    def other(value: Any, obj: Any) -> tuple[Any, Any]:
        written = _dumped(field, value, name, obj)
        return written, _problem(field, value, written)

    if kind in (fields.String, Integer, fields.Boolean):
        own = _TYPED[kind][0]

        def plain(value: Any, obj: Any) -> tuple[Any, Any]:
            if type(value) is own:
                return value, valid(value) if validators else None
            return (None, null) if value is None else other(value, obj)
        return plain
    if kind is fields.UUID:
        def identifier(value: Any, obj: Any) -> tuple[Any, Any]:
            if isinstance(value, uuid.UUID):
                return str(value), valid(value) if validators else None
            return (None, null) if value is None else other(value, obj)
        return identifier
    if kind is fields.AwareDateTime and cast(fields.DateTime, field).format in _ISO:
        def moment(value: Any, obj: Any) -> tuple[Any, Any]:
            if isinstance(value, datetime) and value.utcoffset() is not None:
                return value.isoformat(), valid(value) if validators else None
            return (None, null) if value is None else other(value, obj)
        return moment
    if kind is fields.Date and cast(fields.Date, field).format in _ISO:
        def day(value: Any, obj: Any) -> tuple[Any, Any]:
            if type(value) is date:
                return value.isoformat(), valid(value) if validators else None
            return (None, null) if value is None else other(value, obj)
        return day
    if kind is fields.Nested and not (cast(fields.Nested, field).many or cast(fields.Nested, field).only
                                      or cast(fields.Nested, field).exclude):
        inner_schema = cast(fields.Nested, field).schema

        def part(value: Any, obj: Any) -> tuple[Any, Any]:
            if isinstance(value, EventData):
                written, found = _write(inner_schema, value)
                return written, found or (valid(value) if validators else None)
            return (None, null) if value is None else other(value, obj)
        return part
    if kind is fields.List:
        inner = cast(fields.List, field).inner
        words = type(inner) is fields.String
        inner_valid = _step(inner, None) if inner.validators else None
        item = _step(inner, None)

        def items(value: Any, obj: Any) -> tuple[Any, Any]:
            if not isinstance(value, list | tuple):
                return (None, null) if value is None else other(value, obj)
            if words and all(type(each) is str for each in value):
                found = {i: p for i, each in enumerate(value) if (p := inner_valid(each, obj)[1]) is not None} \
                    if inner_valid is not None else {}
                return list(value), found or (valid(value) if validators else None)
            written, found = [], {}
            for i, each in enumerate(value):
                w, p = item(each, obj)
                written.append(w)
                if p is not None:
                    found[i] = p
            return written, found or (valid(value) if validators else None)
        return items

    def any_kind(value: Any, obj: Any) -> tuple[Any, Any]:
        return (None, null) if value is None else other(value, obj)
    return any_kind


def dump(schema: ma.Schema, obj: Any) -> JSONObject:
    """`schema.dump(obj)`, the same JSON values, without marshmallow's machinery per field: the kit's own field
    kinds holding a value of their own type are written out here (an identifier as its text, a time or a day in ISO
    8601, a nested part and a list by this same walk); anything else by the field's own `_serialize`. A schema with
    dump hooks is dumped by marshmallow itself."""
    if schema._hooks.get("pre_dump") or schema._hooks.get("post_dump") or any(
            f.attribute and "." in f.attribute for f in schema.dump_fields.values()):
        return cast(JSONObject, schema.dump(obj))
    out: JSONObject = {}
    for name, field in schema.dump_fields.items():
        attribute = field.attribute or name
        value = getattr(obj, attribute, ma.missing) if not isinstance(obj, Mapping) else obj.get(attribute, ma.missing)
        if value is ma.missing:
            value = field.serialize(name, obj, accessor=schema.get_attribute)
            if value is ma.missing:
                continue
        else:
            value = _dumped(field, value, name, obj)
        out[field.data_key if field.data_key is not None else name] = value
    return out


_ISO = (None, "iso", "iso8601")  # the formats marshmallow writes with isoformat()


def _dumped(field: fields.Field, value: Any, name: str | None, obj: Any) -> Any:
    kind = type(field)
    if value is None:
        return None
    if kind in (fields.String, fields.Boolean) and type(value) in _TYPED[kind]:
        return value
    if kind is Integer and type(value) is int:
        return value
    if kind is fields.UUID and isinstance(value, uuid.UUID):
        return str(value)
    if (kind is fields.AwareDateTime and isinstance(value, datetime)
            and cast(fields.DateTime, field).format in _ISO) \
            or (kind is fields.Date and type(value) is date and cast(fields.Date, field).format in _ISO):
        return value.isoformat()
    if kind is fields.Nested and isinstance(value, EventData) and not cast(fields.Nested, field).many \
            and not (cast(fields.Nested, field).only or cast(fields.Nested, field).exclude):
        return dump(cast(fields.Nested, field).schema, value)
    if kind is fields.List and isinstance(value, list | tuple):
        inner = cast(fields.List, field).inner
        if type(inner) is fields.String and all(type(each) is str for each in value):
            return list(value)  # words (a list of kinds, of signs): as they are
        return [_dumped(inner, each, None, obj) for each in value]
    return field._serialize(value, name, obj)


# the typed values each field the kit derives from a type holds as they are (a bool is no Integer's)
_TYPED: dict[type[fields.Field], tuple[type, ...]] = {
    fields.String: (str,), Integer: (int,), fields.Boolean: (bool,), fields.UUID: (uuid.UUID,), fields.Dict: (dict,),
}


_ABSENT = object()


def _check(schema: ma.Schema, data: Any, dumped: JSONObject, errors: dict[str, Any]) -> None:
    for name, field in schema.fields.items():
        value = getattr(data, name, _ABSENT)  # a part of another class may lack a field (its schema's verdict)
        if value is _ABSENT:
            problem = ["Missing data for required field."] if field.required else None
        else:
            problem = _problem(field, value, dumped.get(name))
        if problem is not None:
            errors[name] = problem


def _problem(field: fields.Field, value: Any, dumped: Any) -> Any:
    """What a consumer would find wrong with this field's value (None if nothing)."""
    if value is None:
        return None if field.allow_none else ["Field may not be null."]
    kind = type(field)
    if kind is fields.Dict and isinstance(value, dict):
        try:  # its values are the producer's to choose, but they must be JSON, or the outbox cannot hold them
            json.dumps(value)
        except (TypeError, ValueError) as e:
            return [f"Not JSON: {e}"]
    if kind is fields.Nested and isinstance(value, EventData) and isinstance(dumped, dict):
        found: dict[str, Any] = {}
        _check(cast(fields.Nested, field).schema, value, dumped, found)
        return found or _validated(field, value)
    if kind is fields.List and isinstance(value, list | tuple) and isinstance(dumped, list):
        inner = cast(fields.List, field).inner
        if type(inner) is fields.String and all(type(v) is str for v in value):  # words: only their validators
            items = {i: p for i, v in enumerate(value) if (p := _validated(inner, v)) is not None} \
                if inner.validators else {}
        else:
            items = {i: p for i, (v, d) in enumerate(zip(value, dumped, strict=True))
                     if (p := _problem(inner, v, d)) is not None}
        return items or _validated(field, value)
    if ((kind is fields.AwareDateTime and isinstance(value, datetime) and value.utcoffset() is not None)
            or (kind is fields.Date and type(value) is date)
            or (kind in _TYPED and isinstance(value, _TYPED[kind]) and not (kind is Integer and type(value) is bool))):
        return _validated(field, value)
    try:  # not a value of the field's own type, or a field of its own kind: read back as a consumer would
        field.deserialize(dumped)
    except ma.ValidationError as e:
        return e.messages
    return None


def _validated(field: fields.Field, value: Any) -> Any:
    for validator in field.validators:  # as marshmallow does: a validator refuses by raising, whatever it returns
        try:
            validator(value)
        except ma.ValidationError as e:
            return e.messages
    return None


def load(schema: ma.Schema, raw: Any) -> Any:
    """`schema.load(raw)`, as a consumer reads an event, with marshmallow's verdict and values, reached without its
    machinery per field (on the hot path of every consumer it was most of the cost of reading an event with nested
    parts): each field is read by its own `deserialize` (missing, null, type, validators), nested parts and lists of
    them by this same walk. A schema this walk does not know to be plain (one with hooks other than the derived
    `make`, or that does not exclude unknown fields) is loaded by marshmallow itself. Raises ma.ValidationError."""
    made_as = _MADE_AS.get(type(schema))
    if not _plain(schema, made_as):
        return schema.load(raw)
    if not isinstance(raw, Mapping):
        raise ma.ValidationError({"_schema": ["Invalid input type."]})
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else name
        try:
            value = _load_field(field, raw.get(key, ma.missing))
        except ma.ValidationError as e:
            errors[key] = e.messages
        else:
            if value is not ma.missing:  # missing, with no default: left out, as marshmallow leaves it
                values[field.attribute or name] = value
    if errors:
        raise ma.ValidationError(errors)
    return made_as(**values) if made_as is not None else values


# a JSON value of exactly these types is what the field reads it as (an identifier is read from its text by the
# field's own `_validated`, a mapping copied as Dict does); any other value goes through `deserialize`
_READ_AS_IS: dict[type[fields.Field], tuple[type, ...]] = {
    fields.String: (str,), Integer: (int,), fields.Boolean: (bool,), fields.UUID: (str,), fields.Dict: (dict,),
}


_LOAD_HOOKS = ("pre_load", "post_load", "validates", "validates_schema")
_PLAIN: dict[type, bool] = {}


def _plain(schema: ma.Schema, made_as: type | None) -> bool:
    """Whether the walk reads this schema as marshmallow would: it excludes unknown fields, has no hooks but the
    derived `make`, and no field stored under a dotted attribute. (marshmallow adds empty hook lists to a schema as
    it loads: only a list with hooks in it counts.)"""
    found = _PLAIN.get(type(schema))
    if found is None:
        found = _PLAIN[type(schema)] = (
            schema.unknown == ma.EXCLUDE
            and (made_as is not None or not any(schema._hooks.get(kind) for kind in _LOAD_HOOKS))
            and not any(f.attribute and "." in f.attribute for f in schema.load_fields.values()))
    return found


def _load_field(field: fields.Field, value: Any) -> Any:
    kind = type(field)
    if field.pre_load or field.post_load or value is ma.missing or value is None:
        return field.deserialize(value)
    if kind in _READ_AS_IS and type(value) in _READ_AS_IS[kind]:
        loaded = (cast(fields.UUID, field)._validated(value) if kind is fields.UUID
                  else dict(value) if kind is fields.Dict else value)
    elif kind is fields.Nested and isinstance(value, Mapping) and not cast(fields.Nested, field).many:
        nested = cast(fields.Nested, field)
        if nested.unknown not in (None, ma.EXCLUDE) or nested.only or nested.exclude:
            return field.deserialize(value)
        loaded = load(nested.schema, value)
    elif kind is fields.List and isinstance(value, list):
        words = _words(value)
        if words is not None:  # a list of words (or of lists of words): read once, then as it was read
            known = _READ_WORDS.get((field, words))
            if known is None:
                known = _read_words(field, value, words)
            return [list(each) for each in known] if known and type(known[0]) is tuple else list(known)
        loaded = _read_items(field, value)
    else:
        return field.deserialize(value)
    if field.validators:
        field._validate(loaded)  # the field's own validators, as deserialize runs them after reading
    return loaded


# lists of words as each field read them (a mark's runs name the same combinations of session kinds in every event):
# their verdict is the field's validators' on the same words, the same every time. Bounded: forgotten when full.
_READ_WORDS: dict[tuple[fields.Field, tuple[Any, ...]], tuple[Any, ...]] = {}
_READ_WORDS_MAX = 4096


def _read_items(field: fields.Field, value: list[Any]) -> list[Any]:
    """Each item of a list read by the list field's inner field; every item's problem, by its position, raised."""
    inner = cast(fields.List, field).inner
    loaded, problems = [], {}
    for i, each in enumerate(value):
        try:
            loaded.append(_load_field(inner, each))
        except ma.ValidationError as e:
            problems[i] = e.messages
    if problems:
        raise ma.ValidationError(problems)
    return loaded


def _words(value: list[Any]) -> tuple[Any, ...] | None:
    """The list as a key, if it holds only words or only lists of words (None otherwise: read item by item)."""
    if not value:
        return ()
    first = type(value[0])  # most lists are of parts (runs, absences): told at their first item
    if first is str and all(type(each) is str for each in value):
        return tuple(value)
    if first is list and all(type(each) is list and all(type(w) is str for w in each) for each in value):
        return tuple(tuple(each) for each in value)
    return None


def _read_words(field: fields.Field, value: list[Any], words: tuple[Any, ...]) -> tuple[Any, ...]:
    """Read a list of words through the field (raising what it raises), and remember what it read."""
    loaded = _read_items(field, value)
    if field.validators:
        field._validate(loaded)
    # kept only when the field read each word as itself (a field of another kind may make something else of them)
    if all(a == b and type(a) is type(b) for a, b in zip(loaded, value, strict=True)):
        if len(_READ_WORDS) >= _READ_WORDS_MAX:
            _READ_WORDS.clear()
        _READ_WORDS[(field, words)] = words
    return tuple(tuple(each) if type(each) is list else each for each in loaded)


class Envelope(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    id = fields.UUID(required=True, metadata={"description": "Event id; also the AMQP message_id."})
    type = fields.String(required=True, metadata={"description": "Event type, also the routing key."})
    version = Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    producer = fields.String(required=True)
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    causation_id = fields.String(allow_none=True, load_default=None)
    traceparent = fields.String(
        allow_none=True, load_default=None,
        metadata={"description": "W3C trace context (`00-<trace id>-<span id>-<flags>`) of the span that wrote the "
                                 "event, present only where the producer traces (QADAM_OTEL_ENDPOINT): its consumer's "
                                 "span is a child of it. A consumer ignores one it cannot read."})
    data = fields.Dict(required=True)


_ENVELOPE = Envelope()


def exchange_of(service: str) -> str:
    return f"{service}.events"


def envelope_of(event: EventData, *, correlation_id: str, causation_id: str | None,
                traceparent: str | None = None) -> JSONObject:
    """The event wrapped in its envelope (JSON-ready), with a new id and the time now; with `traceparent` (by
    default the current span's, where tracing is on) if there is one."""
    envelope: JSONObject = {
        "id": str(uuid.uuid4()),
        "type": event.TYPE,
        "version": event.VERSION,
        "occurred_at": datetime.now(UTC).isoformat(),
        "producer": event.PRODUCER,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "data": to_data(event),
    }
    if traceparent is None:
        traceparent = tracing.current_traceparent()
    if traceparent is not None:
        envelope["traceparent"] = traceparent
    return envelope


@dataclass(frozen=True)
class Event(Generic[T]):
    """A received event: envelope fields plus `data`, an instance of its type's class."""

    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: str
    causation_id: str | None
    data: T
    traceparent: str | None = None  # the producer's span, where it traces


class EventContractError(Exception):
    """The message does not fit its contract: parking it is the only sane thing to do."""


class Catalog:
    """Event classes by type and version: what a consumer can read, and what the AsyncAPI document and the exchanges
    are made from."""

    def __init__(self, classes: Iterable[type[EventData]] = ()) -> None:
        self._types: dict[tuple[str, int], type[EventData]] = {}
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[E]) -> type[E]:
        if not cls.TYPE or not cls.PRODUCER:
            raise ValueError(f"{cls.__name__} names no TYPE or PRODUCER: it is not an event")
        self._types[(cls.TYPE, cls.VERSION)] = cls
        schema_of(cls)  # derived now, at import, not on the first message
        return cls

    def get(self, name: str, version: int) -> type[EventData]:
        try:
            return self._types[(name, version)]
        except KeyError:
            raise EventContractError(f"unknown event type {name!r} version {version}") from None

    def latest(self, name: str) -> type[EventData]:
        versions = [t for (n, _), t in self._types.items() if n == name]
        if not versions:
            raise KeyError(f"unknown event type {name!r}")
        return max(versions, key=lambda t: t.VERSION)

    def __iter__(self) -> Iterator[type[EventData]]:
        return iter(sorted(self._types.values(), key=lambda t: (t.TYPE, t.VERSION)))

    def names(self) -> set[str]:
        return {name for name, _ in self._types}

    def producers(self) -> tuple[str, ...]:
        """Every producer with an event here, in the order they were registered."""
        return tuple(dict.fromkeys(cls.PRODUCER for cls in self._types.values()))

    def parse(self, body: bytes | str | JSONObject) -> Event[Any]:
        """Envelope and data, validated; raises EventContractError for anything that does not fit."""
        try:
            raw = body if isinstance(body, dict) else json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventContractError(f"body is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise EventContractError("body is not a JSON object")
        try:
            envelope = load(_ENVELOPE, raw)
        except ma.ValidationError as exc:
            raise EventContractError(f"envelope: {exc.messages}") from None
        cls = self.get(envelope["type"], envelope["version"])
        try:
            data = load(schema_of(cls), envelope["data"])
        except ma.ValidationError as exc:
            raise EventContractError(f"{envelope['type']} v{envelope['version']} data: {exc.messages}") from None
        return Event(
            id=envelope["id"],
            type=envelope["type"],
            version=envelope["version"],
            occurred_at=envelope["occurred_at"],
            producer=envelope["producer"],
            correlation_id=envelope["correlation_id"],
            causation_id=envelope["causation_id"],
            data=data,
            traceparent=envelope["traceparent"],
        )


def delivered(event: E, *, correlation_id: str = "test", causation_id: str | None = None) -> Event[E]:
    """`event` as a consumer receives it: enveloped, sent as JSON and read back through its schema (for tests, and
    for tools that hand an event to a handler without the broker)."""
    envelope = envelope_of(event, correlation_id=correlation_id, causation_id=causation_id)
    received: Event[E] = Catalog((type(event),)).parse(json.dumps(envelope))
    return received
