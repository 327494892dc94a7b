"""The pair tests' linear algebra (qadam.spans): spans of 0/1 vectors modulo a prime, against fractions."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

from qadam.spans import PRIME, Span, differenced_into, fixed, minus, times


def in_span_exactly(vectors: list[set[int]], target: set[int], size: int) -> bool:
    """Over the rationals, by elimination in fractions: the slow, obvious way."""
    rows: list[list[Fraction]] = []

    def reduced(keys: set[int]) -> list[Fraction]:
        line = [Fraction(int(i in keys)) for i in range(size)]
        for row in rows:
            pivot = next(i for i, x in enumerate(row) if x)
            factor = line[pivot] / row[pivot]
            line = [x - factor * y for x, y in zip(line, row, strict=True)]
        return line

    for keys in vectors:
        if any(line := reduced(keys)):
            rows.append(line)
    return not any(reduced(target))


def test_a_vector_fixed_only_by_halving_is_found():
    # a+b, b+c, a+c: a = (ab - bc + ac) / 2, found modulo the prime as over the rationals
    span = Span(tracked=False)
    for keys in ({"a", "b"}, {"b", "c"}, {"a", "c"}):
        span.add(keys)
    assert {"a"} in span
    assert {"a", "d"} not in span
    assert span.left({"a", "d"}) == {"d": 1}


def test_coordinates_make_the_vector_back_from_the_basis():
    span = Span()
    basis = [{"a": 1, "b": 1}, {"b": 1, "c": 1}, {"a": 1, "c": 1}]
    assert [span.coordinates(v) for v in basis] == [{0: 1}, {1: 1}, {2: 1}]
    made = span.coordinates({"a": 1})  # in the span now: not added
    assert span.size == 3
    back: dict[str, int] = {}
    for index, x in made.items():
        minus(back, basis[index], PRIME - x)
    assert back == {"a": 1}
    assert Span(tracked=False).reduce({"a": 1})[1] == {}


def test_adding_says_whether_the_span_grew():
    span = Span(tracked=False)
    assert span.add({1, 2}) and span.add({2}) and not span.add({1}) and not span.add(set())


def test_random_spans_agree_with_fractions():
    rng = random.Random(7)
    for _ in range(150):
        size = rng.randint(2, 9)
        vectors = [{i for i in range(size) if rng.random() < 0.4} for _ in range(rng.randint(1, 8))]
        target = {i for i in range(size) if rng.random() < 0.4}
        span = Span(tracked=rng.random() < 0.5)
        for vector in vectors:
            span.add(vector)
        assert (target in span) == in_span_exactly(vectors, target, size), (vectors, target)
        wanted = [t for t in ({i} for i in range(size)) if in_span_exactly(vectors, t, size)]
        assert [{i} for i in fixed(vectors, [{i} for i in range(size)])] == wanted


def test_fixed_leaves_out_what_splits_an_atom_or_counts_nobody():
    # shown: region totals A = a1 + a2 and the nation a1 + a2 + b; a1 and a2 are never told apart
    shown = [{"a1", "a2"}, {"a1", "a2", "b"}]
    assert fixed(shown, [{"b"}, {"a1"}, set(), {"c"}, {"a1", "a2"}]) == [0, 4]


def test_a_figure_over_rows_and_classes():
    assert times({0: 1, 1: 2}, ["x", "y"]) == {(0, "x"): 1, (0, "y"): 1, (1, "x"): 2, (1, "y"): 2}


def test_the_periods_a_pair_differences_into():
    assert differenced_into((0, 1), (0,), (1,))  # Q2 = (Q1 to Q2) - Q1
    assert differenced_into((0, 1), (2, 3), (0, 1, 2, 3))
    assert differenced_into((0,), (0,), (0,))
    assert not differenced_into((0,), (2,), (1,))
    assert not differenced_into((0, 1), (1, 2), (0, 1, 2))  # the sum counts Q2 twice
    reached = {t for t in itertools.combinations_with_replacement(range(4), 2)
               if differenced_into((0, 1, 2), (1,), tuple(range(t[0], t[1] + 1)))}
    assert reached == {(0, 2), (1, 1)}


def test_a_copy_grows_apart_from_its_span():
    span = Span()
    span.add({"a"})
    twin = span.copy()
    assert twin.add({"b"}) and {"b"} in twin
    assert {"b"} not in span and span.size == 1 and twin.size == 2
    assert twin.coordinates({"a"}) == span.coordinates({"a"})
