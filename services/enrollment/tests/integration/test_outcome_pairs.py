"""No hidden figure of the outcome report can be worked out from any two outcome reports a reader can ask for.

A region is seeded with men who left a programme over the four quarters of 2025 (three programme versions, four
districts, every risk band at intake and none, every way of leaving), many of them with a new protection order or a
reported breach at a known day after they left, with small cells everywhere, and two men who left on 16 July 2025 (the
day whose 6 months close on 16 January 2026). Every report a reader can ask for is read: every grouping (programme
version, district, risk band at intake, how he left) x every run of whole quarters of leaving in 2025 x as-of days
that put different quarters in and out of the 6- and 12-month figures (and two days in a row, 15 and 16 January
2026). For every pair of them (a report with itself too) two things are checked:

- linear algebra, exact (modulo a prime, as test_report_pairs.py does it, with qadam.spans): no figure
  hidden in either report, or in any report of the same as-of days the two can be differenced into, lies in the span
  of the figures the two show;
- differencing: where a figure of one report counts a subset of the men the same figure of the other counts (a run
  inside a longer one, or the same run on a later as-of day), the difference, the count of the men between, is none
  or at least the smallest cell (a count of 1 to min_cell - 1 so worked out is a small cell shown).
The curve of time to a new order is checked apart: at each month it shows, it is the sum of what each of its quarters'
own curves shows that month, and a quarter's own curve says the same on every as-of day it shows the month: so two
curves differ only by what quarters' own curves show, never by one man's dates.

The unknowns are the counts of the finest cells: a group of the first report's grouping x a group of the second's (one
group when both group alike) x the quarter he left in x which of the as-of days' windows his leaving day has passed
(`followed`) x what became of him (a new order or breach within 6 months; within 6 to 12; neither). A figure is the
sum of the cells it counts. Rates and intervals are functions of shown counts; the curve has its own tests.
"""

from __future__ import annotations

import calendar
import functools
import itertools
import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from enrollment.reports import outcome_report
from pair_seeds import insert_outcomes, insert_participants
from pair_spans import Spans, pair_spans
from qadam.quarters import quarter_end
from qadam.spans import Span, Vector, differenced_into, times
from qadam_testing import Stack

REGION = "Qashqadaryo viloyati"
MIN_CELL = 5
QUARTERS = [(date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30)),
            (date(2025, 7, 1), date(2025, 9, 30)), (date(2025, 10, 1), date(2025, 12, 31))]
RUNS = list(itertools.combinations_with_replacement(range(len(QUARTERS)), 2))  # (first, last): 10 runs
# 15 and 16 January 2026: a day apart (6 months of a man who left on 16 July 2025 close on the second); 15 April: Q3's
# 6 months and Q1's 12 in; 15 July: every quarter's 6 months, Q1's and Q2's 12.
AS_OF = [date(2026, 1, 15), date(2026, 1, 16), date(2026, 4, 15), date(2026, 7, 15)]
GROUPINGS = ("programme", "district", "risk_band", "how")
DISTRICTS = [("Qarshi", 10), ("Shahrisabz", 6), ("Kitob", 3), ("Muborak", 1)]
LEVELS = [("low", 4), ("medium", 4), ("high", 3), ("critical", 1), (None, 1)]
HOWS = [("completed", 6), ("non_compliance", 2), ("dropout", 3)]
VERSIONS = [(0, 1, 6), (0, 2, 4), (1, 1, 2)]  # (lineage, version, weight)
WINDOWS = (6, 12)
COUNTS = ("men", "followed_6", "with_6", "without_6", "followed_12", "with_12", "without_12")
# what became of a man: a new order or breach within 6 months of leaving, within 6 to 12, or neither
E6, E12, NONE = 0, 1, 2
CLASSES = {"men": (E6, E12, NONE), "followed_6": (E6, E12, NONE), "with_6": (E6,), "without_6": (E12, NONE),
           "followed_12": (E6, E12, NONE), "with_12": (E6, E12), "without_12": (NONE,)}
FOLLOWED = {name: int(name[-2:].lstrip("_")) if name != "men" else None for name in COUNTS}
TOTAL = "(totals)"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, the month's last day when it is shorter (as PostgreSQL adds an interval)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@functools.cache
def followed(left_on: date, as_of: date, months: int) -> bool:
    """The rule under test: a man is in a window's figures when the window has passed for every man of his quarter
    of leaving (the end of his quarter + the window <= as-of)."""
    return add_months(quarter_end(left_on), months) <= as_of


