"""The AsyncAPI document of Qadam's events, generated from the catalog's marshmallow schemas."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .contracts import catalog
from .events import Envelope
from .topology import SUBSCRIPTIONS


def _schema_name(event_name: str, version: int) -> str:
    return "".join(part.capitalize() for part in event_name.replace(".", "_").split("_")) + f"V{version}"


def asyncapi_document(version: str = "1.0.0") -> dict[str, Any]:
    spec = APISpec(title="Qadam events", version=version, openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("Envelope", schema=Envelope)
    for et in catalog:
        spec.components.schema(_schema_name(et.name, et.version), schema=et.schema)
    schemas = spec.to_dict()["components"]["schemas"]
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for et in catalog:
        key = f"{et.name}.v{et.version}"
        consumers = sorted(s for s, types in SUBSCRIPTIONS.items() if et.name in types)
        messages[key] = {
            "name": et.name,
            "title": et.name,
            "summary": et.summary,
            "contentType": "application/json",
            "correlationId": {"location": "$message.payload#/correlation_id"},
            "payload": {"allOf": [
                {"$ref": "#/components/schemas/Envelope"},
                {"type": "object", "properties": {
                    "type": {"const": et.name},
                    "version": {"const": et.version},
                    "data": {"$ref": f"#/components/schemas/{_schema_name(et.name, et.version)}"},
                }},
            ]},
            "bindings": {"amqp": {"deliveryMode": 2, "messageType": et.name}},
        }
        channels[et.name] = {
            "description": f"Published by {et.producer}; consumed by {', '.join(consumers) or 'nobody yet'}.",
            "subscribe": {"operationId": f"on_{et.name.replace('.', '_')}", "message": {"$ref": f"#/components/messages/{key}"}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {"name": et.exchange, "type": "topic", "durable": True,
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
