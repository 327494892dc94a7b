"""The completion report as files to download, in the reader's language: CSV (for any spreadsheet) and an Excel
workbook. The words come from enrollment's catalogue in qadam_words (domain `enrollment`); in a CSV numbers are
written as the language writes them, and its cells separated as a spreadsheet set to that language expects them."""

from __future__ import annotations

from typing import Any

from qadam import tables
from qadam.workbook import Sheet, xlsx
from qadam_words import N_, Words, words
from qadam_words.places import place_name

from .completion import NO_PROGRAMME_VERSION, REFERRAL_SOURCE_LABELS, TOTAL_LABEL, Report

DOMAIN = "enrollment"
GROUP_HEADINGS = {"programme": N_("Programme"), "cohort": N_("Cohort"), "district": N_("District"),
                  "referral_source": N_("Referral source"), "facilitator": N_("Facilitator")}
# (field, heading) of the download's columns, before one column per session at which people dropped out
COLUMNS = (
    ("key", N_("Key")),
    ("suppressed", N_("Suppressed")),
    ("enrolments", N_("Enrolments")),
    ("active", N_("Still in programme")),
    ("completed", N_("Completed")),
    ("exited", N_("Exited")),
    ("dropouts", N_("Dropped out")),
    ("completion_rate", N_("Completion rate")),
    ("dropout_rate", N_("Dropout rate")),
    ("average_attendance", N_("Average attendance")),
    ("median_dropout_session", N_("Median session of dropping out")),
)
RATES = frozenset({"completion_rate", "dropout_rate", "average_attendance"})
SESSION_HEADING = N_("Dropped out at session %(n)s")
YES, NO = N_("yes"), N_("no")
COMPLETION_SHEET, ABOUT_SHEET = N_("Completion"), N_("About")


def _label(row: dict[str, Any], group_by: str, w: Words) -> str:
    """A row's label: the report's own words in the reader's language, a name people typed as they typed it."""
    if row["total"]:
        return w.gettext(TOTAL_LABEL)
    if group_by == "referral_source" and row["key"] in REFERRAL_SOURCE_LABELS:
        return w.gettext(REFERRAL_SOURCE_LABELS[row["key"]])
    if group_by == "programme" and row["key"] is None:
        return w.gettext(NO_PROGRAMME_VERSION)
    return str(row["label"])


def table(report: Report, w: Words) -> list[list[Any]]:
    """The download's rows in `w`'s language: a heading row, a row per group, the totals row. Figures stay numbers;
    None stays None (an empty cell)."""
    rows = [*report["groups"], report["totals"]]
    sessions = sorted({int(n) for row in rows for n in (row["dropout_sessions"] or {})})
    out: list[list[Any]] = [[w.gettext(GROUP_HEADINGS[report["group_by"]]), *(w.gettext(h) for _, h in COLUMNS),
                             *(w.gettext(SESSION_HEADING, n=n) for n in sessions)]]
    for row in rows:
        cells: list[Any] = [_label(dict(row), report["group_by"], w)]
        for name, _ in COLUMNS:
            cells.append(w.gettext(YES if row[name] else NO) if name == "suppressed" else row[name])
        histogram = {int(k): v for k, v in (row["dropout_sessions"] or {}).items()}
        cells += [None if row["dropout_sessions"] is None else histogram.get(n, 0) for n in sessions]
        out.append(cells)
    return out


def csv_file(report: Report, language: str) -> bytes:
    """The report as CSV in `language`: UTF-8 with a byte-order mark, cells separated by `;` where the language
    writes a decimal comma (Uzbek, Russian, Karakalpak), else by `,`."""
    w = words(DOMAIN, language)
    return tables.csv_bytes(table(report, w), delimiter=w.list_separator,
                            number=lambda n: w.format_number(n, grouping=False))


def xlsx_file(report: Report, language: str) -> bytes:
    """The report as an Excel workbook in `language`: the table on one sheet ("Completion"), what it covers on
    another ("About"). Figures are numbers, rates formatted as percentages."""
    w = words(DOMAIN, language)
    rows = table(report, w)
    heading, body = rows[0], rows[1:]
    # the label and key columns as wide as what they hold, the figures as wide as their heading
    widths = [max(12, min(45, max(len(str(v)) for v in ([text, *(cells[index] for cells in body)] if index < 2
                                                         else [text])) + 2)) for index, text in enumerate(heading)]
    completion = Sheet(w.gettext(COMPLETION_SHEET)[:31], rows, widths=widths, frozen=(1, 1),  # Excel's longest name
                       bold_rows={0, len(rows) - 1},  # the headings and the totals row
                       percent_columns={index for index, (name, _) in enumerate(COLUMNS, start=1) if name in RATES})
    about = Sheet(w.gettext(ABOUT_SHEET)[:31], about_lines(report, w), widths=[22, 60])
    return xlsx([completion, about])


def about_lines(report: Report, w: Words) -> list[tuple[str, Any]]:
    """What the report covers, (what, value), in `w`'s language: dates written as the language writes them."""
    return [
        (w.gettext("Report"), w.gettext("Completion, dropout and attendance")),
        (w.gettext("Grouped by"), w.gettext(GROUP_HEADINGS[report["group_by"]])),
        (w.gettext("Region"), place_name(report["region"], "region", w.language) or w.gettext("Whole country")),
        (w.gettext("Started from"), w.format_date(report["date_from"])),
        (w.gettext("Started to"), w.format_date(report["date_to"])),
        (w.gettext("Smallest cell shown"), report["min_cell"]),
        (w.gettext("Empty cells"), w.gettext(
            "Suppressed (a count from 1 to %(largest)s, a figure computed over one, or one hidden beside it so that it "
            "cannot be worked out), or nothing to compute.", largest=report["min_cell"] - 1)),
    ]
