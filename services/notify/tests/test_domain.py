"""Notify's pure rules: recipients, message text without names, back-off."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from importlib.resources import files
from zoneinfo import ZoneInfo

import pytest
from notify import links
from notify.domain import (
    RoutingError,
    addressees,
    delivery_exhausted,
    digest_day,
    escalation_due,
    next_attempt_delay,
    parse_routing,
    quiet_now,
    send_at,
)


def test_back_off_doubles_and_is_capped():
    assert [next_attempt_delay(n, 2.0) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (2, 4, 8)]
    assert next_attempt_delay(30, 2.0) == timedelta(hours=1)
    assert not delivery_exhausted(7, 8) and delivery_exhausted(8, 8)


# -- routing rules as data, quiet hours, escalation, digest --------------------------------------------------------
DEFAULT_ROUTES = parse_routing(json.loads(files("notify").joinpath("defaults/routing.json").read_text()))
TASHKENT = ZoneInfo("Asia/Tashkent")


def test_a_critical_flag_goes_at_once_to_the_inspector_and_psychologist_over_every_channel():
    found = addressees(DEFAULT_ROUTES, "risk.flag.raised", "critical", {"inspector": "i", "psychologist": "p"})
    assert [(a.user_id, a.responsibility, a.channels, a.timing) for a in found] == [
        ("i", "inspector", ("email", "telegram", "sms"), "immediate"),
        ("p", "psychologist", ("email", "telegram", "sms"), "immediate")]


def test_a_low_flag_waits_for_the_daily_digest_and_a_rise_goes_to_her_support_worker_only():
    [low, _] = addressees(DEFAULT_ROUTES, "risk.flag.raised", "low", {"inspector": "i", "psychologist": "p"})
    assert low.timing == "digest"
    [rise] = addressees(DEFAULT_ROUTES, "risk.level.changed", "high",
                        {"victim_support": "sw", "inspector": "i", "psychologist": "p"})
    assert (rise.user_id, rise.responsibility) == ("sw", "victim_support")
    assert addressees(DEFAULT_ROUTES, "risk.level.changed", "medium", {"victim_support": "sw"}) == []
    assert addressees(DEFAULT_ROUTES, "risk.level.changed", "high", {"victim_support": None}) == []


def test_one_person_named_by_two_rules_gets_one_notification_with_both_rules_channels():
    routes = parse_routing([
        {"id": "a", "event": "risk.flag.raised", "levels": ["high"], "recipients": ["inspector"],
         "channels": ["email"], "timing": "digest"},
        {"id": "b", "event": "risk.flag.raised", "levels": ["high"], "recipients": ["psychologist"],
         "channels": ["sms", "email"], "timing": "immediate"}])
    [one] = addressees(routes, "risk.flag.raised", "high", {"inspector": "same", "psychologist": "same"})
    assert (one.channels, one.timing) == (("email", "sms"), "immediate")


def test_bad_routing_rules_are_refused_naming_each_problem():
    with pytest.raises(RoutingError) as refused:
        parse_routing([{"id": "x", "event": "risk.flag.raised", "levels": ["urgent"], "recipients": ["mayor"],
                        "channels": ["pigeon"], "timing": "weekly", "extra": 1}])
    [problems] = refused.value.errors.values()
    assert len(problems) == 5 and any("levels" in p for p in problems) and any("unknown fields" in p for p in problems)
    with pytest.raises(RoutingError):
        parse_routing([])


@pytest.mark.parametrize(("local", "quiet"), [(time(23, 30), True), (time(6, 59), True), (time(7, 0), False),
                                              (time(12, 0), False), (time(22, 0), True)])
def test_quiet_hours_run_over_midnight(local, quiet):
    assert quiet_now(local, time(22), time(7)) is quiet


def test_a_message_in_quiet_hours_waits_for_their_end_but_a_critical_one_goes_at_once():
    night = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)  # 23:30 in Tashkent
    assert send_at(night, time(22), time(7), TASHKENT, "high") == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert send_at(night, time(22), time(7), TASHKENT, "critical") == night
    assert send_at(night, None, None, TASHKENT, "medium") == night
    day = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 12:00 in Tashkent
    assert send_at(day, time(22), time(7), TASHKENT, "low") == day


def test_only_high_and_critical_escalate_each_after_its_own_wait():
    delays = {"critical": 60.0, "high": 600.0}
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    later = datetime(2026, 11, 30, 9, 2, tzinfo=UTC)
    assert escalation_due("critical", start, later, delays)
    assert not escalation_due("high", start, later, delays)
    assert not escalation_due("medium", start, datetime(2027, 1, 1, tzinfo=UTC), delays)


def test_the_digest_is_due_from_its_local_hour():
    assert digest_day(datetime(2026, 11, 30, 2, 59, tzinfo=UTC), TASHKENT, 8) is None       # 07:59 local
    assert str(digest_day(datetime(2026, 11, 30, 3, 0, tzinfo=UTC), TASHKENT, 8)) == "2026-11-30"


def test_a_signed_link_acknowledges_its_alert_only_until_it_expires_and_cannot_be_forged():
    key, other = b"k" * 32, b"o" * 32
    notification = uuid.uuid4()
    token = links.sign(key, notification, datetime(2026, 12, 7, tzinfo=UTC))
    assert links.verify([other, key], token, datetime(2026, 12, 1, tzinfo=UTC)) == notification  # an older key too
    for bad in (token[:-2] + "xx", token.replace(str(notification), str(uuid.uuid4())), "nonsense", "a.b.c"):
        with pytest.raises(links.BadLink):
            links.verify([key], bad, datetime(2026, 12, 1, tzinfo=UTC))
    with pytest.raises(links.BadLink, match="expired"):
        links.verify([key], token, datetime(2026, 12, 8, tzinfo=UTC))
