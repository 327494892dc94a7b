"""The outcome report: what became of the men who left a programme in a period, by group, from the outcomes kept
per man (`outcome`, commands/outcomes.py). One aggregate statement for the table, one for the survival curve.

For each group: the men who left in the period; for 6 and for 12 months after leaving, the men followed that long
(left at least that long before the as-of day: the others are censored, not counted as without), how many of them
had a new protection order or a reported breach within it, and how many had none; the share and its 95% Wilson
interval. The curve is the Kaplan–Meier estimate of the time from leaving to a new order over the whole population,
censored at the as-of day, drawn only while at least `min_cell` men are at risk. Small cells are suppressed before
anything is shown (domain/outcome_disclosure.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypedDict

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import unprocessable
from qadam_words import N_, Words, words
from qadam_words.places import place_name
from qadam_words.vocabulary import programme_text

from ..domain.outcome_disclosure import COUNTS, suppress_outcomes
from ..domain.outcomes import COMPLETED, DROPOUT, NON_COMPLIANCE, WINDOWS, kaplan_meier, shown_steps
from ..models import Outcome, Programme
from ..scoping import report_region
from .completion import DOMAIN, NO_PROGRAMME_VERSION, PROGRAMME_VERSION, SOURCE_LANGUAGE, TOTAL_LABEL

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


def outcome_query(*, group_by: str, region: str | None, date_from: date, date_to: date,
                  as_of: date) -> sa.Select[Any]:
    """The table's one statement: a row per group and a totals row (`is_total`), unsuppressed counts (COUNTS)."""
    keys = [k.label(f"k{i}") for i, k in enumerate(_group_keys(group_by))]
    first_event = sa.func.least(_o.c.new_order_on, _o.c.breach_on)  # NULLs are ignored: none of either, NULL
    figures: list[sa.ColumnElement[Any]] = [sa.func.count().label("men")]
    for months in WINDOWS:
        window = sa.literal_column(f"interval '{months} months'", sa.Interval)
        followed = (_o.c.left_on + window) <= as_of
        within = first_event <= _o.c.left_on + window
        figures += [sa.func.count().filter(followed).label(f"followed_{months}"),
                    sa.func.count().filter(followed, within).label(f"with_{months}"),
                    sa.func.count().filter(followed, sa.or_(first_event.is_(None), ~within))
                    .label(f"without_{months}")]
    grouped = sa.select(*keys, (sa.func.grouping(*keys) != 0).label("is_total"), *figures).where(
        *_in_population(region, date_from, date_to)).group_by(
        sa.func.grouping_sets(sa.tuple_(*keys), sa.text("()"))).subquery("grouped")
    if group_by != "programme":
        return sa.select(grouped)
    programme = Programme.__table__
    return sa.select(grouped, programme.c.name.label("label_name"), programme.c.version.label("label_version")
                     ).select_from(grouped.outerjoin(programme, programme.c.id == grouped.c.k0))


def curve_query(*, region: str | None, date_from: date, date_to: date, as_of: date) -> sa.Select[Any]:
    """The survival curve's statement: (day after leaving, new orders that day, men censored that day) over the
    population: a new order up to the as-of day is an event on its day; a man without one is censored at as-of."""
    event = sa.and_(_o.c.new_order_on.is_not(None), _o.c.new_order_on <= as_of)
    day = sa.case((event, _o.c.new_order_on - _o.c.left_on), else_=sa.literal(as_of) - _o.c.left_on).label("day")
    return (sa.select(day, sa.func.count().filter(event).label("events"),
                      sa.func.count().filter(~event).label("censored"))
            .where(*_in_population(region, date_from, date_to)).group_by(day).order_by(day))


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
    """The report's rows (groups sorted by label, then the totals row), suppressed, and its curve's shown steps."""
    if date_from > date_to:
        raise ValueError("date_from must not be after date_to")
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    rows = conn.execute(outcome_query(group_by=group_by, region=region, date_from=date_from, date_to=date_to,
                                      as_of=as_of)).mappings().all()
    w = words(DOMAIN, language)
    groups: list[dict[str, Any]] = []
    total: dict[str, Any] = {"key": None, "label": w.gettext(TOTAL_LABEL), "total": True, **dict.fromkeys(COUNTS, 0)}
    for row in rows:
        counts = {name: int(row[name]) for name in COUNTS}
        if row["is_total"]:
            total.update(counts)
        else:
            key, label = _key_and_label(row, group_by=group_by, whole_country=region is None, w=w)
            groups.append({"key": key, "label": label, "total": False, **counts})
    groups.sort(key=lambda g: (g["label"].casefold(), g["key"] or ""))
    shown = suppress_outcomes([*groups, total], min_cell)
    times = [(int(r.day), int(r.events), int(r.censored)) for r in conn.execute(curve_query(
        region=region, date_from=date_from, date_to=date_to, as_of=as_of))]
    curve = [{"day": step.day, "at_risk": step.at_risk, "events": step.events, "survival": round(step.survival, 4)}
             for step in shown_steps(kaplan_meier(times), min_cell)]
    return shown, curve


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


def outcome_period(date_from: date | None, date_to: date | None, *, as_of: date) -> tuple[date, date]:
    """[from, to] of the days men left, as asked; by default the two years that end on the as-of day (a year's
    leavers can then be followed 12 months)."""
    end = date_to or as_of
    return date_from or _years_before(end, 2) + timedelta(days=1), end


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February's is 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def outcome_report_for(conn: sa.Connection, *, principal: Principal, group_by: str, region: str | None,
                       date_from: date | None, date_to: date | None, as_of: date | None, today: date, min_cell: int,
                       language: str = SOURCE_LANGUAGE) -> OutcomeReport:
    """The outcome report the caller asked for: of their region (an administrator: the region asked, or the whole
    country), of the men who left in the period, followed up to `as_of` (default today); 422 for an empty period,
    an as-of day in the future or a period that ends after it."""
    covered = report_region(principal, region)
    counted_to = as_of or today
    start, end = outcome_period(date_from, date_to, as_of=counted_to)
    if counted_to > today:
        raise unprocessable("Outcomes are counted up to today at the latest.",
                            {"as_of": [f"`as_of` ({counted_to}) must not be after today ({today})."]})
    if start > end:
        raise unprocessable("The period is empty.", {"from": [f"`from` ({start}) must not be after `to` ({end})."]})
    if end > counted_to:
        raise unprocessable("The period ends after the day outcomes are counted to.",
                            {"to": [f"`to` ({end}) must not be after `as_of` ({counted_to})."]})
    rows, curve = outcome_report(conn, group_by=group_by, region=covered, date_from=start, date_to=end,
                                 as_of=counted_to, min_cell=min_cell, language=language)
    return OutcomeReport(group_by=group_by, region=covered, date_from=start, date_to=end, as_of=counted_to,
                         min_cell=min_cell, groups=rows[:-1], totals=rows[-1], curve=curve)
