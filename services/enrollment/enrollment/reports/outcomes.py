"""The outcome report: what became of the men who left a programme in a period, by group, from the outcomes kept
per man (`outcome`, commands/outcomes.py). One aggregate statement for the table, one for the survival curve.

The period is a run of whole quarters of leaving (422 otherwise, as the completion report's), and the quarter is
the atom, as the completion report's: for each quarter and group, the men who left, and how many of them had a new
protection order or a reported breach within 6 and within 12 months of leaving. A quarter counts in a window's
figures only when the window has passed for every man of it by the as-of day (its last day + the window <= as-of:
domain/outcomes.py, `followed_months`); then all its men are followed (followed = men), else none of them. So a
quarter's figures do not depend on the day asked, only on whether it is in. Each quarter's table is suppressed on its
own, and a figure over the run is shown only where each quarter's own table shows it
(domain/outcome_disclosure.py), top-down across regions and levels (`suppress_outcomes_nested`): so every report,
of a region or of the country, reads every region's row, the statement's population being the whole country's, its
groups those of the region asked for. The curve is by whole months after leaving, over the quarters whose 6 months have
passed, cut where a quarter's own curve would stop (`month_curve`), a region's quarter in the country's curve.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, TypedDict

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import unprocessable
from qadam.quarters import last_quarter_passed
from qadam_words import N_, Words, words
from qadam_words.places import place_name
from qadam_words.vocabulary import programme_text

from ..domain.outcome_disclosure import COUNTS, suppress_outcomes, suppress_outcomes_nested
from ..domain.outcomes import (
    COMPLETED,
    CURVE_MONTHS,
    DROPOUT,
    NON_COMPLIANCE,
    WINDOWS,
    QuarterOfLeaving,
    followed_months,
    month_curve,
    windows_in,
)
from ..domain.reporting import default_period, not_whole_quarters, quarter_end
from ..models import Outcome, Programme
from ..scoping import report_region
from .completion import DOMAIN, NO_PROGRAMME_VERSION, PROGRAMME_VERSION, SOURCE_LANGUAGE, TOTAL_LABEL
from .regions import region_tables

OUTCOME_GROUP_BY = ("programme", "region", "district", "risk_band", "how")
HOW_LABELS = {COMPLETED: N_("Completed"), NON_COMPLIANCE: N_("Exited for non-compliance"),
              DROPOUT: N_("Dropped out")}
RISK_BAND_LABELS = {"low": N_("Low risk"), "medium": N_("Medium risk"), "high": N_("High risk"),
                    "critical": N_("Critical risk")}
NOT_ASSESSED = N_("Not assessed at intake")
_o = Outcome.__table__


def _group_keys(group_by: str) -> list[sa.ColumnElement[Any]]:
    """The columns a dimension groups by (a district within its region; a programme version by its id)."""
    columns: dict[str, list[sa.ColumnElement[Any]]] = {
        "programme": [_o.c.programme_id], "region": [_o.c.region], "district": [_o.c.region, _o.c.district],
        "risk_band": [_o.c.intake_level], "how": [_o.c.how]}
    if group_by not in columns:
        raise ValueError(f"group_by must be one of {', '.join(OUTCOME_GROUP_BY)}, not {group_by!r}")
    return columns[group_by]


def _in_population(region: str | None, date_from: date, date_to: date) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [_o.c.left_on.between(date_from, date_to)]
    return where if region is None else [*where, _o.c.region == region]


def _left_quarter() -> sa.ColumnElement[date]:
    """The first day of the quarter he left in."""
    return sa.cast(sa.func.date_trunc("quarter", sa.cast(_o.c.left_on, sa.DateTime)), sa.Date)


def _within(column: sa.ColumnElement[date], months: int) -> sa.ColumnElement[bool]:
    """The day in `column` falls within `months` months after the day he left (NULL: none)."""
    return column <= _o.c.left_on + sa.literal_column(f"interval '{months} months'", sa.Interval)


def outcome_query(*, group_by: str, region: str | None, date_from: date, date_to: date) -> sa.Select[Any]:
    """The table's one statement: per quarter of leaving (`quarter`, its first day), a row per group within each region
    (`r`, the region; the group's keys k0, k1, ...): the men, and of them those with a new order or breach within each
    window (`within_6`, ...), unsuppressed. Every region's rows come out whatever `region` is: a region's figures are
    protected in the table of regions (domain/outcome_disclosure.py, `suppress_outcomes_nested`), and a region's row,
    and the nation's, are its groups added up (`outcome_report`); `region` (None: the whole country) says whose groups
    are told apart: each other region's fall into one row (its keys null). Which quarters are in a window's figures the
    caller decides from the as-of day."""
    def only_asked(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return column if region is None else sa.case((_o.c.region == region, column))

    keys = [only_asked(k).label(f"k{i}") for i, k in enumerate(_group_keys(group_by))]
    quarter = _left_quarter().label("quarter")
    first_event = sa.func.least(_o.c.new_order_on, _o.c.breach_on)  # NULLs are ignored: none of either, NULL
    figures: list[sa.ColumnElement[Any]] = [sa.func.count().label("men")]
    figures += [sa.func.count().filter(_within(first_event, months)).label(f"within_{months}") for months in WINDOWS]
    grouped = sa.select(quarter, _o.c.region.label("r"), *keys, *figures).where(
        *_in_population(None, date_from, date_to)).group_by(quarter, _o.c.region, *keys).subquery("grouped")
    if group_by != "programme":
        return sa.select(grouped)
    programme = Programme.__table__
    return sa.select(grouped, programme.c.name.label("label_name"), programme.c.version.label("label_version")
                     ).select_from(grouped.outerjoin(programme, programme.c.id == grouped.c.k0))


def curve_query(*, region: str | None, date_from: date, date_to: date) -> sa.Select[Any]:
    """The survival curve's statement: per region and quarter of leaving, (month of his first new order after
    leaving, 1 to CURVE_MONTHS, NULL for none within them; men)."""
    month = sa.case(*((_within(_o.c.new_order_on, m), m) for m in range(1, CURVE_MONTHS + 1)), else_=None)
    quarter = _left_quarter().label("quarter")
    return (sa.select(_o.c.region, quarter, month.label("month"), sa.func.count().label("men"))
            .where(*_in_population(region, date_from, date_to))
            .group_by(_o.c.region, quarter, month.label("month")))


class OutcomeReport(TypedDict):
    """The outcome report as the route answers it (OutcomeReportOut) and the downloads write it."""

    group_by: str
    region: str | None
    date_from: date
    date_to: date
    as_of: date
    min_cell: int
    groups: list[dict[str, Any]]
    totals: dict[str, Any]
    curve: list[dict[str, Any]]


def outcome_report(conn: sa.Connection, *, group_by: str, region: str | None, date_from: date, date_to: date,
                   as_of: date, min_cell: int, language: str = SOURCE_LANGUAGE) -> tuple[list[dict[str, Any]],
                                                                                       list[dict[str, Any]]]:
    """The report's rows (groups sorted by label, then the totals row), suppressed quarter by quarter and over the
    run, and its curve's shown steps. The period is a run of whole quarters of leaving (ValueError otherwise)."""
    if date_from > date_to:
        raise ValueError("date_from must not be after date_to")
    if not_whole_quarters(date_from, date_to):
        raise ValueError("the period must be a run of whole quarters")
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    w = words(DOMAIN, language)
    total_label = w.gettext(TOTAL_LABEL)
    by_quarter: dict[date, list[Any]] = {}
    for row in conn.execute(outcome_query(group_by=group_by, region=region, date_from=date_from,
                                          date_to=date_to)).mappings():
        by_quarter.setdefault(row["quarter"], []).append(row)
    tops: list[tuple[list[dict[str, Any]], tuple[int, ...]]] = []
    parts: list[dict[str, list[dict[str, Any]]]] = []
    for quarter, rows in sorted(by_quarter.items()):
        inside = windows_in(quarter_end(quarter), as_of)
        top, part = region_tables(
            rows, figures_of=functools.partial(_counts, inside=inside), added=_added_counts, group_by=group_by,
            region=region, total_label=total_label,
            key_and_label=lambda row: _key_and_label(row, group_by=group_by, whole_country=region is None, w=w))
        tops.append((top, inside))
        parts.append(part)
    if not any(parts):  # nobody left in the period (in the region): no figure but zeros
        atoms = [([{"key": None, "label": total_label, "total": True, **dict.fromkeys(COUNTS, 0)}], ())]
        shown = suppress_outcomes(atoms, min_cell)
    else:
        shown = suppress_outcomes_nested(tops, parts, min_cell, region=region)
    groups = sorted(shown[:-1], key=lambda g: (g["label"].casefold(), g["key"] or ""))
    # the curve's atoms are a region's quarters: the country's curve is drawn only as far as every region's own
    # curve is, so that it is the sum of curves each region's report shows and no region's is the difference
    orders: dict[tuple[str, date], dict[int | None, int]] = {}
    for place, quarter, month, men in conn.execute(curve_query(region=region, date_from=date_from,
                                                               date_to=date_to)):
        orders.setdefault((place, quarter), {})[month] = int(men)
    quarters = [QuarterOfLeaving(men=sum(by_month.values()), orders={m: n for m, n in by_month.items() if m},
                                 followed=followed_months(quarter_end(quarter), as_of))
                for (_, quarter), by_month in orders.items()]
    curve = [{"month": step.month, "at_risk": step.at_risk, "events": step.events,
              "survival": round(step.survival, 4)} for step in month_curve(quarters, min_cell)]
    return [*groups, shown[-1]], curve


