"""Which counts of alerts may be shown, across every table of them a reader can ask for. No I/O.

The tables: a region's figures by district and level (GET /figures), the roll-up's by region and level and its
alerts by month, of a region or of the nation (GET /figures/regions), each over a run of whole quarters. They nest:
a region's row of a level is the sum of its districts' rows of that level; a region's quarter is the sum of its rows
and the sum of its months; the nation's month is the sum of the regions' months, and the nation's quarter the sum of
every region's rows. A count of fewer than `min_cell` alerts is hidden (a small cell could point at one person), and
so must be any count that the shown ones would give back by adding and subtracting, whoever asks and whichever tables
he puts side by side.

Those sums are the conservation laws of a network (`Network`): a node for the nation, one per region and one per
month; a region's row of a level is an edge nation → region, its month an edge region → month, the nation's month an
edge month → nation; whatever flows into a node flows out of it. The shown edges are known, and the hidden ones are
fixed by them exactly where a hidden edge lies on no cycle of hidden edges (a bridge): any cycle can carry more or
less without changing a shown figure, and nothing else can. So a quarter is protected top down, once for everyone:

1. the regions' rows and months and the nation's months (`Network.protect`): the small ones are hidden, then while a
   hidden edge is a bridge, the cheapest path of shown edges (fewest alerts) that closes a cycle through it is hidden
   too;
2. each region's districts, inside it, with the region's row of each level as a fixed margin (`district_cells`): where
   the region's row is shown, none or at least two of its districts are hidden (then only their sum is known); where
   it is hidden, at least one is (else they would add up to it).

A figure over several quarters is shown only where each quarter that has alerts of it shows it: it is then a sum of
figures shown, and the difference of two periods tells nothing the quarters do not.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

NATION = ("nation",)


@dataclass(frozen=True)
class AlertCell:
    """The alerts of one district and level raised in one local month (of the quarter `quarter`)."""

    quarter: Any
    region: str
    district: str
    level: str
    month: str
    alerts: int


@dataclass
class Network:
    """Counts of alerts as the edges of a network whose nodes each pass on what they receive (see the module)."""

    edges: dict[Hashable, tuple[Hashable, Hashable, int]] = field(default_factory=dict)

    def add(self, key: Hashable, ends: tuple[Hashable, Hashable], count: int) -> None:
        _, _, before = self.edges.get(key, (*ends, 0))
        self.edges[key] = (*ends, before + count)

    def protect(self, min_cell: int) -> set[Hashable]:
        """The edges to hide: those of fewer than `min_cell` alerts (none is zero), and enough others that none of
        them is a bridge of the hidden ones (each lies on a cycle of hidden edges)."""
        hidden = {key for key, (_, _, count) in self.edges.items() if count < min_cell}
        while (bridge := next((key for key in self.edges if key in hidden and self._bridge(key, hidden)), None)):
            path = self._cheapest_path(bridge, hidden)
            if not path:  # cannot be: the edges of a network that conserves what flows carry nothing on a bridge
                raise ValueError(f"no cycle closes through {bridge!r}")
            hidden |= path
        return hidden

    def _neighbours(self, keys: Iterable[Hashable]) -> dict[Hashable, list[tuple[Hashable, Hashable]]]:
        out: dict[Hashable, list[tuple[Hashable, Hashable]]] = {}
        for key in keys:
            u, v, _ = self.edges[key]
            out.setdefault(u, []).append((v, key))
            out.setdefault(v, []).append((u, key))
        return out

    def _bridge(self, key: Hashable, hidden: set[Hashable]) -> bool:
        """Whether `key`'s two ends are joined by no other path of hidden edges."""
        start, goal, _ = self.edges[key]
        near = self._neighbours(k for k in hidden if k != key)
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return False
            for other, _edge in near.get(node, []):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return True

    def _cheapest_path(self, key: Hashable, hidden: set[Hashable]) -> set[Hashable]:
        """The edges, besides `key`, of the path between its ends that hides the fewest alerts more (hidden edges
        cost nothing; then the fewest edges); empty if there is none."""
        start, goal, _ = self.edges[key]
        near = self._neighbours(k for k in self.edges if k != key)
        order = itertools.count()  # ties broken by the order found, never by comparing nodes
        queue: list[tuple[int, int, int, Hashable]] = [(0, 0, next(order), start)]
        best: dict[Hashable, tuple[int, int]] = {start: (0, 0)}
        came: dict[Hashable, tuple[Hashable, Hashable]] = {}
        while queue:
            cost, hops, _, node = heapq.heappop(queue)
            if node == goal:
                path: set[Hashable] = set()
                while node != start:
                    node, edge = came[node]
                    path.add(edge)
                return path
            if (cost, hops) > best.get(node, (cost, hops)):
                continue
            for other, edge in near.get(node, []):
                step = (cost + (0 if edge in hidden else self.edges[edge][2]), hops + 1)
                if other not in best or step < best[other]:
                    best[other], came[other] = step, (node, edge)
                    heapq.heappush(queue, (*step, next(order), other))
        return set()


