"""The outcome report's figures as they may be shown. No I/O.

The atom is a quarter of leaving, as a quarter of starting is the completion report's (domain/disclosure.py): the
report's period is a run of whole quarters, and a quarter counts in the 6- (12-) month figures only when the window
has passed for every man of it (domain/outcomes.py, `followed_months`). So a quarter's figures do not depend on the
day asked, only on whether it is in, and in it every man is followed: followed = men, with + without = men; out of
it followed, with and without are none, and every reader knows it.

A quarter's own table (`suppress_quarter`):
- Primary: a group of fewer than `min_cell` men shows no figure (the totals row too); inside a shown row a count from
  1 to min_cell - 1 is hidden, and within a window the other of with and without beside it (men = with + without).
- Across groupings: the totals row is the same men under every grouping, so its suppression is decided from the
  totals row alone, first, and then frozen: nothing the groups do hides more of it. A totals figure hidden under one
  grouping is hidden under all of them.
- Complementary: the figures are tied by sums, the totals row is the groups added up for every count, and each row's
  men = with + without for each window in. A man's row is in three sums (his column and two windows): not a network
  of arcs, as the completion report's is, so the check is the linear algebra itself: a hidden count can be worked out
  exactly when its unit vector lies in the span of the sums written over the hidden counts (exact, modulo a prime).
  Each one that can gets another count of its column hidden beside it (a group's, the smallest that is not none; a
  group's men hide its row whole), with its partner in the window, until none can.

Over a run (`suppress_outcomes`): a figure is shown only where every quarter's own table shows it (a group with no man
in a quarter: none, shown; a window a quarter is not in: none, known to all, so a row hidden whole in that quarter
hides nothing of that window). It is then a sum of figures already shown, so the difference of two runs, or of one
run on two days, tells only sums of figures shown. A row is `suppressed` when none of its counts is shown. A rate and
its interval are shown only where both their counts are.

Across regions and levels (`suppress_outcomes_nested`): a national analyst or an administrator reads the whole
country's report by any grouping (by region: a row per region) and each region's own. Decided apart they leaked (a
region hidden in the country's by region, its own report's totals shown, every other region's too: the nation less
the others gave it). So they are protected top-down, as the completion report is (domain/disclosure.py, "Across
regions and levels"; its walk, `top_down`, is the one both take): each quarter's table of regions is protected once
(the nation's row from itself alone), and every report takes its pattern for a region's figures and the nation's; a
region's groups are protected with the region's row as a fixed margin (`suppress_quarter(..., totals=)`) and among
themselves (first with the region's counts taken as known, then with its hidden ones unknown); the country's report by
a grouping is the regions' groups added up, a figure shown only where every (quarter, region) with the group shows it.
services/enrollment/tests/integration/test_outcome_nested_pairs.py proves it. The price: a region's own figures are
hidden wherever the table of regions hides them (beside a small region, the next smallest), in its own report too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from qadam.spans import PRIME, minus

from .disclosure import top_down
from .outcomes import WINDOWS, wilson_interval

COUNTS = ("men", *(f"{what}_{months}" for months in WINDOWS for what in ("followed", "with", "without")))
RATES = tuple(f"{what}_{months}" for months in WINDOWS for what in ("rate", "low", "high"))
# The counts of a quarter's table that are its own unknowns: followed is men (in) or none (out).
_CELLS = ("men", *(f"{what}_{months}" for months in WINDOWS for what in ("with", "without")))
_ZERO_COST = 1 << 40  # a zero protects little: hidden beside another only if nothing else will do

Cell = tuple[int, str]


def suppress_quarter(rows: list[dict[str, Any]], min_cell: int, windows: Iterable[int],
                     totals: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One quarter's table (its groups, then its totals row; each with COUNTS, followed_w = men for a window `in` and
    with, without and followed none for the others) as it may be shown: hidden counts None, `suppressed` on a row
    hidden whole; no rates (the run computes them). `totals`: the totals row as a table above shows the same figures
    (a region's row in the table of regions, `suppress_outcomes_nested`): it hides what that row hides, and nothing
    else, and the groups are protected among themselves too, as if it were shown whole."""
    table = _Quarter(rows, min_cell, tuple(windows), totals)
    table.run()
    return [table.shown(index) for index in range(len(rows))]


def suppress_outcomes(atoms: Sequence[tuple[list[dict[str, Any]], Iterable[int]]],
                      min_cell: int) -> list[dict[str, Any]]:
    """The rows of a report over a run of quarters, as they may be shown: its groups in the order they first come
    in, then its totals row; rates and Wilson intervals where their counts are shown.

    `atoms`: for each quarter of the run, its rows as `suppress_quarter` takes them and the windows it is in for.
    """
    return _over_the_quarters([(rows, suppress_quarter(rows, min_cell, windows), tuple(windows))
                               for rows, windows in atoms])


