"""Reports for programme managers: completion, dropout and attendance by programme, cohort, district, source
or facilitator, as JSON or as a CSV / XLSX download. Aggregates only, with small cells suppressed."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from qadam.auth import Principal, Role, allow, current_principal
from qadam.errors import Problem, unprocessable
from qadam.schema_fields import Date, Integer, place
from qadam.web import read_session, settings_of_app

from ..reports import GROUP_BY, completion_report

blp = Blueprint("reports", __name__, description="Completion, dropout and attendance figures for programme managers")

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "csv", "xlsx")
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
# One description for the three forms of the 200 answer (OpenAPI keeps one per status code).
DOWNLOADS = ("The report as JSON; with `format=csv` the same figures as a CSV file to download (UTF-8 with a byte-order "
             "mark, so that Excel reads ʻ and ʼ), with `format=xlsx` as an Excel workbook. An empty cell is a suppressed "
             "figure, or one with nothing to compute.")


class CompletionReportArgs(ma.Schema):
    group_by = fields.String(load_default="programme", validate=validate.OneOf(GROUP_BY))
    date_from = Date(data_key="from", load_default=None,
                     metadata={"description": "First day of the period (default: 12 months before `to`)."})
    date_to = Date(data_key="to", load_default=None, metadata={"description": "Last day (default: today)."})
    region = fields.String(load_default=None, validate=place(), metadata={
        "description": "Administrators only (default: the whole country); a manager or supervisor always gets "
                       "their own region."})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS),
                           metadata={"description": "`csv` and `xlsx` answer with a file to download."})


class CompletionGroup(ma.Schema):
    key = fields.String(allow_none=True, metadata={"description": "The group's id (none on the totals row)."})
    label = fields.String(required=True)
    total = fields.Boolean(required=True, metadata={"description": "The totals row over the whole population."})
    suppressed = fields.Boolean(required=True, metadata={
        "description": ("Fewer enrolments than the smallest cell shown (QADAM_REPORT_MIN_CELL), or hidden beside such a "
                        "group so that it cannot be worked out from the totals: every figure is null.")})
    enrolments = Integer(allow_none=True)
    active = Integer(allow_none=True, metadata={"description": "Still in the programme: assessed, active, suspended."})
    completed = Integer(allow_none=True, metadata={"description": "Completed or closed."})
    exited = Integer(allow_none=True)
    dropouts = Integer(allow_none=True, metadata={"description": "Exited for a reason other than transfer or death."})
    completion_rate = fields.Float(allow_none=True, metadata={"description": "completed / (completed + dropouts)."})
    dropout_rate = fields.Float(allow_none=True, metadata={"description": "dropouts / (completed + dropouts)."})
    average_attendance = fields.Float(allow_none=True, metadata={
        "description": "Mean of attended / (attended + unexcused absences), per man."})
    median_dropout_session = fields.Float(allow_none=True, metadata={
        "description": "Median session each dropout last attended (else the last recorded for him; 0: none)."})
    dropout_sessions = fields.Dict(keys=fields.String(), values=Integer(allow_none=True), allow_none=True,
                                   metadata={"description": "Dropouts by that session: {session number: count}."})


class CompletionReport(ma.Schema):
    group_by = fields.String(required=True)
    region = fields.String(allow_none=True, metadata={"description": "Null: the whole country."})
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)
    min_cell = Integer(required=True, metadata={
        "description": ("Counts from 1 to this minus 1, and groups smaller than this, are suppressed (null), and so is "
                        "whatever would let one be worked out by subtraction.")})
    groups = fields.List(fields.Nested(CompletionGroup), required=True)
    totals = fields.Nested(CompletionGroup, required=True)


@blp.route("/reports/completion")
class CompletionReportView(MethodView):
    @allow(Role.MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR)
    @blp.arguments(CompletionReportArgs, location="query")
    @blp.response(200, CompletionReport, description=DOWNLOADS)
    @blp.alt_response(200, schema={"type": "string"}, content_type=CSV, success=True, description=DOWNLOADS)
    @blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=XLSX, success=True,
                      description=DOWNLOADS)
    def get(self, args: dict[str, Any]) -> Any:
        """Completion, dropout and attendance of the enrolments that started in a period, by group.

        The population is every enrolment that started (became active; else was enrolled) between `from` and
        `to`, in the caller's region (an administrator: the region asked for, or the whole country).
        """
        region = _region_for(current_principal(), args["region"])
        settings = settings_of_app()
        date_from, date_to = _period(args["date_from"], args["date_to"], today=datetime.now(settings.zone).date())
        with read_session() as s:
            rows = completion_report(s.connection(), group_by=args["group_by"], region=region, date_from=date_from,
                                     date_to=date_to, min_cell=settings.report_min_cell, time_zone=settings.time_zone)
        report = {"group_by": args["group_by"], "region": region, "date_from": date_from, "date_to": date_to,
                  "min_cell": settings.report_min_cell, "groups": rows[:-1], "totals": rows[-1]}
        if args["format"] == "json":
            return report
        name = f"qadam-completion-by-{args['group_by']}-{date_from.isoformat()}-to-{date_to.isoformat()}"
        if args["format"] == "csv":
            return _download(csv_file(report), CSV, f"{name}.csv")
        return _download(xlsx_file(report), XLSX, f"{name}.xlsx")


def _region_for(principal: Principal, asked: str | None) -> str | None:
    """The region the report covers: a manager's or supervisor's own; an administrator's choice (None: all)."""
    if principal.role == Role.ADMINISTRATOR:
        return asked
    if not principal.region:
        raise Problem(403, "Your token names no region, and a report covers one: ask an administrator to set yours.")
    if asked is not None and asked != principal.region:
        raise Problem(403, f"A {principal.role.value} sees the reports of their own region ({principal.region}) only; "
                           "leave out `region`.")
    return principal.region


def _period(date_from: date | None, date_to: date | None, *, today: date) -> tuple[date, date]:
    """[from, to], by default the 12 months that end today."""
    end = date_to or today
    start = date_from or _a_year_before(end) + timedelta(days=1)
    if start > end:
        raise unprocessable("The period is empty.", {"from": [f"`from` ({start}) must not be after `to` ({end})."]})
    return start, end


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def table(report: dict[str, Any]) -> list[list[Any]]:
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


def csv_file(report: dict[str, Any]) -> bytes:
    """The report as CSV: UTF-8 with a byte-order mark, an empty cell for a null figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in table(report):
        writer.writerow(["" if c is None else f"'{c}" if isinstance(c, str) and c.startswith(FORMULA) else c
                         for c in cells])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8 (ʻ, ʼ, Cyrillic)


def xlsx_file(report: dict[str, Any]) -> bytes:
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

    def styled(value: Any, *, strong: bool = False, rate: bool = False) -> WriteOnlyCell:
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


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    # flask-smorest hands a Response returned by the view through as it is (no schema, same status).
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