def weighted(rng: random.Random, choices: list[tuple[Any, ...]]) -> Any:
    return rng.choices([c[:-1] if len(c) > 2 else c[0] for c in choices], weights=[c[-1] for c in choices])[0]


def seeded_men() -> list[dict[str, Any]]:
    """The men: where and how each left, when, and the first day of a new order and of a breach after it."""
    rng = random.Random(23)
    men = []
    for number in range(300):
        left_on = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
        order = breach = None
        draw = rng.random()
        if draw < 0.22:
            order = left_on + timedelta(days=rng.randint(1, 182))
        elif draw < 0.34:
            order = left_on + timedelta(days=rng.randint(185, 360))
        elif draw < 0.42:
            order = left_on + timedelta(days=rng.randint(370, 500))
        if rng.random() < 0.1:
            breach = left_on + timedelta(days=rng.randint(1, 400))
        men.append({"number": number, "left_on": left_on, "version": weighted(rng, VERSIONS),
                    "district": weighted(rng, DISTRICTS), "level": weighted(rng, LEVELS), "how": weighted(rng, HOWS),
                    "order": order, "breach": breach})
    # two men whose 6 months close on 16 January 2026, one of them with a new order within them
    for number, order in ((300, date(2025, 11, 2)), (301, None)):
        men.append({"number": number, "left_on": date(2025, 7, 16), "version": (0, 1), "district": "Qarshi",
                    "level": "low", "how": "completed", "order": order, "breach": None})
    return men


def what_became(man: dict[str, Any]) -> int:
    first = min([d for d in (man["order"], man["breach"]) if d], default=None)
    if first is not None and first <= add_months(man["left_on"], 6):
        return E6
    if first is not None and first <= add_months(man["left_on"], 12):
        return E12
    return NONE


def seed(url: str, men: list[dict[str, Any]]) -> dict[tuple[int, int], uuid.UUID]:
    lineages = [uuid.uuid4(), uuid.uuid4()]
    programmes = {(lineage, version): uuid.uuid4() for lineage, version, _ in VERSIONS}
    cohorts = {key: uuid.uuid4() for key in programmes}
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO programme (id, lineage_id, version, name, sessions_required, max_unexcused_absences, "
            "created_by) VALUES (:id, :lineage, :version, :name, 12, 3, 'test')"),
            [{"id": pid, "lineage": lineages[lineage], "version": version, "name": f"Qashqadaryo {lineage}"}
             for (lineage, version), pid in programmes.items()])
        conn.execute(sa.text(
            "INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, status, "
            "created_by) VALUES (:id, :programme, :name, :region, 'Qarshi', '{psy-1}', DATE '2024-10-07', "
            "'running', 'test')"),
            [{"id": cid, "programme": programmes[key], "name": f"Cohort {key}", "region": REGION}
             for key, cid in cohorts.items()])
        people, enrolments, outcomes = [], [], []
        for man in men:
            person, enrolment = uuid.uuid4(), uuid.uuid4()
            status, reason = {"completed": ("completed", None), "non_compliance": ("exited", "non_compliance"),
                              "dropout": ("exited", "withdrawn")}[man["how"]]
            people.append({"id": person, "code": f"Q-2025-{man['number']:06d}", "name": f"Outcome man {man['number']}",
                           "region": REGION, "district": man["district"]})
            enrolments.append({"id": enrolment, "participant": person, "cohort": cohorts[man["version"]],
                               "programme": programmes[man["version"]], "region": REGION, "district": man["district"],
                               "status": status, "reason": reason, "started": man["left_on"] - timedelta(days=60),
                               "finished": man["left_on"]})
            outcomes.append({"enrolment": enrolment, "participant": person, "how": man["how"], "left_on": man["left_on"],
                             "programme": programmes[man["version"]], "version": man["version"][1], "region": REGION,
                             "district": man["district"], "level": man["level"], "order": man["order"],
                             "breach": man["breach"]})
        insert_participants(conn, people)
        insert_outcomes(conn, enrolments, outcomes)
    engine.dispose()
    return programmes


def group_of(man: dict[str, Any], grouping: str, programmes: dict[tuple[int, int], uuid.UUID]) -> str | None:
    return {"programme": str(programmes[man["version"]]), "district": f"{REGION}/{man['district']}",
            "risk_band": man["level"], "how": man["how"]}[grouping]