def suppress_outcomes_nested(tops: Sequence[tuple[list[dict[str, Any]], Iterable[int]]],
                             parts: Sequence[dict[Any, list[dict[str, Any]]]], min_cell: int, *,
                             region: Any = None) -> list[dict[str, Any]]:
    """The rows of an outcome report of a region, or of the whole country, by any grouping, over a run of quarters,
    protected top-down with every other outcome report of any region or of the country, as the completion report is
    (domain/disclosure.py, "Across regions", whose walk, `top_down`, this takes): its groups in the order they first
    come in, then its totals row; rates and Wilson intervals where their counts are shown.

    `tops`: for each quarter, the table of regions (a row per region, `key` the region, then the nation's totals row)
    and the windows the quarter is in for. `parts`: for each quarter, {region: its groups by the report's grouping,
    then its totals row (the region's row in the table of regions)}, for the regions the report covers. `region`: the
    region whose figures the report's totals row is (None: the nation's). A quarter's table of regions is protected on
    its own (`suppress_quarter`); a region's groups with the region's row as it shows it; a group's figure over the
    run is shown only where every (quarter, region) with a row for it shows it.
    """
    windows = [tuple(inside) for _, inside in tops]
    groups, totals = top_down([rows for rows, _ in tops], parts,
                              lambda rows, above, atom: suppress_quarter(rows, min_cell, windows[atom], above),
                              region=region)
    return _over_the_quarters([*((rows, shown, windows[atom]) for atom, rows, shown in groups),
                               *(([row], [shown], windows[atom]) for atom, row, shown in totals)])


def _over_the_quarters(tables: Iterable[tuple[list[dict[str, Any]], list[dict[str, Any]], tuple[int, ...]]]
                       ) -> list[dict[str, Any]]:
    """The rows over a run, from its tables' (rows, rows as shown, windows the quarter is in for): a row per key, its
    groups in the order they first come in, then its totals row (`_over_the_run`)."""
    order: dict[tuple[bool, Any], None] = {}
    parts: dict[tuple[bool, Any], list[tuple[dict[str, Any], dict[str, Any], tuple[int, ...]]]] = {}
    for rows, shown_rows, inside in tables:
        for row, shown in zip(rows, shown_rows, strict=True):
            key = (bool(row["total"]), row["key"])
            order.setdefault(key, None)
            parts.setdefault(key, []).append((row, shown, inside))
    keys = [key for key in order if not key[0]] + [key for key in order if key[0]]
    return [_over_the_run(parts[key]) for key in keys]


def _over_the_run(parts: list[tuple[dict[str, Any], dict[str, Any], tuple[int, ...]]]) -> dict[str, Any]:
    """One row over a run: its men where every quarter shows them; a window's figures where every quarter in the
    window shows them (the others count nobody in it, as every reader knows)."""
    first = parts[0][0]
    out: dict[str, Any] = {name: first[name] for name in ("key", "label", "total")}
    for name in COUNTS:
        months = None if name == "men" else int(name.rsplit("_", 1)[1])
        counted = [(row, shown) for row, shown, inside in parts if months is None or months in inside]
        hidden = any(shown[name] is None for _, shown in counted)
        out[name] = None if hidden else sum(int(row[name]) for row, _ in counted)
    out["suppressed"] = all(out[name] is None for name in COUNTS)
    for months in WINDOWS:
        followed, with_ = out[f"followed_{months}"], out[f"with_{months}"]
        interval = None if followed is None or with_ is None else wilson_interval(with_, followed)
        out[f"rate_{months}"] = None if interval is None else round(with_ / followed, 4)
        out[f"low_{months}"] = None if interval is None else round(interval[0], 4)
        out[f"high_{months}"] = None if interval is None else round(interval[1], 4)
    return out


