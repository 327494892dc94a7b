"""What the nested pair tests share (test_nested_report_pairs.py: the completion report and the roll-up;
test_outcome_nested_pairs.py: the outcome report), across regions and the whole country.

A report is (its region, None for the whole country; its grouping; the quarters of its period; its rows, totals
last). The unknowns are the finest cells: region × a group of the first report's grouping × a group of the second's
(one when they group alike) × quarter × what became of a man (the figure's classes). A figure adds up one row's cells
(a group, a region of the roll-up, or the totals) in some classes: written over a basis of the rows' cells, it is a
vector of (basis row, class), and spans are kept exactly modulo a prime (qadam.spans).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qadam.spans import Span, Vector, times

TOTAL = "(totals)"
Report = tuple[str | None, str, tuple[int, ...], list[dict[str, Any]]]
Groups = dict[str, dict[str, list[str]]]  # per grouping and region, the keys of its groups
Figures = Callable[[Report, Groups], list[tuple[str, str, int | None]]]  # (group, figure, value or None: hidden)
Target = tuple[Report, str, list[str]]  # a row of a report, and the figures it hides


def hidden_rows(reports: list[Report], groups: Groups, figures: Figures) -> list[Target]:
    """The hidden figures, by row; the same figure hidden in several reports is tried once (a region's totals in its
    every report and in the country's by region, the nation's in every country report)."""
    by_row: dict[tuple[Any, ...], Target] = {}
    seen = set()
    for report in reports:
        for group, name, value in figures(report, groups):
            row = (report[0], "total" if group == TOTAL else report[1], group, report[2])
            if report[1] == "region" and group != TOTAL:
                row = (group, "total", TOTAL, report[2])
            if value is None and (row, name) not in seen:
                seen.add((row, name))
                by_row.setdefault(row, (report, group, []))[2].append(name)
    return list(by_row.values())


def recoverable(first: Report, second: Report, targets: list[Target], groups: Groups, *, regions: Sequence[str],
                figures: Figures, classes: Mapping[str, Sequence[str]],
                holds: Callable[[str, str, int], bool] = lambda grouping, key, quarter: True,
                ) -> list[tuple[Report, str, str]]:
    """The hidden figures (report, group, figure) of `targets` that what the two reports show fixes. `classes`: the
    classes each figure adds up; `holds(grouping, key, quarter)`: whether a group can have men of the quarter (a
    month only those of its own)."""
    a, b = first[1], second[1]
    quarters = sorted(set(first[2]) | set(second[2]))
    # the cells by what a row can ask of them (every cell, a region, a group on either side) and their region and
    # quarter: a row's cells are then gathered, not sought among every cell of the pair for each row
    slots: dict[tuple[Any, ...], list[tuple[str, str, str | None, int]]] = {}
    for r in regions:
        for ka in groups[a][r]:
            for kb in groups[b][r] if b != a else [None]:
                for q in quarters:
                    if holds(a, ka, q) and (kb is None or holds(b, kb, q)):
                        cell = (r, ka, kb, q)
                        for label in (TOTAL, ("region", r), (1, ka), (2, kb)):
                            slots.setdefault((label, r, q), []).append(cell)

    def row_cells(report: Report, group: str) -> Vector | None:
        region, grouping, report_quarters, _ = report
        if group == TOTAL:
            label: Any = TOTAL
        elif grouping == "region":
            label = ("region", group)
        elif grouping in (a, b):
            label = (1 if grouping == a else 2, group)
        else:
            return None
        return {cell: 1 for r in (regions if region is None else [region]) for q in report_quarters
                for cell in slots.get((label, r, q), ())}

    rows_space, shown = Span(), Span(tracked=False)
    for report in (first, second) if first is not second else (first,):
        rows: dict[str, Vector] = {}  # a row in the rows' basis, worked out once per row, not for each of its figures
        for group, name, value in figures(report, groups):
            if value is not None:
                if group not in rows:
                    rows[group] = rows_space.coordinates(row_cells(report, group) or {})
                shown.add(times(rows[group], classes[name]))
    found = []
    for report, group, names in targets:
        if not set(report[2]) <= set(quarters):
            continue
        vector = row_cells(report, group)
        if vector is None:
            continue
        left, row = rows_space.reduce(vector)
        if left:
            continue
        for name in names:
            if times(row, classes[name]) in shown:
                found.append((report, group, name))
    return found


def named(report: Report) -> str:
    return (f"{report[0] or 'country'} by {report[1]} Q{report[2][0] + 1}"
            + (f"-Q{report[2][-1] + 1}" if len(report[2]) > 1 else ""))


def fixed_by_pairs(reports: list[Report], groups: Groups,
                   recoverable: Callable[[Report, Report, list[Target], Groups], list[tuple[Report, str, str]]],
                   figures: Figures) -> tuple[int, list[str], dict[str, int]]:
    """Every pair of the reports (a report with itself too; two regions' reports are skipped: their unknowns are
    apart, so what they fix together, each fixes alone): how many pairs were tried, the hidden figures they fix
    (worded), and how many times by one report, two of one level, two of two levels."""
    targets = hidden_rows(reports, groups, figures)
    found: list[str] = []
    ways: dict[str, int] = {}
    pairs = 0
    for first, second in itertools.combinations_with_replacement(reports, 2):
        if first[0] is not None and second[0] is not None and first[0] != second[0]:
            continue
        pairs += 1
        for report, group, name in recoverable(first, second, targets, groups):
            found.append(f"{named(report)}: {group} {name}, from {named(first)} and {named(second)}")
            way = "one report" if first is second else "one level" if first[0] == second[0] else "two levels"
            ways[way] = ways.get(way, 0) + 1
    return pairs, found, ways