def _counts(row: Any, inside: tuple[int, ...]) -> dict[str, int]:
    """A row's counts in a quarter in the windows `inside` (followed = men there, none elsewhere)."""
    counts: dict[str, int] = {"men": int(row["men"])}
    for months in WINDOWS:
        within = int(row[f"within_{months}"]) if months in inside else 0
        followed = counts["men"] if months in inside else 0
        counts.update({f"followed_{months}": followed, f"with_{months}": within, f"without_{months}": followed - within})
    return counts


def _key_and_label(row: Any, *, group_by: str, whole_country: bool, w: Words) -> tuple[str | None, str]:
    first = row["k0"]
    if group_by == "programme":
        if first is None:
            return None, w.gettext(NO_PROGRAMME_VERSION)
        name = programme_text(row["label_name"], w.language) or str(first)
        if row["label_version"] is None:
            return str(first), name
        return str(first), w.gettext(PROGRAMME_VERSION, name=name, version=row["label_version"])
    if group_by == "region":
        return first, place_name(first, "region", w.language)
    if group_by == "district":
        region, district = row["k0"], row["k1"]
        named = place_name(district, "district", w.language)
        return (f"{region}/{district}",
                f"{named}, {place_name(region, 'region', w.language)}" if whole_country else named)
    if group_by == "risk_band":
        return first, w.gettext(RISK_BAND_LABELS[first]) if first in RISK_BAND_LABELS else w.gettext(NOT_ASSESSED)
    return first, w.gettext(HOW_LABELS[first]) if first in HOW_LABELS else first


