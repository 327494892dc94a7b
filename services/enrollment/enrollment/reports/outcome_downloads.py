"""The outcome report as files to download, in the reader's language, as the completion report's are
(downloads.py): CSV for any spreadsheet, and an Excel workbook with the curve and what the report covers beside
the table."""

from __future__ import annotations

from typing import Any

from qadam import tables
from qadam.workbook import Sheet, xlsx
from qadam_words import N_, Words, words
from qadam_words.places import place_name

from .downloads import ABOUT_SHEET, NO, YES
from .outcomes import DOMAIN, OutcomeReport

GROUP_HEADINGS = {"programme": N_("Programme"), "region": N_("Region"), "district": N_("District"),
                  "risk_band": N_("Risk band at intake"), "how": N_("How he left")}
# (field, heading) of the download's columns after the group's label
COLUMNS = (
    ("key", N_("Key")),
    ("suppressed", N_("Suppressed")),
    ("men", N_("Men who left")),
    ("followed_6", N_("Followed 6 months")),
    ("with_6", N_("New order or breach within 6 months")),
    ("without_6", N_("None within 6 months")),
    ("rate_6", N_("Share within 6 months")),
    ("low_6", N_("6 months: 95% interval, low")),
    ("high_6", N_("6 months: 95% interval, high")),
    ("followed_12", N_("Followed 12 months")),
    ("with_12", N_("New order or breach within 12 months")),
    ("without_12", N_("None within 12 months")),
    ("rate_12", N_("Share within 12 months")),
    ("low_12", N_("12 months: 95% interval, low")),
    ("high_12", N_("12 months: 95% interval, high")),
)
RATES = frozenset({"rate_6", "low_6", "high_6", "rate_12", "low_12", "high_12"})
CURVE_COLUMNS = (("month", N_("Months after leaving")), ("at_risk", N_("Men at risk")), ("events", N_("New orders")),
                 ("survival", N_("Share without a new order")))
OUTCOMES_SHEET, CURVE_SHEET = N_("Outcomes"), N_("Time to a new order")


def outcome_table(report: OutcomeReport, w: Words) -> list[list[Any]]:
    """The download's rows in `w`'s language: a heading row, a row per group, the totals row (None: empty)."""
    out: list[list[Any]] = [[w.gettext(GROUP_HEADINGS[report["group_by"]]), *(w.gettext(h) for _, h in COLUMNS)]]
    for row in [*report["groups"], report["totals"]]:
        out.append([str(row["label"]), *(w.gettext(YES if row[name] else NO) if name == "suppressed" else row[name]
                                         for name, _ in COLUMNS)])
    return out


def outcome_csv(report: OutcomeReport, language: str) -> bytes:
    """The table as CSV in `language` (UTF-8 with a byte-order mark; `;` where the language writes a decimal
    comma), as the completion report's."""
    w = words(DOMAIN, language)
    return tables.csv_bytes(outcome_table(report, w), delimiter=w.list_separator,
                            number=lambda n: w.format_number(n, grouping=False))


def outcome_xlsx(report: OutcomeReport, language: str) -> bytes:
    """The report as an Excel workbook in `language`: the table, the curve's steps, and what it covers."""
    w = words(DOMAIN, language)
    rows = outcome_table(report, w)
    widths = [max(12, min(45, max(len(str(cells[index])) for cells in rows) + 2)) if index < 2 else 14
              for index in range(len(rows[0]))]
    table = Sheet(w.gettext(OUTCOMES_SHEET)[:31], rows, widths=widths, frozen=(1, 1), bold_rows={0, len(rows) - 1},
                  percent_columns={i for i, (name, _) in enumerate(COLUMNS, start=1) if name in RATES})
    curve_rows: list[list[Any]] = [[w.gettext(h) for _, h in CURVE_COLUMNS],
                                   *([step[name] for name, _ in CURVE_COLUMNS] for step in report["curve"])]
    curve = Sheet(w.gettext(CURVE_SHEET)[:31], curve_rows, widths=[18] * len(CURVE_COLUMNS), frozen=(1, 0),
                  bold_rows={0}, percent_columns={len(CURVE_COLUMNS) - 1})
    about = Sheet(w.gettext(ABOUT_SHEET)[:31], outcome_about(report, w), widths=[22, 60])
    return xlsx([table, curve, about])


def outcome_about(report: OutcomeReport, w: Words) -> list[tuple[str, Any]]:
    """What the report covers, (what, value), in `w`'s language."""
    return [
        (w.gettext("Report"), w.gettext("Outcomes after the programme")),
        (w.gettext("Grouped by"), w.gettext(GROUP_HEADINGS[report["group_by"]])),
        (w.gettext("Region"), place_name(report["region"], "region", w.language) or w.gettext("Whole country")),
        (w.gettext("Left from"), w.format_date(report["date_from"])),
        (w.gettext("Left to"), w.format_date(report["date_to"])),
        (w.gettext("Counted up to"), w.format_date(report["as_of"])),
        (w.gettext("Smallest cell shown"), report["min_cell"]),
        (w.gettext("Outcome"), w.gettext(
            "A new protection order or a reported breach of one, after the day he left. The period is whole quarters "
            "of leaving. A quarter counts in the 6- (12-) month figures only when 6 (12) months have passed for every "
            "man who left in it by the day counted up to; until then none of its men is counted there. So a "
            "quarter's figures do not change with the day asked, only whether it is counted.")),
        (w.gettext("Time to a new order"), w.gettext(
            "By whole months after leaving, over the quarters whose 6 months have passed; it stops before a month in "
            "which one of those quarters would have fewer than %(n)s men at risk, or is not yet followed.",
            n=report["min_cell"])),
        (w.gettext("Empty cells"), w.gettext(
            "Suppressed (a count from 1 to %(largest)s, or one hidden beside it so that it cannot be worked out), "
            "or nothing to compute.", largest=report["min_cell"] - 1)),
        (w.gettext("Suppression"), w.gettext(
            "Each quarter is suppressed on its own, and a figure over several quarters is shown only where each "
            "quarter's own report shows it, so that no hidden figure can be worked out by comparing two reports.")),
    ]
