"""The national roll-up: the completion report's figures by region, and by the month men started, over one period.

Both tables come out of the completion report's own statement (completion.py) in one pass over the population,
grouped by `region` and, beside it, by `month` within each region. The table of regions is protected once, quarter
by quarter (domain/disclosure.py, `suppress_nested`), and every report takes its pattern for a region's figures: a
region's roll-up shows its row as the national one does. The months are a grouping like the completion report's: a
region's months protected under its row, the country's month shown where every region's is. Over the period, a
figure is shown only where each of its quarters shows it. An administrator or a national analyst sees the whole
country (or the region asked for); anyone else who may read it, their own region.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import unprocessable

from ..domain.reporting import default_period, not_whole_quarters
from ..scoping import report_region
from .completion import SOURCE_LANGUAGE, completion_query, shape_report


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


def rollup_query(*, region: str | None, date_from: date, date_to: date, time_zone: str) -> sa.Select[Any]:
    """The roll-up's one statement: a row per month (j0) within each region (`r`): the regions' rows and the nation's
    are theirs added up."""
    return completion_query(group_by="region", also_by="month", region=region, date_from=date_from, date_to=date_to,
                            time_zone=time_zone)


def national_rollup(conn: sa.Connection, *, region: str | None, date_from: date, date_to: date, min_cell: int,
                    time_zone: str, language: str = SOURCE_LANGUAGE) -> tuple[Table, Table]:
    """The roll-up's tables by region and by month (`YYYY-MM` keys) of the enrolments that started in [date_from,
    date_to] in `region` (None: the whole country), each suppressed with its totals row; labels in `language`."""
    rows = conn.execute(rollup_query(region=region, date_from=date_from, date_to=date_to,
                                     time_zone=time_zone)).mappings().all()

    def table(group_by: str, also: bool) -> Table:
        shaped = shape_report(rows, group_by=group_by, region=region, min_cell=min_cell, language=language, also=also)
        return Table(groups=shaped[:-1], totals=shaped[-1])

    return table("region", False), table("month", True)


def national_rollup_for(conn: sa.Connection, *, principal: Principal, region: str | None, date_from: date | None,
                        date_to: date | None, today: date, min_cell: int, time_zone: str,
                        language: str = SOURCE_LANGUAGE) -> Rollup:
    """The roll-up the caller may see: by region and by month of starting, over the period asked (a run of whole
    quarters, by default the four that end with today's), its labels in `language`; 422 for an empty period or one
    that is not whole quarters, 403 for another region asked."""
    covered = report_region(principal, region)
    start, end = default_period(date_from, date_to, today=today)
    if start > end:
        raise unprocessable("The period is empty.", {"from": [f"`from` ({start}) must not be after `to` ({end})."]})
    if errors := not_whole_quarters(start, end):
        raise unprocessable("A report's period is a run of whole quarters.", errors)
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    regions, months = national_rollup(conn, region=covered, date_from=start, date_to=end, min_cell=min_cell,
                                      time_zone=time_zone, language=language)
    return Rollup(region=covered, date_from=start, date_to=end, min_cell=min_cell, regions=regions, months=months)
