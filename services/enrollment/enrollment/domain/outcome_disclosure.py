"""The outcome report's figures as they may be shown. No I/O.

The same rule as the completion report's (domain/disclosure.py), over the outcome report's own sums. Primary
suppression: a group of fewer than `min_cell` men shows no figure; inside a shown group a count from 1 to
min_cell - 1 is hidden. Complementary suppression: the figures are tied by sums,
- across groups: the totals row is the groups added up, for every count;
- within a row, for 6 and for 12 months: men followed that long = men with a new order or breach within it + men
  without one,
and no hidden figure may be worked out from the shown ones through any chain of them. As in disclosure.py the sums
make a network, each figure an arc, each sum a node where what flows in flows out: a hidden figure can be worked out
exactly when it lies on no loop of hidden figures (a bridge of them). Each bridge gets the cheapest loop of other
figures, hidden too (a group's before the totals row's, a small one before a large one, a zero only if it must);
a group whose men are hidden that way is hidden whole. Men followed 6 months are at least those followed 12 and at
most the men: inequalities, which leave a hidden figure a range, never a value.

A rate and its interval are shown only where both its counts are. `suppress_outcomes` is the one call the report
makes: what makes suppression consistent across reports and periods replaces it there.
"""

from __future__ import annotations

from typing import Any

from .disclosure import _bridges, cheapest_path
from .outcomes import WINDOWS, wilson_interval

COUNTS = ("men", *(f"{what}_{months}" for months in WINDOWS for what in ("followed", "with", "without")))
RATES = tuple(f"{what}_{months}" for months in WINDOWS for what in ("rate", "low", "high"))
_ZERO_COST = 1 << 40  # a zero protects little: a loop goes through one only if it must
_TOTAL_COST = 1 << 20  # the totals row's figures are the last a loop takes


def suppress_outcomes(rows: list[dict[str, Any]], min_cell: int) -> list[dict[str, Any]]:
    """The report's rows (the groups, then the totals row; each with COUNTS) as they may be shown: hidden counts
    None, `suppressed` on a row hidden whole, rates and Wilson intervals where their counts are shown."""
    table = _Table(rows, min_cell)
    table.run()
    return [table.shown(index) for index in range(len(rows))]


class _Table:
    """Cells (row, name); the last row is the totals row. Nodes of the network: 0, 1 the men's sum; then per window
    its followed, with and without columns and its totals row's node; then a node per group and window."""

    def __init__(self, rows: list[dict[str, Any]], min_cell: int) -> None:
        self.rows, self.min_cell, self.last = rows, min_cell, len(rows) - 1
        self.value = [{name: int(row[name]) for name in COUNTS} for row in rows]
        self.hidden: list[set[str]] = [set() for _ in rows]
        self.whole: set[int] = set()

    def _ends(self, row: int, name: str) -> tuple[int, int]:
        if name == "men":
            return (1, 0) if row == self.last else (0, 1)
        what, months = name.split("_")
        window = WINDOWS.index(int(months))
        followed, with_, without, total = (2 + 4 * window + i for i in range(4))
        mine = total if row == self.last else 2 + 4 * len(WINDOWS) + row * len(WINDOWS) + window
        column = {"followed": followed, "with": with_, "without": without}[what]
        if row == self.last:  # what flows into the totals row's node from the columns, and back out to followed
            return (mine, column) if what == "followed" else (column, mine)
        return (column, mine) if what == "followed" else (mine, column)

    def _nodes(self) -> int:
        return 2 + 4 * len(WINDOWS) + len(self.rows) * len(WINDOWS)

    def hide_row(self, row: int) -> None:
        self.whole.add(row)
        self.hidden[row].update(COUNTS)

    def run(self) -> None:
        for row, values in enumerate(self.value):
            if 0 < values["men"] < self.min_cell:
                self.hide_row(row)
            else:
                self.hidden[row].update(name for name, n in values.items() if 0 < n < self.min_cell)
        unfixable: set[tuple[int, str]] = set()
        while True:
            arcs = [(row, name) for row in range(len(self.rows)) for name in sorted(self.hidden[row])]
            ends = [self._ends(row, name) for row, name in arcs]
            bridges = [arcs[i] for i in _bridges([a for a, _ in ends], [b for _, b in ends], self._nodes())
                       if arcs[i] not in unfixable]
            if not bridges:
                return
            path = self._loop_through(*bridges[0])
            if path is None:
                unfixable.add(bridges[0])
            for row, name in path or ():
                if name == "men" and row != self.last:
                    self.hide_row(row)
                else:
                    self.hidden[row].add(name)

    def _loop_through(self, row: int, name: str) -> list[tuple[int, str]] | None:
        """The cheapest path of other cells between the ends of a hidden cell's arc (hidden ones cost nothing)."""
        around: list[list[tuple[int, int, str, int]]] = [[] for _ in range(self._nodes())]
        for r, values in enumerate(self.value):
            for n, value in values.items():
                if (r, n) == (row, name):
                    continue
                cost = 0 if n in self.hidden[r] else (value + 1 if value else _ZERO_COST) + (
                    _TOTAL_COST if r == self.last else 0)
                u, v = self._ends(r, n)
                around[u].append((v, r, n, cost))
                around[v].append((u, r, n, cost))
        return cheapest_path(around, *self._ends(row, name))

    def shown(self, row: int) -> dict[str, Any]:
        source = self.rows[row]
        out: dict[str, Any] = {name: source[name] for name in ("key", "label", "total")}
        out["suppressed"] = row in self.whole
        for name in COUNTS:
            out[name] = None if name in self.hidden[row] else self.value[row][name]
        for months in WINDOWS:
            followed, with_ = out[f"followed_{months}"], out[f"with_{months}"]
            interval = None if followed is None or with_ is None else wilson_interval(with_, followed)
            out[f"rate_{months}"] = None if interval is None else round(with_ / followed, 4)
            out[f"low_{months}"] = None if interval is None else round(interval[0], 4)
            out[f"high_{months}"] = None if interval is None else round(interval[1], 4)
        return out
