"""No hidden figure of the completion report can be worked out from any two reports a manager can ask for.

A region is seeded with enrolments of every kind (still in the programme, completed, dropped out at sessions 0 to
6, transferred or died, referred or excluded) in programmes, cohorts, districts, referral sources and facilitators,
starting over the four quarters of 2025, with many small cells; a second region is crafted (CRAFTED) so that two
groupings of one period once told a hidden figure of their totals row. Every report a manager of a region can ask
(every grouping × every run of whole quarters in 2025) is read, and for every pair of them (a report with itself
too) linear algebra decides whether a figure hidden in either, or in any other report the two can be differenced
into (Q2 = (Q1 to Q2) - Q1), is fixed by the figures the two show together.

The unknowns are the counts of the finest cells: a group of the first report's grouping × a group of the second's
(one group when both group alike: a man is in the same group in both) × the quarter he started in × what became of
him, in classes that exclude each other: still in the programme, completed, dropped out at session s (one class per
session), exited but not a dropout (transferred or died), other (referred or excluded). Every figure a report shows
is an equation (a sum of unknowns = its value): each group's and the totals row's counts and histogram bins, a
group absent from a report (all zero), and what the report does not show but a reader may know (a row's others and
its exits that are not dropouts). A hidden figure can be worked out exactly when its vector of unknowns lies in the
span of the shown figures' vectors. Averages and medians are not sums: the report's own tests keep them.
"""

from __future__ import annotations

import functools
import itertools
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from enrollment.reports import GROUP_BY, completion_report
from pair_seeds import (
    FIGURE_CLASSES,
    KNOWN,
    SOURCES,
    drawn_fate,
    insert_enrolments,
    insert_participants,
)
from pair_spans import Spans, pair_spans
from qadam.spans import Span, Vector, differenced_into, times
from qadam_testing import Stack

REGION = "Jizzax viloyati"
MIN_CELL = 5
QUARTERS = [(date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30)),
            (date(2025, 7, 1), date(2025, 9, 30)), (date(2025, 10, 1), date(2025, 12, 31))]
# (cohort, district, programme, facilitator, men): small and large ones, a facilitator in two districts
COHORTS = [("Jizzax A", "Jizzax", 0, "psy-jizzax-1", 42), ("Jizzax B", "Jizzax", 1, "psy-jizzax-1", 30),
           ("Zomin A", "Zomin", 0, "psy-zomin-1", 26), ("Zomin B", "Zomin", 2, "psy-zomin-2", 17),
           ("Paxtakor A", "Paxtakor", 1, "psy-paxtakor-1", 22), ("Forish A", "Forish", 2, "psy-zomin-2", 12),
           ("Forish pilot", "Forish", 0, "psy-forish-1", 6), ("Baxmal pilot", "Baxmal", 1, "psy-baxmal-1", 4)]
PROGRAMMES = ["Jizzax statutory", "Jizzax extended group", "Jizzax short course"]
TOTAL = "(totals)"


# The crafted region: one programme, cohort and facilitator, two districts and two referral sources, everyone started
# in the first quarter. Each grouping alone hides its small cells soundly, but when the totals row's complementary
# suppression was chosen beside the groups' (as it was), the district report hid the totals' dropouts at sessions 1 and
# 2, the source report those at 1 and 3: together they showed session 1's by subtraction.
# (men, district, referral source, status, exit reason, the session a dropout last came to)
CRAFTED_REGION = "Sirdaryo viloyati"
CRAFTED = [(3, "Sirdaryo", "court", "exited", "withdrawn", 1), (2, "Guliston", "court", "exited", "withdrawn", 2),
           (4, "Sirdaryo", "court", "exited", "withdrawn", 2), (3, "Guliston", "court", "exited", "withdrawn", 3),
           (2, "Sirdaryo", "court", "exited", "withdrawn", 3), (1, "Sirdaryo", "self_referral", "exited", "withdrawn", 3),
           (5, "Guliston", "court", "completed", None, 12), (5, "Guliston", "self_referral", "completed", None, 12),
           (5, "Sirdaryo", "court", "completed", None, 12), (5, "Sirdaryo", "self_referral", "completed", None, 12),
           (5, "Guliston", "self_referral", "active", None, 4), (5, "Sirdaryo", "self_referral", "active", None, 4)]
