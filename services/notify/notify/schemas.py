"""Notify's request and response schemas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from qadam.pages import PageArgs, page_schema
from qadam.schema_fields import Date, Integer, place
from qadam_contracts.vocabulary import LANGUAGES

from .commands import ContactDetails
from .domain.failures import FAILURE_REASONS
from .domain.skips import SKIP_REASONS


class AttemptOut(ma.Schema):
    at = fields.DateTime()
    outcome = fields.String()
    error = fields.String(allow_none=True)


class DeliveryOut(ma.Schema):
    channel = fields.String()
    purpose = fields.String(metadata={"description": "alert, reminder (it waited unacknowledged) or digest"})
    fallback_of = fields.UUID(allow_none=True, metadata={"description": "The delivery on a channel that kept failing."})
    status = fields.String(metadata={"description": "pending, sent, failed or skipped"})
    attempts = Integer()
    last_error = fields.String(allow_none=True, metadata={
        "description": "A failed sending's error as the far side (the mail server, the SMS gateway, Telegram) answered "
                       "it: its own words, in English, for the log and administrators; say `failure_reason` to a "
                       "person. None for a skipped delivery: see `skip_reason`."})
    failure_reason = fields.String(allow_none=True, validate=validate.OneOf(FAILURE_REASONS), metadata={
        "description": "Why its last sending failed, a code to say in the reader's language (None: it has not failed, "
                       "or it went in the end). not_set_up: this installation cannot send over the channel; "
                       "bad_address: the address on file is not one the channel can send to (an SMS to something that "
                       "is not a phone number in international form); no_address: the delivery had no address; "
                       "no_answer: the mail server, SMS gateway or Telegram did not answer in time or could not be "
                       "reached; refused: it answered with an error; unwritable: the message could not be written; "
                       "other: anything else (see `last_error`)."})
    skip_reason = fields.String(allow_none=True, validate=validate.OneOf(SKIP_REASONS), metadata={
        "description": "Skipped: why nothing was sent, a code to say in the reader's language. no_email, no_phone, "
                       "no_telegram_chat: no address of that kind is on file for the person (one given later sends "
                       "it); sms_not_set_up, telegram_not_set_up: this installation does not send over the channel; "
                       "no_address: a daily digest found no channel to reach the person on (its alerts stay in the "
                       "in-app inbox)."})
    sent_at = fields.DateTime(allow_none=True)
    log = fields.List(fields.Nested(AttemptOut))


class NotificationOut(ma.Schema):
    id = fields.UUID()
    flag_id = fields.UUID(allow_none=True, metadata={"description": "The first flag it carries (none: a notice about "
                                                                    "his programme or protection order)."})
    flag_ids = fields.List(fields.UUID(), metadata={
        "description": "Every flag it carries: flags raised from the same facts (an episode) reach you as one alert; "
                       "acknowledging it acknowledges them all."})
    enrolment_id = fields.UUID(allow_none=True)
    participant_code = fields.String()
    responsibility = fields.String(metadata={
        "description": "Why you: inspector, psychologist or victim_support of the enrolment, or supervisor"})
    kind = fields.String(metadata={"description": "alert, escalation (someone you supervise has not answered), "
                                                  "level_rise (his risk rose), or safety_notice (to her support "
                                                  "worker: what bears on her safety, `notice` says what)"})
    notice = fields.String(allow_none=True, metadata={
        "description": "A safety notice's code: critical_flag, suspended, exited, dropout, excluded, completed, "
                       "order_issued, order_expiring, order_ended."})
    escalation_step = Integer()
    level = fields.String()
    summary = fields.String(metadata={
        "deprecated": True,
        "description": "Deprecated: an English line for the log, never for a person to read. Render the level, "
                       "`participant_code`, `notice` and `reason_codes` in the reader's language instead."})
    reasons = fields.List(fields.String(), metadata={
        "description": "Why, in English sentences (v1); render `reason_codes` in the reader's language instead."})
    reason_codes = fields.List(fields.Dict(), metadata={
        "description": "The flags' reasons as data (`{code, params}` each, qadam_contracts.reasons); empty where the "
                       "notification has only `reasons` (one made before reasons were codes, or a rise of his level)."})
    link = fields.String()
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_via = fields.String(allow_none=True, metadata={"description": "api, or link (the signed link)"})
    timing = fields.String(metadata={"description": "immediate, or digest (in the daily digest)"})


class NotificationDetail(NotificationOut):
    deliveries = fields.List(fields.Nested(DeliveryOut))


class NotificationFilter(PageArgs):
    unacknowledged = fields.Boolean(load_default=False)


HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="a time of day, HH:MM")


class QuietHours(ma.Schema):
    start = fields.String(required=True, validate=HHMM)
    end = fields.String(required=True, validate=HHMM)


class ContactIn(ma.Schema):
    """The whole contact (a field left out is cleared); at least one field: an empty body changes nothing (422)."""

    @ma.pre_load
    def _not_empty(self, data: Any, **_: Any) -> Any:
        if not data:
            raise ma.ValidationError("Send the contact's fields (at least one); an empty body would clear every "
                                     "address, so nothing was changed.", "_schema")
        return data

    email = fields.Email(load_default=None, allow_none=True)
    language = fields.String(load_default="uz-Latn", validate=validate.OneOf(LANGUAGES))
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+\d{7,15}$", error="E.164, e.g. +998901234567"))
    telegram_chat_id = fields.String(load_default=None, allow_none=True,
                                     validate=validate.Regexp(r"^-?\d{1,20}$", error="a Telegram chat id (digits)"))
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    region = fields.String(load_default=None, allow_none=True, validate=place(0))
    district = fields.String(load_default=None, allow_none=True, validate=place(0))
    supervisor_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    quiet_hours = fields.Nested(QuietHours, load_default=None, allow_none=True, metadata={
        "description": "Local time; no messages but critical ones then (the in-app inbox still holds them)."})
    active = fields.Boolean(load_default=True)

    @ma.post_load
    def _details(self, data: dict[str, Any], **_: Any) -> ContactDetails:
        quiet = data.pop("quiet_hours")
        return ContactDetails(**data, quiet_start=time.fromisoformat(quiet["start"]) if quiet else None,
                              quiet_end=time.fromisoformat(quiet["end"]) if quiet else None)


class ContactOut(ContactIn):
    user_id = fields.String()
    quiet_hours = fields.Method("_quiet", allow_none=True)  # type: ignore[assignment]  # read from two columns

    def _quiet(self, contact: object) -> dict[str, str] | None:
        start, end = getattr(contact, "quiet_start", None), getattr(contact, "quiet_end", None)
        return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")} if start and end else None


NotificationPage = page_schema(NotificationOut, "NotificationPage")


class UnassignedOut(ma.Schema):
    notification_id = fields.UUID()
    participant_code = fields.String()
    level = fields.String()
    region = fields.String()
    district = fields.String()
    user_id = fields.String(metadata={"description": "Who has not answered it."})
    responsibility = fields.String(metadata={"description": "Their role for the case: inspector, psychologist, or "
                                                           "supervisor (an escalation)."})
    escalation_step = Integer()
    waiting_since = fields.DateTime(metadata={"description": "When it reached them."})
    unassigned_since = fields.DateTime(metadata={"description": "When nobody to escalate it to was first found."})
    last_tried_at = fields.DateTime(allow_none=True, metadata={"description": "The last try to find someone."})


UnassignedPage = page_schema(UnassignedOut, "UnassignedPage")


@dataclass(frozen=True)
class RoutingChange:
    """New routing rules, as sent (checked whole by the command), and why they change."""

    rules: list[object]
    note: str


class RoutingIn(ma.Schema):
    rules = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=200))
    note = fields.String(required=True, validate=validate.Length(min=3, max=2000))

    @ma.post_load
    def _change(self, data: dict[str, Any], **_: Any) -> RoutingChange:
        return RoutingChange(**data)


class RoutingOut(ma.Schema):
    version = Integer()
    rules = fields.List(fields.Dict())
    note = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()


@dataclass(frozen=True)
class FiguresAsked:
    """Which figures: a region (administrators and national analysts choose) and local days (None: the defaults)."""

    region: str | None
    since: date | None
    until: date | None


class FiguresFilter(ma.Schema):
    region = fields.String(load_default=None, validate=place(0), metadata={
        "description": "Administrators and national analysts choose; a manager, supervisor or regional analyst sees "
                       "their own region (another one asked for: 403)."})
    since = Date(load_default=None, metadata={"description": "From this day (default: 30 days ago)."})
    until = Date(load_default=None, metadata={"description": "Up to this day, included (default: today)."})

    @ma.post_load
    def _asked(self, data: dict[str, Any], **_: Any) -> FiguresAsked:
        return FiguresAsked(**data)


class FigureRow(ma.Schema):
    district = fields.String()
    level = fields.String()
    suppressed = fields.Boolean(metadata={"description": "Fewer alerts than QADAM_REPORT_MIN_CELL: no figure shown."})
    alerts = Integer(allow_none=True, metadata={
        "description": "Notifications to the people responsible (not escalations): one per person a flag reached."})
    flags = Integer(allow_none=True, metadata={"description": "The flags behind them."})
    in_app_p50_s = fields.Float(allow_none=True, metadata={"description": "Event to the in-app inbox, median seconds."})
    in_app_p90_s = fields.Float(allow_none=True)
    messaged = Integer(allow_none=True, metadata={
        "description": "Of them, reached by at least one message (e-mail, SMS, Telegram)."})
    message_p50_s = fields.Float(allow_none=True, metadata={"description": "Event to the first message sent, median."})
    message_p90_s = fields.Float(allow_none=True)
    acknowledged = Integer(allow_none=True)
    ack_p50_s = fields.Float(allow_none=True, metadata={"description": "Delivery (to the in-app inbox, the first) "
                                                                      "to acknowledgement, median seconds."})
    ack_p90_s = fields.Float(allow_none=True)
    escalated = Integer(allow_none=True, metadata={"description": "Of them, escalated to a supervisor."})


class Figures(ma.Schema):
    region = fields.String()
    since = fields.Date()
    until = fields.Date()
    rows = fields.List(fields.Nested(FigureRow))
