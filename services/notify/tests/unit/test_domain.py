"""Notify's pure rules: recipients, message text without names, back-off."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from importlib.resources import files
from zoneinfo import ZoneInfo

import pytest
from notify.domain import links
from notify.domain.alerts import higher, subject_of
from notify.domain.escalation import Person, above, answers_for_chain, escalation_due, escalation_target
from notify.domain.notices import status_notice
from notify.domain.routing import RoutingError, addressees, parse_routing
from notify.domain.skips import SKIP_REASONS, skip_reason
from notify.domain.timing import delivery_exhausted, digest_day, next_attempt_delay, quiet_now, send_at


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


# -- escalation: whose chain, and up to whom ---------------------------------------------------------------------------
def sup(user_id: str, district: str | None, supervisor_id: str | None = None, active: bool = True,
        region: str = "Samarqand viloyati") -> Person:
    return Person(user_id, "supervisor", region, district, supervisor_id, active)


INSPECTOR = Person("insp", "inspector", "Samarqand viloyati", "Urgut", None, True)
AREA = [sup("a-other-district", "Kattaqoʻrgʻon"), sup("b-urgut", "Urgut", "z-chief"), sup("z-chief", None),
        sup("y-other-region", None, region="Buxoro viloyati")]


def test_an_alert_goes_to_the_recipients_own_supervisor_first():
    assert escalation_target(replace(INSPECTOR, supervisor_id="b-urgut"), 0, "Samarqand viloyati", "Urgut",
                             AREA) == "b-urgut"


def test_without_his_own_an_alert_goes_to_his_districts_supervisor_never_to_another_district():
    assert escalation_target(INSPECTOR, 0, "Samarqand viloyati", "Urgut", AREA) == "b-urgut"
    no_district_supervisor = [p for p in AREA if p.user_id != "b-urgut"]
    # a supervisor of another district comes first by id, yet it goes to the region-wide one
    assert escalation_target(INSPECTOR, 0, "Samarqand viloyati", "Urgut", no_district_supervisor) == "z-chief"
    only_other_district = [sup("a-other-district", "Kattaqoʻrgʻon")]
    assert escalation_target(INSPECTOR, 0, "Samarqand viloyati", "Urgut", only_other_district) is None


def test_an_inactive_own_supervisor_is_passed_over():
    inactive = [*AREA, sup("gone", "Urgut", active=False)]
    assert escalation_target(replace(INSPECTOR, supervisor_id="gone"), 0, "Samarqand viloyati", "Urgut",
                             inactive) == "b-urgut"


def test_the_second_step_goes_to_the_supervisors_own_supervisor_never_a_peer():
    peers = [*AREA, sup("a-peer", "Urgut")]
    district_supervisor = sup("b-urgut", "Urgut", "z-chief")
    assert escalation_target(district_supervisor, 1, "Samarqand viloyati", "Urgut", peers) == "z-chief"
    without_own = replace(district_supervisor, supervisor_id=None)
    assert escalation_target(without_own, 1, "Samarqand viloyati", "Urgut", peers) == "z-chief"  # up: region-wide
    assert escalation_target(sup("z-chief", None), 2, "Samarqand viloyati", "Urgut", peers) is None


def test_a_co_recipients_acknowledgement_stops_her_own_chain_not_the_inspectors():
    directory = {"insp": "sup-i", "sup-i": "chief", "psy": "sup-p", "sup-p": "chief"}
    assert answers_for_chain("psy", "psy", "insp", directory)
    assert answers_for_chain("sup-p", "psy", "insp", directory)
    assert not answers_for_chain("psy", "insp", "insp", directory)
    assert not answers_for_chain("sup-p", "insp", "insp", directory)
    assert answers_for_chain("insp", "insp", "insp", directory) and answers_for_chain("sup-i", "insp", "insp", directory)
    assert answers_for_chain("chief", "insp", "insp", directory)
    assert answers_for_chain("insp", "psy", "insp", directory)  # the man's inspector holds the case for everyone


def test_a_loop_in_the_directory_ends_the_walk_up():
    assert above("a", {"a": "b", "b": "a"}) == ["b"]


def test_her_support_worker_hears_of_suspension_exit_dropout_exclusion_and_completion_only():
    assert status_notice("exited", "non_compliance") == "dropout"
    assert status_notice("exited", "moved_away") == "exited"
    assert [status_notice(s, None) for s in ("suspended", "excluded", "completed", "active", "closed", "assessed")] \
        == ["suspended", "excluded", "completed", None, None, None]


def test_flags_of_one_episode_share_a_subject_and_a_level_only_rises():
    assert subject_of("f1", "e1") == subject_of("f2", "e1") != subject_of("f1", None)
    assert higher("high", "critical") == "critical" and higher("critical", "medium") == "critical"


def test_a_delivery_that_cannot_go_says_why_as_a_code_no_address_before_a_channel_not_set_up():
    assert skip_reason("email", address="a@iiv.uz", set_up=True) is None
    assert [skip_reason(c, address=None, set_up=False) for c in ("email", "sms", "telegram")] == [
        "no_email", "no_phone", "no_telegram_chat"]
    assert [skip_reason(c, address="x", set_up=False) for c in ("sms", "telegram")] == [
        "sms_not_set_up", "telegram_not_set_up"]
    assert set(SKIP_REASONS) == {"no_email", "no_phone", "no_telegram_chat", "sms_not_set_up", "telegram_not_set_up",
                                 "no_address"}
