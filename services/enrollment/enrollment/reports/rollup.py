"""The national roll-up: the completion report's figures by region, and by the month men started, over one period.

Both tables are the completion report's own statement (completion.py) grouped by `region` and by `month`, each one
table with its totals row, so that the same suppression (domain/disclosure.py) protects every cell: a month is a
part of the period, and a region a part of the country, and each is hidden or shown against its table's totals.
An administrator sees the whole country (or the region asked for); anyone else who may read it, their own region.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import unprocessable

from ..domain.reporting import default_period
from ..scoping import report_region
from .completion import SOURCE_LANGUAGE, completion_report


class Table(TypedDict):
    """One table of the roll-up: its rows (as the completion report's groups) and its totals row."""

    groups: list[dict[str, Any]]
    totals: dict[str, Any]


class Rollup(TypedDict):
    """The national roll-up as the route answers it (NationalRollup)."""

    region: str | None
    date_from: date
    date_to: date
    min_cell: int
    regions: Table
    months: Table


def national_rollup_for(conn: sa.Connection, *, principal: Principal, region: str | None, date_from: date | None,
                        date_to: date | None, today: date, min_cell: int, time_zone: str,
                        language: str = SOURCE_LANGUAGE) -> Rollup:
    """The roll-up the caller may see: by region and by month of starting, over the period asked (by default the 12
    months that end `today`), its labels in `language`; 422 for an empty period, 403 for another region asked."""
    covered = report_region(principal, region)
    start, end = default_period(date_from, date_to, today=today)
    if start > end:
        raise unprocessable("The period is empty.", {"from": [f"`from` ({start}) must not be after `to` ({end})."]})

    def table(group_by: str) -> Table:
        rows = completion_report(conn, group_by=group_by, region=covered, date_from=start, date_to=end,
                                 min_cell=min_cell, time_zone=time_zone, language=language)
        return Table(groups=rows[:-1], totals=rows[-1])

    return Rollup(region=covered, date_from=start, date_to=end, min_cell=min_cell, regions=table("region"),
                  months=table("month"))