# a region's men: (cohort, district, programme, facilitator, referral source, status, exit reason, day started, session)
Man = tuple[int, str, int, str, str, str, str | None, date, int]


def seeded_men() -> list[Man]:
    """The seeded region's men: each cohort's, of fates, sources and days of 2025 drawn at random."""
    rng = random.Random(23)
    men: list[Man] = []
    for cohort, (_, district, programme, psy, size) in enumerate(COHORTS):
        for _ in range(size):
            status, reason, started, _, came = drawn_fate(rng, 365)
            men.append((cohort, district, programme, psy, rng.choice(SOURCES), status, reason, started, came))
    return men


def crafted_men() -> list[Man]:
    return [(0, district, 0, "psy-sirdaryo-1", source, status, reason, date(2025, 2, 3), came)
            for size, district, source, status, reason, came in CRAFTED for _ in range(size)]


def seed(url: str, region: str, cohorts_of: list[tuple[str, str, int, str, int]], programme_names: list[str],
         men: list[Man]) -> None:
    programme_ids = [uuid.uuid4() for _ in programme_names]
    cohort_ids = [uuid.uuid4() for _ in cohorts_of]
    programmes = [{"id": pid, "name": name} for pid, name in zip(programme_ids, programme_names, strict=True)]
    cohorts = [{"id": cid, "programme_id": programme_ids[p], "name": name, "district": district, "facilitators": [psy]}
               for cid, (name, district, p, psy, _) in zip(cohort_ids, cohorts_of, strict=True)]
    participants, enrolments = [], []
    for cohort, district, programme, psy, source, status, reason, started, came in men:
        person = uuid.uuid4()
        number = len(participants) + 1
        participants.append({"id": person, "code": f"{region[0]}-2025-{number:06d}", "name": f"Pair participant {number}",
                             "district": district})
        begun = status not in ("referred", "assessed", "excluded")
        enrolments.append({
            "id": uuid.uuid4(), "participant_id": person, "cohort_id": cohort_ids[cohort],
            "programme_id": programme_ids[programme], "source": source, "psychologist": psy, "district": district,
            "status": status, "reason": reason,
            "enrolled_at": datetime(started.year, started.month, started.day, 5, tzinfo=UTC),
            "started_on": started if begun else None,
            "finished_on": started + timedelta(days=90) if status in ("completed", "closed", "exited") else None,
            "attended": came, "last": came or None})
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO programme (id, lineage_id, version, name, sessions_required, max_unexcused_absences, created_by) "
            "VALUES (:id, :id, 1, :name, 12, 3, 'test')"), programmes)
        conn.execute(sa.text(
            "INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, status, "
            "created_by) VALUES (:id, :programme_id, :name, :region, :district, :facilitators, DATE '2025-01-06', "
            "'running', 'test')"), [{**c, "region": region} for c in cohorts])
        insert_participants(conn, [{**p, "region": region} for p in participants])
        insert_enrolments(conn, [{**e, "region": region} for e in enrolments], inspector="insp-pairs")
    engine.dispose()


Report = tuple[str, tuple[int, ...], list[dict[str, Any]]]  # grouping, the quarters of its period, its rows


