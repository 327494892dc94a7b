"""The outcome report's pure rules: how a man left, the Wilson interval against published values, the quarter rule,
the curve by whole months, and the suppression of a quarter's table and of a run of quarters."""

from __future__ import annotations

import random
from datetime import date
from fractions import Fraction

import pytest
from enrollment.domain.outcome_disclosure import COUNTS, suppress_outcomes, suppress_outcomes_nested, suppress_quarter
from enrollment.domain.outcomes import (
    QuarterOfLeaving,
    followed_months,
    how_he_left,
    month_curve,
    wilson_interval,
    windows_in,
)


@pytest.mark.parametrize("status, reason, how", [
    ("completed", None, "completed"), ("closed", None, "completed"), ("exited", "non_compliance", "non_compliance"),
    ("exited", "withdrawn", "dropout"), ("exited", "new_violence", "dropout"), ("exited", "transferred", None),
    ("exited", "died", None), ("excluded", "other", None), ("active", None, None)])
def test_how_he_left_follows_the_completion_reports_dropout_rule(status, reason, how):
    assert how_he_left(status, reason) == how


# Reference values, to 4 decimals:
# - 81/263, 15/148, 0/20, 1/29: Newcombe R. G. (1998), "Two-sided confidence intervals for the single proportion:
#   comparison of seven methods", Statistics in Medicine 17:857-872, Table II, method 3 (score interval, no
#   continuity correction).
# - 0/10: the closed form of the upper end at 0 successes, z^2 / (n + z^2) = 3.8415 / 13.8415 = 0.2775.
# - 5/10: the closed form at p = 1/2, 1/2 -+ z / (2 sqrt(n + z^2)) = 0.5 -+ 1.96 / 7.4409 = 0.2366, 0.7634.
@pytest.mark.parametrize("successes, trials, low, high", [
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
    (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634)])
def test_wilson_interval_matches_published_values(successes, trials, low, high):
    interval = wilson_interval(successes, trials)
    assert interval is not None
    assert (round(interval[0], 4), round(interval[1], 4)) == (low, high)


def test_wilson_interval_of_nothing_is_none_and_of_all_ends_at_one():
    assert wilson_interval(0, 0) is None
    assert wilson_interval(10, 10) is not None and wilson_interval(10, 10)[1] == 1.0
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


@pytest.mark.parametrize("last_day, as_of, months, windows", [
    (date(2025, 3, 31), date(2025, 9, 29), 5, ()), (date(2025, 3, 31), date(2025, 9, 30), 6, (6,)),
    (date(2025, 6, 30), date(2025, 12, 30), 6, (6,)),  # 30 June + 6 months: 30 December, as PostgreSQL adds it
    (date(2025, 12, 31), date(2026, 12, 30), 11, (6,)), (date(2025, 12, 31), date(2026, 12, 31), 12, (6, 12)),
    (date(2025, 12, 31), date(2030, 1, 1), 12, (6, 12)), (date(2025, 12, 31), date(2025, 12, 31), 0, ())])
def test_a_quarter_is_in_a_window_once_it_has_passed_for_every_man_of_it(last_day, as_of, months, windows):
    assert followed_months(last_day, as_of) == months
    assert windows_in(last_day, as_of) == windows


def test_the_curve_is_by_whole_months_over_quarters_whose_6_months_have_passed():
    # 20 men followed 12 months (orders in months 1, 1, 3, 7); 10 followed 8 (orders in 2, 2); 8 followed 3: not in
    quarters = [QuarterOfLeaving(men=20, orders={1: 2, 3: 1, 7: 1}, followed=12),
                QuarterOfLeaving(men=10, orders={2: 2}, followed=8), QuarterOfLeaving(men=8, orders={1: 8}, followed=3)]
    steps = month_curve(quarters, 5)
    assert [(s.month, s.at_risk, s.events) for s in steps] == [
        (1, 30, 2), (2, 28, 2), (3, 26, 1), (4, 25, 0), (5, 25, 0), (6, 25, 0), (7, 25, 1), (8, 24, 0)]
    assert [round(s.survival, 4) for s in steps] == [0.9333, 0.8667, 0.8333, 0.8333, 0.8333, 0.8333, 0.8, 0.8]


