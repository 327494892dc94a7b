"""The completion report's figures as they may be shown to programme managers. No I/O.

Small cells are suppressed (DOMAIN.md: managers see aggregates with cells under 5 hidden), in two steps, as
statistical offices do it, so that no hidden figure can be worked out from the report, nor from it and any other
report a reader can ask for: the same period under another grouping, or another period.

Across groupings: the totals row is the same population under every grouping, so its suppression is decided from
the totals row alone (primary, then the sums within the row, below) before any group is looked at, and is then
frozen: the groups' complementary suppression never hides another of its figures. A totals figure hidden under one
grouping is hidden under all of them, and what one grouping's groups show adds nothing to what another's show about
the totals. (Its average attendance alone may still be hidden beside a lone group's, which is then over `min_cell`
men or more.)

Across periods (`suppress_consistent`): a report's period is a run of atoms, whole quarters (domain/reporting.py).
Each atom is suppressed on its own, and a figure of the run is shown only if it is shown in every atom's own
report: it is then a sum of figures shown, so the difference of two runs, or of a run and a quarter, tells only sums
of figures already shown, never a hidden one. The price: a figure small in one quarter is hidden over every run
that holds it.

Across regions and levels (`suppress_nested`): a national analyst reads the roll-up (a row per region and the
nation), each region's report (its totals row is the region) and the whole country's (its totals row is the nation),
by any grouping. Decided apart, they leaked: a small region hidden in the roll-up beside the next smallest, whose own
report showed its totals row, while the country's showed the nation's; the nation less every other region was the
small one. So protection is decided top-down, as for hierarchical tables (the "modular" method), quarter by quarter:
- the table of regions (a row per region, the nation's totals row) is protected once, as one table, the nation's row
  from itself alone; every report takes that pattern for a region's figures (the roll-up's rows, a region report's
  totals row) and for the nation's;
- within a region, its groups are protected with the region's row as a fixed margin (hidden or shown as above), and
  among themselves: each hidden figure of a group lies on a loop of hidden figures of groups that moves no figure of
  the totals row, so that it cannot be worked out even by one who knew the region's figures;
- the whole country's report by a grouping is the regions' groups added up: a group's figure is shown only where every
  region that has the group shows it (a district or a cohort is in one region; a programme, a referral source, a
  facilitator or a month may cross regions), and its totals row is the nation's. A group's hidden figure in some
  region lies on a loop within that region that moves nothing else, so the country's sum of it is not fixed either,
  whatever the roll-up and every region's report show.
services/enrollment/tests/integration/test_nested_report_pairs.py proves it as test_report_pairs.py does, over three
regions and every report of every level. The price: a region's own figures are hidden wherever the table of regions
hides them (beside a small region, the next smallest), in its own report too; and a country's group where one region
hides it.

Within one table:

Primary suppression: a group of fewer than `min_cell` enrolments shows no figure at all; inside a shown group
any count from 1 to min_cell - 1 is hidden (None), and so is any bin of the histogram that small.

Complementary (secondary) suppression: no hidden figure may be worked out by adding up or subtracting the
figures that are shown. The report's figures are tied by sums:
- across groups, the totals row is the groups added up, for every count and every bin of the histogram;
- within a row, enrolments = still in programme + completed + exited + others (referred or excluded),
  exited = dropouts + exits that are not dropouts (transferred or died), and dropouts = the bins added up.
The report does not show the others or the exits that are not dropouts, but a reader may know them (often there
are none), so they count as known. Whenever exactly one figure of a sum is hidden, the smallest other figure of
that sum that is shown is hidden too (one that is not zero if there is one; across groups always a group's, the
totals row being frozen; never a row's enrolments, unless the whole row goes), again and again until no sum has
exactly one hidden figure (the totals row first, within itself; when nobody in it dropped out its exited hides
nothing, so a hidden active or completed there takes the other). So: (1) if one group alone is hidden, the
next-smallest group is hidden whole beside it; (2) if a row hides one of its counts, it hides the smallest other
count of the same sum too; (3) if a histogram hides one bin, it hides the next-smallest bin too. Sums can also be
combined (a column minus two rows, say), so a check follows: the sums make the report a network in which each
figure flows along an arc and each sum is a node where what flows in flows out, and a hidden figure can be worked
out from the shown ones exactly when it lies on no loop of hidden figures. Each one that does not (the rule above
leaves one now and then) gets the cheapest loop of other figures (the totals row's only where already hidden),
hidden too. The one thing left: when nobody in the report dropped out, the report says so, and a reader who knows
how many men were transferred or died then knows how many exited.

(4) A rate, average or median is shown only if what it is computed over is: the completion and dropout rates
need completed and dropouts both shown (and not both zero); the average attendance needs at least `min_cell`
men to average over, and is hidden too when a single group's would otherwise be the only one hidden (the totals
row's average is the groups' weighted by their men, which a reader may know); the median session of dropping
out needs at least `min_cell` dropouts shown and every bin of the histogram shown (a median halfway between two
sessions tells how many dropped out up to the first).

All of it is pure Python over the statement's rows, linear in the report's cells (groups times sessions, times
quarters). A table is a function of its figures alone, so `suppress` remembers the tables it protected lately by
their figures and shows one asked for again as it was (`_Remembered`): nothing needs telling when a figure moves, a
table with a figure moved being another table. services/enrollment/tests/integration/test_report_pairs.py proves
the two rules together by linear algebra: over a seeded region, for every pair of reports (groupings × runs of
quarters), no figure hidden in any report the two can be differenced into lies in the span of the figures the two
show.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

COUNTS = ("enrolments", "active", "completed", "exited", "dropouts")
FIGURES = (*COUNTS, "completion_rate", "dropout_rate", "average_attendance", "median_dropout_session",
           "dropout_sessions")


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of the values a histogram {value: count} counts (as percentile_cont(0.5): the mean of the middle two)."""
    size = sum(histogram.values())
    if size == 0:
        return None
    middle: list[int] = []
    seen = 0
    for value, n in sorted(histogram.items()):
        for position in {(size - 1) // 2, size // 2}:
            if seen <= position < seen + n:
                middle.append(value)
        seen += n
    return sum(middle) / len(middle)


def suppress(rows: list[dict[str, Any]], min_cell: int, totals: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The report's rows (the groups, then the totals row; unsuppressed, with `attendance_men`) as they may be shown.

    Primary suppression hides small groups whole and small counts and bins; complementary suppression then
    hides more until no hidden figure can be worked out from the shown ones (see the module's docstring);
    rates, averages and medians are shown only over figures that are shown. `totals`: the totals row as a table
    above this one shows the same figures (a region's row in the table of regions, `suppress_nested`): it hides
    what that row hides, and nothing else, instead of being decided from itself.

    A table is a function of its figures, so one protected lately is remembered by them and shown again without
    being worked out again (`_Remembered`): a report by cohort over the whole country protects some 120 tables, and
    from one call to the next only those whose figures moved are worked out anew.
    """
    return _REMEMBERED.shown(rows, min_cell, totals)


def _protect(rows: list[dict[str, Any]], min_cell: int, totals: dict[str, Any] | None) -> list[dict[str, Any]]:
    """`suppress` worked out: the cells, their suppression, the rows as shown."""
    cells = _Cells(rows, min_cell, totals)
    cells.run()
    return [cells.shown(index) for index in range(len(rows))]


# What _Cells reads of a row, and of the totals row as a table above shows it (`totals`), beside the average and
# the histogram (`_figures`): a table is remembered by these, so a figure _Cells comes to read must be named here
# too. The labels it only copies.
_READ = (*COUNTS, "attendance_men")
_READ_ABOVE = ("suppressed", *COUNTS)
_LABELS = ("key", "label", "total")
_REMEMBERED_ROWS = 30_000  # about three reports by cohort over the whole country (~9,100 rows each, all quarters)


def _figures(row: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    """A row's figures as _Cells reads them: `names`, the average as `_Cells.shown` rounds it (the only use of it
    but whether there is one: a sum of floats a parallel aggregate made differs in its last bits from one call to the
    next), the histogram's (session, count) pairs in order."""
    average, histogram = row["average_attendance"], row["dropout_sessions"]
    return (*[row[name] for name in names], None if average is None else round(float(average), 4),
            None if histogram is None else tuple(histogram.items()))


class _Remembered:
    """Protected tables by their figures (min_cell, the totals row above, each row's figures in order; not their
    labels), the least recently shown forgotten first beyond `most_rows` rows in all. Nothing has to be told when a
    figure changes: a table with another figure is another key. Figures are compared as numbers (the reports' are
    ints and floats)."""

    def __init__(self, most_rows: int) -> None:
        self.most_rows, self.rows = most_rows, 0
        self.tables: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
        self.lock = threading.Lock()  # a web worker's threads share it

    def shown(self, rows: list[dict[str, Any]], min_cell: int,
              totals: dict[str, Any] | None) -> list[dict[str, Any]]:
        key = (min_cell, None if totals is None else _figures(totals, _READ_ABOVE),
               *[_figures(row, _READ) for row in rows])
        with self.lock:
            table = self.tables.get(key)
            if table is not None:
                self.tables.move_to_end(key)
        if table is None:
            table = _protect(rows, min_cell, totals)
            with self.lock:
                if key not in self.tables:
                    self.tables[key] = table
                    self.rows += len(table)
                    while self.rows > self.most_rows:
                        self.rows -= len(self.tables.popitem(last=False)[1])
        # fresh rows, the labels the caller's (the same figures in another language): what a caller does with them
        # never reaches the table remembered
        return [{**shown, "key": row["key"], "label": row["label"], "total": row["total"],
                 "dropout_sessions": None if shown["dropout_sessions"] is None else dict(shown["dropout_sessions"])}
                for shown, row in zip(table, rows, strict=True)]


_REMEMBERED = _Remembered(_REMEMBERED_ROWS)


def suppress_consistent(atoms: Sequence[list[dict[str, Any]]], min_cell: int) -> list[dict[str, Any]]:
    """The rows of a report over a run of period atoms (its quarters), as they may be shown: its groups in the order
    they first come in, then its totals row.

    `atoms` holds, for each atom of the period in turn, the report's rows over that atom alone as `suppress` takes
    them (its groups, then its totals row; a group nobody of which started in an atom has no row there). Each atom is
    suppressed on its own (`suppress`), and a figure of the run is shown only if it is shown over every atom (a
    group's figure over an atom it has no row in is zero, shown): then it is the sum of figures already shown, and
    the difference of two runs, or a run and an atom, tells only sums of figures shown. Its rates and median are
    over the run's own figures, as `suppress` computes them; its average attendance is shown if every atom's that
    has one is, over at least `min_cell` men. Over one atom it is `suppress`.

    Any report cut into the same atoms can call it: rows carry `key`, `label`, `total`, the counts, `dropout_sessions`
    ({session: count}), `average_attendance` and `attendance_men`.
    """
    shown_atoms = [suppress(rows, min_cell) for rows in atoms]
    if len(atoms) == 1:
        return shown_atoms[0]
    return _over_the_atoms(list(zip(atoms, shown_atoms, strict=True)), min_cell)


def _over_the_atoms(atoms: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]],
                    min_cell: int) -> list[dict[str, Any]]:
    """The rows over several atoms, given each atom's (raw rows, rows as shown): its groups in the order they first
    come in, then its totals rows (a figure shown only where every atom that has the row shows it)."""
    order: dict[tuple[bool, Any], None] = {}
    raw: dict[tuple[bool, Any], list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for rows, shown_rows in atoms:
        for row, shown in zip(rows, shown_rows, strict=True):
            key = (bool(row["total"]), row["key"])
            order.setdefault(key, None)
            raw.setdefault(key, []).append((row, shown))
    if not order:
        return []
    groups = [key for key in order if not key[0]]
    totals = [key for key in order if key[0]]
    # a row of one atom is as that atom shows it (as `suppress_consistent` over one atom)
    return [raw[key][0][1] if len(raw[key]) == 1 else _over_the_run(raw[key], min_cell) for key in (*groups, *totals)]


def suppress_nested(tops: Sequence[list[dict[str, Any]]], parts: Sequence[dict[Any, list[dict[str, Any]]]],
                    min_cell: int, *, region: Any = None) -> list[dict[str, Any]]:
    """The rows of a report of a region, or of the whole country, by any grouping, over a run of atoms (quarters),
    protected top-down with every other report of any region or of the country (the module's docstring, "Across
    regions"): its groups in the order they first come in, then its totals row.

    `tops`: for each atom, the table of regions as `suppress` takes it (a row per region, `key` the region, then the
    nation's totals row), the same for every report. `parts`: for each atom, {region: its groups by the report's
    grouping, then its totals row (the region's figures: its row in the table of regions)}, for the regions the
    report covers (all of them for the whole country). `region`: the region whose figures the report's totals row
    is (None: the nation's).

    Each atom's table of regions is suppressed on its own; each region's groups are suppressed with the region's
    totals row hiding what its row there hides (`suppress(..., totals=)`); a group's figure is shown only where every
    (atom, region) that has a row for it shows it, and the totals row is the region's row, or the nation's, as the
    table of regions shows it, over the run as `suppress_consistent` takes runs.
    """
    groups, totals = top_down(tops, parts, lambda rows, above, _: suppress(rows, min_cell, totals=above),
                              region=region)
    out = _over_the_atoms([(rows, shown) for _, rows, shown in groups], min_cell)
    if totals:
        out.append(_over_the_run([(row, shown) for _, row, shown in totals], min_cell))
    return out


Table = Callable[[list[dict[str, Any]], "dict[str, Any] | None", int], list[dict[str, Any]]]


def top_down(tops: Sequence[list[dict[str, Any]]], parts: Sequence[dict[Any, list[dict[str, Any]]]], table: Table, *,
             region: Any = None) -> tuple[list[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]],
                                          list[tuple[int, dict[str, Any], dict[str, Any]]]]:
    """The top-down walk of `suppress_nested`, for any report cut into atoms whose tables are protected by `table`
    (rows, the totals row as the table above shows it or None, the atom's index -> the rows as shown): the outcome
    report's too (domain/outcome_disclosure.py). Each atom's table of regions (`tops`) is protected on its own; each
    region's part (`parts`) with its totals row fixed to the region's row there; a part of one group (the region
    itself) is shown as that row. Returns, per (atom, region): (atom, the groups' rows, as shown), and per atom the
    report's totals row (the region's, or the nation's with `region` None): (atom, row, as shown). How a figure over
    the run is shown is the caller's (a figure shown only where every atom and region shows it)."""
    groups: list[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]] = []
    totals: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for atom, (top, part) in enumerate(zip(tops, parts, strict=True)):
        top_shown = table(top, None, atom)
        of_region = {row["key"]: shown for row, shown in zip(top, top_shown, strict=True) if not row["total"]}
        if region is None:
            totals.append((atom, top[-1], top_shown[-1]))
        for key, rows in part.items():
            if len(rows) == 2:  # one group: the region itself, shown as the table of regions shows it
                shown = [{**of_region[key], **{name: row[name] for name in ("key", "label", "total")}} for row in rows]
            else:
                shown = table(rows, of_region[key], atom)
            groups.append((atom, rows[:-1], shown[:-1]))
            if key == region:
                totals.append((atom, rows[-1], shown[-1]))
    return groups, totals


