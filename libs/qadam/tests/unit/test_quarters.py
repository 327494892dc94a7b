"""Calendar quarters (qadam.quarters): the days that bound them, a run of them, and a quarter as a value."""

from __future__ import annotations

from datetime import date

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
