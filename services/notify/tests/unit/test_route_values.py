"""What notify's routes hand their commands and queries, and what they answer with: the typed values the schemas load,
and the typed rows the schemas dump. No database, no app."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import pytest
from marshmallow import ValidationError
from notify.commands import ContactDetails
from notify.models import Contact, Notification
from notify.queries import AttemptRecord, DeliveredNotification, DeliveryRecord, FigureRow, UnassignedAlert, figure_row
from notify.schemas import (
    ContactIn,
    FiguresAsked,
    FiguresFilter,
    NotificationDetail,
    RoutingChange,
    RoutingIn,
    UnassignedOut,
)
from notify.schemas import (
    FigureRow as FigureRowOut,
)

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_a_contact_put_loads_as_details_with_quiet_hours_as_local_times_and_what_is_left_out_cleared():
    details = ContactIn().load({"phone": "+998901234567", "quiet_hours": {"start": "22:00", "end": "07:00"}})
    assert details == ContactDetails(phone="+998901234567", quiet_start=time(22, 0), quiet_end=time(7, 0))
    assert (details.email, details.supervisor_id, details.language, details.active) == (None, None, "uz-Latn", True)
    assert ContactIn().load({"email": "a@iiv.uz", "quiet_hours": None}).quiet_start is None


def test_an_empty_contact_is_refused_before_it_becomes_details():
    with pytest.raises(ValidationError):
        ContactIn().load({})


def test_contact_details_set_every_column_of_a_contact_but_its_user_the_portals_version_and_its_update_time():
    columns = {c.name for c in Contact.__table__.columns} - {"user_id", "version", "updated_at"}
    assert set(ContactDetails().columns()) == columns


def test_routing_and_figures_requests_load_as_typed_values():
    rules = [{"id": "r1", "event": "risk.flag.raised", "levels": ["high"], "recipients": ["inspector"],
              "channels": ["email"]}]
    assert RoutingIn().load({"rules": rules, "note": "e-mail for high flags"}) == RoutingChange(
        rules=rules, note="e-mail for high flags")
    assert FiguresFilter().load({}) == FiguresAsked(region=None, since=None, until=None)
    assert FiguresFilter().load({"since": "2026-11-01"}).since == date(2026, 11, 1)


def test_a_figure_row_of_too_few_alerts_shows_no_figure_and_seconds_are_shown_to_the_millisecond():
    row = {"district": "Urgut", "level": "high", "alerts": 7, "flags": 5, "in_app_p50_s": 1.23456,
           "in_app_p90_s": 2.0, "messaged": 6, "message_p50_s": None, "message_p90_s": 9.87654, "acknowledged": 4,
           "ack_p50_s": 60.0004, "ack_p90_s": 120.0, "escalated": 1}
    shown = figure_row(row, min_cell=5)
    assert (shown.suppressed, shown.alerts, shown.in_app_p50_s, shown.message_p50_s, shown.message_p90_s,
            shown.ack_p50_s) == (False, 7, 1.235, None, 9.877, 60.0)
    hidden = FigureRowOut().dump(figure_row(row, min_cell=8))
    assert hidden["suppressed"] is True and (hidden["district"], hidden["level"]) == ("Urgut", "high")
    assert all(v is None for k, v in hidden.items() if k not in ("district", "level", "suppressed"))
    assert set(hidden) == set(FigureRowOut().dump(FigureRow(district="Urgut", level="high", suppressed=False)))


def a_notification(**fields: object) -> Notification:
    return Notification(**({
        "id": uuid.uuid4(), "user_id": "insp-1", "responsibility": "inspector", "participant_code": "P-2026-000123",
        "level": "critical", "region": "Samarqand viloyati", "district": "Urgut", "kind": "alert",
        "flag_id": None, "flag_ids": [], "reasons": ["Breach of the protection order."], "summary": "s",
        "link": "https://portal/alerts/x", "timing": "immediate", "escalation_step": 0, "created_at": WHEN} | fields))


def test_one_alert_with_its_deliveries_dumps_the_alerts_own_fields_beside_how_it_went_out():
    n = a_notification(acknowledged_at=WHEN, acknowledged_via="link")
    sent = DeliveryRecord(channel="email", purpose="alert", status="sent", attempts=1, last_error=None,
                          skip_reason=None, sent_at=WHEN, fallback_of=None,
                          log=[AttemptRecord(at=WHEN, outcome="sent", error=None)])
    skipped = DeliveryRecord(channel="sms", purpose="alert", status="skipped", attempts=0, last_error=None,
                             skip_reason="no_phone", sent_at=None, fallback_of=None, log=[])
    shown = NotificationDetail().dump(DeliveredNotification(n, [sent, skipped]))
    assert (shown["id"], shown["participant_code"], shown["acknowledged_via"]) == (str(n.id), "P-2026-000123", "link")
    assert shown["deliveries"] == [{"channel": "email", "purpose": "alert", "status": "sent", "attempts": 1,
                                    "last_error": None, "skip_reason": None, "sent_at": WHEN.isoformat(),
                                    "fallback_of": None,
                                    "log": [{"at": WHEN.isoformat(), "outcome": "sent", "error": None}]},
                                   {"channel": "sms", "purpose": "alert", "status": "skipped", "attempts": 0,
                                    "last_error": None, "skip_reason": "no_phone", "sent_at": None,
                                    "fallback_of": None, "log": []}]


def test_an_alert_nobody_could_take_is_listed_with_since_when_it_waits_and_the_last_try():
    n = a_notification(unassigned_since=WHEN, escalation_tried_at=WHEN, escalation_step=1)
    shown = UnassignedOut().dump(UnassignedAlert.of(n))
    assert shown == {"notification_id": str(n.id), "participant_code": "P-2026-000123", "level": "critical",
                     "region": "Samarqand viloyati", "district": "Urgut", "user_id": "insp-1",
                     "responsibility": "inspector", "escalation_step": 1, "waiting_since": WHEN.isoformat(),
                     "unassigned_since": WHEN.isoformat(), "last_tried_at": WHEN.isoformat()}