def _over_the_run(atoms: list[tuple[dict[str, Any], dict[str, Any]]], min_cell: int) -> dict[str, Any]:
    """One row over a run: its atoms' (raw row, row as shown) where it has one."""
    first = atoms[0][0]
    out: dict[str, Any] = {name: first[name] for name in ("key", "label", "total")}
    if any(shown["suppressed"] for _, shown in atoms):
        return {**out, "suppressed": True, **dict.fromkeys(FIGURES)}
    out["suppressed"] = False
    for name in COUNTS:
        hidden = any(shown[name] is None for _, shown in atoms)
        out[name] = None if hidden else sum(row[name] for row, _ in atoms)
    histogram: dict[int, int] = {}
    hidden_bins: set[int] = set()
    for row, shown in atoms:
        for session, n in row["dropout_sessions"].items():
            histogram[session] = histogram.get(session, 0) + n
        hidden_bins |= {session for session, n in (shown["dropout_sessions"] or {}).items() if n is None}
    completed, dropouts = out["completed"], out["dropouts"]
    if completed is None or dropouts is None or completed + dropouts == 0:
        out["completion_rate"] = out["dropout_rate"] = None
    else:
        out["completion_rate"] = round(completed / (completed + dropouts), 4)
        out["dropout_rate"] = round(dropouts / (completed + dropouts), 4)
    men = sum(row["attendance_men"] for row, _ in atoms)
    averaged = [(row, shown) for row, shown in atoms if row["average_attendance"] is not None and row["attendance_men"]]
    if men < min_cell or not averaged or any(shown["average_attendance"] is None for _, shown in averaged):
        out["average_attendance"] = None
    else:
        out["average_attendance"] = round(math.fsum(
            float(row["average_attendance"]) * row["attendance_men"] for row, _ in averaged) / men, 4)
    whole_histogram = dropouts is not None and dropouts >= min_cell and not hidden_bins
    out["median_dropout_session"] = median_of(histogram) if whole_histogram else None
    out["dropout_sessions"] = {s: None if s in hidden_bins else histogram.get(s, 0)
                               for s in sorted(histogram.keys() | hidden_bins) if histogram.get(s) or s in hidden_bins}
    return out


