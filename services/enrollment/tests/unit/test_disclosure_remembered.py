"""Protected tables remembered by their figures (domain/disclosure.py, `_Remembered`): `suppress` answers what working
the table out anew answers, however its figures move between calls, and what a caller does with an answer never
reaches the next one."""

from __future__ import annotations

import random
from typing import Any

from enrollment.domain import disclosure
from enrollment.domain.disclosure import COUNTS, _protect, _Remembered, suppress

MIN_CELL = 5


def random_row(rng: random.Random, key: str | None, small: bool) -> dict[str, Any]:
    """A group (key None: the totals row) with figures around the smallest cell shown, so that suppression bites."""
    top = 8 if small else 40
    active, completed, others = rng.randrange(top), rng.randrange(top), rng.randrange(3)
    dropouts = {s: rng.randrange(1, top) for s in rng.sample(range(25), rng.randrange(6))}
    exited = sum(dropouts.values()) + rng.randrange(3)
    enrolments = active + completed + exited + others
    men = rng.randrange(enrolments + 1)
    return {"key": key, "label": key or "Total", "total": key is None, "enrolments": enrolments, "active": active,
            "completed": completed, "exited": exited, "dropouts": sum(dropouts.values()),
            "average_attendance": round(rng.random(), 3) if men else None, "attendance_sum": 0.0, "attendance_men": men,
            "dropout_sessions": dict(sorted(dropouts.items()))}


def random_table(rng: random.Random) -> list[dict[str, Any]]:
    groups = [random_row(rng, f"g{i}", small=rng.random() < 0.6) for i in range(rng.randint(1, 9))]
    totals = {name: sum(g[name] for g in groups) for name in (*COUNTS, "attendance_men")}
    histogram: dict[int, int] = {}
    for g in groups:
        for s, n in g["dropout_sessions"].items():
            histogram[s] = histogram.get(s, 0) + n
    return [*groups, {"key": None, "label": "Total", "total": True, **totals, "attendance_sum": 0.0,
                      "average_attendance": 0.5 if totals["attendance_men"] else None,
                      "dropout_sessions": dict(sorted(histogram.items()))}]


