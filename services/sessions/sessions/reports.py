"""Sessions' reports for programme managers and analysts, about staff work, not men: programme fidelity by group
(modules delivered as planned, sessions held on time, co-facilitated, attendance recorded in time) and each
facilitator's workload by month (groups, men, sessions). Counts only: no man's record, code or free text. Each is one
statement over the database, its figures computed there.

An analyst reads aggregates only (issue 23): no group's id (which leads to the name its manager typed) and no
psychologist's: a group comes as its district, the quarter it started and a number, a psychologist as a number, each
the same throughout the report. A count of men under the small-cell rule (QADAM_REPORT_MIN_CELL) is hidden for
everyone, as the other reports hide it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from qadam.auth import Principal, report_region
from qadam.errors import unprocessable
from sqlalchemy.dialects.postgresql import JSONB

from .domain.fidelity import report_period, shipped_module_spellings


def _key(text: str) -> str:
    """SQL for a module's name compared as a person would: case, spaces around and between words, and the
    apostrophes (ʻ ʼ ‘ ’ ` against ') make no difference."""
    return rf"lower(regexp_replace(regexp_replace(btrim({text}), '[ʻʼ‘’`]', '''', 'g'), '\s+', ' ', 'g'))"


# A group session held in the period: its days from the day it was planned for (local days), whether what she
# recorded of it delivers the module the cohort's curriculum puts at its number, whether she named a co-facilitator,
# and whether its attendance was entered within `within_hours` of its end. A session a reschedule moved keeps the
# day first planned; its end is its start plus the programme's session length (unknown: its start).
FIDELITY = sa.text(rf"""
WITH held AS (
    SELECT g.cohort_id, c.region, c.district, c.programme_id, c.start_date,
           (g.held_at AT TIME ZONE :zone)::date
               - (coalesce(g.planned_at, g.scheduled_at) AT TIME ZONE :zone)::date AS days_off,
           g.module_delivered IS NOT NULL AS fidelity_recorded,
           plan.topic IS NOT NULL AND g.module_delivered IS NOT NULL AS module_checked,
           {_key("g.module_delivered")} = {_key("plan.topic")}
               OR {_key("g.module_delivered")} IN (
                   SELECT {_key("spelt")} FROM jsonb_array_elements_text(CAST(:spellings AS jsonb) -> plan.topic) spelt
               ) AS as_planned,
           cardinality(g.co_facilitators) > 0 AS co_facilitated,
           g.attendance_entered_at <= g.held_at + make_interval(mins => coalesce(c.session_minutes, 0))
                                                + make_interval(hours => CAST(:within_hours AS int)) AS recorded_in_time
    FROM group_session g
    JOIN cohort_view c ON c.cohort_id = g.cohort_id
    LEFT JOIN LATERAL (
        SELECT m ->> 'topic' AS topic FROM jsonb_array_elements(c.curriculum) m
        WHERE m ->> 'number' = g.number::text LIMIT 1
    ) plan ON true
    WHERE g.kind = 'group' AND g.status = 'held' AND g.held_at >= :start AND g.held_at < :end
      AND (CAST(:region AS text) IS NULL OR c.region = CAST(:region AS text))
)
SELECT cohort_id, region, district, programme_id, start_date,
       grouping(cohort_id, region, district, programme_id, start_date) <> 0 AS is_total,
       count(*) AS sessions_held,
       count(*) FILTER (WHERE abs(days_off) <= CAST(:on_time_days AS int)) AS held_on_time,
       count(*) FILTER (WHERE days_off < -CAST(:on_time_days AS int)) AS held_early,
       count(*) FILTER (WHERE days_off > CAST(:on_time_days AS int)) AS held_late,
       count(*) FILTER (WHERE fidelity_recorded) AS fidelity_recorded,
       count(*) FILTER (WHERE module_checked) AS modules_checked,
       count(*) FILTER (WHERE module_checked AND as_planned) AS modules_as_planned,
       count(*) FILTER (WHERE fidelity_recorded AND co_facilitated) AS co_facilitated,
       count(*) FILTER (WHERE recorded_in_time) AS recorded_in_time
FROM held
GROUP BY GROUPING SETS ((cohort_id, region, district, programme_id, start_date), ())
ORDER BY is_total, region, district, cohort_id
""").bindparams(sa.bindparam("spellings", type_=JSONB))

# Who held each session of the period: the psychologist who entered its attendance, and for a group session each of
# its cohort's facilitators (the two of a co-facilitated group both worked it); a man counts for her in a month when
# he came (present or late) to one of her sessions in it.
WORKLOAD = sa.text("""
WITH held AS (
    SELECT g.id, g.cohort_id, g.kind, g.attendance_entered_by, c.facilitator_ids,
           date_trunc('month', g.held_at AT TIME ZONE :zone)::date AS month
    FROM group_session g
    JOIN cohort_view c ON c.cohort_id = g.cohort_id
    WHERE g.status = 'held' AND g.held_at >= :start AND g.held_at < :end
      AND (CAST(:region AS text) IS NULL OR c.region = CAST(:region AS text))
), worked AS (
    SELECT DISTINCT h.id, h.cohort_id, h.month, f.facilitator_id
    FROM held h
    CROSS JOIN LATERAL (
        SELECT h.attendance_entered_by WHERE h.attendance_entered_by IS NOT NULL
        UNION SELECT unnest(h.facilitator_ids) WHERE h.kind = 'group'
    ) f(facilitator_id)
)
SELECT w.facilitator_id, w.month,
       count(DISTINCT w.cohort_id) AS groups,
       count(DISTINCT w.id) AS sessions,
       count(DISTINCT m.enrolment_id) AS men
FROM worked w
LEFT JOIN attendance_mark m ON m.session_id = w.id AND m.status IN ('present', 'late')
GROUP BY w.facilitator_id, w.month
ORDER BY w.facilitator_id, w.month
""")


@dataclass(frozen=True)
class Period:
    """What a report covers: sessions held from `date_from` to `date_to` (local days), in `region` (None: the whole
    country)."""

    region: str | None
    date_from: date
    date_to: date

    def bounds(self, zone: tzinfo) -> dict[str, Any]:
        """The period's first and last moments (start inclusive, end exclusive) and its region, as parameters."""
        return {"start": datetime.combine(self.date_from, time(), zone),
                "end": datetime.combine(self.date_to + timedelta(days=1), time(), zone), "region": self.region}


def period_for(principal: Principal, *, region: str | None, date_from: date | None, date_to: date | None,
               today: date) -> Period:
    """The period and region the caller may have: their own region (an administrator's choice, or the whole
    country), by default the 12 months that end `today`; 403 for another region, 422 for an empty period."""
    covered = report_region(principal, region)
    start, end = report_period(date_from, date_to, today=today)
    if start > end:
        raise unprocessable("The period is empty.", {"from": [f"`from` ({start}) must not be after `to` ({end})."]})
    return Period(covered, start, end)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class FidelityRow:
    """One group's fidelity in the period (the totals row: every group's; no cohort, region or district). For an
    analyst, no `cohort_id`: its `cohort_number` among the report's groups of its district and `start_quarter`."""

    cohort_id: uuid.UUID | None
    programme_id: uuid.UUID | None
    region: str | None
    district: str | None
    total: bool
    sessions_held: int
    held_on_time: int
    held_early: int
    held_late: int
    fidelity_recorded: int
    modules_checked: int
    modules_as_planned: int
    co_facilitated: int
    recorded_in_time: int
    start_quarter: date | None = None  # the first day of the quarter the group started in
    cohort_number: int | None = None  # an analyst's: in place of cohort_id

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.held_on_time, self.sessions_held)

    @property
    def modules_as_planned_rate(self) -> float | None:
        return _rate(self.modules_as_planned, self.modules_checked)

    @property
    def co_facilitated_rate(self) -> float | None:
        return _rate(self.co_facilitated, self.fidelity_recorded)

    @property
    def recorded_in_time_rate(self) -> float | None:
        return _rate(self.recorded_in_time, self.sessions_held)


@dataclass(frozen=True)
class FidelityReport:
    region: str | None
    date_from: date
    date_to: date
    on_time_days: int
    recorded_within_hours: int
    groups: list[FidelityRow]
    totals: FidelityRow


def fidelity_report(conn: sa.Connection, *, period: Period, zone: tzinfo, on_time_days: int,
                    recorded_within_hours: int, anonymous: bool = False) -> FidelityReport:
    """Programme fidelity of each group that held sessions in the period, and of them all: its group sessions held,
    on time (within `on_time_days` of the day planned), early and late; those whose delivery she recorded, those of
    them with a planned module to check and those that delivered it; those she named a co-facilitator at; those
    whose attendance was entered within `recorded_within_hours` of their end. `anonymous` (an analyst's): each
    group by a number (`cohort_numbers`) in place of its id."""
    rows = conn.execute(FIDELITY, {**period.bounds(zone), "zone": str(zone), "on_time_days": on_time_days,
                                   "within_hours": recorded_within_hours,
                                   "spellings": shipped_module_spellings()}).mappings().all()
    numbers = cohort_numbers([r for r in rows if not r["is_total"]]) if anonymous else {}
    shaped = [FidelityRow(cohort_id=None if anonymous else r["cohort_id"], programme_id=r["programme_id"],
                          region=r["region"], district=r["district"], total=r["is_total"],
                          **{k: r[k] for k in ("sessions_held", "held_on_time", "held_early", "held_late",
                                               "fidelity_recorded", "modules_checked", "modules_as_planned",
                                               "co_facilitated", "recorded_in_time")},
                          start_quarter=_quarter_start(r["start_date"]), cohort_number=numbers.get(r["cohort_id"]))
              for r in rows]
    groups = [r for r in shaped if not r.total]
    if anonymous:
        groups.sort(key=lambda g: (g.region or "", g.district or "", g.start_quarter or date.min, g.cohort_number or 0))
    totals = next((r for r in shaped if r.total), None) or FidelityRow(None, None, None, None, True,
                                                                        *(0,) * 9)
    return FidelityReport(period.region, period.date_from, period.date_to, on_time_days, recorded_within_hours,
                          groups, totals)


def _quarter_start(day: date | None) -> date | None:
    return None if day is None else date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def cohort_numbers(groups: Sequence[Mapping[Any, Any]]) -> dict[uuid.UUID, int]:
    """{cohort id: its number among `groups` (with `cohort_id`, `region`, `district`, `start_date`) of the same
    region, district and starting quarter}, by the day they started, then by id (opaque: it tells nothing)."""
    runs: dict[tuple[Any, ...], list[tuple[date, str, uuid.UUID]]] = {}
    for g in groups:
        started = g["start_date"] or date.min
        runs.setdefault((g["region"], g["district"], _quarter_start(g["start_date"])), []).append(
            (started, str(g["cohort_id"]), g["cohort_id"]))
    return {cohort: n for run in runs.values() for n, (_day, _id, cohort) in enumerate(sorted(run), start=1)}


def psychologist_numbers(ids: Iterable[str]) -> dict[str, int]:
    """{user id: 1..n}, in the order of the ids (opaque, so a number tells nothing of who she is), one number for
    each psychologist wherever she comes in the report."""
    return {user: n for n, user in enumerate(sorted(set(ids)), start=1)}


def shown_men(men: int, min_cell: int) -> int | None:
    """A count of men as a report shows it: none from 1 to `min_cell` - 1 (the small-cell rule, DOMAIN.md).

    No complementary suppression is needed beside it: the workload publishes no total of men, and its counts add up
    to none (a man counts for each facilitator of his group and in each month he came), so no hidden count is a
    shown total less shown counts."""
    return None if 0 < men < min_cell else men


@dataclass(frozen=True)
class WorkloadMonth:
    """A facilitator's month: the groups she held sessions of, the men who came to them (None: hidden under the
    small-cell rule), and the sessions. For an analyst, no `facilitator_id`: her `facilitator_number`."""

    facilitator_id: str | None
    month: str  # YYYY-MM
    groups: int
    men: int | None
    sessions: int
    facilitator_number: int | None = None


@dataclass(frozen=True)
class WorkloadReport:
    region: str | None
    date_from: date
    date_to: date
    min_cell: int
    months: list[WorkloadMonth]


def workload_report(conn: sa.Connection, *, period: Period, zone: tzinfo, min_cell: int,
                    anonymous: bool = False) -> WorkloadReport:
    """Each facilitator's groups, men and sessions a month, over the sessions held in the period (a month cut by
    the period counts its days inside it), by facilitator and month; men under the small-cell rule (`shown_men`).
    `anonymous` (an analyst's): each psychologist by a number (`psychologist_numbers`) in place of her id."""
    rows = conn.execute(WORKLOAD, {**period.bounds(zone), "zone": str(zone)}).mappings().all()
    numbers = psychologist_numbers(r["facilitator_id"] for r in rows) if anonymous else {}
    months = [WorkloadMonth(facilitator_id=None if anonymous else r["facilitator_id"],
                            month=r["month"].strftime("%Y-%m"), groups=r["groups"],
                            men=shown_men(r["men"], min_cell), sessions=r["sessions"],
                            facilitator_number=numbers.get(r["facilitator_id"])) for r in rows]
    if anonymous:
        months.sort(key=lambda m: (m.facilitator_number or 0, m.month))
    return WorkloadReport(period.region, period.date_from, period.date_to, min_cell, months)