ATTENDANCE = "attendance"  # the cell that stands for a row's average attendance; its value is the men averaged
_ROW_SUMS = 3  # per row: enrolments = active + completed + exited (+ others); exited = dropouts (+ others); dropouts = bins
_ZERO_COST = 1 << 40  # hiding a zero protects little: a path of cells to hide goes through one only if it must


class _Cells:
    """The report's figures as cells, (row, name): a count, a bin (name: the session), or the men an average is
    over (ATTENDANCE); the last row is the totals row. The sums that tie them are numbered: three per row, then one
    per figure across the groups to the totals row. A zero bin becomes a cell when it is hidden or is a candidate.
    """

    def __init__(self, rows: list[dict[str, Any]], min_cell: int, totals: dict[str, Any] | None = None) -> None:
        self.rows, self.min_cell, self.last = rows, min_cell, len(rows) - 1
        self.fixed = totals
        # under a table above (`totals` given), the groups are protected among themselves, as if the totals row
        # were shown whole: a hidden group's figure lies on a loop of hidden groups' figures, which moves no figure
        # of the totals row, so no other report of the region, of another one or of the country can close it
        self.internal = totals is not None
        fixed_bins = (totals or {}).get("dropout_sessions") or {}  # a zero bin the table above hides is a cell here
        self.sessions: list[int] = sorted({s for row in rows for s in row["dropout_sessions"]} | set(fixed_bins))
        self.names: tuple[str | int, ...] = (*COUNTS, ATTENDANCE, *self.sessions)
        self.column_of = {name: len(rows) * _ROW_SUMS + i for i, name in enumerate(self.names)}
        # which of its row's three sums a figure is a term of (and it is of its sum across groups)
        self.within: dict[str | int, tuple[int, ...]] = {
            **dict.fromkeys(self.names, (2,)), **dict.fromkeys(COUNTS, (0,)), "exited": (0, 1), "dropouts": (1, 2),
            ATTENDANCE: ()}
        self.value: list[dict[str | int, int]] = [
            {**{name: row[name] for name in COUNTS}, ATTENDANCE: row["attendance_men"], **row["dropout_sessions"]}
            for row in rows]
        self.hidden: list[set[str | int]] = [set() for _ in rows]
        self.whole: set[int] = set()  # rows hidden whole
        self.hidden_in = [0] * (len(rows) * _ROW_SUMS + len(self.names))  # how many cells of each sum are hidden
        self.pending: deque[int] = deque()  # sums that had exactly one hidden cell when one was hidden
        self.frozen = False  # the totals row is settled: nothing more of it is hidden

    # -- the sums ---------------------------------------------------------------------------------------
    def sums_of(self, row: int, name: str | int) -> tuple[int, ...]:
        first = row * _ROW_SUMS
        return (*(first + which for which in self.within[name]), self.column_of[name])

    def cells_of(self, sum_index: int) -> list[tuple[int, str | int]]:
        row, which = divmod(sum_index, _ROW_SUMS)
        if row > self.last:
            name = self.names[sum_index - self.column_of[self.names[0]]]
            return [(r, name) for r in range(len(self.rows)) if name in self.value[r]]
        if which == 0:
            return [(row, name) for name in ("enrolments", "active", "completed", "exited")]
        if which == 1:
            return [(row, "exited"), (row, "dropouts")]
        return [(row, "dropouts"), *((row, s) for s in self.value[row] if isinstance(s, int))]

    # -- hiding -----------------------------------------------------------------------------------------
    def hide(self, row: int, name: str | int) -> None:
        hidden, counts = self.hidden[row], self.hidden_in
        if name in hidden:
            return
        hidden.add(name)
        values = self.value[row]
        if name not in values:  # a zero bin becomes a cell
            values[name] = 0
        first = row * _ROW_SUMS
        for which in self.within[name]:
            counts[first + which] += 1
            if counts[first + which] == 1:
                self.pending.append(first + which)
        if self.internal and row == self.last:
            return  # the totals row counts as shown across groups: see __init__
        column = self.column_of[name]
        counts[column] += 1
        if counts[column] == 1:
            self.pending.append(column)

    def hide_row(self, row: int) -> None:
        """A row hidden whole: every figure and every bin, zero ones too (the reader sees no histogram)."""
        self.whole.add(row)
        for name in self.names:
            if name != ATTENDANCE or self.value[row][name]:  # an average over nobody hides nothing: there is none
                self.hide(row, name)

    def run(self) -> None:
        """The totals row's own suppression, then frozen; then primary suppression of the groups, and
        complementary suppression: the local rule, then the audit, neither of them touching the totals row."""
        if self.fixed is not None:
            self._take(self.fixed)
        else:
            self._primary(self.last)
        across: list[int] = []  # the sums across groups wait until the totals row is settled and frozen
        while self.pending:
            sum_index = self.pending.popleft()
            if sum_index < len(self.rows) * _ROW_SUMS:
                self._settle(sum_index)
            else:
                across.append(sum_index)
        # nobody dropped out (the report says so): a reader who knows the exits that are not dropouts knows exited,
        # which then hides nothing beside active or completed
        hidden = self.hidden[self.last] & {"active", "completed"}
        if not self.sessions and len(hidden) == 1 and self.fixed is None:
            self.hide(self.last, "completed" if "active" in hidden else "active")
            across.extend(sum_index for sum_index in self.pending if sum_index >= len(self.rows) * _ROW_SUMS)
            self.pending.clear()
        self.frozen = True
        for row in range(self.last):
            self._primary(row)
        if self.internal:  # a totals figure the table above hides: a group's is hidden, and then another (below)
            for name in [name for name in self.names if name in self.hidden[self.last]]:
                self._settle(self.column_of[name], alone=0)
        self._settle(self.column_of["enrolments"])  # across groups first: a group hidden whole settles many sums
        self.pending.extend(across)
        while self.pending:
            self._settle(self.pending.popleft())
        self._audit()

    def _take(self, shown: dict[str, Any]) -> None:
        """The totals row hides what `shown` (the same figures as a table above shows them) hides: settled there."""
        if shown["suppressed"]:
            self.hide_row(self.last)
        else:
            for name in COUNTS:
                if shown[name] is None:
                    self.hide(self.last, name)
            if shown["average_attendance"] is None and self.value[self.last][ATTENDANCE]:
                self.hide(self.last, ATTENDANCE)
            for session, n in (shown["dropout_sessions"] or {}).items():
                if n is None:
                    self.hide(self.last, session)
        first = self.last * _ROW_SUMS  # its sums within the row were settled above; those across groups wait
        self.pending = deque(sum_index for sum_index in self.pending if not first <= sum_index < first + _ROW_SUMS)

    def _primary(self, row: int) -> None:
        values = self.value[row]
        if 0 < values["enrolments"] < self.min_cell:
            self.hide_row(row)
        else:
            for name in [name for name, n in values.items() if 0 < n < self.min_cell]:
                self.hide(row, name)

    def _settle(self, sum_index: int, alone: int = 1) -> None:
        """A sum with exactly one hidden cell (`alone`: or as many as that) gets one more: the cheapest (see _cost)
        of its shown cells."""
        if self.hidden_in[sum_index] != alone:
            return
        if sum_index == self.column_of["enrolments"]:  # a lone group hidden whole: the next-smallest goes too
            shown = [row for row in range(self.last) if row not in self.whole]
            if shown:
                self.hide_row(min(shown, key=lambda row: (self.value[row]["enrolments"], row)))
            return
        within_row = sum_index < len(self.rows) * _ROW_SUMS  # where a row's enrolments are never the one to hide
        candidates = [(row, name) for row, name in self.cells_of(sum_index) if name not in self.hidden[row]
                      and not (within_row and name == "enrolments") and not (name == ATTENDANCE and not self.value[row][name])
                      and not (self.frozen and row == self.last and name != ATTENDANCE)]
        if not any(self.value[row][name] for row, name in candidates):  # zero bins that are no cells yet
            row, which = divmod(sum_index, _ROW_SUMS)
            if within_row and which == 2 and not (self.frozen and row == self.last):
                candidates += [(row, s) for s in self.sessions if s not in self.value[row]]
            elif not within_row and isinstance(session := self.names[sum_index - self.column_of["enrolments"]], int):
                candidates += [(r, session) for r in range(self.last) if session not in self.value[r]]
        if len(candidates) == 1:
            self.hide(*candidates[0])
        elif candidates:  # none: dropouts in a report where nobody dropped out (its empty histograms say so)
            self.hide(*min(candidates, key=lambda cell: self._cost(cell[0], cell[1], sum_index)))

    def _cost(self, row: int, name: str | int, settling: int) -> tuple[int, ...]:
        """Rank of a cell to hide beside a lone hidden one: not a zero, not the totals row, the smallest; then
        one that settles another sum rather than unsettling one; then the first."""
        value, others = self.value[row].get(name, 0), 0
        for sum_index in self.sums_of(row, name):
            hidden = self.hidden_in[sum_index]
            if sum_index != settling and hidden < 2:
                others += 1 if hidden == 0 else -1
        return value == 0, row == self.last, value, others, row, self.column_of[name]

    # -- the audit: no chain of sums may fix a hidden cell either ----------------------------------------
    # The sums make the report a network in which every figure is an arc and every sum says that what flows into
    # a node flows out of it: the totals row's enrolments flow out into the groups' enrolments, a group's into
    # its active, completed and exited (= its dropouts, the others being known), its dropouts into its bins, and
    # each of those into the totals row's, which flow back into its enrolments. Given the shown arcs, a hidden
    # arc's value is fixed exactly when it lies on no cycle of hidden arcs (it is a bridge of them). The rule
    # above now and then leaves one (two sums can combine); each one left gets a cycle: the cheapest path of other
    # cells between its ends, hidden too. Finding the bridges is one walk over the hidden cells.
    # Under a table above, the groups' hidden arcs are audited twice: among themselves (the totals row's arcs left
    # out, see __init__), and with the totals row's.
    def _audit(self) -> None:
        unfixable: set[tuple[bool, int, str | int]] = set()
        inside = self.internal
        while True:
            arcs, starts, ends = self._hidden_arcs()
            if inside:
                kept = [i for i, (row, _) in enumerate(arcs) if row != self.last]
                arcs, starts, ends = [arcs[i] for i in kept], [starts[i] for i in kept], [ends[i] for i in kept]
            bridges = [arcs[i] for i in _bridges(starts, ends, self._nodes()) if (inside, *arcs[i]) not in unfixable]
            if not bridges:
                if not inside or not self.hidden[self.last]:  # (without a hidden totals figure: the same arcs)
                    return
                inside = False  # then with the totals row's; a cell hidden for them sends us back inside
                continue
            row, name = bridges[0]
            # no loop for the exits of a row when nobody in the report dropped out: its dropouts are known to be none
            path = None if name == "exited" and not self.sessions else self._cycle_through(row, name, inside)
            if path is None:
                unfixable.add((inside, row, name))
            elif self.internal:
                inside = True
            for row, name in path or ():
                self.hide(row, name)
                if name == "exited":
                    self.hide(row, "dropouts")

    def _hidden_arcs(self) -> tuple[list[tuple[int, str | int]], list[int], list[int]]:
        """The hidden cells (exited standing for exited and dropouts) and the nodes their arcs go from and to
        (as _ends gives them, inlined for the groups: this runs over every hidden cell)."""
        arcs: list[tuple[int, str | int]] = []
        starts: list[int] = []
        ends: list[int] = []
        column = {name: 5 + i for i, name in enumerate(self.names)}
        mine = 5 + len(self.names)  # the node of the row's enrolments; its dropouts' is the next
        for row, hidden in enumerate(self.hidden):
            for name in hidden:
                if row == self.last:
                    if name == "dropouts":
                        continue
                    start, end = self._ends(row, name)
                elif name.__class__ is int:
                    start, end = mine + 1, column[name]
                elif name == "active" or name == "completed":
                    start, end = mine, column[name]
                elif name == "exited":
                    start, end = mine, mine + 1
                elif name == "enrolments":
                    start, end = 0, mine
                elif name == ATTENDANCE:
                    start, end = 3, 4
                else:
                    continue  # dropouts: the arc of exited
                arcs.append((row, name))
                starts.append(start)
                ends.append(end)
            mine += 2
        return arcs, starts, ends

    def _nodes(self) -> int:
        return 5 + len(self.names) + 2 * len(self.rows)

    def _ends(self, row: int, name: str | int) -> tuple[int, int]:
        """The nodes the arc of a cell goes from and to. 0: the totals row's enrolments out, 1: in; 2: its dropouts;
        3, 4: the averages; then one node per figure across groups; then per row its enrolments and its dropouts."""
        column = 5 + self.column_of[name] - self.column_of["enrolments"]
        if name == ATTENDANCE:
            return (3, 4) if row < self.last else (4, 3)
        if row == self.last:
            return (1, 0) if name == "enrolments" else (2, 1) if name == "exited" else \
                (column, 1) if isinstance(name, str) else (column, 2)
        mine = 5 + len(self.names) + 2 * row
        return (0, mine) if name == "enrolments" else (mine, mine + 1) if name == "exited" else \
            (mine, column) if isinstance(name, str) else (mine + 1, column)

    def _cycle_through(self, row: int, name: str | int, inside: bool = False) -> list[tuple[int, str | int]] | None:
        """The cheapest path of other cells between the ends of a hidden cell's arc (hidden cells cost nothing,
        a row's enrolments are never taken, a zero only if it must), to hide with it."""
        around: list[list[tuple[int, int, str | int, int]]] = [[] for _ in range(self._nodes())]
        for r, values in enumerate(self.value):
            for n, value in [*values.items(), *((s, 0) for s in self.sessions if s not in values)]:
                hidden = n in self.hidden[r]
                # the totals row's, but its average; none of it among the groups themselves
                frozen = r == self.last and (inside or (not hidden and n != ATTENDANCE))
                if n == "dropouts" or (r, n) == (row, name) or (n == "enrolments" and not hidden) or \
                        (n == ATTENDANCE and not value) or frozen:  # an average over nobody: known to be none
                    continue
                cost = 0 if hidden else value + 1 if value else _ZERO_COST
                u, v = self._ends(r, n)
                around[u].append((v, r, n, cost))
                around[v].append((u, r, n, cost))
        return cheapest_path(around, *self._ends(row, name))

    # -- the rows as shown ------------------------------------------------------------------------------
    def shown(self, row: int) -> dict[str, Any]:
        figures = self.rows[row]
        out = {name: figures[name] for name in ("key", "label", "total")}
        if row in self.whole:
            return {**out, "suppressed": True, **dict.fromkeys(FIGURES)}
        values, hidden = self.value[row], self.hidden[row]
        out["suppressed"] = False
        for name in COUNTS:
            out[name] = None if name in hidden else values[name]
        completed, dropouts = out["completed"], out["dropouts"]
        if completed is None or dropouts is None or completed + dropouts == 0:
            out["completion_rate"] = out["dropout_rate"] = None
        else:
            out["completion_rate"] = round(completed / (completed + dropouts), 4)
            out["dropout_rate"] = round(dropouts / (completed + dropouts), 4)
        attendance = figures["average_attendance"]
        out["average_attendance"] = (None if attendance is None or ATTENDANCE in hidden
                                     or values[ATTENDANCE] < self.min_cell else round(float(attendance), 4))
        # a bin that is zero is left out, as ever, unless it is hidden (None)
        histogram = {s: None if s in hidden else n for s, n in figures["dropout_sessions"].items()}
        if len(values) > len(COUNTS) + 1 + len(histogram):  # zero bins that became cells: the hidden ones show
            histogram = {s: None if s in hidden else n for s, n in sorted(
                (s, n) for s, n in values.items() if isinstance(s, int) and (n or s in hidden))}
        whole_histogram = dropouts is not None and dropouts >= self.min_cell and None not in histogram.values()
        out["median_dropout_session"] = median_of(figures["dropout_sessions"]) if whole_histogram else None
        out["dropout_sessions"] = histogram
        return out


