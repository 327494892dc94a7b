"""No hidden figure can be worked out from two reports of different regions or levels (issue 23).

test_report_pairs.py proves the small-cell rule across the reports of one region. A national analyst also reads the
roll-up (a row per region and the nation; a row per month and the nation), each region's completion report (its
totals row is that region) and the whole country's (its totals row is the nation), by every grouping; a regional
roll-up too (its region, and its months). Three regions are seeded here, one of them tiny (a handful of men a quarter,
hidden everywhere by the primary rule), each with several districts and cohorts and many small cells; a national
programme and a facilitator serve in two regions and referral sources and months cross every region, so that some
groupings are nested in regions (district, cohort) and some are not.

Every such report is read, at every level, over Q1, Q2 and Q1-Q2 of 2025: the quarter rule (a figure over a run is
shown only where every quarter's own report shows it) is the same at every level, and test_report_pairs.py tries every
run in a region; here the runs are cut to one run and the two quarters it is differenced into, to keep the pairs
(2,000-odd) under half a minute. For every pair of them (a report with itself too), linear algebra modulo a prime over
the finest cells (region × a group of either grouping × quarter × what became of a man, as test_report_pairs.py
explains) decides whether any figure hidden in any report is fixed by what the two show. A pair of reports of two
different regions is skipped: their unknowns are apart, so what they fix together, each fixes alone, and every
figure of a report is of one region or of the whole country (which both leave a third region's men out of).

The reader is taken to know which groups each region has (the reports of the year list them) and that a month lies
in its quarter.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import nested_pairs
import pair_seeds
import pytest
import sqlalchemy as sa
from enrollment.reports import GROUP_BY, completion_report
from enrollment.reports.rollup import national_rollup
from nested_pairs import TOTAL, Groups, Report, Target, fixed_by_pairs
from pair_seeds import KNOWN, SOURCES, drawn_fate, insert_enrolments, insert_participants
from qadam_testing import Stack

MIN_CELL = 5
QUARTERS = [(date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30))]
PERIODS = [(0,), (1,), (0, 1)]
TOSHKENT, JIZZAX, NAVOIY = "Toshkent viloyati", "Jizzax viloyati", "Navoiy viloyati"
REGIONS = [TOSHKENT, JIZZAX, NAVOIY]
# programmes: 0 national (every region), then one of each region's own
PROGRAMMES = [("Statutory (national)", None), ("Toshkent extended", TOSHKENT), ("Jizzax short", JIZZAX)]
# (region, cohort, district, programme, facilitator, men over the half year): psy-shared works in two regions
COHORTS = [(TOSHKENT, "Chirchiq A", "Chirchiq", 0, "psy-t1", 40), (TOSHKENT, "Chirchiq B", "Chirchiq", 1, "psy-t1", 22),
           (TOSHKENT, "Angren A", "Angren", 0, "psy-t2", 18), (TOSHKENT, "Bekobod A", "Bekobod", 1, "psy-shared", 9),
           (TOSHKENT, "Olmaliq pilot", "Olmaliq", 0, "psy-t3", 4),
           (JIZZAX, "Zomin A", "Zomin", 0, "psy-j1", 16), (JIZZAX, "Forish A", "Forish", 2, "psy-shared", 11),
           (JIZZAX, "Baxmal A", "Baxmal", 2, "psy-j2", 7),
           (NAVOIY, "Karmana A", "Karmana", 0, "psy-n1", 4), (NAVOIY, "Nurota A", "Nurota", 0, "psy-n1", 3)]
FIGURE_CLASSES = {**pair_seeds.FIGURE_CLASSES, **KNOWN}  # a reader may know the known ones (the report assumes so)
GROUPINGS = (*GROUP_BY, "month", "region")  # the roll-up's tables: by month, by region

Man = dict[str, Any]


def seeded_men() -> list[Man]:
    rng = random.Random(2323)
    men: list[Man] = []
    for cohort, (region, _, district, programme, psy, size) in enumerate(COHORTS):
        for _ in range(size):
            status, reason, started, begun, came = drawn_fate(rng, 181)
            men.append({"region": region, "cohort": cohort, "district": district, "programme": programme, "psy": psy,
                        "source": rng.choice(SOURCES), "status": status, "reason": reason, "started": started,
                        "came": came, "begun": begun})
    return men


def seed(url: str, men: list[Man]) -> tuple[list[str], list[str]]:
    """The seed in the database; the programmes' and cohorts' ids (as the reports key them)."""
    programme_ids = [uuid.uuid4() for _ in PROGRAMMES]
    cohort_ids = [uuid.uuid4() for _ in COHORTS]
    participants, enrolments = [], []
    for number, man in enumerate(men, start=1):
        person = uuid.uuid4()
        participants.append({"id": person, "code": f"N-2025-{number:06d}", "name": f"Nested participant {number}",
                             "region": man["region"], "district": man["district"]})
        started = man["started"]
        enrolments.append({
            "id": uuid.uuid4(), "participant_id": person, "cohort_id": cohort_ids[man["cohort"]],
            "programme_id": programme_ids[man["programme"]], "source": man["source"], "psychologist": man["psy"],
            "region": man["region"], "district": man["district"], "status": man["status"], "reason": man["reason"],
            "enrolled_at": datetime(started.year, started.month, started.day, 5, tzinfo=UTC),
            "started_on": started if man["begun"] else None,
            "finished_on": started + timedelta(days=90) if man["status"] in ("completed", "closed", "exited") else None,
            "attended": man["came"], "last": man["came"] or None})
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO programme (id, lineage_id, version, name, region, sessions_required, max_unexcused_absences, "
            "created_by) VALUES (:id, :id, 1, :name, :region, 12, 3, 'test')"),
            [{"id": pid, "name": name, "region": region} for pid, (name, region) in zip(programme_ids, PROGRAMMES,
                                                                                         strict=True)])
        conn.execute(sa.text(
            "INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, status, "
            "created_by) VALUES (:id, :programme_id, :name, :region, :district, :facilitators, DATE '2025-01-06', "
            "'running', 'test')"),
            [{"id": cid, "programme_id": programme_ids[p], "name": name, "region": region, "district": district,
              "facilitators": [psy]} for cid, (region, name, district, p, psy, _) in zip(cohort_ids, COHORTS, strict=True)])
        insert_participants(conn, participants)
        insert_enrolments(conn, enrolments, inspector="insp-nested")
    engine.dispose()
    return [str(p) for p in programme_ids], [str(c) for c in cohort_ids]


@pytest.fixture(scope="module")
def seeded(servers, jwt_keys) -> tuple[list[Report], dict[str, dict[str, list[str]]]]:
    """Every report an analyst can ask over the periods, and per grouping and region the keys of its groups."""
    stack = Stack(f"qadam_n{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("enrollment",)).open()
    try:
        url = stack.database_url("enrollment")
        men = seeded_men()
        programme_ids, cohort_ids = seed(url, men)
        key_of: dict[str, Callable[[Man], str]] = {
            "programme": lambda m: programme_ids[m["programme"]], "cohort": lambda m: cohort_ids[m["cohort"]],
            "district": lambda m: f"{m['region']}/{m['district']}", "referral_source": lambda m: m["source"],
            "facilitator": lambda m: m["psy"], "month": lambda m: m["started"].strftime("%Y-%m"),
            "region": lambda m: m["region"]}
        groups = {g: {r: sorted({key_of[g](m) for m in men if m["region"] == r}) for r in REGIONS} for g in GROUPINGS}
        reports: list[Report] = []
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            for quarters in PERIODS:
                start, end = QUARTERS[quarters[0]][0], QUARTERS[quarters[-1]][1]
                for region in (None, *REGIONS):
                    for group_by in GROUP_BY:
                        rows = completion_report(conn, group_by=group_by, region=region, date_from=start, date_to=end,
                                                 min_cell=MIN_CELL)
                        reports.append((region, group_by, quarters, rows))
                    by_region, by_month = national_rollup(conn, region=region, date_from=start, date_to=end,
                                                          min_cell=MIN_CELL, time_zone="Asia/Tashkent")
                    reports.append((region, "region", quarters, [*by_region["groups"], by_region["totals"]]))
                    reports.append((region, "month", quarters, [*by_month["groups"], by_month["totals"]]))
        engine.dispose()
        yield reports, groups
    finally:
        stack.close()


def regions_of(report: Report) -> list[str]:
    return REGIONS if report[0] is None else [report[0]]


def figures(report: Report, groups: Groups) -> list[tuple[str, str, int | None]]:
    """(group, figure, value or None when hidden) of every figure the report states, the known ones and the zeros of
    the groups it has no row for included."""
    region, grouping, _, rows = report
    keys = sorted({k for r in regions_of(report) for k in groups[grouping][r]})
    by_key = {TOTAL if row["total"] else row["key"]: row for row in rows}
    out: list[tuple[str, str, int | None]] = []
    for group in [*keys, TOTAL]:
        row = by_key.get(group)
        if row is None:
            out += [(group, name, 0) for name in FIGURE_CLASSES]
            continue
        histogram = row["dropout_sessions"]
        for name in FIGURE_CLASSES:
            if name.startswith("bin "):
                out.append((group, name, None if histogram is None else histogram.get(int(name.split()[1]), 0)))
            elif name in KNOWN:
                out.append((group, name, 0))
            else:
                out.append((group, name, row[name]))
    return out


def month_quarter(month: str) -> int:
    return (int(month[5:]) - 1) // 3


def recoverable(first: Report, second: Report, targets: list[Target], groups: Groups) -> list[tuple[Report, str, str]]:
    """The hidden figures (report, group, figure) of `targets` that what the two reports show fixes (a month's group
    has men of its own quarter only)."""
    return nested_pairs.recoverable(first, second, targets, groups, regions=REGIONS, figures=figures,
                                    classes=FIGURE_CLASSES,
                                    holds=lambda grouping, key, quarter: grouping != "month" or
                                    month_quarter(key) == quarter)


def test_the_seed_hides_a_region_and_small_cells_at_every_level(seeded):
    reports, _ = seeded
    assert len(reports) == len(PERIODS) * (len(REGIONS) + 1) * len(GROUPINGS)
    navoiy = [row for region, grouping, _, rows in reports if region is None and grouping == "region"
              for row in rows if row["key"] == NAVOIY]
    assert navoiy and all(row["suppressed"] for row in navoiy)  # a handful of men a quarter: hidden everywhere
    hidden = sum(value is None for report in reports for *_, value in figures(report, seeded[1]))
    assert hidden > 500


def test_no_hidden_figure_is_fixed_by_any_pair_of_reports_of_any_regions_or_levels(seeded):
    reports, groups = seeded
    pairs, found, ways = fixed_by_pairs(reports, groups, recoverable, figures)
    assert pairs > 2000
    assert not found, f"{len(found)} times a hidden figure ({len(set(f.split(', from')[0] for f in found))} of them) " \
                      f"worked out {ways}, e.g.:\n" + "\n".join(found[:30])
