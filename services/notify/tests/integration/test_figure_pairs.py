"""No hidden count of alerts can be worked out from any two tables of alert figures a reader can ask for.

Alerts are seeded over 2025 in three regions of two or three districts each, at every level, many of them small. The
tables: a region's figures by district and level (GET /figures), and the roll-up's by region and level with the
alerts of each month (GET /figures/regions), of each region and of the nation; each over every run of whole
quarters of 2025. They nest: a region's row of a level is the sum of its districts' rows; its rows and its months
both add up to its quarter; the regions' months add up to the nation's.

For every pair of them (a table with itself too), linear algebra decides whether a count hidden in any table is fixed
by the counts the two show together. The unknowns are the alerts of the finest cells (region × district × level ×
month); every count shown, and every row or month a table has none of (zero: known), is an equation. A hidden count
can be worked out exactly when its vector lies in the span of the shown ones', computed modulo a prime, over the
atoms of the shown ones (qadam.spans.fixed, as enrollment's pair tests: a count the two fix is never
missed). Response times (medians, 90th percentiles) are not sums: they are shown or hidden with their row, and their
own tests keep them.
"""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from notify.queries import alert_figures, region_figures
from qadam.spans import fixed
from qadam_testing import Stack
from sqlalchemy.orm import Session

TASHKENT = ZoneInfo("Asia/Tashkent")
MIN_CELL = 5
LEVELS = ("critical", "high", "medium", "low")
QUARTERS = [(date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30)),
            (date(2025, 7, 1), date(2025, 9, 30)), (date(2025, 10, 1), date(2025, 12, 31))]
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
# the regions and their districts; a region of this test's own names, so that no other test's alerts count
TAG = uuid.uuid4().hex[:6]
REGIONS = {f"Pairs A {TAG}": ["Markaz", "Sharq", "Gʻarb"], f"Pairs B {TAG}": ["Shimol", "Janub"],
           f"Pairs C {TAG}": ["Tog", "Vodiy", "Sahro"]}
# (region, district, level, month) -> alerts
Cells = dict[tuple[str, str, str, str], int]


def seeded_cells() -> Cells:
    """Alerts of each district, level and month drawn at random: most cells empty or small, some large; the low
    level rare (so whole rows of a region are small)."""
    rng = random.Random(2325)
    cells: Cells = {}
    for region, districts in REGIONS.items():
        for district in districts:
            for level in LEVELS:
                for month in MONTHS:
                    weights = [60, 25, 15] if level != "low" else [90, 10, 0]
                    kind = rng.choices(["none", "few", "many"], weights)[0]
                    n = 0 if kind == "none" else rng.randint(1, 3) if kind == "few" else rng.randint(4, 9)
                    if n:
                        cells[(region, district, level, month)] = n
    return cells


def seed(url: str, cells: Cells) -> None:
    rows = []
    for (region, district, level, month), n in cells.items():
        year, number = (int(x) for x in month.split("-"))
        for i in range(n):
            created = datetime(year, number, 2 + i, 7, tzinfo=UTC)  # midday in Tashkent, well inside the month
            rows.append({"id": uuid.uuid4(), "flag_id": uuid.uuid4(), "level": level, "region": region,
                         "district": district, "created_at": created, "event_at": created - timedelta(seconds=30 + i),
                         "acknowledged_at": created + timedelta(minutes=5 + 7 * i)})
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO notification (id, user_id, responsibility, source_event_id, subject, flag_id, "
            "participant_code, level, summary, reasons, link, region, district, created_at, acknowledged_at, kind, "
            "event_at, chain_id) VALUES (:id, 'insp-1', 'inspector', :id, 'flag:' || :id, :flag_id, 'P-2025-000001', "
            ":level, 'seeded', ARRAY[]::text[], '/x', :region, :district, :created_at, :acknowledged_at, 'alert', "
            ":event_at, :id)"), rows)
    engine.dispose()


# A table: (kind, region or None, the quarters of its period, its figures: [(the cells it adds up, count or None)])
Table = tuple[str, str | None, tuple[int, ...], list[tuple[frozenset[tuple[str, str, str, str]], int | None]]]


def months_of(quarters: tuple[int, ...]) -> list[str]:
    return [MONTHS[3 * q + i] for q in quarters for i in range(3)]


def every_cell(quarters: tuple[int, ...], region: str | None = None, district: str | None = None,
               level: str | None = None, month: str | None = None) -> frozenset[tuple[str, str, str, str]]:
    """The finest cells of the period `quarters` that a figure of these region, district, level and month adds up
    (None: every one)."""
    return frozenset((r, d, lv, m) for r, ds in REGIONS.items() for d in ds for lv in LEVELS
                     for m in months_of(quarters)
                     if region in (None, r) and district in (None, d) and level in (None, lv) and month in (None, m))


