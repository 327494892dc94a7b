"""The period a report covers when it is not said in full. No I/O."""

from __future__ import annotations

from datetime import date, timedelta


def default_period(date_from: date | None, date_to: date | None, *, today: date) -> tuple[date, date]:
    """[from, to] as asked, by default the 12 months that end `to` (itself by default today). An empty period
    (from after to) is returned as it is: the caller refuses it."""
    end = date_to or today
    return date_from or a_year_before(end) + timedelta(days=1), end


def a_year_before(day: date) -> date:
    """The same day a year earlier; 29 February's is 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
