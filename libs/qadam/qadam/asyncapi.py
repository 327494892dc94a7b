"""The AsyncAPI document of a system's events, generated from its catalog's event classes (their derived schemas)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .events import Catalog, Envelope, EventData, schema_class


def _schema_name(event_name: str, version: int) -> str:
    return "".join(part.capitalize() for part in event_name.replace(".", "_").split("_")) + f"V{version}"


def asyncapi_document(catalog: Catalog, subscriptions: Mapping[str, Iterable[type[EventData]]],
                      version: str = "1.0.0") -> dict[str, Any]:
    """Every event of `catalog`, each channel naming its consumers (from `subscriptions`)."""
    consumed = {service: {cls.TYPE for cls in types} for service, types in subscriptions.items()}
    spec = APISpec(title="Qadam events", version=version, openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("Envelope", schema=Envelope)
    for et in catalog:
        spec.components.schema(_schema_name(et.TYPE, et.VERSION), schema=schema_class(et))
    schemas = spec.to_dict()["components"]["schemas"]
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for et in catalog:
        key = f"{et.TYPE}.v{et.VERSION}"
        consumers = sorted(s for s, types in consumed.items() if et.TYPE in types)
        messages[key] = {
            "name": et.TYPE,
            "title": et.TYPE,
            "summary": et.SUMMARY,
            "contentType": "application/json",
            "correlationId": {"location": "$message.payload#/correlation_id"},
            "payload": {"allOf": [
                {"$ref": "#/components/schemas/Envelope"},
                {"type": "object", "properties": {
                    "type": {"const": et.TYPE},
                    "version": {"const": et.VERSION},
                    "data": {"$ref": f"#/components/schemas/{_schema_name(et.TYPE, et.VERSION)}"},
                }},
            ]},
            "bindings": {"amqp": {"deliveryMode": 2, "messageType": et.TYPE}},
        }
        channels[et.TYPE] = {
            "description": f"Published by {et.PRODUCER}; consumed by {', '.join(consumers) or 'nobody yet'}.",
            "subscribe": {"operationId": f"on_{et.TYPE.replace('.', '_')}", "message": {"$ref": f"#/components/messages/{key}"}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {"name": et.exchange(), "type": "topic", "durable": True,
                                                                   "autoDelete": False}}},
        }
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "Qadam events", "version": version,
                 "description": "Events between Qadam's services over RabbitMQ. Envelope fields are mirrored in AMQP "
                                "properties (message_id, correlation_id, type). Events carry a participant's "
                                "pseudonymous code, never personal data."},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
    }
