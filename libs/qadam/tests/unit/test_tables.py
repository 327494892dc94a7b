"""The kit's CSV writing: a file Excel opens in UTF-8, empty cells for None, numbers as the caller writes them, and
text that a spreadsheet would run as a formula kept as text."""

from __future__ import annotations

import csv
import io

from qadam.tables import as_text, csv_bytes, csv_cell


def test_a_csv_file_starts_with_a_byte_order_mark_and_reads_back_cell_for_cell():
    data = csv_bytes([["region", "men", "rate"], ["Qoraqalpogʻiston", 12, 0.25], ["Xorazm", None, None]])
    assert data.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["region", "men", "rate"], ["Qoraqalpogʻiston", "12", "0.25"], ["Xorazm", "", ""]]


def test_numbers_are_written_by_the_caller_and_the_separator_is_the_caller_s():
    data = csv_bytes([[1.5, 2]], delimiter=";", number=lambda n: str(n).replace(".", ","))
    assert data.decode("utf-8-sig") == "1,5;2\r\n"


def test_text_that_would_run_as_a_formula_stays_text():
    for text in ("=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx"):
        assert as_text(text) == "'" + text and csv_cell(text) == "'" + text
    assert as_text("Nukus") == "Nukus" and csv_cell(-2) == "-2"  # a number is a number
    assert csv_cell(True) == "1" and csv_cell(False) == "0" and csv_cell(None) == ""
