"""Plain tables as CSV files to download: UTF-8 with a byte-order mark (so that Excel reads ʻ, ʼ and Cyrillic), an
empty cell for None, numbers as the caller writes them, and text a spreadsheet would run as a formula (OWASP "CSV
injection": names are typed by people) kept as text. The .xlsx counterpart is workbook.py.

    csv_bytes(rows, delimiter=";", number=lambda n: format_number(n))
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# what a spreadsheet reads as the start of a formula
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """Text as a cell that stays text: one that could run as a formula behind a quote (which Excel hides)."""
    return f"'{value}" if value.startswith(FORMULA) else value


def csv_cell(value: Any, number: Callable[[int | float], str] = str) -> str:
    """One cell: None empty, a number written by `number` (a bool as 1 or 0), anything else as text (`as_text`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return number(value)
    return as_text(str(value))


def csv_bytes(rows: Iterable[Sequence[Any]], *, delimiter: str = ",",
              number: Callable[[int | float], str] = str) -> bytes:
    """The rows as a CSV file: UTF-8 with a byte-order mark, cells separated by `delimiter`, each as `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for cells in rows:
        writer.writerow([csv_cell(c, number) for c in cells])
    return buffer.getvalue().encode("utf-8-sig")
