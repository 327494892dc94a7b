"""The period a report covers when it is not said in full (domain.reporting.default_period)."""

from __future__ import annotations

from datetime import date

from enrollment.domain.reporting import a_year_before, default_period

TODAY = date(2026, 12, 5)


def test_without_dates_a_report_covers_the_twelve_months_that_end_today():
    assert default_period(None, None, today=TODAY) == (date(2025, 12, 6), TODAY)


def test_with_only_its_end_a_report_covers_the_twelve_months_that_end_then():
    assert default_period(None, date(2026, 6, 30), today=TODAY) == (date(2025, 7, 1), date(2026, 6, 30))


def test_with_only_its_start_a_report_runs_to_today():
    assert default_period(date(2026, 1, 1), None, today=TODAY) == (date(2026, 1, 1), TODAY)


def test_a_period_asked_for_in_full_is_kept_even_when_empty_for_the_caller_to_refuse():
    assert default_period(date(2026, 5, 2), date(2026, 5, 1), today=TODAY) == (date(2026, 5, 2), date(2026, 5, 1))


def test_a_year_before_29_february_is_28_february():
    assert a_year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert a_year_before(date(2026, 3, 1)) == date(2025, 3, 1)
