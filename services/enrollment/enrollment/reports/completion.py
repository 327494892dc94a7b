"""The completion report for programme managers: one aggregate query over the enrolments' progress columns.

Every figure comes from `enrolment` alone (its progress columns are kept up to date from attendance events), so the
report never scans `attendance_record`. Its period is a run of whole quarters (domain/reporting.py). Groups, their
histograms of the session at which people dropped out, and the totals row, each quarter by quarter, come out of one
statement and one pass over the population: a hashed GROUP BY GROUPING SETS ((quarter, key, session of dropping
out), (quarter, session of dropping out)) with FILTER clauses, summed into groups. The median session is read off
the exact histogram (the same value percentile_cont(0.5) gives): on 100,000 enrolments that takes half the time of
percentile_cont, which sorts the population.

Small cells are suppressed before anything is shown, quarter by quarter, top-down (the table of regions, then each
region's groups under its row), and a figure over the run is shown only where every quarter's own report shows it:
domain/disclosure.py says how (`suppress_nested`). So every report, of a region or of the country, reads every
region's row: the statement's population is the whole country's, its groups those of the region asked for.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.errors import unprocessable
from qadam_contracts.roles import Role
from qadam_words import N_, Words, words
from qadam_words.places import place_name
from qadam_words.vocabulary import programme_text

from ..domain.disclosure import COUNTS, suppress_nested
from ..domain.lifecycle import EnrolmentStatus as S
from ..domain.reporting import default_period, not_whole_quarters
from ..models import Cohort, Enrolment, Programme
from ..scoping import report_region
from .analyst_labels import anonymised
from .regions import region_tables

GROUP_BY = ("programme", "cohort", "district", "referral_source", "facilitator")
# The national roll-up's groupings (rollup.py), beside the report's: by region, and by the month a man started.
ROLLUP_GROUP_BY = ("region", "month")
STILL_IN_PROGRAMME = (S.ASSESSED, S.ACTIVE, S.SUSPENDED)
FINISHED = (S.COMPLETED, S.CLOSED)
# An exit for these reasons is not a dropout: the man went on elsewhere, or died.
NOT_A_DROPOUT = ("transferred", "died")
# The labels the report writes itself (the others are names people typed), in the language asked for (qadam_words,
# domain `enrollment`): English in the JSON unless one is asked, the reader's language in the downloads. A programme
# copied from a shipped template is named in that language too (the shared vocabulary); a region's own as written.
DOMAIN = "enrollment"
SOURCE_LANGUAGE = "en"
REFERRAL_SOURCE_LABELS = {
    "protection_order": N_("Protection order"),
    "court": N_("Court"),
    "inspector_initiative": N_("Inspector's initiative"),
    "self_referral": N_("Self-referral"),
}
TOTAL_LABEL = N_("Total")
NO_PROGRAMME_VERSION = N_("(no programme version)")

_e = Enrolment.__table__


def _group_keys(group_by: str, time_zone: str) -> list[sa.ColumnElement[Any]]:
    """The columns a dimension groups by (district within its region: two regions may share a name; a month as
    `YYYY-MM`, of the day he started, as `started_within` reads it)."""
    started = sa.func.coalesce(sa.cast(_e.c.started_on, sa.DateTime), sa.func.timezone(time_zone, _e.c.enrolled_at))
    columns: dict[str, list[sa.ColumnElement[Any]]] = {
        "programme": [_e.c.programme_id],
        "cohort": [_e.c.cohort_id],
        "district": [_e.c.region, _e.c.district],
        "referral_source": [_e.c.referral_source],
        "facilitator": [_e.c.psychologist_id],
        "region": [_e.c.region],
        "month": [sa.func.to_char(started, "YYYY-MM")],
    }
    if group_by not in columns:
        raise ValueError(f"group_by must be one of {', '.join((*GROUP_BY, *ROLLUP_GROUP_BY))}, not {group_by!r}")
    return columns[group_by]


def started_within(date_from: date, date_to: date, time_zone: str) -> sa.ColumnElement[bool]:
    """Started in [date_from, date_to]: became active then, or, never active, was enrolled then (days in `time_zone`).

    The same as COALESCE(started_on, (enrolled_at AT TIME ZONE tz)::date) BETWEEN ..., without converting every row.
    """
    zone = ZoneInfo(time_zone)
    first, after_last = (datetime.combine(d, time(), zone) for d in (date_from, date_to + timedelta(days=1)))
    return sa.or_(_e.c.started_on.between(date_from, date_to),
                  sa.and_(_e.c.started_on.is_(None), _e.c.enrolled_at >= first, _e.c.enrolled_at < after_last))


def started_quarter(time_zone: str) -> sa.ColumnElement[date]:
    """The first day of the quarter an enrolment started in (as `started_within` has its day)."""
    day = sa.func.coalesce(_e.c.started_on, sa.cast(sa.func.timezone(time_zone, _e.c.enrolled_at), sa.Date))
    return sa.cast(sa.func.date_trunc("quarter", sa.cast(day, sa.DateTime)), sa.Date)


def completion_query(*, group_by: str, region: str | None, date_from: date, date_to: date,
                     time_zone: str = "Asia/Tashkent", also_by: str | None = None) -> sa.Select[Any]:
    """The report's one statement: per quarter (`quarter`, its first day), a row per group within each region (`r`,
    the region; the group's keys k0, k1, ...), unsuppressed, with histograms, the sum of the attendance averaged
    (`attendance_sum`) and the number of men it is over (`attendance_men`). Every region's rows come out whatever
    `region` is: a region's figures are protected in the table of regions (domain/disclosure.py, `suppress_nested`),
    and a region's row, and the nation's, are its groups added up (shape_report). `region` (None: the whole country)
    says whose groups are told apart: each other region's fall into one row (its keys null).

    One pass over the population: cells of (quarter, region, group, session of dropping out) come out of one hashed
    GROUP BY, and are summed into the groups. `also_by` (with group_by "region"): the groups are those of a second
    grouping, the national roll-up's months within each region, their keys in j0, j1, ... (`also`).
    """
    def only_asked(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return column if region is None else sa.case((_e.c.region == region, column))

    group_keys = [] if group_by == "region" else _group_keys(group_by, time_zone)
    keys = [only_asked(k).label(f"k{i}") for i, k in enumerate(group_keys)]
    also = [only_asked(k).label(f"j{i}") for i, k in enumerate(_group_keys(also_by, time_zone))] if also_by else []
    is_dropout = sa.and_(_e.c.status == S.EXITED, sa.func.coalesce(_e.c.status_reason, "").not_in(NOT_A_DROPOUT))
    # The last session he came to; if he never came, the last one recorded for him; 0: none was recorded.
    dropout_session = sa.case((is_dropout, sa.func.coalesce(_e.c.last_attended_number, _e.c.last_session_number, 0)))
    attendance = sa.cast(_e.c.sessions_attended, sa.Float) / sa.func.nullif(
        _e.c.sessions_attended + _e.c.unexcused_absences, 0, type_=sa.Float)
    population = sa.select(
        _e.c.region.label("r"), *keys, *also, started_quarter(time_zone).label("quarter"), _e.c.status,
        dropout_session.label("dropout_session"), attendance.label("attendance"),
    ).where(started_within(date_from, date_to, time_zone))
    pop = population.subquery("population")
    pop_keys = [pop.c[f"k{i}"] for i in range(len(keys))] + [pop.c[f"j{i}"] for i in range(len(also))]
    count = sa.func.count()
    cells = sa.select(
        pop.c.quarter, pop.c.r, *pop_keys, pop.c.dropout_session,
        count.label("n"),
        count.filter(pop.c.status.in_(STILL_IN_PROGRAMME)).label("active"),
        count.filter(pop.c.status.in_(FINISHED)).label("completed"),
        count.filter(pop.c.status == S.EXITED).label("exited"),
        sa.func.sum(pop.c.attendance).label("attendance_sum"),
        sa.func.count(pop.c.attendance).label("attendance_n"),
    ).group_by(pop.c.quarter, pop.c.r, *pop_keys, pop.c.dropout_session).subquery("cells")
    cell_keys = [cells.c[k.name] for k in pop_keys]
    dropout_cells = cells.c.dropout_session.is_not(None)
    groups = sa.select(
        cells.c.quarter, cells.c.r, *cell_keys,
        sa.literal(bool(also)).label("also"),
        sa.func.sum(cells.c.n).label("enrolments"),
        sa.func.sum(cells.c.active).label("active"),
        sa.func.sum(cells.c.completed).label("completed"),
        sa.func.sum(cells.c.exited).label("exited"),
        sa.func.coalesce(sa.func.sum(cells.c.n).filter(dropout_cells), 0).label("dropouts"),
        (sa.func.sum(cells.c.attendance_sum) / sa.func.nullif(sa.func.sum(cells.c.attendance_n), 0, type_=sa.Float))
        .label("average_attendance"),
        sa.func.sum(cells.c.attendance_sum).label("attendance_sum"),
        sa.func.sum(cells.c.attendance_n).label("attendance_men"),  # how many men the average is over
        # json, not jsonb: built as text, not sorted and stored as binary for the driver to read back as text
        sa.func.json_object_agg(cells.c.dropout_session, cells.c.n).filter(dropout_cells).label("histogram"),
    ).group_by(cells.c.quarter, cells.c.r, *cell_keys).subquery("groups")
    group_keys_out = [groups.c[f"k{i}"] for i in range(len(keys))]
    joined: sa.FromClause = groups
    label_columns: list[sa.ColumnElement[Any]] = []
    if group_by == "programme":
        programme = Programme.__table__
        joined = groups.outerjoin(programme, programme.c.id == group_keys_out[0])
        label_columns = [programme.c.name.label("label_name"), programme.c.version.label("label_version")]
    elif group_by == "cohort":
        cohort = Cohort.__table__
        joined = groups.outerjoin(cohort, cohort.c.id == group_keys_out[0])
        label_columns = [cohort.c.name.label("label_name")]
    return sa.select(*groups.c, *label_columns).select_from(joined)


def completion_report(conn: sa.Connection, *, group_by: str, region: str | None, date_from: date, date_to: date,
                      min_cell: int, time_zone: str = "Asia/Tashkent",
                      language: str = SOURCE_LANGUAGE) -> list[dict[str, Any]]:
    """The report's groups, sorted by label, then its totals row (`total: True`), small cells suppressed; the labels
    the report writes itself in `language`.

    Population: enrolments that started (`started_on`, else the day of `enrolled_at` in `time_zone`) within
    [date_from, date_to], a run of whole quarters (ValueError otherwise), in `region` (None: the whole country); a
    figure is shown only where it is shown in each quarter's own report (domain/disclosure.py). Each row holds `key`
    (the group's id as text), `label`, `total`, `suppressed` and the figures: enrolments; active (assessed, active or
    suspended); completed (completed or closed); exited; dropouts (exited for a reason other than transferred or
    died); completion_rate and dropout_rate (of completed + dropouts); average_attendance (mean of attended /
    (attended + unexcused) over those with any such mark); median_dropout_session and dropout_sessions ({session:
    count}) of the session each dropout last attended (else the last recorded for him; 0: before any was recorded).
    """
    if date_from > date_to:
        raise ValueError("date_from must not be after date_to")
    if not_whole_quarters(date_from, date_to):
        raise ValueError("the period must be a run of whole quarters")
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    statement = completion_query(group_by=group_by, region=region, date_from=date_from, date_to=date_to,
                                 time_zone=time_zone)
    return shape_report(conn.execute(statement).mappings().all(), group_by=group_by, region=region, min_cell=min_cell,
                        language=language)


def shape_report(rows: Any, *, group_by: str, region: str | None, min_cell: int,
                 language: str = SOURCE_LANGUAGE, also: bool = False) -> list[dict[str, Any]]:
    """Raw rows of `completion_query` (mappings) -> the report's rows: labelled in `language`, sorted (by the
    labels the reader reads), suppressed top-down (the table of regions, then each region's groups) quarter by
    quarter and over the run (`suppress_nested`). `also`: the rows of the second grouping (`also_by`) are the
    groups."""
    w = words(DOMAIN, language)
    total_label = w.gettext(TOTAL_LABEL)
    by_quarter: dict[Any, list[Any]] = {}
    for row in rows:
        by_quarter.setdefault(row.get("quarter"), []).append(row)
    tops: list[list[dict[str, Any]]] = []
    parts: list[dict[str, list[dict[str, Any]]]] = []
    for quarter in sorted(by_quarter, key=lambda q: (q is not None, q)):
        top, part = region_tables(
            by_quarter[quarter], figures_of=_figures, added=_added, group_by=group_by, region=region,
            total_label=total_label,
            key_and_label=lambda row: _key_and_label({**row, "k0": row["j0"]} if also and "j0" in row else row,
                                                     group_by=group_by, whole_country=region is None, w=w))
        tops.append(top)
        parts.append(part)
    if not any(parts):  # nobody started in the period (in the region): no figure but zeros
        return [{"key": None, "label": total_label, "total": True, "suppressed": False, **dict.fromkeys(COUNTS, 0),
                 "completion_rate": None, "dropout_rate": None, "average_attendance": None,
                 "median_dropout_session": None, "dropout_sessions": {}}]
    shown = suppress_nested(tops, parts, min_cell, region=region)
    groups = sorted(shown[:-1], key=lambda g: (g["label"].casefold(), g["key"] or ""))
    return [*groups, shown[-1]]


def _figures(row: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {name: int(row[name] or 0) for name in COUNTS}
    figures["dropout_sessions"] = (dict(sorted((int(k), int(v)) for k, v in row["histogram"].items()))
                                   if row["histogram"] else {})
    figures["average_attendance"] = row["average_attendance"]
    figures["attendance_sum"] = float(row["attendance_sum"] or 0)
    figures["attendance_men"] = int(row["attendance_men"] or 0)
    return figures


def _added(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows' figures added up (a region's groups: the region's row; the regions: the nation's)."""
    out: dict[str, Any] = {name: sum(row[name] for row in rows) for name in COUNTS}
    histogram: dict[int, int] = {}
    for row in rows:
        for session, n in row["dropout_sessions"].items():
            histogram[session] = histogram.get(session, 0) + n
    out["dropout_sessions"] = dict(sorted(histogram.items()))
    out["attendance_sum"] = math.fsum(row["attendance_sum"] for row in rows)
    out["attendance_men"] = sum(row["attendance_men"] for row in rows)
    out["average_attendance"] = out["attendance_sum"] / out["attendance_men"] if out["attendance_men"] else None
    return out


PROGRAMME_VERSION = N_("%(name)s v%(version)s")  # a programme's row: its name and version ("в" in Cyrillic)


def _key_and_label(row: Any, *, group_by: str, whole_country: bool, w: Words) -> tuple[str | None, str]:
    first = row["k0"]
    if group_by == "programme":
        if first is None:
            return None, w.gettext(NO_PROGRAMME_VERSION)
        name = programme_text(row["label_name"], w.language) or str(first)  # a shipped template's: in w's language
        if row["label_version"] is None:
            return str(first), name
        return str(first), w.gettext(PROGRAMME_VERSION, name=name, version=row["label_version"])
    if group_by == "cohort":
        return str(first), row["label_name"] or str(first)
    if group_by == "district":
        region, district = row["k0"], row["k1"]  # the stored identifiers: the key; their names in w's language
        named = place_name(district, "district", w.language)
        return (f"{region}/{district}",
                f"{named}, {place_name(region, 'region', w.language)}" if whole_country else named)
    if group_by == "region":
        return first, place_name(first, "region", w.language)
    if group_by == "referral_source":
        return first, w.gettext(REFERRAL_SOURCE_LABELS[first]) if first in REFERRAL_SOURCE_LABELS else first
    return first, first  # facilitator: the psychologist's user id; month: YYYY-MM, which sorts as time runs


class Report(TypedDict):
    """The completion report as the route answers it (CompletionReport) and the downloads write it."""

    group_by: str
    region: str | None
    date_from: date
    date_to: date
    min_cell: int
    groups: list[dict[str, Any]]
    totals: dict[str, Any]


def completion_report_for(conn: sa.Connection, *, principal: Principal, group_by: str, region: str | None,
                          date_from: date | None, date_to: date | None, today: date, min_cell: int,
                          time_zone: str, language: str = SOURCE_LANGUAGE) -> Report:
    """The completion report the caller asked for: of their region (an administrator: the region asked for, or the
    whole country), over the period asked (by default the four quarters that end with today's), its own labels in
    `language` (an analyst's cohorts and facilitators by labels that name no one: analyst_labels.py); 422 for an
    empty period or one that is not a run of whole quarters."""
    covered = report_region(principal, region)
    start, end = default_period(date_from, date_to, today=today)
    if start > end:
        raise unprocessable("The period is empty.", {"from": [f"`from` ({start}) must not be after `to` ({end})."]})
    if errors := not_whole_quarters(start, end):
        raise unprocessable("A report's period is a run of whole quarters.", errors)
    rows = completion_report(conn, group_by=group_by, region=covered, date_from=start, date_to=end,
                             min_cell=min_cell, time_zone=time_zone, language=language)
    groups = rows[:-1]
    if principal.role == Role.ANALYST:  # aggregates only: no cohort's typed name, no psychologist's identity
        groups = anonymised(conn, groups, group_by=group_by, whole_country=covered is None, language=language)
    return Report(group_by=group_by, region=covered, date_from=start, date_to=end, min_cell=min_cell,
                  groups=groups, totals=rows[-1])