# a report: its grouping, the quarters of its period, its as-of day (an index into AS_OF), its rows by group key
Report = tuple[str, tuple[int, ...], int, dict[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def world(servers, jwt_keys) -> dict[str, Any]:
    """The seeded men, the programme ids, and every report: grouping x run of quarters x as-of day."""
    stack = Stack(f"qadam_op{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("enrollment",)).open()
    try:
        url = stack.database_url("enrollment")
        men = seeded_men()
        programmes = seed(url, men)
        engine = sa.create_engine(url)
        reports: list[Report] = []
        curves: dict[tuple[tuple[int, ...], int], list[list[dict[str, Any]]]] = {}
        with engine.connect() as conn:
            for grouping in GROUPINGS:
                for first, last in RUNS:
                    for index, as_of in enumerate(AS_OF):
                        rows, curve = outcome_report(conn, group_by=grouping, region=REGION,
                                                     date_from=QUARTERS[first][0], date_to=QUARTERS[last][1],
                                                     as_of=as_of, min_cell=MIN_CELL)
                        by_key = {TOTAL if row["total"] else row["key"]: row for row in rows}
                        reports.append((grouping, tuple(range(first, last + 1)), index, by_key))
                        curves.setdefault((tuple(range(first, last + 1)), index), []).append(curve)
        engine.dispose()
        yield {"men": men, "programmes": programmes, "reports": reports, "curves": curves}
    finally:
        stack.close()


# -- the unknowns ---------------------------------------------------------------------------------------------------
# A leaving day's signature: for each as-of day and window, whether a man who left that day is in the window's figures.
# The days of a quarter fall into a few signatures (one under the quarter rule); a cell is (quarter, signature).
def signature(day: date) -> tuple[bool, ...]:
    return tuple(followed(day, as_of, months) for as_of in AS_OF for months in WINDOWS)


def segments() -> list[tuple[int, tuple[bool, ...]]]:
    """(quarter, signature) of every day of 2025 that some day has: the reader knows the days, not who left on them."""
    out: dict[tuple[int, tuple[bool, ...]], None] = {}
    for quarter, (start, end) in enumerate(QUARTERS):
        day = start
        while day <= end:
            out[(quarter, signature(day))] = None
            day += timedelta(days=1)
    return list(out)


SEGMENTS = segments()


def in_window(sig: tuple[bool, ...], as_of: int, months: int) -> bool:
    return sig[as_of * len(WINDOWS) + WINDOWS.index(months)]


@functools.cache
def window(quarters: tuple[int, ...], as_of: int, months: int | None) -> frozenset[int]:
    """The segments of a period whose men are in a window's figures on an as-of day (None: every man of the period)."""
    return frozenset(i for i, (quarter, sig) in enumerate(SEGMENTS)
                     if quarter in quarters and (months is None or in_window(sig, as_of, months)))


@functools.cache
def row_cells(groups: tuple[tuple[str, ...], tuple[str, ...]], side: int | None, group: str,
              cells: frozenset[int]) -> frozenset[tuple[int, int, int]]:
    """The cells a row of a report counts in a window: (group on the first side, group on the second, segment); a
    figure of the row counts them in its classes (what became of a man). `side`: which side's grouping the report has
    (None: its totals row, the same under every grouping); `cells`: the segments of its window."""
    first = range(len(groups[0])) if side != 0 else [groups[0].index(group)]
    second = range(len(groups[1])) if side != 1 else [groups[1].index(group)]
    return frozenset(itertools.product(first, second, sorted(cells)))


@functools.cache
def reaches(first: tuple[int, ...], second: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """differenced_into over runs of quarters: a pure function of three of the ten runs, asked millions of times."""
    return differenced_into(first, second, target)


def reachable(first: Report, second: Report, report: Report) -> bool:
    """Whether a report of the pair's as-of days has a period the two periods add up to (P1 - P2, P1 + P2, ...)."""
    return report[2] in (first[2], second[2]) and reaches(first[1], second[1], report[1])


def keys_of(reports: list[Report]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {g: set() for g in GROUPINGS}
    for grouping, _, _, rows in reports:
        found[grouping] |= {key for key in rows if key != TOTAL}
    return {g: sorted(keys, key=str) for g, keys in found.items()}


def stated(report: Report, groups: list[str]) -> list[tuple[str, str, int | None]]:
    """(group, figure, value or None) of every figure a report states, the zeros of groups it has no row for too."""
    rows = report[3]
    out = []
    for group in [*groups, TOTAL]:
        row = rows.get(group)
        out += [(group, name, 0 if row is None else row[name]) for name in COUNTS]
    return out


# a figure as the algebra sees it: its group (TOTAL for the totals row), its window's segments, its classes
Figure = tuple[str, frozenset[int], tuple[int, ...]]
Row = tuple[int | None, str, frozenset[int]]  # a row of a pair's unknowns: its side (None: totals), group, segments


class Stated:
    """What each report states, worked out once for all the pairs it is in (not again for each of them): its shown
    figures, each once (two figures of a row whose windows have the same segments and that add up the same classes
    are one vector), and its hidden ones with their names."""

    def __init__(self, reports: list[Report], groups: dict[str, list[str]]) -> None:
        self.shown: list[list[Figure]] = []
        self.hidden: list[list[tuple[Figure, str]]] = []
        for report in reports:
            shown: dict[Figure, None] = {}
            hidden = []
            for group, name, value in stated(report, groups[report[0]]):
                figure = (group, window(report[1], report[2], FOLLOWED[name]), CLASSES[name])
                if value is None:
                    hidden.append((figure, name))
                else:
                    shown[figure] = None
            self.shown.append(list(shown))
            self.hidden.append(hidden)
        # the spans of a first report's figures alone (the rows' and the figures'), by (first report, the second's
        # grouping: the unknowns), kept for the pairs of that first report
        self.alone: dict[tuple[int, Any], Spans] = {}



def recoverable(first: int, second: int, every: list[Report], groups: dict[str, list[str]], stated: Stated,
                reach: list[int]) -> list[str]:
    """The figures hidden in a report of the pair's reach (`reach`: the indexes in `every` of the reports of the
    pair's as-of days whose periods the two add up to) that the pair's shown figures fix.

    A figure counts a row's cells (a group, or the totals, over its period, in its window) in some classes: its vector
    is (the row's cells) ⊗ (its classes). The rows' cells span a small space; written in a basis of it, a figure is a
    vector of (basis row, class), and spans are kept exactly modulo a prime (qadam.spans: a hidden figure the
    two fix is never missed). A row's cells and its coordinates are worked out once per row, not for each figure, and
    whether a hidden vector is in the span once per vector, not for each report that hides it."""
    a, b = every[first][0], every[second][0]
    same = a == b
    sides = (tuple(groups[a]), ("",) if same else tuple(groups[b]))
    side_of = {a: 0, b: 0 if same else 1}

    def added(number: int, rows_space: Span, rows: dict[Row, Vector], shown: Span) -> None:
        side = side_of[every[number][0]]
        for group, cells, classes in stated.shown[number]:
            key = (None, TOTAL, cells) if group == TOTAL else (side, group, cells)
            if key not in rows:
                rows[key] = rows_space.coordinates(row_cells(sides, *key))
            shown.add(times(rows[key], classes))

    rows_space, rows, shown = pair_spans(stated.alone, first, second, b, added)
    reduced: dict[Row, tuple[Vector, Vector]] = {}  # once every shown row is in rows_space
    fixed: dict[tuple[int | None, str, frozenset[int], tuple[int, ...]], bool] = {}
    found = []
    for number in reach:
        report = every[number]
        side = side_of.get(report[0])
        for (group, cells, classes), name in stated.hidden[number]:
            if group != TOTAL and side is None:
                continue  # a group of a third grouping: the pair's unknowns do not tell its men apart
            # a figure that counts nobody by the rule (a window no quarter of it is in) is known to be none
            if not cells:
                continue
            key = (None, TOTAL, cells) if group == TOTAL else (side, group, cells)
            if (key, classes) not in fixed:
                if key not in reduced:
                    reduced[key] = rows_space.reduce(row_cells(sides, *key))
                left, row = reduced[key]
                fixed[(*key, classes)] = not left and times(row, classes) in shown
            if fixed[(*key, classes)]:
                found.append(f"{describe(report)}: {group} {name}")
    return found


def differenced(first: Report, second: Report, groups: dict[str, list[str]]) -> list[str]:
    """Figures both reports show that count nested sets of men, whose difference is a small cell."""
    found = []
    common = [TOTAL] if first[0] != second[0] else [*groups[first[0]], TOTAL]
    for group in common:
        for name in COUNTS:
            a, b = first[3].get(group, {}).get(name, 0), second[3].get(group, {}).get(name, 0)
            if a is None or b is None:
                continue
            # the same row and figure of two periods or days: its cells are nested as the segments of its window are
            cells_a = window(first[1], first[2], FOLLOWED[name])
            cells_b = window(second[1], second[2], FOLLOWED[name])
            if (cells_a > cells_b and 0 < a - b < MIN_CELL) or (cells_b > cells_a and 0 < b - a < MIN_CELL):
                found.append(f"{group} {name}: {a} and {b}")
    return found


def describe(report: Report) -> str:
    quarters = f"Q{report[1][0] + 1}" + (f"-Q{report[1][-1] + 1}" if len(report[1]) > 1 else "")
    return f"{report[0]} {quarters} as of {AS_OF[report[2]]}"


# -- the tests ------------------------------------------------------------------------------------------------------
def test_every_shown_figure_is_the_count_of_its_men(world):
    """The model the algebra reasons over is the report's own: each shown count is the count made here."""
    men, programmes = world["men"], world["programmes"]
    for grouping, quarters, as_of, rows in world["reports"]:
        period = [m for m in men if any(QUARTERS[q][0] <= m["left_on"] <= QUARTERS[q][1] for q in quarters)]
        for key, row in rows.items():
            members = period if key == TOTAL else [m for m in period if group_of(m, grouping, programmes) == key]
            for name in COUNTS:
                months = FOLLOWED[name]
                counted = sum(1 for m in members if (months is None or followed(m["left_on"], AS_OF[as_of], months))
                              and what_became(m) in CLASSES[name])
                assert row[name] in (None, counted), (grouping, quarters, AS_OF[as_of], key, name)
                if 0 < counted < MIN_CELL:
                    assert row[name] is None


def test_the_seed_has_small_cells_and_reports_hide_some(world):
    reports = world["reports"]
    assert len(reports) == len(GROUPINGS) * len(RUNS) * len(AS_OF)
    hidden = [sum(row[name] is None for row in rows.values() for name in COUNTS) for *_, rows in reports]
    assert sum(hidden) > 500 and sum(h > 0 for h in hidden) > len(hidden) // 2


def test_no_hidden_figure_is_fixed_by_any_pair_of_outcome_reports(world):
    """Every pair of the reports (4 groupings x 10 runs of quarters x 4 as-of days: 160 reports, 12,880 pairs), against
    every figure hidden in a report of the same as-of days the two can reach, and every difference of nested figures."""
    reports = world["reports"]
    groups = keys_of(reports)
    stated = Stated(reports, groups)
    by_day: dict[int, list[int]] = {}
    for number, report in enumerate(reports):
        by_day.setdefault(report[2], []).append(number)
    found: list[str] = []
    ways = {"one report": 0, "two groupings": 0, "two periods": 0, "two as-of days": 0, "differenced": 0}
    for i, j in itertools.combinations_with_replacement(range(len(reports)), 2):
        first, second = reports[i], reports[j]
        way = ("one report" if first is second else "two as-of days" if first[2] != second[2]
               else "two periods" if first[1] != second[1] else "two groupings")
        days = sorted({first[2], second[2]})
        reach = sorted(n for day in days for n in by_day[day] if reaches(first[1], second[1], reports[n][1]))
        for text in recoverable(i, j, reports, groups, stated, reach):
            found.append(f"{text}, from {describe(first)} and {describe(second)}")
            ways[way] += 1
        for text in differenced(first, second, groups):
            found.append(f"{text}: {describe(first)} minus {describe(second)}")
            ways["differenced"] += 1
    assert not found, f"{len(found)} hidden figures worked out {ways}, e.g.:\n" + "\n".join(found[:30])


def test_a_curve_is_the_sum_of_its_quarters_own_curves_and_a_day_changes_only_how_far_they_go(world):
    curves = world["curves"]
    for drawn in curves.values():
        assert all(curve == drawn[0] for curve in drawn)  # the same men under every grouping
    own: dict[int, dict[int, tuple[int, int]]] = {}  # a quarter's own curve: month -> (at risk, events), any day
    for (quarters, as_of), [curve, *_] in curves.items():
        if len(quarters) == 1:
            for step in curve:
                seen = own.setdefault(quarters[0], {}).setdefault(step["month"], (step["at_risk"], step["events"]))
                assert seen == (step["at_risk"], step["events"]), (quarters, AS_OF[as_of], step)
    drawn_somewhere = 0
    for (quarters, as_of), [curve, *_] in curves.items():
        inside = [q for q in quarters if followed(QUARTERS[q][1], AS_OF[as_of], 6)]
        for step in curve:
            drawn_somewhere += 1
            shown_by_each = [curves[((q,), as_of)][0] for q in inside]
            at_month = [next((s for s in c if s["month"] == step["month"]), None) for c in shown_by_each]
            assert all(s is not None for s in at_month), (quarters, AS_OF[as_of], step["month"])
            assert step["at_risk"] == sum(s["at_risk"] for s in at_month if s)
            assert step["events"] == sum(s["events"] for s in at_month if s)
    assert drawn_somewhere > 20
