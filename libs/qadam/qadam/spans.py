"""Spans of vectors, exact modulo a prime: the linear algebra of deciding whether hidden figures can be worked out
from shown ones (a report's suppression of small cells, and the pair tests that prove it across reports).

A pair test asks whether a figure a report hides can be worked out from what two reports show: the unknowns are the
counts of the finest cells, every figure shown is an equation (a sum of cells = its value), and a hidden figure is
fixed exactly when its vector lies in the span of the shown figures' vectors.

Why modulo a 61-bit prime is sound (and why not fractions: a 20th of the time): a figure fixed by the shown ones is a
rational combination of them; clearing denominators, c·v = Σ aᵢ·sᵢ in the integers, with c ≠ 0. Modulo PRIME, v lies
in the span of the sᵢ too unless PRIME divides c, and for these 0/1 vectors c is a determinant of a 0/1 matrix, far
smaller than 2⁶¹ - 1: a hidden figure the reports fix is never missed. The other way (a figure found in the span
modulo PRIME that is not in it over the rationals) would need PRIME to divide a non-zero minor, equally out of reach;
either way a pair test would only report a figure to look at by hand, never pass wrongly.

Vectors are sparse: a dict of key -> value (zeros dropped), or for a 0/1 vector any collection of its keys.
- `Span`: vectors added one by one, kept in echelon form with each row scaled to 1 at its pivot (its inverse worked
  out once, when it is added, not at every reduction); `tracked` spans also keep each row in the coordinates of the
  basis (what `coordinates` answers), an untracked one (only asked what it leaves) keeps none;
- `fixed`: which of some 0/1 vectors lie in the span of others, reduced first to the atoms of the shown ones;
- `differenced_into`: whether a run of quarters is a sum of two others (P1 - P2, P1 + P2, ...).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import Any

PRIME = (1 << 61) - 1
Vector = dict[Any, int]


def as_vector(vector: Mapping[Any, int] | Collection[Hashable]) -> Vector:
    """A fresh sparse vector: a copy of a dict, or 1 at each key of a collection (a 0/1 vector)."""
    return dict(vector) if isinstance(vector, Mapping) else dict.fromkeys(vector, 1)


def minus(vector: Vector, other: Mapping[Any, int], factor: int) -> Vector:
    """vector - factor × other (modulo PRIME), sparse, zeros dropped; `vector` is changed in place and returned."""
    for key, value in other.items():
        left = (vector.get(key, 0) - factor * value) % PRIME
        if left:
            vector[key] = left
        else:
            vector.pop(key, None)
    return vector


def times(row: Mapping[Any, int], kinds: Iterable[Hashable]) -> Vector:
    """row ⊗ kinds: the vector of (key, kind) for every key of `row` and every kind (a figure that adds up a row's
    cells in some classes, written over (row basis, class))."""
    kinds = list(kinds)
    return {(key, kind): value for key, value in row.items() for kind in kinds}


class Span:
    """The span of vectors added one by one (exact, modulo PRIME), in echelon form; `reduce` leaves nothing of a vector
    that lies in it. Each row is kept scaled to 1 at its pivot and, when `tracked`, with how it is made of the vectors
    kept as the span's basis (`coordinates`)."""

    def __init__(self, tracked: bool = True) -> None:
        self.rows: list[tuple[Any, Vector, Vector]] = []  # (pivot, row, the row in the basis' coordinates)
        self.size = 0
        self.tracked = tracked

    def copy(self) -> Span:
        """A span that can grow apart from this one (its rows are never changed once added: the list is copied)."""
        twin = Span(tracked=self.tracked)
        twin.rows, twin.size = list(self.rows), self.size
        return twin

    def reduce(self, vector: Mapping[Any, int] | Collection[Hashable]) -> tuple[Vector, Vector]:
        """What is left of `vector` outside the span, and (vector - what is left) in the basis' coordinates (empty
        when the span is not `tracked`)."""
        left = as_vector(vector)
        made: Vector = {}
        for pivot, row, coordinates in self.rows:
            factor = left.get(pivot)
            if factor:
                minus(left, row, factor)
                if self.tracked:
                    minus(made, coordinates, PRIME - factor)
        return left, made

    def left(self, vector: Mapping[Any, int] | Collection[Hashable]) -> Vector:
        """What is left of `vector` outside the span (nothing: it lies in it)."""
        return self.reduce(vector)[0]

    def __contains__(self, vector: Mapping[Any, int] | Collection[Hashable]) -> bool:
        return not self.reduce(vector)[0]

    def coordinates(self, vector: Mapping[Any, int] | Collection[Hashable]) -> Vector:
        """The vector in the basis' coordinates (empty when not `tracked`), added to the basis when it is not in the
        span yet."""
        left, made = self.reduce(vector)
        if not left:
            return made
        index, self.size = self.size, self.size + 1
        pivot = next(iter(left))
        inverse = pow(left[pivot], PRIME - 2, PRIME)
        coordinates = minus({index: 1}, made, 1) if self.tracked else {}
        self.rows.append((pivot, {k: v * inverse % PRIME for k, v in left.items()},
                          {k: v * inverse % PRIME for k, v in coordinates.items()}))
        return {index: 1} if self.tracked else {}

    def add(self, vector: Mapping[Any, int] | Collection[Hashable]) -> bool:
        """Add a vector; whether the span grew."""
        before = len(self.rows)
        self.coordinates(vector)
        return len(self.rows) > before


def fixed(shown: Iterable[Collection[Hashable]], hidden: list[Collection[Hashable]]) -> list[int]:
    """The indexes of the `hidden` 0/1 vectors (each the set of its keys) that lie in the span of the `shown` ones.

    Every vector of that span is the same on the keys no shown vector tells apart (its atoms): a hidden vector that
    splits an atom, or counts a key no shown one does, is not in it; the others are written over the atoms, a space
    far smaller than the keys'. An empty hidden vector (it counts nobody) is left out: it is known to be none."""
    shown = list(shown)
    signature: dict[Any, list[int]] = {}
    for i, keys in enumerate(shown):
        for key in keys:
            signature.setdefault(key, []).append(i)
    atom_of = {key: tuple(sig) for key, sig in signature.items()}
    atoms: dict[tuple[int, ...], set[Any]] = {}
    for key, atom in atom_of.items():
        atoms.setdefault(atom, set()).add(key)
    span = Span(tracked=False)
    for keys in shown:
        span.add({atom_of[key] for key in keys})
    found = []
    for index, keys in enumerate(hidden):
        if not keys or any(key not in atom_of for key in keys):
            continue
        over = {atom_of[key] for key in keys}
        whole = set(keys)
        if any(not atoms[atom] <= whole for atom in over):
            continue
        if over in span:
            found.append(index)
    return found


def differenced_into(first: Iterable[int], second: Iterable[int], target: Iterable[int]) -> bool:
    """Whether the run of quarters `target` is x·first + y·second for x, y in -1, 0, 1 (a quarter's figures as the
    difference of two runs, a run's as the sum of two): the periods a pair of reports can be differenced into."""
    ones = [dict.fromkeys(first, 1), dict.fromkeys(second, 1)]
    wanted = dict.fromkeys(target, 1)
    quarters = {*ones[0], *ones[1]}
    return any({q: n for q in quarters if (n := x * ones[0].get(q, 0) + y * ones[1].get(q, 0))} == wanted
               for x in (-1, 0, 1) for y in (-1, 0, 1))