def outcome_report_for(conn: sa.Connection, *, principal: Principal, group_by: str, region: str | None,
                       date_from: date | None, date_to: date | None, as_of: date | None, today: date, min_cell: int,
                       language: str = SOURCE_LANGUAGE) -> OutcomeReport:
    """The outcome report the caller asked for: of their region (an administrator: the region asked, or the whole
    country), of the men who left in the period, a run of whole quarters (by default the four that end with the latest
    quarter whose 6 months have passed by the as-of day, so that its 6-month figures are all in), counted up to
    `as_of` (default today); 422 for an as-of day in the future, an empty period, one that is not whole quarters or
    one that ends after the as-of day's quarter."""
    covered = report_region(principal, region)
    counted_to = as_of or today
    if counted_to > today:
        raise unprocessable("Outcomes are counted up to today at the latest.",
                            {"as_of": [f"`as_of` ({counted_to}) must not be after today ({today})."]})
    if date_from is None and date_to is None:  # the four quarters up to the latest whose first window has passed
        date_to = last_quarter_passed(counted_to, WINDOWS[0])
    start, end = default_period(date_from, date_to, today=counted_to)
    if start > end:
        raise unprocessable("The period is empty.", {"from": [f"`from` ({start}) must not be after `to` ({end})."]})
    if errors := not_whole_quarters(start, end):
        raise unprocessable("A report's period is a run of whole quarters.", errors)
    if end > quarter_end(counted_to):
        raise unprocessable("The period ends after the quarter outcomes are counted to.", {"to": [
            f"`to` ({end}) must not be after the last day of the quarter of `as_of` ({quarter_end(counted_to)})."]})
    rows, curve = outcome_report(conn, group_by=group_by, region=covered, date_from=start, date_to=end,
                                 as_of=counted_to, min_cell=min_cell, language=language)
    return OutcomeReport(group_by=group_by, region=covered, date_from=start, date_to=end, as_of=counted_to,
                         min_cell=min_cell, groups=rows[:-1], totals=rows[-1], curve=curve)


def _added_counts(rows: list[dict[str, int]]) -> dict[str, int]:
    """Rows' counts added up (a region's groups: the region's row; the regions: the nation's)."""
    return {name: sum(row[name] for row in rows) for name in COUNTS}
