"""No hidden figure of the outcome report can be worked out from two outcome reports of different regions or levels.

test_outcome_pairs.py proves the small-cell rule across the outcome reports of one region. A national analyst (or an
administrator) also reads the whole country's outcome report, by every grouping (region, district, programme version,
risk band at intake, how he left), and each region's own. Three regions are seeded here, one of them tiny (a handful
of men a quarter, hidden everywhere by the primary rule), with men who left over the first two quarters of 2025, many
of them with a new protection order or a reported breach within 6 months; a national programme serves every region
and two regions have one of their own, so that some groupings are nested in regions (district) and some are not.

Every such report is read over Q1, Q2 and Q1-Q2 on one as-of day (15 January 2026: both quarters are in the 6-month
figures, neither in the 12-month ones, which are then none, as every reader knows). For every pair of them (a report
with itself too), linear algebra modulo a prime over the finest cells (region x a group of either grouping x quarter x
what became of a man: a new order or breach within 6 months, or not) decides whether any figure hidden in any report
the two reach is fixed by what the two show (as test_nested_report_pairs.py does for the completion report). A pair of
reports of two different regions is skipped: their unknowns are apart, so what they fix together, each fixes alone,
and every figure of a report is of one region or of the whole country.

The reader is taken to know which groups each region has (the reports of the year list them).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import nested_pairs
import pytest
import sqlalchemy as sa
from enrollment.reports import OUTCOME_GROUP_BY, outcome_report
from nested_pairs import TOTAL, Groups, Report, Target, fixed_by_pairs
from pair_seeds import insert_outcomes, insert_participants
from qadam.quarters import add_months
from qadam_testing import Stack

MIN_CELL = 5
QUARTERS = [(date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30))]
PERIODS = [(0,), (1,), (0, 1)]
AS_OF = date(2026, 1, 15)  # both quarters' 6 months have passed, neither's 12
SAMARQAND, FARGONA, SIRDARYO = "Samarqand viloyati", "Farg'ona viloyati", "Sirdaryo viloyati"
REGIONS = [SAMARQAND, FARGONA, SIRDARYO]
# programmes: 0 national (every region), then one of each of two regions
PROGRAMMES = [(0, "Statutory (national)"), (1, "Samarqand extended"), (2, "Farg'ona short")]
# (region, district, programme, men over the half year); Sirdaryo is tiny
PLACES = [(SAMARQAND, "Urgut", 0, 40), (SAMARQAND, "Kattaqo'rg'on", 1, 24), (SAMARQAND, "Ishtixon", 0, 9),
          (SAMARQAND, "Nurobod", 1, 4),
          (FARGONA, "Qo'qon", 0, 30), (FARGONA, "Marg'ilon", 2, 14), (FARGONA, "Rishton", 2, 6),
          (SIRDARYO, "Guliston", 0, 4), (SIRDARYO, "Boyovut", 0, 2)]
LEVELS = ["low"] * 4 + ["medium"] * 4 + ["high"] * 3 + ["critical"] + [None]
HOWS = ["completed"] * 6 + ["non_compliance"] * 2 + ["dropout"] * 3
WINDOWS = (6, 12)
COUNTS = ("men", "followed_6", "with_6", "without_6", "followed_12", "with_12", "without_12")
WITH, WITHOUT = "with", "without"  # what became of a man: a new order or breach within 6 months of leaving, or not
CLASSES = {"men": (WITH, WITHOUT), "followed_6": (WITH, WITHOUT), "with_6": (WITH,), "without_6": (WITHOUT,)}

Man = dict[str, Any]


def seeded_men() -> list[Man]:
    rng = random.Random(2305)
    men: list[Man] = []
    for place, (region, district, programme, size) in enumerate(PLACES):
        for _ in range(size):
            left_on = QUARTERS[0][0] + timedelta(days=rng.randrange(181))
            order = breach = None
            draw = rng.random()
            if draw < 0.3:
                order = left_on + timedelta(days=rng.randint(1, 180))
            elif draw < 0.45:
                order = left_on + timedelta(days=rng.randint(200, 400))
            if rng.random() < 0.08:
                breach = left_on + timedelta(days=rng.randint(1, 150))
            men.append({"region": region, "district": district, "place": place, "programme": programme,
                        "level": rng.choice(LEVELS), "how": rng.choice(HOWS), "left_on": left_on, "order": order,
                        "breach": breach})
    return men


def became(man: Man) -> str:
    first = min([d for d in (man["order"], man["breach"]) if d], default=None)
    return WITH if first is not None and first <= add_months(man["left_on"], 6) else WITHOUT


def seed(url: str, men: list[Man]) -> list[str]:
    """The seed in the database; the programmes' ids (as the reports key them)."""
    programmes = [uuid.uuid4() for _ in PROGRAMMES]
    cohorts = {(region, programme): uuid.uuid4() for region, _, programme, _ in PLACES}
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO programme (id, lineage_id, version, name, sessions_required, max_unexcused_absences, "
            "created_by) VALUES (:id, :id, 1, :name, 12, 3, 'test')"),
            [{"id": pid, "name": name} for pid, (_, name) in zip(programmes, PROGRAMMES, strict=True)])
        conn.execute(sa.text(
            "INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, status, "
            "created_by) VALUES (:id, :programme, :name, :region, 'Markaz', '{psy-1}', DATE '2024-10-07', "
            "'running', 'test')"),
            [{"id": cid, "programme": programmes[programme], "name": f"Cohort {region} {programme}", "region": region}
             for (region, programme), cid in cohorts.items()])
        people, enrolments, outcomes = [], [], []
        for number, man in enumerate(men):
            person, enrolment = uuid.uuid4(), uuid.uuid4()
            status, reason = {"completed": ("completed", None), "non_compliance": ("exited", "non_compliance"),
                              "dropout": ("exited", "withdrawn")}[man["how"]]
            people.append({"id": person, "code": f"ON-2025-{number:06d}", "name": f"Nested outcome man {number}",
                           "region": man["region"], "district": man["district"]})
            enrolments.append({"id": enrolment, "participant": person,
                               "cohort": cohorts[(man["region"], man["programme"])],
                               "programme": programmes[man["programme"]], "region": man["region"],
                               "district": man["district"], "status": status, "reason": reason,
                               "started": man["left_on"] - timedelta(days=60), "finished": man["left_on"]})
            outcomes.append({"enrolment": enrolment, "participant": person, "how": man["how"],
                             "left_on": man["left_on"], "programme": programmes[man["programme"]], "version": 1,
                             "region": man["region"], "district": man["district"], "level": man["level"],
                             "order": man["order"], "breach": man["breach"]})
        insert_participants(conn, people)
        insert_outcomes(conn, enrolments, outcomes)
    engine.dispose()
    return [str(p) for p in programmes]


