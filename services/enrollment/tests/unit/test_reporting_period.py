"""The period a report covers (domain.reporting): a run of whole quarters, by default the four that end with today's."""

from __future__ import annotations

from datetime import date

import pytest
from enrollment.domain.reporting import (
    default_period,
    not_whole_quarters,
    quarter_end,
    quarter_start,
    quarters,
)

TODAY = date(2026, 12, 5)


def test_without_dates_a_report_covers_the_four_quarters_that_end_with_today_s():
    assert default_period(None, None, today=TODAY) == (date(2026, 1, 1), date(2026, 12, 31))
    assert default_period(None, None, today=date(2026, 2, 1)) == (date(2025, 4, 1), date(2026, 3, 31))


def test_with_only_its_end_a_report_covers_the_four_quarters_that_end_then():
    assert default_period(None, date(2026, 6, 30), today=TODAY) == (date(2025, 7, 1), date(2026, 6, 30))


def test_with_only_its_start_a_report_runs_to_the_end_of_today_s_quarter():
    assert default_period(date(2026, 1, 1), None, today=TODAY) == (date(2026, 1, 1), date(2026, 12, 31))


def test_a_period_asked_for_in_full_is_kept_even_when_empty_for_the_caller_to_refuse():
    assert default_period(date(2026, 7, 1), date(2026, 3, 31), today=TODAY) == (date(2026, 7, 1), date(2026, 3, 31))


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 5, 17), date(2026, 4, 1), date(2026, 6, 30)),
    (date(2028, 9, 30), date(2028, 7, 1), date(2028, 9, 30)), (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31)),
    (date(9999, 12, 31), date(9999, 10, 1), date(9999, 12, 31))])
def test_a_day_s_quarter_runs_from_its_first_to_its_last_day(day, start, end):
    assert (quarter_start(day), quarter_end(day)) == (start, end)


def test_a_run_of_quarters_is_made_of_its_quarters():
    assert quarters(date(2025, 10, 1), date(2026, 6, 30)) == [
        (date(2025, 10, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30))]
    assert quarters(date(9999, 10, 1), date(9999, 12, 31)) == [(date(9999, 10, 1), date(9999, 12, 31))]


def test_a_period_that_is_not_whole_quarters_is_named_field_by_field():
    assert not_whole_quarters(date(2026, 1, 1), date(2026, 12, 31)) == {}
    errors = not_whole_quarters(date(2026, 1, 2), date(2026, 6, 29))
    assert set(errors) == {"from", "to"} and "2026-01-01" in errors["from"][0] and "2026-06-30" in errors["to"][0]
