"""The outcome report's pure rules: how a man left, the Wilson interval against published values, the Kaplan–Meier
estimate, and the suppression of its table."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from enrollment.domain.outcome_disclosure import COUNTS, suppress_outcomes
from enrollment.domain.outcomes import how_he_left, kaplan_meier, shown_steps, wilson_interval


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


def test_kaplan_meier_of_a_textbook_example():
    # 10 men: new orders on days 3, 5, 5, 8; censored on 4, 6, 9, 9, 12, 12 (censored on a day of events: at risk)
    times = [(3, 1, 0), (4, 0, 1), (5, 2, 0), (6, 0, 1), (8, 1, 0), (9, 0, 2), (12, 0, 2)]
    steps = kaplan_meier(times)
    assert [(s.day, s.at_risk, s.events) for s in steps] == [(3, 10, 1), (5, 8, 2), (8, 5, 1)]
    # 9/10, then 9/10 * 6/8, then * 4/5
    assert [round(s.survival, 6) for s in steps] == [0.9, 0.675, 0.54]
    assert [s.day for s in shown_steps(steps, 6)] == [3, 5]  # day 8: 5 at risk, fewer than 6


def _row(key, men, f6, w6, f12, w12, total=False):
    return {"key": key, "label": key or "Total", "total": total, "men": men, "followed_6": f6, "with_6": w6,
            "without_6": f6 - w6, "followed_12": f12, "with_12": w12, "without_12": f12 - w12}


def _with_total(groups):
    total = {name: sum(g[name] for g in groups) for name in COUNTS}
    return [*groups, _row(None, total["men"], total["followed_6"], total["with_6"], total["followed_12"],
                          total["with_12"], total=True)]


def test_a_small_group_is_hidden_whole_and_another_beside_it():
    rows = _with_total([_row("a", 40, 30, 10, 20, 8), _row("b", 3, 2, 1, 1, 0), _row("c", 12, 9, 6, 6, 2)])
    shown = suppress_outcomes(rows, 5)
    assert shown[1]["suppressed"] and all(shown[1][n] is None for n in COUNTS)
    assert shown[2]["men"] is None  # the next smallest: else b = total - a - c
    assert shown[0]["men"] == 40 and shown[3]["men"] == 55


def test_a_small_count_hides_its_partner_in_the_row():
    rows = _with_total([_row("a", 40, 30, 3, 20, 8), _row("b", 50, 40, 20, 30, 12)])
    shown = suppress_outcomes(rows, 5)
    assert shown[0]["with_6"] is None and shown[0]["without_6"] is None
    assert shown[0]["rate_6"] is None and shown[0]["low_6"] is None
    assert shown[0]["followed_6"] == 30  # shown: with and without are hidden together


@pytest.mark.parametrize("seed", range(30))
def test_no_hidden_count_of_random_tables_can_be_worked_out(seed):
    rng = random.Random(seed)
    groups = []
    for key in range(rng.randrange(1, 9)):
        men = rng.choice([rng.randrange(1, 6), rng.randrange(5, 80)])
        f6 = rng.randrange(0, men + 1)
        f12 = rng.randrange(0, f6 + 1)
        groups.append(_row(str(key), men, f6, rng.randrange(0, f6 + 1), f12, rng.randrange(0, f12 + 1)))
    rows = _with_total(groups)
    shown = suppress_outcomes(rows, 5)
    for row, source in zip(shown, rows, strict=True):
        for name in COUNTS:
            assert row[name] in (None, source[name])
            if 0 < source[name] < 5:
                assert row[name] is None
    assert not _fixed(shown)


def _fixed(shown):
    """Whether the sums (followed = with + without per row and window; groups add up to the totals row) fix any
    hidden count: row reduction over the hidden counts; one is fixed exactly when a reduced row is it alone."""
    last = len(shown) - 1
    hidden = [(r, n) for r, row in enumerate(shown) for n in COUNTS if row[n] is None]
    index = {cell: i for i, cell in enumerate(hidden)}
    sums = [[((r, f"followed_{m}"), 1), ((r, f"with_{m}"), -1), ((r, f"without_{m}"), -1)]
            for r in range(len(shown)) for m in (6, 12)]
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