@dataclass(frozen=True)
class Hidden:
    """What a period's tables hide: a region's row of a level, a district's row of a level (its region's), a
    region's month, the nation's month."""

    rows: frozenset[tuple[str, str]]
    districts: frozenset[tuple[str, str, str]]
    region_months: frozenset[tuple[str, str]]
    nation_months: frozenset[str]


def hidden_figures(cells: Iterable[AlertCell], min_cell: int) -> Hidden:
    """What every table of alerts hides over a run of quarters, from the alerts of each district, level and month of
    the whole country in it: each quarter protected on its own (`quarter_hidden`), and a figure over the run hidden
    where any quarter hides it."""
    by_quarter: dict[Any, list[AlertCell]] = {}
    for cell in cells:
        by_quarter.setdefault(cell.quarter, []).append(cell)
    parts = [quarter_hidden(quarter_cells, min_cell) for quarter_cells in by_quarter.values()]
    return Hidden(*(frozenset().union(*(getattr(p, name) for p in parts))
                    for name in ("rows", "districts", "region_months", "nation_months")))


def quarter_hidden(cells: list[AlertCell], min_cell: int) -> Hidden:
    """One quarter's hidden figures, top down (see the module): the regions' rows and months and the nation's
    months first, then each region's districts with its rows as fixed margins."""
    network = Network()
    for c in cells:
        network.add(("row", c.region, c.level), (NATION, ("region", c.region)), c.alerts)
        network.add(("region month", c.region, c.month), (("region", c.region), ("month", c.month)), c.alerts)
        network.add(("nation month", c.month), (("month", c.month), NATION), c.alerts)
    top = [cast(tuple[str, str, str] | tuple[str, str], key) for key in network.protect(min_cell)]
    rows = frozenset((k[1], k[-1]) for k in top if k[0] == "row")
    districts: dict[tuple[str, str], dict[str, int]] = {}
    for c in cells:
        bundle = districts.setdefault((c.region, c.level), {})
        bundle[c.district] = bundle.get(c.district, 0) + c.alerts
    hidden_districts = frozenset(
        (region, district, level) for (region, level), counts in districts.items()
        for district in district_cells(counts, min_cell, margin_hidden=(region, level) in rows))
    return Hidden(rows=rows, districts=hidden_districts,
                  region_months=frozenset((k[1], k[-1]) for k in top if k[0] == "region month"),
                  nation_months=frozenset(k[1] for k in top if k[0] == "nation month"))


def district_cells(counts: dict[str, int], min_cell: int, *, margin_hidden: bool) -> set[str]:
    """The districts to hide among one region's of one level (`counts`: {district: alerts}, none zero), given whether
    the region's row of that level (their sum) is hidden: the small ones, and the smallest others until none or at
    least two are hidden where the sum is shown, and at least one where it is hidden."""
    hidden = {d for d, n in counts.items() if n < min_cell}
    smallest = sorted((d for d in counts if d not in hidden), key=lambda d: (counts[d], d))
    wanted = 1 if margin_hidden else (2 if hidden else 0)
    while len(hidden) < wanted and smallest:
        hidden.add(smallest.pop(0))
    return hidden
