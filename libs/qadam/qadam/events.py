"""The envelope every event travels in, and the catalog of event types (one marshmallow schema each).

The catalog lives here rather than in each producer's package because both sides of a hop validate
against it: the producer when it writes the outbox row, the consumer when it reads the message. It is
also the single source of the AsyncAPI document and of the queue bindings' routing keys.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from .schema_fields import Integer


class EventSchema(ma.Schema):
    """Base of every event's `data`: newer producers may add fields, so older consumers ignore them."""

    class Meta:
        unknown = ma.EXCLUDE


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
    data = fields.Dict(required=True)


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    producer: str
    schema: type[EventSchema]
    summary: str

    @property
    def exchange(self) -> str:
        return exchange_of(self.producer)

    @property
    def validator(self) -> EventSchema:
        """One schema instance per type, reused (marshmallow builds its fields per instance: costly per event)."""
        return _instance(self.schema)


_INSTANCES: dict[type[ma.Schema], Any] = {}


def _instance(schema: type[ma.Schema]) -> Any:
    found = _INSTANCES.get(schema)
    if found is None:
        found = _INSTANCES[schema] = schema()
    return found


def exchange_of(service: str) -> str:
    return f"{service}.events"


@dataclass(frozen=True)
class Event:
    """A received event: envelope fields plus `data` loaded through its type's schema."""

    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: str
    causation_id: str | None
    data: dict[str, Any]


class EventContractError(Exception):
    """The message does not fit its contract: parking it is the only sane thing to do."""


class Catalog:
    def __init__(self) -> None:
        self._types: dict[tuple[str, int], EventType] = {}

    def register(self, event_type: EventType) -> EventType:
        self._types[(event_type.name, event_type.version)] = event_type
        return event_type

    def get(self, name: str, version: int) -> EventType:
        try:
            return self._types[(name, version)]
        except KeyError:
            raise EventContractError(f"unknown event type {name!r} version {version}") from None

    def latest(self, name: str) -> EventType:
        versions = [t for (n, _), t in self._types.items() if n == name]
        if not versions:
            raise KeyError(f"unknown event type {name!r}")
        return max(versions, key=lambda t: t.version)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._types.values(), key=lambda t: (t.name, t.version)))

    def names(self) -> set[str]:
        return {name for name, _ in self._types}

    def build(self, name: str, data: dict[str, Any], *, producer: str, correlation_id: str,
              causation_id: str | None) -> dict[str, Any]:
        """Validate `data` against the latest version of `name` and wrap it in an envelope (JSON-ready)."""
        event_type = self.latest(name)
        if event_type.producer != producer:
            raise ValueError(f"{producer} may not publish {name}; its producer is {event_type.producer}")
        schema = event_type.validator
        dumped = schema.dump(data)
        errors = schema.validate(dumped)  # a producer's bug stops here, not in a consumer's parking queue
        if errors:
            raise ValueError(f"{name} data does not fit its schema: {errors}")
        return {
            "id": str(uuid.uuid4()),
            "type": name,
            "version": event_type.version,
            "occurred_at": datetime.now(UTC).isoformat(),
            "producer": producer,
            "correlation_id": correlation_id,
            "causation_id": causation_id,
            "data": dumped,
        }

    def parse(self, body: bytes | str | dict[str, Any]) -> Event:
        """Envelope and data, validated; raises EventContractError for anything that does not fit."""
        import json

        try:
            raw = body if isinstance(body, dict) else json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventContractError(f"body is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise EventContractError("body is not a JSON object")
        try:
            envelope = _instance(Envelope).load(raw)
        except ma.ValidationError as exc:
            raise EventContractError(f"envelope: {exc.messages}") from None
        event_type = self.get(envelope["type"], envelope["version"])
        try:
            data = event_type.validator.load(envelope["data"])
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
        )
