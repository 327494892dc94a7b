"""Which cells of a table of alert counts may be shown. No I/O.

A cell of fewer than `min_cell` alerts is hidden (a small cell could point at one person). The cells of a table add
up to the alerts of the period, which a reader may know from another table over the same alerts (the roll-up's
regions and its months): so when exactly one cell is hidden, the smallest shown one is hidden beside it, and neither
is the total less the cells shown.
"""

from __future__ import annotations


def hidden_cells(counts: list[int], min_cell: int) -> set[int]:
    """The indexes of the cells to hide among `counts` (each a count of alerts, none zero)."""
    hidden = {i for i, n in enumerate(counts) if n < min_cell}
    if len(hidden) == 1:
        shown = [i for i in range(len(counts)) if i not in hidden]
        if shown:
            hidden.add(min(shown, key=lambda i: (counts[i], i)))
    return hidden
