"""The throttle's rule over the times of failures (qadam.throttle), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qadam import throttle

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
FIVE_IN_15 = throttle.Limit(5, timedelta(minutes=15))
RULE = throttle.Rule(per_address=throttle.Limit(50, timedelta(minutes=15)), per_pair=FIVE_IN_15, delay_after=10,
                     delay_window=timedelta(minutes=15), delay_first=timedelta(seconds=1),
                     delay_most=timedelta(seconds=30))


def ago(minutes: float) -> datetime:
    return AT - timedelta(minutes=minutes)


def test_four_failures_in_the_window_refuse_nothing():
    assert throttle.window_end([ago(1), ago(2), ago(3), ago(4)], FIVE_IN_15, AT) is None


def test_the_refusal_ends_when_the_fifth_newest_failure_leaves_the_window():
    times = [ago(1), ago(2), ago(3), ago(4), ago(10)]
    assert throttle.window_end(times, FIVE_IN_15, AT) == ago(10) + timedelta(minutes=15)


def test_failures_older_than_the_window_do_not_count():
    assert throttle.window_end([ago(1), ago(2), ago(3), ago(4), ago(16)], FIVE_IN_15, AT) is None


def test_the_delay_doubles_from_its_first_failure_and_stops_at_its_most():
    assert throttle.delay_end(9, AT, RULE) is None
    assert throttle.delay_end(10, AT, RULE) == AT + timedelta(seconds=1)
    assert throttle.delay_end(12, AT, RULE) == AT + timedelta(seconds=4)
    assert throttle.delay_end(10_000, AT, RULE) == AT + timedelta(seconds=30)


def test_the_longest_running_refusal_is_the_one_answered_and_retry_after_is_whole_seconds():
    refusal = throttle.first_refusal([("pair", AT + timedelta(seconds=90.2)), ("delay", AT + timedelta(seconds=3)),
                                      ("address", None), ("address", AT - timedelta(seconds=1))], AT)
    assert refusal == throttle.Refusal("pair", AT + timedelta(seconds=90.2))
    assert refusal.retry_after(AT) == 91
    assert throttle.first_refusal([("delay", AT)], AT) is None


def test_an_ipv6_address_counts_by_its_64_and_a_mapped_ipv4_one_as_ipv4():
    assert throttle.address_key("2001:db8:1:2:aaaa::1") == throttle.address_key("2001:db8:1:2:ffff::9") \
        == "2001:db8:1:2::/64"
    assert throttle.address_key("2001:db8:1:3::1") != throttle.address_key("2001:db8:1:2::1")
    assert throttle.address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert throttle.address_key("192.0.2.7") == "192.0.2.7"


def test_a_subject_is_kept_as_a_keyed_digest_of_its_folded_name():
    key = b"k" * 32
    assert throttle.subject_key(key, " Inspector-1 ") == throttle.subject_key(key, "inspector-1")
    assert "inspector" not in throttle.subject_key(key, "inspector-1")
    assert throttle.subject_key(key, "a") != throttle.subject_key(b"j" * 32, "a")
