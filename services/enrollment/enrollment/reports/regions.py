"""One quarter of a report as the top-down protection takes it (domain/disclosure.py `top_down`): the table of
regions and, per region the report covers, its groups under its row. The completion and outcome reports each say
what a row's figures are and how they add up; the shape is this module's. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Figures = dict[str, Any]
Table = list[dict[str, Any]]


def region_tables(rows: list[Any], *, figures_of: Callable[[Any], Figures], added: Callable[[list[Figures]], Figures],
                  key_and_label: Callable[[Any], tuple[str | None, str]], group_by: str, region: str | None,
                  total_label: str) -> tuple[Table, dict[str, Table]]:
    """A quarter's raw rows (each with its region `r`) -> its table of regions (a row per region, sorted by its stored
    name, then the nation's: each the sum of its parts) and, per region the report covers (`region`, or every one),
    its groups and its totals row. Groups are sorted by key, not by the label in the reader's language: where two
    figures tie, the one hidden is the same in every language (the page's English and a download's Russian must hide
    alike). Grouped by region, a region's one group is itself, labelled by `key_and_label({"k0": region})`."""
    of_region: dict[str, list[Figures]] = {}
    groups_of: dict[str, Table] = {}
    for row in rows:
        figures = figures_of(row)
        of_region.setdefault(row["r"], []).append(figures)
        if group_by != "region" and (region is None or row["r"] == region):
            key, label = key_and_label(row)
            groups_of.setdefault(row["r"], []).append({"key": key, "label": label, "total": False, **figures})
    regions = {r: added(parts) for r, parts in sorted(of_region.items())}
    top: Table = [*({"key": r, "label": r, "total": False, **figures} for r, figures in regions.items()),
                  {"key": None, "label": total_label, "total": True, **added(list(regions.values()))}]
    part: dict[str, Table] = {}
    for r, figures in regions.items():
        if region is not None and r != region:
            continue
        if group_by == "region":
            key, label = key_and_label({"k0": r})
            groups: Table = [{"key": key, "label": label, "total": False, **figures}]
        else:
            groups = sorted(groups_of.get(r, []), key=lambda g: (g["key"] is not None, g["key"] or ""))
        part[r] = [*groups, {"key": None, "label": total_label, "total": True, **figures}]
    return top, part