def test_the_curve_stops_where_one_quarter_would_have_fewer_than_the_smallest_cell_at_risk():
    # the second quarter has 6 men; after month 2's two orders 4 are at risk: its own curve stops after month 2
    quarters = [QuarterOfLeaving(men=40, orders={1: 1}, followed=12), QuarterOfLeaving(men=6, orders={2: 2}, followed=12)]
    assert [s.month for s in month_curve(quarters, 5)] == [1, 2]
    assert month_curve([QuarterOfLeaving(men=4, orders={}, followed=12)], 5) == []
    assert month_curve([QuarterOfLeaving(men=40, orders={}, followed=5)], 5) == []  # its 6 months have not passed


def _row(key, men, w6, w12, windows=(6, 12), total=False):
    """A quarter's row: every man followed in a window the quarter is in, nobody in the others."""
    row = {"key": key, "label": key or "Total", "total": total, "men": men}
    for months, within in ((6, w6), (12, w12)):
        inside = months in windows
        row.update({f"followed_{months}": men if inside else 0, f"with_{months}": within if inside else 0,
                    f"without_{months}": men - within if inside else 0})
    return row


def _with_total(groups, windows=(6, 12)):
    total = {name: sum(g[name] for g in groups) for name in COUNTS}
    return [*groups, _row(None, total["men"], total["with_6"], total["with_12"], windows, total=True)]


def test_a_small_group_is_hidden_whole_and_another_beside_it():
    rows = _with_total([_row("a", 40, 10, 18), _row("b", 3, 1, 1), _row("c", 12, 6, 7)])
    shown = suppress_quarter(rows, 5, (6, 12))
    assert shown[1]["suppressed"] and all(shown[1][n] is None for n in COUNTS)
    assert shown[2]["men"] is None  # the next smallest: else b = total - a - c
    assert shown[0]["men"] == 40 and shown[3]["men"] == 55


def test_a_small_count_hides_its_partner_in_the_row_and_followed_is_the_men():
    rows = _with_total([_row("a", 40, 3, 8), _row("b", 50, 20, 30)])
    shown = suppress_quarter(rows, 5, (6, 12))
    assert shown[0]["with_6"] is None and shown[0]["without_6"] is None
    assert shown[0]["followed_6"] == shown[0]["men"] == 40  # every man of the quarter is followed
    assert shown[1]["with_6"] is None  # else a's = the total's - b's


def test_a_window_the_quarter_is_not_in_counts_nobody_and_hides_nothing():
    rows = _with_total([_row("a", 40, 3, 8, (6,)), _row("b", 50, 20, 30, (6,))], (6,))
    shown = suppress_quarter(rows, 5, (6,))
    assert [(r["followed_12"], r["with_12"], r["without_12"]) for r in shown] == [(0, 0, 0)] * 3


def test_over_a_run_a_figure_is_shown_only_where_each_quarter_shows_it():
    first = _with_total([_row("a", 40, 3, 8), _row("b", 50, 20, 30)])
    second = _with_total([_row("a", 30, 12, 15, (6,)), _row("b", 2, 1, 1, (6,))], (6,))
    shown = suppress_outcomes([(first, (6, 12)), (second, (6,))], 5)
    a, b, total = shown
    # b is hidden whole in the second quarter, and a beside it; so are their men and 6-month figures over the run
    assert a["men"] is None and b["men"] is None and b["with_6"] is None and a["with_6"] is None
    # only the first quarter is in the 12 months: what it shows is shown, and the row is not hidden whole
    assert (a["followed_12"], a["with_12"], b["followed_12"], b["with_12"]) == (40, 8, 50, 30)
    assert not b["suppressed"]
    assert total["men"] == 122 and total["followed_12"] == 90 and total["rate_12"] == round(38 / 90, 4)


def _random_groups(rng: random.Random, windows: tuple[int, ...], count: int, *, most: int) -> list[dict]:
    """`count` groups, each of a few men (1 to 5) or many (5 to `most` - 1), some of them with a new order within 6
    and within 12 months."""
    groups = []
    for key in range(count):
        men = rng.choice([rng.randrange(1, 6), rng.randrange(5, most)])
        w6 = rng.randrange(0, men + 1)
        groups.append(_row(str(key), men, w6, rng.randrange(w6, men + 1), windows))
    return groups


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_count_of_random_quarter_tables_can_be_worked_out(seed):
    rng = random.Random(seed)
    windows = rng.choice([(), (6,), (6, 12)])
    rows = _with_total(_random_groups(rng, windows, rng.randrange(1, 9), most=80), windows)
    shown = suppress_quarter(rows, 5, windows)
    for row, source in zip(shown, rows, strict=True):
        for name in COUNTS:
            assert row[name] in (None, source[name])
            if 0 < source[name] < 5:
                assert row[name] is None
    assert not _fixed(shown, windows)


