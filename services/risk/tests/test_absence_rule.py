"""The consecutive-absences rule, on plain data."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from risk.domain import Mark, absence_runs, consecutive_absence_findings

START = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)


def marks(*statuses: str) -> list[Mark]:
    return [Mark(f"s{n}", n, START + timedelta(days=3 * (n - 1)), status) for n, status in enumerate(statuses, 1)]


def findings(ms, threshold=2, flagged=frozenset()):
    return consecutive_absence_findings(ms, threshold=threshold, level="high", flagged_sessions=flagged)


def test_second_consecutive_unexcused_absence_raises_one_finding():
    [finding] = findings(marks("present", "unexcused", "unexcused"))
    assert finding.rule_id == "consecutive_absences" and finding.level == "high"
    assert finding.evidence["session_numbers"] == [2, 3]
    assert finding.fact_key == "s2"
    assert "2 unexcused absences in a row: sessions 2 and 3" in finding.reasons[0]


def test_a_single_unexcused_absence_raises_nothing():
    assert findings(marks("present", "unexcused", "present", "unexcused")) == []


def test_attendance_between_absences_breaks_the_run():
    assert findings(marks("unexcused", "late", "unexcused")) == []


def test_excused_absences_never_count_as_non_attendance():
    assert findings(marks("excused", "excused", "excused", "unexcused")) == []


def test_excused_absence_between_two_unexcused_neither_counts_nor_breaks_the_run():
    [finding] = findings(marks("unexcused", "excused", "unexcused"))
    assert finding.evidence["session_numbers"] == [1, 3]


def test_a_run_already_flagged_is_not_raised_again_when_it_grows():
    [first] = findings(marks("unexcused", "unexcused"))
    flagged = frozenset(first.evidence["session_ids"])
    assert findings(marks("unexcused", "unexcused", "unexcused"), flagged=flagged) == []


def test_a_new_run_after_attendance_is_new_facts():
    flagged = frozenset({"s1", "s2"})
    [finding] = findings(marks("unexcused", "unexcused", "present", "unexcused", "unexcused"), flagged=flagged)
    assert finding.evidence["session_numbers"] == [4, 5]


def test_marks_arriving_in_any_order_give_the_same_result():
    ms = marks("present", "unexcused", "excused", "unexcused", "present", "unexcused")
    expected = findings(ms)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = ms[:]
        rng.shuffle(shuffled)
        assert findings(shuffled) == expected


def test_threshold_is_a_setting():
    assert findings(marks("unexcused", "unexcused"), threshold=3) == []
    assert len(findings(marks("unexcused", "unexcused", "unexcused"), threshold=3)) == 1
    with pytest.raises(ValueError):
        findings(marks("unexcused"), threshold=0)


def test_runs_follow_session_dates_not_arrival():
    ms = marks("unexcused", "present", "unexcused")
    assert [[m.session_number for m in run] for run in absence_runs(reversed(ms))] == [[1], [3]]


def test_dates_in_reasons_are_read_in_the_sessions_time_zone():
    from zoneinfo import ZoneInfo

    late_evening = [Mark("a", 1, datetime(2026, 10, 5, 20, 30, tzinfo=UTC), "unexcused"),
                    Mark("b", 2, datetime(2026, 10, 8, 20, 30, tzinfo=UTC), "unexcused")]
    [finding] = consecutive_absence_findings(late_evening, threshold=2, level="high", zone=ZoneInfo("Asia/Tashkent"))
    assert "(2026-10-06 to 2026-10-09)" in finding.reasons[0]  # 01:30 the next day in Tashkent