def read_tables(url: str) -> list[Table]:
    """Every table a reader can ask for, over every run of 2025's quarters, as the services compute them."""
    engine = sa.create_engine(url)
    tables: list[Table] = []
    with Session(engine) as s:
        for first, last in itertools.combinations_with_replacement(range(len(QUARTERS)), 2):
            quarters = tuple(range(first, last + 1))
            period = {"since": QUARTERS[first][0], "until": QUARTERS[last][1], "today": date(2026, 1, 15),
                      "zone": TASHKENT, "min_cell": MIN_CELL}
            for region in REGIONS:
                shown = {(r.district, r.level): r.alerts for r in alert_figures(s, region=region, **period).rows}
                tables.append(("districts", region, quarters, [
                    (every_cell(quarters, region, d, lv), shown.get((d, lv), 0)) for d in REGIONS[region]
                    for lv in LEVELS]))
            for region in (*REGIONS, None):
                rollup = region_figures(s, region=region, **period)
                rows = {(r.region, r.level): r.alerts for r in rollup.rows}
                months = {m.month: m.alerts for m in rollup.months}
                tables.append(("roll-up", region, quarters, [
                    *((every_cell(quarters, r, level=lv), rows.get((r, lv), 0)) for r in REGIONS
                      if region in (None, r) for lv in LEVELS),
                    *((every_cell(quarters, region, month=m), months.get(m, 0)) for m in months_of(quarters))]))
    engine.dispose()
    return tables


@pytest.fixture(scope="module")
def tables(servers, jwt_keys) -> tuple[Cells, list[Table]]:
    stack = Stack(f"qadam_fp{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("notify",)).open()
    try:
        cells = seeded_cells()
        seed(stack.database_url("notify"), cells)
        yield cells, read_tables(stack.database_url("notify"))
    finally:
        stack.close()


def label(table: Table) -> str:
    kind, region, quarters, _ = table
    span = f"Q{quarters[0] + 1}" + (f"-Q{quarters[-1] + 1}" if len(quarters) > 1 else "")
    return f"{kind} of {region.split()[1] if region else 'the nation'} {span}"


def described(figure: frozenset[tuple[str, str, str, str]]) -> str:
    """A figure as the tables name it: its region (or the nation), district and level where it has one, months."""
    regions, districts, levels, months = (sorted({cell[i] for cell in figure}) for i in range(4))
    where = regions[0].split()[1] if len(regions) == 1 else "the nation"
    if len(districts) == 1:
        where += f"/{districts[0]}"
    what = levels[0] if len(levels) == 1 else "every level"
    return f"{where} {what} {months[0]}..{months[-1]}"


def test_the_seed_has_small_cells_and_the_tables_hide_some(tables):
    cells, every = tables
    assert sum(1 for n in cells.values() if n < MIN_CELL) > 50
    assert len(every) == 10 * 7
    hidden = [sum(count is None for _, count in figures) for *_, figures in every]
    assert sum(hidden) > 50 and sum(h > 0 for h in hidden) > len(hidden) // 2


def test_every_shown_count_is_the_count_of_the_seed(tables):
    cells, every = tables
    for table in every:
        for figure, count in table[3]:
            if count is not None:
                assert count == sum(cells.get(c, 0) for c in figure), label(table)


def test_no_hidden_count_is_fixed_by_any_pair_of_tables(tables):
    """Every pair of the 70 tables (2485 pairs, each with itself too), against every count hidden in any table whose
    period lies inside the two's."""
    _, every = tables
    hidden: dict[frozenset[Any], str] = {}
    for table in every:
        for figure, count in table[3]:
            if count is None:
                hidden.setdefault(figure, label(table))
    inside: dict[frozenset[int], list[frozenset[Any]]] = {}  # per union of the pair's quarters, worked out once
    found = []
    for first, second in itertools.combinations_with_replacement(every, 2):
        quarters = frozenset({*first[2], *second[2]})
        if quarters not in inside:
            months = set(months_of(tuple(quarters)))
            inside[quarters] = [figure for figure in hidden if all(cell[3] in months for cell in figure)]
        within = inside[quarters]
        shown = [figure for table in (first, second) for figure, count in table[3] if count is not None]
        for index in fixed(shown, within):
            found.append(f"{described(within[index])} (hidden in {hidden[within[index]]}), from {label(first)} "
                         f"and {label(second)}")
    assert not found, f"{len(found)} hidden counts worked out, e.g.:\n" + "\n".join(found[:20])
