"""Calendar quarters (qadam.quarters): the days that bound them, a run of them, and a quarter as a value."""

from __future__ import annotations

from datetime import date

import pytest
from qadam.quarters import Quarter, not_whole_quarters, quarter_end, quarter_start, quarters, quarters_before


def test_a_day_s_quarter_starts_and_ends_on_its_bounds():
    assert (quarter_start(date(2026, 5, 17)), quarter_end(date(2026, 5, 17))) == (date(2026, 4, 1), date(2026, 6, 30))
    assert quarter_end(date(2026, 11, 2)) == date(2026, 12, 31)
    assert quarters_before(date(2026, 2, 1), 1) == date(2025, 10, 1)
    assert quarters(date(2025, 10, 1), date(2026, 3, 31)) == [(date(2025, 10, 1), date(2025, 12, 31)),
                                                              (date(2026, 1, 1), date(2026, 3, 31))]
    assert not_whole_quarters(date(2026, 1, 1), date(2026, 3, 31)) == {}
    assert set(not_whole_quarters(date(2026, 1, 2), date(2026, 3, 30))) == {"from", "to"}


def test_a_quarter_as_a_value_agrees_with_the_days():
    for day in (date(2026, 1, 1), date(2026, 3, 31), date(2026, 8, 15), date(2026, 12, 31)):
        quarter = Quarter.of(day)
        assert (quarter.start, quarter.end) == (quarter_start(day), quarter_end(day))
    assert Quarter(2026, 1).before() == Quarter(2025, 4) and Quarter(2026, 3).before() == Quarter(2026, 2)
    assert Quarter(2026, 3).code == "2026-Q3" and Quarter.parse(" 2026-q3 ") == Quarter(2026, 3)
    assert Quarter.parse("2026-Q5") is None and Quarter.parse("26-Q1") is None


def test_add_months_keeps_the_day_or_takes_the_months_last():
    from qadam.quarters import add_months

    assert add_months(date(2025, 3, 31), 6) == date(2025, 9, 30)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2024, 12, 15), 12) == date(2025, 12, 15)


@pytest.mark.parametrize(("day", "months", "last"), [
    (date(2025, 9, 30), 6, date(2025, 3, 31)),   # Q1's 6 months end on 30 September: in
    (date(2025, 9, 29), 6, date(2024, 12, 31)),  # a day earlier only Q4 of 2024's have passed
    (date(2025, 12, 31), 6, date(2025, 6, 30)),
    (date(2026, 1, 15), 12, date(2024, 12, 31)),
    (date(2025, 6, 30), 0, date(2025, 6, 30)),   # no months: the quarter that ends that day
])
def test_the_last_quarter_whose_months_have_passed(day, months, last):
    from qadam.quarters import last_quarter_passed

    assert last_quarter_passed(day, months) == last
