"""The period a report covers: a run of whole calendar quarters. No I/O.

A report over arbitrary days could be differenced day by day (1 January to 30 June minus 1 January to 29 June is 30
June's figures, which a report of that day alone would hide), so a report's period is a run of whole quarters, and a
figure over several quarters is shown only where each quarter's own report shows it (domain/disclosure.py,
`suppress_consistent`). Quarters rather than months: a month's cells are a third of a quarter's, so far more of them
would be small and hidden, and hidden in every run that holds them; statistics offices report by quarter too.
"""

from __future__ import annotations

from datetime import date

from qadam.quarters import not_whole_quarters, quarter_end, quarter_start, quarters, quarters_before

__all__ = ["default_period", "not_whole_quarters", "quarter_end", "quarter_start", "quarters"]

QUARTERS_BY_DEFAULT = 4


def default_period(date_from: date | None, date_to: date | None, *, today: date) -> tuple[date, date]:
    """[from, to] as asked, by default the four quarters that end with `to`'s (itself by default the last day of
    today's quarter). An empty period (from after to) is returned as it is: the caller refuses it, and one that is
    not whole quarters too (`qadam.quarters.not_whole_quarters`)."""
    end = date_to or quarter_end(today)
    return date_from or quarters_before(end, QUARTERS_BY_DEFAULT - 1), end
