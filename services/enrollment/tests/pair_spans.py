"""The spans of a pair of reports' shown figures, for the pair tests (test_report_pairs.py, test_outcome_pairs.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qadam.spans import Span, Vector

Spans = tuple[Span, dict[Any, Vector], Span]  # the rows' basis, each shown row in it, the shown figures


def pair_spans(kept: dict[tuple[int, Any], Spans], first: int, second: int, key: Any,
               added: Callable[[int, Span, dict[Any, Vector], Span], None]) -> Spans:
    """The spans of the shown figures of reports `first` and `second`, `added(number, *spans)` adding a report's.
    The first report's are worked out once for all its pairs and kept in `kept` under (first, `key`: what else fixes
    their basis, the second's grouping); the pairs come first report by first report, so only the latest is kept.
    Each pair gets a copy, the second report's figures added to it: the first report's are the same vectors in the
    same basis whichever report is second, and whether a vector lies in a span does not depend on its basis."""
    if (first, key) not in kept:
        kept.clear()
        alone: Spans = (Span(), {}, Span(tracked=False))
        added(first, *alone)
        kept[(first, key)] = alone
    rows_alone, rows_first, shown_alone = kept[(first, key)]
    spans = (rows_alone.copy(), dict(rows_first), shown_alone.copy())
    if second != first:
        added(second, *spans)
    return spans
