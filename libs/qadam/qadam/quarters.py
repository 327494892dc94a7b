"""Calendar quarters, the periods reports are cut into (a run of whole quarters: see enrollment's
domain/reporting.py and domain/disclosure.py for why). No I/O."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

QUARTER_MONTHS = 3


def quarter_start(day: date) -> date:
    """The first day of the quarter `day` falls in."""
    return date(day.year, day.month - (day.month - 1) % QUARTER_MONTHS, 1)


def quarter_end(day: date) -> date:
    """The last day of the quarter `day` falls in."""
    start = quarter_start(day)
    if start.month > 12 - QUARTER_MONTHS:
        return date(start.year, 12, 31)
    return date(start.year, start.month + QUARTER_MONTHS, 1) - timedelta(days=1)


def quarters(date_from: date, date_to: date) -> list[tuple[date, date]]:
    """The quarters (first day, last day) a run of whole quarters from `date_from` to `date_to` is made of."""
    out: list[tuple[date, date]] = []
    start = quarter_start(date_from)
    while start <= date_to:
        end = quarter_end(start)
        out.append((start, end))
        if end == date.max:
            break
        start = end + timedelta(days=1)
    return out


def quarters_before(day: date, count: int) -> date:
    """The first day of the quarter `count` quarters before the one `day` falls in."""
    months = quarter_start(day).year * 12 + quarter_start(day).month - 1 - count * QUARTER_MONTHS
    return date(months // 12, months % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, the month's last day where it is shorter (as PostgreSQL adds an interval)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_quarter_passed(day: date, months: int) -> date:
    """The last day of the latest quarter that ended at least `months` months before `day` (its last day + `months`
    months <= `day`): the latest quarter whose `months` months after it have all passed by then."""
    end = quarter_end(day)
    while add_months(end, months) > day:
        end = quarter_start(end) - timedelta(days=1)
    return end


def not_whole_quarters(first: date, last: date, *, names: tuple[str, str] = ("from", "to")) -> dict[str, list[str]]:
    """What is wrong with a period (first, last) that is not a run of whole quarters, by the name of its field
    (`names`: the first day's and the last day's; none: it is one)."""
    errors: dict[str, list[str]] = {}
    if first != quarter_start(first):
        errors[names[0]] = [f"`{names[0]}` ({first}) must be the first day of a quarter (1 January, 1 April, 1 July or "
                            f"1 October), such as {quarter_start(first)}."]
    if last != quarter_end(last):
        errors[names[1]] = [f"`{names[1]}` ({last}) must be the last day of a quarter (31 March, 30 June, 30 September "
                            f"or 31 December), such as {quarter_end(last)}."]
    return errors


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter as a value: its year and number (1-4), written `2026-Q3` where a form or a file names one."""

    year: int
    number: int

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, QUARTER_MONTHS * self.number - 2, 1)

    @property
    def end(self) -> date:
        return quarter_end(self.start)

    def before(self) -> Quarter:
        return Quarter.of(quarters_before(self.start, 1))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // QUARTER_MONTHS + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """`2026-Q3` as a quarter; None for anything else."""
        year, _sep, number = text.strip().upper().partition("-Q")
        if not (year.isdigit() and len(year) == 4 and number in ("1", "2", "3", "4")):
            return None
        return cls(int(year), int(number))