@pytest.fixture(scope="module")
def seeded(servers, jwt_keys) -> tuple[list[Report], dict[str, dict[str, list[str]]], list[Man], dict[str, Any],
                                       dict[tuple[str | None, tuple[int, ...]], list[dict[str, Any]]]]:
    """Every outcome report an analyst can ask over the periods, per grouping and region the keys of its groups, the
    men, how a man's group is found, and each region's and the country's survival curve by period."""
    stack = Stack(f"qadam_on{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("enrollment",)).open()
    try:
        url = stack.database_url("enrollment")
        men = seeded_men()
        programme_ids = seed(url, men)
        key_of: dict[str, Callable[[Man], str | None]] = {
            "programme": lambda m: programme_ids[m["programme"]], "region": lambda m: m["region"],
            "district": lambda m: f"{m['region']}/{m['district']}", "risk_band": lambda m: m["level"],
            "how": lambda m: m["how"]}
        groups = {g: {r: sorted({str(key_of[g](m)) for m in men if m["region"] == r}) for r in REGIONS}
                  for g in OUTCOME_GROUP_BY}
        reports: list[Report] = []
        curves: dict[tuple[str | None, tuple[int, ...]], list[dict[str, Any]]] = {}
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            for quarters in PERIODS:
                start, end = QUARTERS[quarters[0]][0], QUARTERS[quarters[-1]][1]
                for region in (None, *REGIONS):
                    for group_by in OUTCOME_GROUP_BY:
                        rows, curve = outcome_report(conn, group_by=group_by, region=region, date_from=start,
                                                     date_to=end, as_of=AS_OF, min_cell=MIN_CELL)
                        reports.append((region, group_by, quarters, rows))
                        curves[region, quarters] = curve
        engine.dispose()
        yield reports, groups, men, key_of, curves
    finally:
        stack.close()


def regions_of(report: Report) -> list[str]:
    return REGIONS if report[0] is None else [report[0]]


def key(row: dict[str, Any]) -> str:
    return TOTAL if row["total"] else str(row["key"])


def figures(report: Report, groups: Groups) -> list[tuple[str, str, int | None]]:
    """(group, figure, value or None when hidden) of every count the report states in the 6-month window (its
    12-month figures count nobody: none, as every reader knows), the zeros of the groups it has no row for too."""
    region, grouping, _, rows = report
    keys = sorted({k for r in regions_of(report) for k in groups[grouping][r]})
    by_key = {key(row): row for row in rows}
    out: list[tuple[str, str, int | None]] = []
    for group in [*keys, TOTAL]:
        row = by_key.get(group)
        out += [(group, name, 0 if row is None else row[name]) for name in CLASSES]
    return out


def recoverable(first: Report, second: Report, targets: list[Target], groups: Groups) -> list[tuple[Report, str, str]]:
    """The hidden figures (report, group, figure) of `targets` that what the two reports show fixes."""
    return nested_pairs.recoverable(first, second, targets, groups, regions=REGIONS, figures=figures, classes=CLASSES)


def test_every_shown_figure_is_the_count_of_its_men(seeded):
    """The model the algebra reasons over is the report's own: each shown count is the count made here, a small one
    is hidden, and the 12-month figures count nobody."""
    reports, _, men, key_of, _ = seeded
    for region, grouping, quarters, rows in reports:
        period = [m for m in men if (region is None or m["region"] == region)
                  and any(QUARTERS[q][0] <= m["left_on"] <= QUARTERS[q][1] for q in quarters)]
        for row in rows:
            members = period if row["total"] else [m for m in period if str(key_of[grouping](m)) == str(row["key"])]
            for name, classes in CLASSES.items():
                counted = sum(1 for m in members if became(m) in classes)
                assert row[name] in (None, counted), (region, grouping, quarters, row["key"], name)
                if 0 < counted < MIN_CELL:
                    assert row[name] is None
            assert all(row[name] in (0, None) for name in ("followed_12", "with_12", "without_12"))


def test_the_seed_hides_a_region_and_small_cells_at_every_level(seeded):
    reports, groups, *_ = seeded
    assert len(reports) == len(PERIODS) * (len(REGIONS) + 1) * len(OUTCOME_GROUP_BY)
    tiny = [row for region, grouping, _, rows in reports if region is None and grouping == "region"
            for row in rows if row["key"] == SIRDARYO]
    assert tiny and all(row["men"] is None for row in tiny)  # a handful of men a quarter: hidden everywhere
    hidden = sum(value is None for report in reports for *_, value in figures(report, groups))
    assert hidden > 150


def test_no_hidden_figure_is_fixed_by_any_pair_of_outcome_reports_of_any_regions_or_levels(seeded):
    reports, groups, *_ = seeded
    pairs, found, ways = fixed_by_pairs(reports, groups, recoverable, figures)
    assert pairs > 1000
    assert not found, f"{len(found)} times a hidden figure ({len(set(f.split(', from')[0] for f in found))} of them) " \
                      f"worked out {ways}, e.g.:\n" + "\n".join(found[:30])


def test_the_countrys_curve_is_drawn_only_as_far_as_every_regions_own_and_is_their_sum(seeded):
    """Each step of the country's curve (men at risk, new orders) is the sum of the regions' own curves' steps, each
    shown in its region's report: so no region's curve, nor a tiny region's orders, is the country's minus the
    others'. On the code before this rule the country's curve went on past the tiny region's (6 men: none of its
    own), and its steps were that much more than the shown regions' sum."""
    *_, curves = seeded
    for quarters in PERIODS:
        country = curves[None, quarters]
        own = {region: curves[region, quarters] for region in REGIONS}
        assert len(country) <= min(len(curve) for curve in own.values()), quarters
        for step in country:
            month = step["month"]
            assert step["at_risk"] == sum(c[month - 1]["at_risk"] for c in own.values()), (quarters, month)
            assert step["events"] == sum(c[month - 1]["events"] for c in own.values()), (quarters, month)
    assert not curves[None, (0, 1)] and not curves[SIRDARYO, (0, 1)]  # the tiny region draws none: nor the country
    assert curves[SAMARQAND, (0, 1)] and curves[FARGONA, (0, 1)]
