"""The small-cell rule across reports (domain/disclosure.py): the totals row suppressed from the totals alone, the
same under every grouping; a figure over several quarters shown only where each quarter shows it."""

from __future__ import annotations

import random
from typing import Any

from enrollment.domain.disclosure import COUNTS, suppress, suppress_consistent

MIN_CELL = 5


def row(key: str | None, active: int, completed: int, exited: int, dropouts: dict[int, int],
        others: int = 0) -> dict[str, Any]:
    """A group (or, key None, the totals row) of the report as `suppress` takes it."""
    enrolments = active + completed + exited + others
    return {"key": key, "label": key or "Total", "total": key is None, "enrolments": enrolments, "active": active,
            "completed": completed, "exited": exited, "dropouts": sum(dropouts.values()),
            "average_attendance": 0.8 if enrolments else None, "attendance_men": enrolments,
            "dropout_sessions": dict(sorted(dropouts.items()))}


def with_totals(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals = row(None, *(sum(g[name] for g in groups) for name in ("active", "completed")), 0, {})
    totals.update({name: sum(g[name] for g in groups) for name in (*COUNTS, "attendance_men")})
    totals["dropout_sessions"] = {s: sum(g["dropout_sessions"].get(s, 0) for g in groups)
                                  for s in sorted({s for g in groups for s in g["dropout_sessions"]})}
    return [*groups, totals]


def hidden(shown: dict[str, Any]) -> set[str]:
    return {name for name in COUNTS if shown[name] is None} | {
        f"bin {s}" for s, n in (shown["dropout_sessions"] or {}).items() if n is None}


def test_the_totals_row_hides_the_same_figures_under_every_grouping():
    """200 random populations, each cut into groups three ways: the totals row's hidden figures never differ."""
    rng = random.Random(23)
    for _ in range(200):
        men = [(rng.choice(["active", "completed", "exited", "dropout"]), rng.randrange(4)) for _ in range(rng.randint(5, 60))]
        patterns = set()
        for groups in (2, 3, 7):
            cut: list[list[tuple[str, int]]] = [[] for _ in range(groups)]
            for man in men:
                cut[rng.randrange(groups)].append(man)
            rows = with_totals([row(str(i), sum(f == "active" for f, _ in part), sum(f == "completed" for f, _ in part),
                                    sum(f in ("exited", "dropout") for f, _ in part),
                                    {s: sum(1 for f, t in part if f == "dropout" and t == s) for s in range(4)
                                     if any(f == "dropout" and t == s for f, t in part)},
                                    others=0) for i, part in enumerate(cut) if part])
            patterns.add(frozenset(hidden(suppress(rows, MIN_CELL)[-1])))
        assert len(patterns) == 1, (men, patterns)


def test_over_one_quarter_it_is_the_quarter_s_report():
    rows = with_totals([row("a", 10, 20, 6, {2: 3, 5: 3}), row("b", 3, 12, 0, {}), row("c", 8, 9, 5, {1: 5})])
    assert suppress_consistent([rows], MIN_CELL) == suppress(rows, MIN_CELL)


def test_a_figure_over_two_quarters_is_shown_only_where_both_quarters_show_it():
    first = with_totals([row("a", 10, 20, 6, {2: 6}), row("b", 8, 12, 0, {})])
    second = with_totals([row("a", 2, 20, 0, {}), row("b", 9, 12, 0, {})])  # a's 2 still in programme: hidden
    both = {r["key"]: r for r in suppress_consistent([first, second], MIN_CELL)}
    assert suppress(second, MIN_CELL)[0]["active"] is None
    assert both["a"]["active"] is None  # 12 over the two, but the difference of the runs would tell the 2
    quarters = [{r["key"]: r for r in suppress(rows, MIN_CELL)} for rows in (first, second)]
    for key in ("a", "b", None):
        raw = [next(r for r in rows if r["key"] == key) for rows in (first, second)]
        for name in COUNTS:
            shown_in_both = all(quarter[key][name] is not None for quarter in quarters)
            assert both[key][name] == (sum(r[name] for r in raw) if shown_in_both else None), (key, name)
    assert both["a"]["enrolments"] == 58 and both["b"]["enrolments"] == 41


def test_a_group_hidden_whole_in_one_quarter_is_hidden_whole_over_the_run_and_one_absent_from_a_quarter_is_not():
    first = with_totals([row("a", 10, 20, 6, {2: 6}), row("b", 8, 12, 0, {}), row("c", 1, 2, 0, {}),
                         row("d", 6, 30, 0, {})])
    second = with_totals([row("a", 9, 21, 0, {}), row("b", 9, 12, 0, {})])  # nobody of c or d started in it
    both = {r["key"]: r for r in suppress_consistent([first, second], MIN_CELL)}
    assert both["c"]["suppressed"] and all(both["c"][name] is None for name in COUNTS)
    assert [r["key"] for r in suppress(first, MIN_CELL) if r["suppressed"]] == ["b", "c"]  # b hidden beside c
    assert both["b"]["suppressed"]
    assert not both["d"]["suppressed"] and both["d"]["enrolments"] == 36  # absent from the second quarter: zero
    assert not both["a"]["suppressed"] and both["a"]["enrolments"] == 66


def test_a_zero_bin_hidden_in_a_quarter_stays_hidden_over_the_run():
    first = with_totals([row("a", 3, 2, 2, {}), row("b", 10, 12, 2, {0: 1, 3: 1}), row("c", 9, 9, 6, {0: 6})])
    shown_first = {r["key"]: r for r in suppress(first, MIN_CELL)}
    zero_bins = {s for s, n in (shown_first["a"]["dropout_sessions"] or {}).items() if n is None}
    second = with_totals([row("b", 10, 12, 0, {}), row("c", 9, 9, 0, {})])
    both = {r["key"]: r for r in suppress_consistent([first, second], MIN_CELL)}
    for session in zero_bins:
        assert both["a"]["dropout_sessions"][session] is None


def test_two_groupings_that_once_hid_different_totals_hide_the_same():
    """Dropouts at sessions 1, 2 and 3 (3, 6 and 6 of them): by district the totals row once hid sessions 1 and 2, by
    referral source 1 and 3, and the two reports together told session 1's three by subtraction."""
    # (district, source): completed, still in programme, {session: dropouts}
    men = {("D1", "S1"): (5, 0, {2: 2, 3: 3}), ("D1", "S2"): (5, 5, {}), ("D2", "S1"): (5, 0, {1: 3, 2: 4, 3: 2}),
           ("D2", "S2"): (5, 5, {3: 1})}

    def report(side: int) -> list[dict[str, Any]]:
        groups = []
        for key in sorted({cell[side] for cell in men}):
            cells = [figures for cell, figures in men.items() if cell[side] == key]
            bins: dict[int, int] = {}
            for _, _, dropouts in cells:
                for s, n in dropouts.items():
                    bins[s] = bins.get(s, 0) + n
            groups.append(row(key, sum(c[1] for c in cells), sum(c[0] for c in cells), sum(bins.values()), bins))
        return with_totals(groups)

    by_district, by_source = suppress(report(0), MIN_CELL)[-1], suppress(report(1), MIN_CELL)[-1]
    assert hidden(by_district) == hidden(by_source) and "bin 1" in hidden(by_district)
