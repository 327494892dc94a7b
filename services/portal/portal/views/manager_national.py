"""The national roll-up: completion and dropout by region, how fast alerts were answered by region and level, and the
trend by month, on one page; and the statistics office's export of the same tables for one calendar quarter.

The figures are the services' own (enrollment's roll-up, notify's figures by region), asked for with the signed-in
user's token: each service decides what the user may see (an administrator the whole country, a manager their own
region) and has already suppressed small cells. The portal only lays them side by side; it adds no figure of its
own, so it can reveal none the services hide.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup
from qadam.auth import allow
from qadam.quarters import Quarter
from qadam.tables import csv_bytes
from qadam.workbook import Sheet, xlsx
from qadam_contracts.roles import Role

from ..backend import ServiceError
from ..charts import grouped_bar_chart
from ..clients import clients
from ..i18n import current_language, number_filter, place_options, region_name
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from .common import local_today
from .manager import (
    DEFAULT_GROUP_BY,
    LEVELS,
    Period,
    Section,
    _national,
    _regions,
    duration,
    no_chart,
    read_period,
    section,
)
from .manager import quarter_options as period_options

bp = Blueprint("national", __name__)
# Who sees the roll-up: an administrator or a national analyst the whole country, a manager or a regional analyst
# their own region (the services scope it).
NATIONAL_READERS = (Role.MANAGER, Role.ADMINISTRATOR, Role.ANALYST)
# (field, heading, kind) of the roll-up's figures by region
REGION_FIGURES: tuple[tuple[str, Any, str], ...] = (
    ("enrolments", _l("Enrolments started"), "count"),
    ("active", _l("Still in the programme"), "count"),
    ("completed", _l("Completed"), "count"),
    ("dropouts", _l("Dropped out"), "count"),
    ("completion_rate", _l("Completion rate"), "rate"),
    ("dropout_rate", _l("Dropout rate"), "rate"),
)
QUARTERS_OFFERED = 8  # the export offers the last eight complete quarters


def last_complete_quarter(today: date) -> Quarter:
    return Quarter.of(today).before()


def quarter_options(today: date) -> list[tuple[str, str]]:
    """The quarters the export offers, newest first, as (code, name): (`2026-Q3`, "Quarter 3 of 2026")."""
    out, quarter = [], last_complete_quarter(today)
    for _i in range(QUARTERS_OFFERED):
        out.append((quarter.code, _("Quarter %(n)s of %(year)s", n=str(quarter.number), year=str(quarter.year))))
        quarter = quarter.before()
    return out


@dataclass(frozen=True)
class Asked:
    """What the page covers: from `start` to `end`, of `region` (an administrator's choice; None: the country)."""

    start: date
    end: date
    region: str | None

    def rollup_params(self) -> dict[str, Any]:
        return {"from_": self.start.isoformat(), "to": self.end.isoformat(), "region": self.region,
                "lang": current_language()}

    def figures_params(self) -> dict[str, Any]:
        return {"since": self.start.isoformat(), "until": self.end.isoformat(), "region": self.region}


def _is_admin() -> bool:
    """Whether the reader chooses the region (the whole country is theirs: an administrator, a national analyst)."""
    return _national()


def read_asked(args: Mapping[str, str], *, today: date) -> tuple[Asked, dict[str, str]]:
    """The period and region from the query string, as the dashboard reads them (a run of whole quarters, by default
    the four that end with today's: the services refuse any other), and what is wrong."""
    period, errors = read_period({name: args[name] for name in ("from", "to", "region") if name in args}, today=today,
                                 may_choose_region=_is_admin())
    return Asked(period.start, period.end, period.region), errors


def ask(asked: Asked) -> tuple[Section, Section]:
    """Enrollment's roll-up and notify's figures by region, each as its part of the page (one failing leaves the
    other standing)."""
    def one(call: Any, params: dict[str, Any]) -> Section:
        try:
            return section(call(**params))
        except ServiceError as error:
            return section(error)
    return (one(clients.enrollment.national_rollup, asked.rollup_params()),
            one(clients.notify.region_figures, asked.figures_params()))


def trend_rows(rollup: dict[str, Any] | None, figures: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A row per month either service has: enrolments started that month and, of them, completed and dropped out
    (None: hidden), and alerts raised (None: hidden, or not known)."""
    by_month: dict[str, dict[str, Any]] = {}
    started = 0 if rollup is not None else None  # a month the roll-up has no row for: nobody started in it
    for row in (rollup or {}).get("months", {}).get("groups", []):
        by_month[row["key"]] = {"month": row["key"], "enrolments": row["enrolments"], "completed": row["completed"],
                                "dropouts": row["dropouts"]}
    raised = {row["month"]: row["alerts"] for row in (figures or {}).get("months", [])}
    for month in raised.keys() - by_month.keys():
        by_month[month] = {"month": month, "enrolments": started, "completed": started, "dropouts": started}
    for month, row in by_month.items():  # a month notify has no row for had no alert (if notify answered)
        row["alerts"] = raised.get(month, 0 if figures is not None else None)
    return [by_month[month] for month in sorted(by_month)]


def trend_charts(rows: list[dict[str, Any]]) -> dict[str, Markup]:
    """Two charts of the trend: enrolments started and alerts raised; completed and dropped out."""
    if not rows:
        return {}
    return {
        "started": grouped_bar_chart(
            [(r["month"], [r["enrolments"], r["alerts"]]) for r in rows],
            series=[_("Enrolments started"), _("Alerts raised")], title=_("Enrolments started and alerts raised, "
                                                                          "by month"),
            value_format=number_filter, chart_id="chart-trend-started", all_hidden=no_chart()),
        "outcomes": grouped_bar_chart(
            [(r["month"], [r["completed"], r["dropouts"]]) for r in rows],
            series=[_("Completed"), _("Dropped out")],
            title=_("Of the men who started each month: completed and dropped out"),
            value_format=number_filter, chart_id="chart-trend-outcomes", all_hidden=no_chart()),
    }


def alert_rows(figures: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [{**row, "region_name": region_name(row["region"]), "level_name": LEVELS.get(row["level"], row["level"])}
            for row in (figures or {}).get("rows", [])]


def _page(today: date, asked: Asked, errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    enrollment, notify = (Section(), Section()) if errors and "quarter" not in errors else ask(asked)
    rows = trend_rows(enrollment.data, notify.data)
    return render_template(
        "manager/national.html", asked=asked, errors=errors, enrollment=enrollment, rollup=enrollment.data,
        alerts=notify, alert_rows=alert_rows(notify.data), trend=rows, charts=trend_charts(rows),
        figure_columns=REGION_FIGURES, duration=duration, is_admin=_is_admin(),
        region_options=place_options(_regions(), "region") if _is_admin() else None,
        quarters=quarter_options(today), quarter=last_complete_quarter(today).code,
        period_options=period_options(Period(DEFAULT_GROUP_BY, asked.start, asked.end), today=today)), status


@bp.get("/national")
@allow(*NATIONAL_READERS)
def rollup() -> Any:
    """The roll-up page: by region, alert response by region and level, the trend by month; the export's form."""
    today = local_today()
    asked, errors = read_asked(request.args, today=today)
    return _page(today, asked, errors, 422 if errors else 200)


# -- the statistics office's export ----------------------------------------------------------------------------
# (file, its columns); every column and every code is in the codebook, in the reader's language
FILES: dict[str, tuple[str, ...]] = {
    "regions": ("region_code", "region_name", "total", "suppressed", "enrolments", "active", "completed", "exited",
                "dropouts", "completion_rate", "dropout_rate"),
    "alert_response": ("region_code", "region_name", "level", "suppressed", "alerts", "flags", "in_app_p50_s",
                       "in_app_p90_s", "messaged", "message_p50_s", "message_p90_s", "acknowledged", "ack_p50_s",
                       "ack_p90_s", "escalated"),
    "trend": ("month", "total", "enrolments", "completed", "dropouts", "alerts"),
}
CODEBOOK_COLUMNS = ("file", "column", "code", "meaning")
COLUMN_MEANINGS: dict[str, Any] = {
    "region_code": _l("The region's code: its name as Qadam stores it (Uzbek, Latin script)."),
    "region_name": _l("The region's name in the language of this codebook."),
    "total": _l("1: the row of the whole table's totals; 0: a row of the table."),
    "suppressed": _l("1: the whole row is hidden under the small-cell rule; 0: it is shown."),
    "enrolments": _l("Enrolments that started in the quarter (the first group session; else the day of enrolment)."),
    "active": _l("Of them, still in the programme at the time of the export (assessed, active or suspended)."),
    "completed": _l("Of them, completed (or completed and closed)."),
    "exited": _l("Of them, exited the programme for any reason."),
    "dropouts": _l("Of them, exited for a reason other than a transfer or death (dropped out)."),
    "completion_rate": _l("completed / (completed + dropouts), a fraction from 0 to 1."),
    "dropout_rate": _l("dropouts / (completed + dropouts), a fraction from 0 to 1."),
    "level": _l("The alert's level: a code, see below."),
    "alerts": _l("Alerts raised to the people responsible (not escalations), one per person a risk flag reached."),
    "flags": _l("The risk flags behind those alerts."),
    "in_app_p50_s": _l("From the event to the alert in the portal's inbox: median, in seconds."),
    "in_app_p90_s": _l("From the event to the alert in the portal's inbox: 90th percentile, in seconds."),
    "messaged": _l("Of the alerts, those also sent by e-mail, SMS or Telegram."),
    "message_p50_s": _l("From the event to the first message sent: median, in seconds."),
    "message_p90_s": _l("From the event to the first message sent: 90th percentile, in seconds."),
    "acknowledged": _l("Of the alerts, those acknowledged."),
    "ack_p50_s": _l("From the alert's delivery to its acknowledgement: median, in seconds."),
    "ack_p90_s": _l("From the alert's delivery to its acknowledgement: 90th percentile, in seconds."),
    "escalated": _l("Of the alerts, those escalated to a supervisor."),
    "month": _l("The month, as year-month (YYYY-MM), in Tashkent time."),
}
FILE_MEANINGS: dict[str, Any] = {
    "regions": _l("Enrolments by region: started in the quarter, and how they stand."),
    "alert_response": _l("How fast alerts reached people and were answered, by region and level."),
    "trend": _l("By month of the quarter: enrolments started and, of them, completed and dropped out; alerts "
                "raised."),
}


def export_quarter(args: Mapping[str, str], today: date) -> Quarter | None:
    """The quarter asked for (default: the last complete one); None if it is not a quarter or not yet complete."""
    text = (args.get("quarter") or "").strip()
    quarter = Quarter.parse(text) if text else last_complete_quarter(today)
    if quarter is None or quarter.end >= today or quarter.year < 2000:
        return None
    return quarter


def _flag(value: bool) -> int:
    return 1 if value else 0


def export_tables(rollup: dict[str, Any], figures: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """The export's three tables, each a heading row of codes and its rows: figures as numbers, None empty."""
    regions: list[list[Any]] = [list(FILES["regions"])]
    for row in [*rollup["regions"]["groups"], rollup["regions"]["totals"]]:
        regions.append([row["key"] or "", region_name(row["key"]) if row["key"] else row["label"],
                        _flag(row["total"]), _flag(row["suppressed"]),
                        *(row[name] for name in FILES["regions"][4:])])
    alerts: list[list[Any]] = [list(FILES["alert_response"])]
    for row in figures["rows"]:
        alerts.append([row["region"], region_name(row["region"]), row["level"], _flag(row["suppressed"]),
                       *(row[name] for name in FILES["alert_response"][4:])])
    trend: list[list[Any]] = [list(FILES["trend"])]
    for row in trend_rows(rollup, figures):
        trend.append([row["month"], 0, row["enrolments"], row["completed"], row["dropouts"], row["alerts"]])
    totals = rollup["months"]["totals"]
    trend.append(["", 1, totals["enrolments"], totals["completed"], totals["dropouts"], None])
    return {"regions": regions, "alert_response": alerts, "trend": trend}


def codebook(quarter: Quarter, min_cell: int, regions: list[str]) -> list[list[Any]]:
    """The codebook: a row per file, per column of each file, per code (regions, levels), and the rules that hold
    for every cell (empty cells, suppression, the period, numbers)."""
    rows: list[list[Any]] = [list(CODEBOOK_COLUMNS)]
    for name, columns in FILES.items():
        rows.append([f"{name}.csv", "", "", str(FILE_MEANINGS[name])])
        rows += [[f"{name}.csv", column, "", str(COLUMN_MEANINGS[column])] for column in columns]
    rows += [["", "region_code", code, region_name(code)] for code in regions]
    rows += [["", "level", code, str(label)] for code, label in LEVELS.items()]
    rows += [
        ["", "", "", _("The quarter: %(code)s, from %(start)s to %(end)s.", code=quarter.code,
                       start=quarter.start.isoformat(), end=quarter.end.isoformat())],
        ["", "", "", _("An empty cell is a figure not shown: hidden under the small-cell rule, or with nothing to "
                       "compute it from (a rate with nobody completed or dropped out; a time with no alert acknowledged; "
                       "the alerts of the trend's totals row, not given).")],
        ["", "", "", _("The small-cell rule: a row of fewer than %(n)s enrolments or alerts is hidden whole; in the "
                       "tables of enrolments a count from 1 to %(m)s is hidden too; and so is any other figure from "
                       "which a hidden one could be worked out by adding or subtracting (smallest cell shown: %(n)s).",
                       n=min_cell, m=min_cell - 1)],
        ["", "", "", _("The files are UTF-8, cells separated by commas, numbers with a decimal point.")],
    ]
    return rows


def export_zip(quarter: Quarter, rollup: dict[str, Any], figures: dict[str, Any]) -> bytes:
    """The export: a CSV per table, the codebook as CSV, and one workbook with a sheet per table and the codebook."""
    tables = export_tables(rollup, figures)
    regions = sorted({r[0] for r in tables["regions"][1:] if r[0]} | {r[0] for r in tables["alert_response"][1:]})
    book = codebook(quarter, rollup["min_cell"], regions)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            archive.writestr(f"{name}.csv", csv_bytes(rows))
        archive.writestr("codebook.csv", csv_bytes(book))
        sheets = [Sheet(name, rows, widths=[16] * len(rows[0]), frozen=(1, 0), bold_rows={0})
                  for name, rows in tables.items()]
        archive.writestr(f"qadam-statistics-{quarter.code}.xlsx",
                         xlsx([*sheets, Sheet("codebook", book, widths=[18, 18, 22, 90], bold_rows={0})]))
    return buffer.getvalue()


@bp.get("/national/export.zip")
@allow(*NATIONAL_READERS)
def export() -> Any:
    """The statistics office's export of one complete quarter: the roll-up by region, alert response by region and
    level, the trend by month; CSV with a codebook, and a workbook."""
    today = local_today()
    quarter = export_quarter(request.args, today)
    if quarter is None:
        asked, _errors = read_asked({}, today=today)
        return _page(today, asked, {"quarter": _("Choose from the list a quarter that has ended.")}, 422)
    asked = Asked(quarter.start, quarter.end, None)
    rollup_data: dict[str, Any] = dict(clients.enrollment.national_rollup(**asked.rollup_params()))
    figures: dict[str, Any] = dict(clients.notify.region_figures(**asked.figures_params()))
    name = f"qadam-statistics-{quarter.code}-{current_language()}.zip"
    return Response(export_zip(quarter, rollup_data, figures), headers={
        "Content-Type": "application/zip", "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})