@pytest.fixture(scope="module")
def every_report(servers, jwt_keys) -> dict[str, list[Report]]:
    """Per region, (grouping, the quarters of its period, its rows) for every grouping and every run of 2025's
    quarters (the crafted region: its quarter, and the year)."""
    stack = Stack(f"qadam_p{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("enrollment",)).open()
    try:
        url = stack.database_url("enrollment")
        seed(url, REGION, COHORTS, PROGRAMMES, seeded_men())
        seed(url, CRAFTED_REGION, [("Sirdaryo A", "Sirdaryo", 0, "psy-sirdaryo-1", 0)], ["Sirdaryo statutory"],
             crafted_men())
        runs = {REGION: list(itertools.combinations_with_replacement(range(len(QUARTERS)), 2)),
                CRAFTED_REGION: [(0, 0), (0, 3)]}
        engine = sa.create_engine(url)
        reports: dict[str, list[Report]] = {region: [] for region in runs}
        with engine.connect() as conn:
            for region, periods in runs.items():
                for group_by in GROUP_BY:
                    for first, last in periods:
                        rows = completion_report(conn, group_by=group_by, region=region, date_from=QUARTERS[first][0],
                                                 date_to=QUARTERS[last][1], min_cell=MIN_CELL)
                        reports[region].append((group_by, tuple(range(first, last + 1)), rows))
        engine.dispose()
        yield reports
    finally:
        stack.close()


def figures(rows: list[dict[str, Any]], groups: list[str]) -> list[tuple[str, str, int | None]]:
    """(group, figure, value or None when hidden) of every figure the report states, the known ones and the
    zeros of the groups it has no row for included."""
    out: list[tuple[str, str, int | None]] = []
    by_key = {TOTAL if row["total"] else row["key"]: row for row in rows}
    for group in [*groups, TOTAL]:
        row = by_key.get(group)
        if row is None:  # no row: nobody of the group started in the period
            out += [(group, name, 0) for name in (*FIGURE_CLASSES, *KNOWN)]
            continue
        histogram = row["dropout_sessions"]
        for name in FIGURE_CLASSES:
            if name.startswith("bin "):
                session = int(name.split()[1])
                out.append((group, name, None if histogram is None else histogram.get(session, 0)))
            else:
                out.append((group, name, row[name]))
        out += [(group, name, 0) for name in KNOWN]  # known: its value does not matter, only that it is known
    return out


@functools.cache
def reaches(first: tuple[int, ...], second: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether a report of period `target` could hold a sum of the figures of reports of periods `first` and `second`:
    its period adds up from theirs (P1, P2, P1 - P2, P1 + P2, ...); a pure function of three of the ten runs."""
    return differenced_into(first, second, target)


Row = tuple[int | None, int | None, tuple[int, ...]]  # a row: its side and group's index (None: the totals), quarters


class Stated:
    """What each report states, worked out once for all the pairs it is in (not again for each of them): its shown
    figures, each once (group, quarters, classes), and its hidden ones as (group, quarters, classes, name)."""

    def __init__(self, every: list[Report], groups: dict[str, list[str]]) -> None:
        classes = {**FIGURE_CLASSES, **KNOWN}
        self.shown: list[list[tuple[str, tuple[int, ...], tuple[str, ...]]]] = []
        self.hidden: list[list[tuple[str, tuple[int, ...], tuple[str, ...], str]]] = []
        for grouping, quarters, rows in every:
            shown: dict[tuple[str, tuple[int, ...], tuple[str, ...]], None] = {}
            hidden = []
            for group, name, value in figures(rows, groups[grouping]):
                if value is None:
                    hidden.append((group, quarters, tuple(classes[name]), name))
                else:
                    shown[(group, quarters, tuple(classes[name]))] = None
            self.shown.append(list(shown))
            self.hidden.append(hidden)
        # the spans of a first report's figures alone (the rows' and the figures'), by (first report, the second's
        # grouping: the unknowns), kept for the pairs of that first report
        self.alone: dict[tuple[int, Any], Spans] = {}



def recoverable(first: int, second: int, every: list[Report], groups: dict[str, list[str]], stated: Stated,
                reach: list[int]) -> list[tuple[int, str, str]]:
    """The figures hidden in any report of the pair's reach (its index in `every`, group, figure) that the two
    reports' shown figures fix: those of the two themselves, and those of a third the two can be differenced into (a
    quarter's, hidden there, as the difference of two runs that show it). `reach`: the indexes of the reports whose
    periods the two add up to.

    Every figure adds up the unknowns of one row of a report (a group, or the totals, over its period) in a set of
    classes: its vector is (the row's cells) ⊗ (its classes). The rows' cells span a small space; written in a basis
    of it, a figure is a vector of (basis row, class), and spans are kept exactly modulo a prime, not in fractions (a
    20th of the time; qadam.spans says why that is sound: a hidden figure the two fix is never missed). A row's cells
    and coordinates are worked out once per row, not for each of its figures, and whether a hidden vector is fixed
    once per vector (a period's totals row is the same under every grouping), not for each report that hides it.
    """
    (grouping_a, quarters_a, _), (grouping_b, quarters_b, _) = every[first], every[second]
    same = grouping_a == grouping_b
    names = {grouping_a: groups[grouping_a], grouping_b: groups[grouping_b]}
    side_of = {grouping_a: 0, grouping_b: 0 if same else 1}
    cells = list(itertools.product(range(len(names[grouping_a])), range(1 if same else len(names[grouping_b])),
                                   sorted(set(quarters_a) | set(quarters_b))))

    def row_of(grouping: str, group: str) -> tuple[int | None, int | None]:
        return (None, None) if group == TOTAL else (side_of[grouping], names[grouping].index(group))

    def row_cells(row: Row) -> Vector:
        side, index, quarters = row
        return {cell: 1 for cell in cells if cell[2] in quarters and (index is None or cell[side] == index)}

    def added(number: int, rows_space: Span, rows: dict[Row, Vector], shown: Span) -> None:
        grouping = every[number][0]
        for group, quarters, classes in stated.shown[number]:
            row = (*row_of(grouping, group), quarters)
            if row not in rows:  # a shown row in the rows' basis
                rows[row] = rows_space.coordinates(row_cells(row))
            shown.add(times(rows[row], classes))

    rows_space, rows, shown = pair_spans(stated.alone, first, second, grouping_b, added)
    reduced: dict[Row, tuple[Vector, Vector]] = {}  # a hidden row, once every shown row is in rows_space
    fixed: dict[tuple[Row, tuple[str, ...]], bool] = {}
    found = []
    for number in reach:
        grouping = every[number][0]
        for group, quarters, classes, name in stated.hidden[number]:
            if grouping not in names and group != TOTAL:
                continue  # a group of a third grouping: the pair's unknowns do not tell its men apart
            row = (*row_of(grouping, group), quarters)
            if (row, classes) not in fixed:
                if row not in reduced:
                    reduced[row] = rows_space.reduce(row_cells(row))
                left, coordinates = reduced[row]
                fixed[(row, classes)] = not left and times(coordinates, classes) in shown
            if fixed[(row, classes)]:
                found.append((number, group, name))
    return found


def test_the_seed_has_small_cells_and_every_report_hides_some(every_report):
    assert len(every_report[REGION]) == len(GROUP_BY) * 10
    hidden = [sum(value is None for *_, value in figures(rows, [])) for _, _, rows in every_report[REGION]]
    assert sum(hidden) > 200 and sum(h > 0 for h in hidden) > len(hidden) // 2


def period(report: Report) -> str:
    return f"{report[0]} Q{report[1][0] + 1}" + (f"-Q{report[1][-1] + 1}" if len(report[1]) > 1 else "")


@pytest.mark.parametrize("region", [REGION, CRAFTED_REGION])
def test_no_hidden_figure_is_fixed_by_any_pair_of_reports(every_report, region):
    """Every pair of a region's reports (the seeded one: 5 groupings × 10 runs of quarters, 1275 pairs, each report
    with itself too), against every figure hidden in any report the two can reach."""
    reports = every_report[region]
    groups: dict[str, set[str]] = {g: set() for g in GROUP_BY}
    for grouping, _, rows in reports:
        groups[grouping] |= {row["key"] for row in rows if not row["total"]}
    ordered = {g: sorted(keys) for g, keys in groups.items()}
    stated = Stated(reports, ordered)
    found = []
    ways = {"one report": 0, "two groupings of one period": 0, "two periods": 0}
    for i, j in itertools.combinations_with_replacement(range(len(reports)), 2):
        first, second = reports[i], reports[j]
        reach = [n for n, report in enumerate(reports) if reaches(first[1], second[1], report[1])]
        for number, group, name in recoverable(i, j, reports, ordered, stated, reach):
            found.append(f"{period(reports[number])}: {group} {name}, from {period(first)} and {period(second)}")
            ways["one report" if first == second else "two periods" if first[1] != second[1]
                 else "two groupings of one period"] += 1
    assert not found, f"{len(found)} hidden figures worked out {ways}, e.g.:\n" + "\n".join(found[:30])