class _Quarter:
    """A quarter's cells (row, name) over _CELLS; the last row is the totals row."""

    def __init__(self, rows: list[dict[str, Any]], min_cell: int, windows: tuple[int, ...],
                 totals: dict[str, Any] | None = None) -> None:
        self.rows, self.min_cell, self.windows, self.last = rows, min_cell, windows, len(rows) - 1
        self.fixed = totals
        self.value = [{name: int(row[name]) for name in _CELLS} for row in rows]
        self.hidden: list[set[str]] = [set() for _ in rows]
        self.whole: set[int] = set()

    def names(self) -> list[str]:
        """The cells that are unknowns: men, and with and without of each window the quarter is in."""
        return ["men", *(f"{what}_{months}" for months in self.windows for what in ("with", "without"))]

    def hide_row(self, row: int) -> None:
        self.whole.add(row)
        self.hidden[row].update(self.names())

    def hide(self, row: int, name: str) -> None:
        """Hide a count, and keep its row's sums unworkable: its partner in the window; men: the row whole."""
        if name == "men":
            self.hide_row(row)
            return
        what, months = name.split("_")
        self.hidden[row].add(name)
        self.hidden[row].add(f"{'without' if what == 'with' else 'with'}_{months}")

    def _primary(self, row: int) -> None:
        values = self.value[row]
        if 0 < values["men"] < self.min_cell:
            self.hide_row(row)
            return
        for name in self.names()[1:]:
            if 0 < values[name] < self.min_cell:
                self.hide(row, name)

    def run(self) -> None:
        # the totals row alone (or as the table above shows it), then frozen: the same under every grouping
        if self.fixed is None:
            self._primary(self.last)
        elif self.fixed["suppressed"]:
            self.hide_row(self.last)
        else:
            for name in self.names()[1:]:
                if self.fixed[name] is None:
                    self.hide(self.last, name)
        for row in range(self.last):
            self._primary(row)
        # under a table above, the groups are checked among themselves first (the totals row taken as known: a
        # hidden group's count then lies on a loop of hidden groups' counts that moves none of the totals row's, so
        # no other report of the region, of another one or of the country closes it), then with the totals row's
        # hidden counts; a count hidden for these sends us back among the groups
        inside = self.fixed is not None
        unfixable: set[tuple[bool, Cell]] = set()
        while True:
            fixed = [cell for cell in self._worked_out(inside) if (inside, cell) not in unfixable]
            if not fixed:
                if not inside or not self.hidden[self.last]:  # (with the totals row shown: the same unknowns)
                    return
                inside = False
                continue
            row, name = fixed[0]
            beside = self._beside(row, name)
            if beside is None:
                unfixable.add((inside, (row, name)))
            else:
                self.hide(*beside)
                inside = self.fixed is not None

    def _beside(self, row: int, name: str) -> Cell | None:
        """The cell to hide beside a hidden one that can be worked out: a shown count of a group in its column, the
        smallest that is not none; else a shown one of its row (none of the totals row's)."""
        def cost(cell: Cell) -> int:
            value = self.value[cell[0]][cell[1]]
            return value + 1 if value else _ZERO_COST
        column = [(r, name) for r in range(self.last) if r != row and name not in self.hidden[r]]
        if column:
            return min(column, key=cost)
        if row == self.last:
            return None
        own = [(row, n) for n in self.names() if n not in self.hidden[row]]
        return min(own, key=cost) if own else None

    def _sums(self) -> list[list[tuple[Cell, int]]]:
        names = self.names()
        sums = [[*(((r, name), 1) for r in range(self.last)), ((self.last, name), -1)] for name in names]
        for r in range(len(self.rows)):
            for months in self.windows:
                sums.append([((r, "men"), 1), ((r, f"with_{months}"), -1), ((r, f"without_{months}"), -1)])
        return sums

    def _worked_out(self, inside: bool = False) -> list[Cell]:
        """The hidden cells the shown ones fix through the sums: Gauss–Jordan over the hidden cells (modulo a prime);
        a cell is fixed exactly when a reduced row is it alone. `inside`: the totals row's counts taken as known."""
        reduced: dict[Cell, dict[Cell, int]] = {}  # pivot: its row, reduced against the others
        for terms in self._sums():
            line: dict[Cell, int] = {}
            for cell, sign in terms:
                if cell[1] in self.hidden[cell[0]] and not (inside and cell[0] == self.last):
                    line[cell] = (line.get(cell, 0) + sign) % PRIME
            line = {c: v for c, v in line.items() if v}
            for pivot, other in reduced.items():
                factor = line.get(pivot)
                if factor:
                    line = minus(line, other, factor)
            if not line:
                continue
            pivot = min(line)
            inverse = pow(line[pivot], PRIME - 2, PRIME)
            line = {c: v * inverse % PRIME for c, v in line.items()}
            for key, other in reduced.items():
                factor = other.get(pivot)
                if factor:
                    reduced[key] = minus(other, line, factor)
            reduced[pivot] = line
        return sorted(pivot for pivot, line in reduced.items() if len(line) == 1)

    def shown(self, row: int) -> dict[str, Any]:
        source = self.rows[row]
        out: dict[str, Any] = {name: source[name] for name in ("key", "label", "total")}
        out["suppressed"] = row in self.whole
        for name in COUNTS:
            what, _, months = name.partition("_")
            if row in self.whole:
                out[name] = None
            elif name != "men" and int(months) not in self.windows:
                out[name] = 0  # the quarter is not in the window: none, as every reader knows
            else:
                cell = "men" if what == "followed" else name  # followed is men: the window has passed for each
                out[name] = None if cell in self.hidden[row] else self.value[row][cell]
        return out

