"""Reports for programme managers and analysts: completion, dropout and attendance by programme, cohort, district,
source or facilitator; the national roll-up by region and month; and outcomes (new orders and breaches after men
left) by programme, place, risk band at intake or how they left; as JSON or as a CSV / XLSX download. Aggregates
only, with small cells suppressed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from qadam.auth import allow, current_principal
from qadam.memory import collector_paused
from qadam.schema_fields import Date, Integer, place
from qadam.web import read_session, settings_of_app
from qadam_contracts.roles import Role
from qadam_contracts.vocabulary import LANGUAGES

from .. import reports
from ..reports import GROUP_BY, Report, Rollup
from ..reports.completion import SOURCE_LANGUAGE
from ..reports.downloads import csv_file, xlsx_file
from ..reports.outcome_downloads import outcome_csv, outcome_xlsx
from ..reports.outcomes import OUTCOME_GROUP_BY

blp = Blueprint("reports", __name__, description="Completion, dropout and attendance figures for programme managers")

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "csv", "xlsx")
DEFAULT_LANGUAGE = "uz-Latn"
# Who reads the national roll-up: an administrator the whole country, a manager their own region.
ROLLUP_READERS = (Role.MANAGER, Role.ADMINISTRATOR, Role.ANALYST)
# One description for the three forms of the 200 answer (OpenAPI keeps one per status code).
DOWNLOADS = ("The report as JSON; with `format=csv` the same figures as a CSV file to download (UTF-8 with a byte-order "
             "mark, so that Excel reads ʻ and ʼ), with `format=xlsx` as an Excel workbook; either in the language `lang` "
             "(headings, sheet names, notes; in a CSV numbers too, with a decimal comma and cells separated by `;` "
             "in uz-Latn, uz-Cyrl, ru and kaa, by `,` in en). An empty cell is a suppressed figure, or one with nothing "
             "to compute.")


class CompletionReportArgs(ma.Schema):
    group_by = fields.String(load_default="programme", validate=validate.OneOf(GROUP_BY))
    date_from = Date(data_key="from", load_default=None, metadata={
        "description": ("First day of the period, the first day of a quarter (1 January, 1 April, 1 July or 1 October; "
                        "default: the four quarters that end with `to`'s). A period is a run of whole quarters: any "
                        "other day is a 422.")})
    date_to = Date(data_key="to", load_default=None, metadata={
        "description": ("Last day, the last day of a quarter (31 March, 30 June, 30 September or 31 December; "
                        "default: the last day of today's quarter).")})
    region = fields.String(load_default=None, validate=place(), metadata={
        "description": "Administrators and national analysts only (default: the whole country); a manager, supervisor "
                       "or regional analyst always gets their own region (another one asked for: 403)."})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS),
                           metadata={"description": "`csv` and `xlsx` answer with a file to download."})
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={  # no default: the view picks English or uz-Latn
        "description": ("The language of the labels the report writes itself (the totals row, referral sources, a "
                        "programme copied from a template Qadam ships, the regions and districts Qadam's catalogue "
                        "names; names people typed stay as typed; a group's `key` keeps the stored names) and of a "
                        f"download's words and numbers. Without it the JSON's labels are English, a download is in "
                        f"{DEFAULT_LANGUAGE}.")})


class CompletionGroup(ma.Schema):
    key = fields.String(allow_none=True, metadata={
        "description": ("The group's id (none on the totals row, and for an analyst grouping by cohort or facilitator: "
                        "he reads aggregates only, never a code that leads to a name).")})
    label = fields.String(required=True, metadata={
        "description": ("The group's name; for an analyst, a cohort as its number, district, starting quarter and "
                        "programme (a region's own programme unnamed), a facilitator as \"Psychologist 1\", ..., "
                        "numbered within the report: no name anyone typed, no staff member's identity.")})
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
                        "whatever would let one be worked out by subtraction, within this report or against any "
                        "other: the totals row is suppressed alike under every grouping, and a figure over several "
                        "quarters is shown only where each quarter's own report shows it.")})
    groups = fields.List(fields.Nested(CompletionGroup), required=True)
    totals = fields.Nested(CompletionGroup, required=True)


@blp.route("/reports/completion")
class CompletionReportView(MethodView):
    @allow(Role.MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.ANALYST)
    @blp.arguments(CompletionReportArgs, location="query")
    @blp.response(200, CompletionReport, description=DOWNLOADS)
    @blp.alt_response(200, schema={"type": "string"}, content_type=CSV, success=True, description=DOWNLOADS)
    @blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=XLSX, success=True,
                      description=DOWNLOADS)
    def get(self, args: dict[str, Any]) -> Any:
        """Completion, dropout and attendance of the enrolments that started in a period, by group.

        The population is every enrolment that started (became active; else was enrolled) between `from` and
        `to`, a run of whole quarters, in the caller's region (an administrator or a national analyst: the region
        asked for, or the whole country). Aggregates only: an analyst, who sees no man's record, reads this.
        """
        settings = settings_of_app()
        language = args.get("lang") or (SOURCE_LANGUAGE if args["format"] == "json" else DEFAULT_LANGUAGE)
        # a row per cohort of the country makes and keeps a few hundred thousand objects: a third of the answer's time
        # went into cycle collections that freed nothing
        with collector_paused():
            with read_session() as s:
                report = reports.completion_report_for(
                    s.connection(), principal=current_principal(), group_by=args["group_by"], region=args["region"],
                    date_from=args["date_from"], date_to=args["date_to"], today=datetime.now(settings.zone).date(),
                    min_cell=settings.report_min_cell, time_zone=settings.time_zone, language=language)
            if args["format"] != "json":
                return _download(report, args["format"], language)
            # flask-smorest hands a Response through as it is (as for the downloads): the rows are written as JSON
            # once, not walked again field by field by the schema (a row per cohort of the country: ~140 ms of it)
            return current_app.json.response(as_json(report))


def as_json(report: Report) -> dict[str, Any]:
    """The report as CompletionReport writes it: its rows are already its groups' fields (suppression shapes them),
    with JSON's own values; the period as ISO days and each histogram's sessions as text, as the schema has them."""
    return {"group_by": report["group_by"], "region": report["region"], "from": report["date_from"].isoformat(),
            "to": report["date_to"].isoformat(), "min_cell": report["min_cell"],
            "groups": [_row(g) for g in report["groups"]], "totals": _row(report["totals"])}


def _row(row: dict[str, Any]) -> dict[str, Any]:
    histogram = row["dropout_sessions"]
    return row if histogram is None else {**row, "dropout_sessions": {str(k): v for k, v in histogram.items()}}


def _download(report: Report, file_format: str, language: str) -> Response:
    """The report as a file to download (csv or xlsx) in `language`, named by what it covers and its language."""
    name = (f"qadam-completion-by-{report['group_by']}-{report['date_from'].isoformat()}-to-"
            f"{report['date_to'].isoformat()}-{language}")
    body, mimetype = ((csv_file(report, language), CSV) if file_format == "csv"
                      else (xlsx_file(report, language), XLSX))
    # flask-smorest hands a Response returned by the view through as it is (no schema, same status).
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{file_format}"'})


class RollupArgs(ma.Schema):
    date_from = Date(data_key="from", load_default=None,
                     metadata={"description": "First day of the period (default: 12 months before `to`)."})
    date_to = Date(data_key="to", load_default=None, metadata={"description": "Last day (default: today)."})
    region = fields.String(load_default=None, validate=place(), metadata={
        "description": "Administrators only (default: the whole country); a manager always gets their own region."})
    lang = fields.String(load_default=SOURCE_LANGUAGE, validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The language of the labels the roll-up writes itself (region names, the totals row)."})


class RollupTable(ma.Schema):
    groups = fields.List(fields.Nested(CompletionGroup), required=True, metadata={
        "description": "A row per region (`key`: its stored name) or per month (`key`: YYYY-MM) where someone started."})
    totals = fields.Nested(CompletionGroup, required=True)


class NationalRollup(ma.Schema):
    region = fields.String(allow_none=True, metadata={"description": "Null: the whole country."})
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)
    min_cell = Integer(required=True, metadata={"description": "As in the completion report."})
    regions = fields.Nested(RollupTable, required=True, metadata={"description": "By region."})
    months = fields.Nested(RollupTable, required=True, metadata={
        "description": "By the month men started (enrolments started that month; of them, completed and dropped out "
                       "so far): one table with its totals, suppressed as one."})


@blp.route("/reports/rollup")
class NationalRollupView(MethodView):
    @allow(*ROLLUP_READERS)
    @blp.arguments(RollupArgs, location="query")
    @blp.response(200, NationalRollup)
    def get(self, args: dict[str, Any]) -> Any:
        """The national roll-up: enrolments started, still in, completed and dropped out, with their rates, by
        region and by month of starting, small cells suppressed.

        An administrator or a national analyst sees the whole country (or the region asked for), a manager or a
        regional analyst their own region.
        """
        settings = settings_of_app()
        with read_session() as s:
            rollup = reports.national_rollup_for(
                s.connection(), principal=current_principal(), region=args["region"], date_from=args["date_from"],
                date_to=args["date_to"], today=datetime.now(settings.zone).date(), min_cell=settings.report_min_cell,
                time_zone=settings.time_zone, language=args["lang"])
        # written as JSON once, as the completion report is (flask-smorest hands a Response through as it is)
        return current_app.json.response(rollup_json(rollup))


def rollup_json(rollup: Rollup) -> dict[str, Any]:
    """The roll-up as NationalRollup writes it: the period as ISO days, each table's rows as the completion report's."""
    def table(part: Any) -> dict[str, Any]:
        return {"groups": [_row(g) for g in part["groups"]], "totals": _row(part["totals"])}
    return {"region": rollup["region"], "from": rollup["date_from"].isoformat(), "to": rollup["date_to"].isoformat(),
            "min_cell": rollup["min_cell"], "regions": table(rollup["regions"]), "months": table(rollup["months"])}


# -- the outcome report ----------------------------------------------------------------------------------------------
# Who reads the outcome report: the completion report's readers, analysts among them (one constant, to extend in one
# place).
OUTCOME_READERS = (Role.MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.ANALYST)


class OutcomeReportArgs(ma.Schema):
    group_by = fields.String(load_default="programme", validate=validate.OneOf(OUTCOME_GROUP_BY), metadata={
        "description": "programme (each version), region, district, risk_band (at intake) or how (he left)."})
    date_from = Date(data_key="from", load_default=None, metadata={
        "description": ("First day of the period men left in, the first day of a quarter (1 January, 1 April, 1 July "
                        "or 1 October; default: the four quarters that end with `to`'s). A period is a run of whole "
                        "quarters: any other day is a 422.")})
    date_to = Date(data_key="to", load_default=None, metadata={
        "description": ("Last day, the last day of a quarter (31 March, 30 June, 30 September or 31 December), not "
                        "after the last day of the quarter of `as_of`. Default: with no `from` either, the last day of "
                        "the latest quarter whose 6 months have passed by `as_of` (so that the 6-month figures of the "
                        "whole default period are in); with a `from`, the last day of the quarter of `as_of`.")})
    as_of = Date(load_default=None, metadata={
        "description": ("The day outcomes are counted up to (default: today). A quarter of leaving counts in the 6- "
                        "(12-) month figures only when 6 (12) months have passed by this day for every man who left "
                        "in it (the quarter's last day + 6 (12) months <= `as_of`): so a quarter's figures do not "
                        "depend on the day asked, only on whether the quarter is in.")})
    region = fields.String(load_default=None, validate=place(), metadata={
        "description": "Administrators only (default: the whole country); a manager or supervisor always gets "
                       "their own region."})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS),
                           metadata={"description": "`csv` and `xlsx` answer with a file to download."})
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The language of the report's own labels and of a download (as the completion report's)."})


class OutcomeGroup(ma.Schema):
    key = fields.String(allow_none=True, metadata={"description": "The group's id (none on the totals row, and for "
                                                                  "men not assessed at intake)."})
    label = fields.String(required=True)
    total = fields.Boolean(required=True)
    suppressed = fields.Boolean(required=True, metadata={
        "description": "No count of the row is shown: in a quarter that each figure counts, the group has fewer men "
                       "than the smallest cell shown, or is hidden beside such a group. Every figure is null. (A "
                       "group hidden whole in a quarter not yet in a window still shows that window's figures.)"})
    men = Integer(allow_none=True, metadata={"description": "Men who left in the period."})
    followed_6 = Integer(allow_none=True, metadata={"description": "Of them, the men of the quarters whose 6 months "
                                                                   "have passed by `as_of` for every man of them."})
    with_6 = Integer(allow_none=True, metadata={"description": "Of those, men with a new protection order or a "
                                                               "reported breach within 6 months of leaving."})
    without_6 = Integer(allow_none=True, metadata={"description": "followed_6 - with_6."})
    rate_6 = fields.Float(allow_none=True, metadata={"description": "with_6 / followed_6."})
    low_6 = fields.Float(allow_none=True, metadata={"description": "95% Wilson interval of rate_6: low end."})
    high_6 = fields.Float(allow_none=True, metadata={"description": "95% Wilson interval of rate_6: high end."})
    followed_12 = Integer(allow_none=True, metadata={"description": "As followed_6, for 12 months."})
    with_12 = Integer(allow_none=True)
    without_12 = Integer(allow_none=True)
    rate_12 = fields.Float(allow_none=True)
    low_12 = fields.Float(allow_none=True)
    high_12 = fields.Float(allow_none=True)


class CurveStep(ma.Schema):
    month = Integer(required=True, metadata={"description": "Whole months after leaving (1 to 12)."})
    at_risk = Integer(required=True, metadata={"description": "Men without a new order at the start of the month."})
    events = Integer(required=True, metadata={"description": "Men whose first new order came within the month."})
    survival = fields.Float(required=True, metadata={"description": "Share without a new order up to the month's end "
                                                                    "(Kaplan–Meier; nobody is censored before the "
                                                                    "curve ends)."})


class OutcomeReportOut(ma.Schema):
    group_by = fields.String(required=True)
    region = fields.String(allow_none=True, metadata={"description": "Null: the whole country."})
    date_from = fields.Date(data_key="from", required=True)
    date_to = fields.Date(data_key="to", required=True)
    as_of = fields.Date(required=True)
    min_cell = Integer(required=True, metadata={
        "description": "Counts from 1 to this minus 1, and groups of fewer men, are suppressed (null), and so is "
                       "whatever would let one be worked out by subtraction, within this report or against any other: "
                       "each quarter of leaving is suppressed on its own (its totals alike under every grouping), and "
                       "a figure over several quarters is shown only where each quarter's own report shows it."})
    groups = fields.List(fields.Nested(OutcomeGroup), required=True)
    totals = fields.Nested(OutcomeGroup, required=True)
    curve = fields.List(fields.Nested(CurveStep), required=True, metadata={
        "description": "Time to a new order after leaving, by whole months, over the men of the quarters whose 6 "
                       "months have passed by `as_of`: a step per month, up to the months every one of those quarters "
                       "is followed, and only while each of them still has at least `min_cell` men at risk (so no "
                       "quarter's own curve would hide the step); empty where a quarter has fewer."})


@blp.route("/reports/outcomes")
class OutcomeReportView(MethodView):
    @allow(*OUTCOME_READERS)
    @blp.arguments(OutcomeReportArgs, location="query")
    @blp.response(200, OutcomeReportOut, description=DOWNLOADS)
    @blp.alt_response(200, schema={"type": "string"}, content_type=CSV, success=True, description=DOWNLOADS)
    @blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=XLSX, success=True,
                      description=DOWNLOADS)
    def get(self, args: dict[str, Any]) -> Any:
        """What became of the men who left a programme in a period: new orders and breaches within 6 and 12 months.

        The population is every man whose enrolment ended (completed, exited for non-compliance, or dropped out)
        between `from` and `to`, a run of whole quarters, in the caller's region (an administrator: the region asked
        for, or the country). A quarter counts in the 6- (12-) month figures once that long has passed for every man
        of it by `as_of`.
        """
        settings = settings_of_app()
        language = args.get("lang") or (SOURCE_LANGUAGE if args["format"] == "json" else DEFAULT_LANGUAGE)
        with read_session() as s:
            report = reports.outcome_report_for(
                s.connection(), principal=current_principal(), group_by=args["group_by"], region=args["region"],
                date_from=args["date_from"], date_to=args["date_to"], as_of=args["as_of"],
                today=datetime.now(settings.zone).date(), min_cell=settings.report_min_cell, language=language)
        if args["format"] == "json":
            return report
        name = (f"qadam-outcomes-by-{report['group_by']}-{report['date_from'].isoformat()}-to-"
                f"{report['date_to'].isoformat()}-{language}")
        body, mimetype = ((outcome_csv(report, language), CSV) if args["format"] == "csv"
                          else (outcome_xlsx(report, language), XLSX))
        return Response(body, mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{name}.{args["format"]}"'})
