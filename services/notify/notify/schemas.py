"""Notify's request and response schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate
from qadam.web import PageArgs, page_schema

LANGUAGES = ("uz-Latn", "uz-Cyrl", "ru", "kaa", "en")


class AttemptOut(ma.Schema):
    at = fields.DateTime()
    outcome = fields.String()
    error = fields.String(allow_none=True)


class DeliveryOut(ma.Schema):
    channel = fields.String()
    status = fields.String(metadata={"description": "pending, sent, failed or skipped"})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    log = fields.List(fields.Nested(AttemptOut))


class NotificationOut(ma.Schema):
    id = fields.UUID()
    flag_id = fields.UUID()
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    responsibility = fields.String(metadata={"description": "Why you: inspector or psychologist of the enrolment"})
    level = fields.String()
    summary = fields.String()
    reasons = fields.List(fields.String())
    link = fields.String()
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)


class NotificationDetail(NotificationOut):
    deliveries = fields.List(fields.Nested(DeliveryOut))


class NotificationFilter(PageArgs):
    unacknowledged = fields.Boolean(load_default=False)


class ContactIn(ma.Schema):
    email = fields.Email(load_default=None, allow_none=True)
    language = fields.String(load_default="uz-Latn", validate=validate.OneOf(LANGUAGES))


class ContactOut(ContactIn):
    user_id = fields.String()


NotificationPage = page_schema(NotificationOut, "NotificationPage")