def test_a_region_hidden_in_the_table_of_regions_is_hidden_in_its_own_report_and_the_countrys():
    """Top-down: the tiny region is hidden whole in the table of regions and the next smallest beside it, and that
    region's own report takes the pattern for its totals row (else the nation less the others gives the tiny one)."""
    regions = {"big": [_row("b1", 30, 8, 12), _row("b2", 25, 6, 9)], "mid": [_row("m1", 7, 2, 3), _row("m2", 6, 1, 2)],
               "tiny": [_row("t1", 3, 1, 1)]}
    totals = {r: _with_total(groups)[-1] for r, groups in regions.items()}
    top = _with_total([{**totals[r], "key": r, "label": r, "total": False} for r in regions])
    parts = {r: [*groups, totals[r]] for r, groups in regions.items()}
    mid = suppress_outcomes_nested([(top, (6, 12))], [{"mid": parts["mid"]}], 5, region="mid")
    assert mid[-1]["men"] is None and all(mid[-1][name] is None for name in COUNTS)
    assert suppress_outcomes([(parts["mid"], (6, 12))], 5)[-1]["men"] == 13  # protected on its own it showed
    country = suppress_outcomes_nested([(top, (6, 12))], [parts], 5)
    assert country[-1]["men"] == 71 and country[0]["key"] == "b1" and country[0]["men"] == 30
    by_region = suppress_outcomes_nested([(top, (6, 12))], [{r: [_row(r, totals[r]["men"], totals[r]["with_6"],
                                                                        totals[r]["with_12"]), totals[r]]
                                                              for r in regions}], 5)
    assert [row["men"] for row in by_region] == [55, None, None, 71]


@pytest.mark.parametrize("seed", range(30))
def test_groups_under_a_region_hidden_above_are_protected_with_it_and_among_themselves(seed):
    rng = random.Random(seed)
    windows = rng.choice([(6,), (6, 12)])
    rows = _with_total(_random_groups(rng, windows, rng.randrange(2, 7), most=40), windows)
    others = [_row(f"r{i}", men, rng.randrange(0, men + 1) // 2, men // 2, windows)
              for i, men in enumerate((rng.randrange(1, 6), rng.randrange(5, 60)))]
    top = _with_total([{**rows[-1], "key": "here", "label": "here", "total": False}, *others], windows)
    above = suppress_quarter(top, 5, windows)[0]
    shown = suppress_quarter(rows, 5, windows, totals=above)
    assert {n for n in COUNTS if shown[-1][n] is None} == {n for n in COUNTS if above[n] is None}
    for row, source in zip(shown, rows, strict=True):
        for name in COUNTS:
            assert row[name] in (None, source[name])
    assert not _fixed(shown, windows)
    assert not _fixed([*shown[:-1], rows[-1]], windows)  # nor by one who knew the region's figures


def _fixed(shown, windows):
    """Whether the sums (men = with + without and followed = men per row and window the quarter is in; groups add up
    to the totals row) fix any hidden count: row reduction over the hidden counts; one is fixed exactly when a
    reduced row is it alone."""
    last = len(shown) - 1
    hidden = [(r, n) for r, row in enumerate(shown) for n in COUNTS if row[n] is None]
    index = {cell: i for i, cell in enumerate(hidden)}
    sums = [[((r, "men"), 1), ((r, f"with_{m}"), -1), ((r, f"without_{m}"), -1)]
            for r in range(len(shown)) for m in windows]
    sums += [[((r, "men"), 1), ((r, f"followed_{m}"), -1)] for r in range(len(shown)) for m in windows]
    sums += [[*(((r, name), 1) for r in range(last)), ((last, name), -1)] for name in COUNTS]
    lines = []
    for terms in sums:
        line = [Fraction(0)] * len(hidden)
        for cell, sign in terms:
            if cell in index:
                line[index[cell]] += sign
        if any(line):
            lines.append(line)
    pivot = 0
    for column in range(len(hidden)):
        found = next((i for i in range(pivot, len(lines)) if lines[i][column]), None)
        if found is None:
            continue
        lines[pivot], lines[found] = lines[found], lines[pivot]
        lines[pivot] = [v / lines[pivot][column] for v in lines[pivot]]
        for i in range(len(lines)):
            if i != pivot and lines[i][column]:
                lines[i] = [a - lines[i][column] * b for a, b in zip(lines[i], lines[pivot], strict=True)]
        pivot += 1
    return any(sum(1 for v in line if v) == 1 for line in lines[:pivot])
