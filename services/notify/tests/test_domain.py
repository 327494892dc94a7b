"""Notify's pure rules: recipients, message text without names, back-off."""

from __future__ import annotations

from datetime import timedelta

from notify.domain import delivery_exhausted, flag_recipients, next_attempt_delay, render_alert_email


def test_inspector_and_psychologist_are_both_told():
    assert [(r.user_id, r.responsibility) for r in flag_recipients("insp-1", "psy-1")] == [
        ("insp-1", "inspector"), ("psy-1", "psychologist")]


def test_one_person_holding_both_roles_is_told_once():
    assert len(flag_recipients("u-1", "u-1")) == 1


def test_alert_email_carries_code_reason_and_link():
    subject, body = render_alert_email(participant_code="P-2026-000123", level="high",
                                       reasons=["2 unexcused absences in a row: sessions 3 and 4."],
                                       link="http://portal/alerts/abc")
    assert "P-2026-000123" in subject and "P-2026-000123" in body
    assert "sessions 3 and 4" in body and "http://portal/alerts/abc" in body


def test_back_off_doubles_and_is_capped():
    assert [next_attempt_delay(n, 2.0) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (2, 4, 8)]
    assert next_attempt_delay(30, 2.0) == timedelta(hours=1)
    assert not delivery_exhausted(7, 8) and delivery_exhausted(8, 8)


def test_her_support_worker_is_told_when_his_risk_rises_to_high_or_critical_only():
    from notify.domain import level_rise_recipient

    assert level_rise_recipient("medium", "high", "sw-1").user_id == "sw-1"
    assert level_rise_recipient("low", "critical", "sw-1").responsibility == "victim_support"
    assert level_rise_recipient("low", "medium", "sw-1") is None      # below high
    assert level_rise_recipient("critical", "high", "sw-1") is None   # a fall
    assert level_rise_recipient("high", "high", "sw-1") is None
    assert level_rise_recipient("medium", "high", None) is None       # nobody assigned