def moved(rng: random.Random, table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table with one figure (a count, a bin, the men averaged or the average) of one row changed."""
    out = [{**row, "dropout_sessions": dict(row["dropout_sessions"])} for row in table]
    row = rng.choice(out)
    name = rng.choice([*COUNTS, "attendance_men", "average_attendance", "bin"])
    if name == "bin":
        session = rng.randrange(25)
        row["dropout_sessions"][session] = row["dropout_sessions"].get(session, 0) + rng.choice((1, 3))
    elif name == "average_attendance":
        row[name] = round(rng.random(), 3)
    else:
        row[name] = max(0, row[name] + rng.choice((-1, 1, 4)))
    return out


def above(rng: random.Random, table: list[dict[str, Any]]) -> dict[str, Any] | None:
    """None, or the totals row as a table above might show it: as this table shows it, with a count, a bin or the
    average more hidden, or hidden whole."""
    choice = rng.randrange(5)
    if choice == 0:
        return None
    shown = _protect(table, MIN_CELL, None)[-1]
    if choice == 3 or shown["suppressed"]:
        return {**shown, "suppressed": True, **dict.fromkeys((*COUNTS, "average_attendance", "dropout_sessions"))}
    if choice == 4:
        shown["average_attendance"] = None
    if choice == 2:
        shown[rng.choice(COUNTS[1:])] = None
        if shown["dropout_sessions"]:
            shown["dropout_sessions"][rng.choice(list(shown["dropout_sessions"]))] = None
    return shown


def more_hidden(rng: random.Random, fixed: dict[str, Any] | None) -> dict[str, Any] | None:
    """The totals row above with one more of its figures hidden (a count, a bin or the average), if one is shown."""
    if fixed is None:
        return None
    out = {**fixed, "dropout_sessions": None if fixed["dropout_sessions"] is None else dict(fixed["dropout_sessions"])}
    shown = [name for name in (*COUNTS[1:], "average_attendance") if out[name] is not None]
    shown += [session for session, n in (out["dropout_sessions"] or {}).items() if n is not None]
    if shown:
        name = rng.choice(shown)
        if isinstance(name, int):
            out["dropout_sessions"][name] = None
        else:
            out[name] = None
    return out


def test_a_remembered_table_is_what_working_it_out_anew_gives_however_its_figures_move():
    """600 random tables, each asked for again as it was, with one figure moved and moved back, and under a totals
    row above that hides one figure more: every answer is the one worked out from scratch."""
    rng = random.Random(20)
    remembered = 0
    for _ in range(600):
        table = random_table(rng)
        fixed = above(rng, table)
        changed, hiding_more = moved(rng, table), more_hidden(rng, fixed)
        for rows, fixed_row in ((table, fixed), (table, fixed), (changed, fixed), (table, hiding_more),
                                (table, fixed), (changed, hiding_more)):
            expected = _protect(rows, MIN_CELL, fixed_row)
            remembered += _remembered(rows, fixed_row)
            assert suppress(rows, MIN_CELL, totals=fixed_row) == expected, (rows, fixed_row)
    assert remembered > 1000  # the tables asked for again were answered from memory


def _remembered(rows: list[dict[str, Any]], fixed: dict[str, Any] | None) -> int:
    """1 if the table is remembered now (the next `suppress` of it answers from memory), else 0."""
    key = (MIN_CELL, None if fixed is None else disclosure._figures(fixed, disclosure._READ_ABOVE),
           *[disclosure._figures(row, disclosure._READ) for row in rows])
    return int(key in disclosure._REMEMBERED.tables)


def test_what_a_caller_does_with_an_answer_never_reaches_the_next_one():
    rng = random.Random(7)
    table = random_table(rng)
    first = suppress(table, MIN_CELL)
    expected = _protect(table, MIN_CELL, None)
    for row in first:
        row["enrolments"] = -1
        if row["dropout_sessions"] is not None:
            row["dropout_sessions"][99] = 1
    assert suppress(table, MIN_CELL) == expected


def test_the_labels_are_the_rows_own_where_the_figures_are_a_table_remembered():
    """The same figures under other labels (another language's totals row): the figures remembered, the labels not."""
    rng = random.Random(3)
    table = random_table(rng)
    suppress(table, MIN_CELL)
    relabelled = [{**row, "label": f"«{row['label']}»", "key": row["key"] and row["key"].upper()} for row in table]
    assert suppress(relabelled, MIN_CELL) == _protect(relabelled, MIN_CELL, None)


def test_the_least_recently_shown_tables_are_forgotten_beyond_the_rows_it_keeps():
    rng = random.Random(11)
    memory = _Remembered(most_rows=40)
    tables = [random_table(rng) for _ in range(30)]
    for table in tables:
        assert memory.shown(table, MIN_CELL, None) == _protect(table, MIN_CELL, None)
        assert memory.rows == sum(len(t) for t in memory.tables.values()) <= 40
    assert 0 < len(memory.tables) < len(tables)
    last = tables[-1]
    assert memory.shown(last, MIN_CELL, None) == _protect(last, MIN_CELL, None)


def test_averages_that_differ_only_past_the_four_places_shown_are_the_same_table():
    """A parallel aggregate sums floats in another order from one call to the next: the same table, answered as
    worked out anew; an average that moves in the places shown is another table."""
    rng = random.Random(5)
    table = [{**row, "average_attendance": 0.61234} for row in random_table(rng)]
    suppress(table, MIN_CELL)
    nudged = [{**row, "average_attendance": row["average_attendance"] + 1e-12} for row in table]
    assert _remembered(nudged, None)
    assert suppress(nudged, MIN_CELL) == _protect(nudged, MIN_CELL, None)
    moved_shown = [{**row, "average_attendance": 0.6124} for row in table]
    assert not _remembered(moved_shown, None)
    assert suppress(moved_shown, MIN_CELL) == _protect(moved_shown, MIN_CELL, None)