Cell = TypeVar("Cell")


def cheapest_path(around: list[list[tuple[int, int, Cell, int]]], start: int, goal: int) -> list[tuple[int, Cell]] | None:
    """The cheapest path from node `start` to node `goal` over arcs `around[node]` = (other node, row, name, cost),
    as the cells (row, name) it goes along (Dijkstra); None where there is none."""
    best = {start: 0}
    came: dict[int, tuple[int, int, Cell]] = {}
    queue = [(0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            path: list[tuple[int, Cell]] = []
            while node != start:
                node, r, n = came[node]
                path.append((r, n))
            return path
        if cost == best[node]:
            for other, r, n, step in around[node]:
                if cost + step < best.get(other, cost + step + 1):
                    best[other] = cost + step
                    came[other] = (node, r, n)
                    heapq.heappush(queue, (cost + step, other))
    return None


def _bridges(starts: list[int], ends: list[int], nodes: int) -> list[int]:
    """The arcs (indexes) that lie on no cycle of the undirected multigraph they make on nodes 0..nodes - 1
    (Tarjan's walk, without recursion: `low` is the earliest node a subtree reaches other than by its own arc)."""
    around: list[list[int]] = [[] for _ in range(nodes)]  # other node, arc, other node, arc, ...
    for arc, (start, end) in enumerate(zip(starts, ends, strict=True)):
        around[start] += (end, arc)
        around[end] += (start, arc)
    order, low, via, walked = [-1] * nodes, [0] * nodes, [-1] * nodes, [0] * nodes
    found: list[int] = []
    seen = 0
    for root in range(nodes):
        if order[root] >= 0 or not around[root]:
            continue
        order[root] = low[root] = seen
        seen += 1
        stack = [root]
        while stack:
            node = stack[-1]
            here, i, descended = around[node], walked[node], False
            while i < len(here):
                other, arc = here[i], here[i + 1]
                i += 2
                if arc == via[node]:
                    continue
                if order[other] < 0:
                    order[other] = low[other] = seen
                    seen += 1
                    via[other] = arc
                    stack.append(other)
                    descended = True
                    break
                if order[other] < low[node]:
                    low[node] = order[other]
            walked[node] = i
            if not descended:
                stack.pop()
                if stack:
                    parent = stack[-1]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                    if low[node] > order[parent]:
                        found.append(via[node])
    return found
