"""Workbooks written straight as their XML (qadam.workbook), read back with openpyxl as a spreadsheet reads them."""

from __future__ import annotations

import io

import openpyxl
import pytest
from qadam.workbook import Sheet, column_name, xlsx


def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_a_table_reads_back_with_its_texts_numbers_empty_cells_and_sheets_in_order():
    rows = [["Guruh", "Kalit", "Ulush"], ["Qoʻngʻirot «A»", "k1", 0.25], ["Ўзбек & <b>", None, None],
            ["Jami", 12, 1.0], ["", 0, 3 ** 0.5]]
    book = read(xlsx([Sheet("Completion", rows), Sheet("About", [["Region", "Samarqand"], ["Smallest", 5]])]))
    assert book.sheetnames == ["Completion", "About"]
    assert [[c.value for c in r] for r in book["Completion"].iter_rows()] == [
        ["Guruh", "Kalit", "Ulush"], ["Qoʻngʻirot «A»", "k1", 0.25], ["Ўзбек & <b>", None, None], ["Jami", 12, 1.0],
        ["", 0, 3 ** 0.5]]
    assert [[c.value for c in r] for r in book["About"].iter_rows()] == [["Region", "Samarqand"], ["Smallest", 5]]


def test_text_that_looks_like_a_formula_stays_text_and_control_characters_are_written_as_excel_writes_them():
    sheet = read(xlsx([Sheet("S", [["=HYPERLINK(\"http://x\")", "+1", "a\x01b\tc"]])]))["S"]
    cells = list(sheet.iter_rows())[0]
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://x\")", "+1", "a_x0001_b\tc"]


def test_bold_rows_percentage_columns_widths_and_the_frozen_corner():
    rows = [["Name", "Rate"], ["a", 0.5], ["b", None], ["Total", 0.75]]
    sheet = read(xlsx([Sheet("S", rows, widths=[30, 12], frozen=(1, 1), bold_rows={0, 3},
                             percent_columns={1})]))["S"]
    assert sheet.freeze_panes == "B2"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (30, 12)
    assert [sheet.cell(r, 1).font.b for r in (1, 2, 4)] == [True, False, True]
    assert sheet["B1"].number_format == "General" and sheet["B1"].font.b  # a percentage column's heading is text
    assert (sheet["B2"].number_format, sheet["B4"].number_format, sheet["B4"].font.b) == ("0.0%", "0.0%", True)
    assert sheet["B3"].number_format == "0.0%" and sheet["B3"].value is None  # an empty cell keeps its format


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"a"}, True])
def test_a_value_no_cell_holds_is_refused(value):
    with pytest.raises((TypeError, ValueError)):
        xlsx([Sheet("S", [[value]])])


def test_column_names_run_from_a_to_z_then_aa():
    assert [column_name(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
