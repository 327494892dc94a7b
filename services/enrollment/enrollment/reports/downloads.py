"""The completion report as files to download: CSV (for any spreadsheet) and an Excel workbook."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .completion import Report

GROUP_HEADINGS = {"programme": "Programme", "cohort": "Cohort", "district": "District",
                  "referral_source": "Referral source", "facilitator": "Facilitator"}
# (field, heading) of the download's columns, before one column per session at which people dropped out
COLUMNS = (
    ("key", "Key"),
    ("suppressed", "Suppressed"),
    ("enrolments", "Enrolments"),
    ("active", "Still in programme"),
    ("completed", "Completed"),
    ("exited", "Exited"),
    ("dropouts", "Dropped out"),
    ("completion_rate", "Completion rate"),
    ("dropout_rate", "Dropout rate"),
    ("average_attendance", "Average attendance"),
    ("median_dropout_session", "Median session of dropping out"),
)
RATES = frozenset({"completion_rate", "dropout_rate", "average_attendance"})
SESSION_HEADING = "Dropped out at session {}"
# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): names are typed by people.
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def table(report: Report) -> list[list[Any]]:
    """The download's rows: a heading row, a row per group, the totals row. None stays None (an empty cell)."""
    rows = [*report["groups"], report["totals"]]
    sessions = sorted({n for row in rows for n in (row["dropout_sessions"] or {})})
    out: list[list[Any]] = [[GROUP_HEADINGS[report["group_by"]], *(h for _, h in COLUMNS),
                             *(SESSION_HEADING.format(n) for n in sessions)]]
    for row in rows:
        cells: list[Any] = [row["label"]]
        for name, _ in COLUMNS:
            cells.append(("yes" if row[name] else "no") if name == "suppressed" else row[name])
        histogram = row["dropout_sessions"]
        cells += [None if histogram is None else histogram.get(n, 0) for n in sessions]
        out.append(cells)
    return out


def csv_file(report: Report) -> bytes:
    """The report as CSV: UTF-8 with a byte-order mark, an empty cell for a null figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in table(report):
        writer.writerow(["" if c is None else f"'{c}" if isinstance(c, str) and c.startswith(FORMULA) else c
                         for c in cells])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8 (ʻ, ʼ, Cyrillic)


def xlsx_file(report: Report) -> bytes:
    """The report as an Excel workbook: the table on "Completion", what it covers on "About"."""
    # write-only: streamed rows, a quarter faster and far smaller in memory on a row per cohort of the country
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Completion")
    heading, *body = table(report)
    rates = {index for index, h in enumerate(heading) if h in {h for name, h in COLUMNS if name in RATES}}
    for index, text in enumerate(heading):
        # the label and key columns as wide as what they hold, the figures as wide as their heading
        values = [text, *(cells[index] for cells in body)] if index < 2 else [text]
        width = max(len(str(v)) for v in values) + 2
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(12, min(45, width))
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)

    def styled(value: Any, *, strong: bool = False, rate: bool = False) -> Cell:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # a name that begins with "=" is text, never a formula
        if strong:
            cell.font = bold
        if rate:
            cell.number_format = "0.0%"
        return cell

    sheet.append([styled(text, strong=True) for text in heading])
    for number, cells in enumerate(body, start=1):
        total = number == len(body)
        sheet.append([styled(value, strong=total, rate=index in rates)
                      if total or index in rates or isinstance(value, str) else value for index, value in enumerate(cells)])
    about = book.create_sheet("About")
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 60
    for line in (
        ("Report", "Completion, dropout and attendance"),
        ("Grouped by", GROUP_HEADINGS[report["group_by"]]),
        ("Region", report["region"] or "Whole country"),
        ("Started from", report["date_from"]),
        ("Started to", report["date_to"]),
        ("Smallest cell shown", report["min_cell"]),
        ("Empty cells", f"Suppressed (a count from 1 to {report['min_cell'] - 1}, a figure computed over one, or one "
                        "hidden beside it so that it cannot be worked out), or nothing to compute."),
    ):
        about.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
