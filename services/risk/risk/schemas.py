"""Risk's response and filter schemas. The events it publishes are in qadam.contracts."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate
from qadam.contracts import FLAG_LEVELS
from qadam.web import PageArgs, page_schema


class FlagOut(ma.Schema):
    id = fields.UUID()
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    rule_id = fields.String()
    rule_version = fields.Integer()
    level = fields.String()
    reasons = fields.List(fields.String())
    evidence = fields.Dict()
    status = fields.String()
    raised_at = fields.DateTime()
    note = fields.Constant("Decision support for the responsible staff, not a prediction.")


class FlagFilter(PageArgs):
    enrolment_id = fields.UUID(load_default=None)
    level = fields.String(load_default=None, validate=validate.OneOf(FLAG_LEVELS))
    status = fields.String(load_default=None, validate=validate.OneOf(("open", "acknowledged", "resolved")))


FlagPage = page_schema(FlagOut, "FlagPage")
