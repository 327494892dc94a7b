"""The manager's pages: the dashboard of completion, dropout and attendance by group, and of how fast alerts were
answered, for a period; and its download as CSV or Excel.

The figures are the services' own (enrollment's completion report, notify's alert figures), asked for with the
signed-in user's token, so each service decides what the user may see and has already suppressed small cells.
"""

from __future__ import annotations

import io
import keyword
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import format_decimal
from markupsafe import Markup
from openpyxl import load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from qadam.auth import Reach, allow
from qadam.quarters import quarter_end, quarter_start, quarters, quarters_before
from qadam_contracts.roles import Role
from qadam_words.formats import Formats

from ..backend import ServiceError
from ..charts import bar_chart, grouped_bar_chart
from ..clients import clients
from ..forms import CohortChangeForm, CohortForm, PlacementForm, ProgrammeVersionForm, read
from ..i18n import current_language, district_name, number_filter, percent_filter, place_options, programme_text_filter
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import Area, User
from ..websession import sessions, settings_now
from .admin import load_places
from .common import form_key, local_today, parse_day, staff_names, staff_of_role

bp = Blueprint("manager", __name__)
# Auditors are not among them: the services keep aggregates for those who run the programmes and for analysts (an
# auditor's work is the access record, not the figures).
READERS = (Role.MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.ANALYST)

GROUP_BY = {"programme": _l("Programme"), "cohort": _l("Cohort"), "district": _l("District"),
            "facilitator": _l("Facilitator")}
DEFAULT_GROUP_BY = "programme"
LEVELS = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
# (field, heading, kind) of the figures shown for the totals and for each group
FIGURES: tuple[tuple[str, Any, str], ...] = (
    ("enrolments", _l("Enrolments"), "count"),
    ("active", _l("Still in the programme"), "count"),
    ("completed", _l("Completed"), "count"),
    ("dropouts", _l("Dropped out"), "count"),
    ("completion_rate", _l("Completion rate"), "rate"),
    ("dropout_rate", _l("Dropout rate"), "rate"),
    ("average_attendance", _l("Average attendance"), "rate"),
)
# A chart of more groups than this is unreadable on a tablet: it shows the first ones, the table has them all.
CHART_GROUPS = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Period:
    """What the dashboard covers: enrolments that started (and alerts raised) from `start` to `end`, grouped."""

    group_by: str
    start: date
    end: date
    region: str | None = None  # the choice of whoever sees the whole country (None: all of it); others get their own

    def completion_params(self, language: str, fmt: str = "json") -> dict[str, Any]:
        """Enrollment's completion report of the period, its own labels (a shipped programme's name, the totals,
        referral sources, the districts and regions) in `language`, the reader's."""
        return {"group_by": self.group_by, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "region": self.region, "format": fmt, "lang": language}

    def figures_params(self) -> dict[str, Any]:
        return {"since": self.start.isoformat(), "until": self.end.isoformat(), "region": self.region}

    def query(self) -> dict[str, str]:
        """The filters as the page's own query string (the download buttons carry them)."""
        out = {"group_by": self.group_by, "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {**out, "region": self.region} if self.region else out


# The quarters the period's lists offer: these many years back from today's quarter (and the period's own, if older).
QUARTER_YEARS = 6


def read_period(args: Mapping[str, str], *, today: date, may_choose_region: bool) -> tuple[Period, dict[str, str]]:
    """The filters from the query string, and what is wrong with them ({field: message}); defaults: by programme,
    the four quarters that end with today's. A period is a run of whole quarters (the services refuse any other): a
    day is taken as its quarter, `from`'s from its first day, `to`'s to its last. A wrong field is replaced by its
    default, so that the form can still be shown."""
    errors: dict[str, str] = {}
    group_by = args.get("group_by") or DEFAULT_GROUP_BY
    if group_by not in GROUP_BY:
        errors["group_by"] = _("Choose one of the groupings in the list.")
        group_by = DEFAULT_GROUP_BY

    invalid = _l("Write the date as year-month-day, for example %(example)s.", example=today.isoformat())

    def day(name: str) -> date | None:
        return parse_day(args, name, errors, invalid)

    asked_end, asked_start = day("to"), day("from")
    end = quarter_end(asked_end or today)
    start = quarter_start(asked_start) if asked_start else quarters_before(end, 3)
    if "from" not in errors and "to" not in errors and start > end:
        errors["from"] = _("The period is empty: the first quarter (%(start)s) comes after the last (%(end)s).",
                           start=quarter_name(start), end=quarter_name(end))
    region = ((args.get("region") or "").strip() or None) if may_choose_region else None
    return Period(group_by, start, end, region), errors


def quarter_name(day: date) -> str:
    """The quarter `day` falls in, as the reader says it ("Q1 2026")."""
    return _("Q%(number)s %(year)s", number=(day.month - 1) // 3 + 1, year=day.year)


def quarter_options(period: Period, *, today: date) -> dict[str, list[tuple[str, str]]]:
    """The period's two lists: each quarter from QUARTER_YEARS years back (or the period's start, if earlier) to
    today's (or the period's end, if later), newest first; `from` offers their first days, `to` their last."""
    first = min(period.start, quarters_before(today, 4 * QUARTER_YEARS - 1))
    last = max(period.end, quarter_end(today))
    runs = list(reversed(quarters(first, last)))
    return {"from": [(start.isoformat(), quarter_name(start)) for start, _end in runs],
            "to": [(end.isoformat(), quarter_name(end)) for _start, end in runs]}


def duration_unit(longest_seconds: float) -> tuple[float, Callable[[float], str]]:
    """A unit that suits durations up to `longest_seconds`, as (seconds in it, format of a value in it)."""
    if longest_seconds < 120:
        return 1, lambda v: _("%(n)s s", n=format_decimal(v, "#,##0.#"))
    if longest_seconds < 2 * 3600:
        return 60, lambda v: _("%(n)s min", n=format_decimal(v, "#,##0.#"))
    if longest_seconds < 2 * 86400:
        return 3600, lambda v: _("%(n)s h", n=format_decimal(v, "#,##0.#"))
    return 86400, lambda v: _("%(n)s d", n=format_decimal(v, "#,##0.#"))


def duration(seconds: float | None) -> str:
    """A duration in the unit that suits it, in the user's language: `45 s`, `12 min`, `3.5 h`."""
    if seconds is None:
        return "—"
    unit, shown = duration_unit(seconds)
    return shown(seconds / unit)


@dataclass
class Section:
    """One service's part of the dashboard: its figures, or why they are missing."""

    data: dict[str, Any] | None = None
    problem: str | None = None  # refused | unavailable | no_region
    detail: str = ""


# A service's answer: its JSON, or the error it gave (a refusal, an outage).
Answer = dict[str, Any] | ServiceError


def dashboard_requests(period: Period, *, national: bool, language: str) -> list[tuple[str, str, dict[str, Any]]]:
    """What the dashboard asks the services, in order, as (service, path, query): enrollment's completion report
    (labelled in `language`, the reader's), and notify's alert figures (not for the whole country, which a `national`
    reader may ask for: notify reports one region at a time)."""
    asked: list[tuple[str, str, dict[str, Any]]] = [
        ("enrollment", "/reports/completion", period.completion_params(language))]
    if not (national and not period.region):
        asked.append(("notify", "/figures", period.figures_params()))
    return asked


def as_arguments(params: Mapping[str, Any]) -> dict[str, Any]:
    """A query as a client method's keyword arguments (the query's `from` is the argument `from_`)."""
    return {f"{k}_" if keyword.iskeyword(k) else k: v for k, v in params.items()}


def _ask(service: str, path: str, params: dict[str, Any]) -> Answer:
    """One of `dashboard_requests`, through its service's client."""
    operations: dict[tuple[str, str], Callable[..., Any]] = {
        ("enrollment", "/reports/completion"): clients.enrollment.completion_report,
        ("notify", "/figures"): clients.notify.figures}
    operation = operations[(service, path)]
    try:
        answer: dict[str, Any] = operation(**as_arguments(params))
    except ServiceError as error:
        return error
    return answer


def ask_services(period: Period, *, national: bool) -> dict[str, Answer]:
    """The services' answers to the dashboard's requests, {service: answer}; none asked after one refuses the
    period (422)."""
    answers: dict[str, Answer] = {}
    for service, path, params in dashboard_requests(period, national=national, language=current_language()):
        answer = answers[service] = _ask(service, path, params)
        if isinstance(answer, ServiceError) and answer.status == 422:
            break
    return answers


def section(answer: Answer) -> Section:
    """A service's answer as its part of the page; a refusal or an outage leaves the rest of the page standing."""
    if isinstance(answer, ServiceError):
        return Section(problem="refused" if answer.status in (401, 403) else "unavailable", detail=answer.detail)
    return Section(answer)


def alerts_of(answers: Mapping[str, Answer]) -> Section:
    """Notify's part of the page (notify is not asked for the whole country)."""
    return section(answers["notify"]) if "notify" in answers else Section(problem="no_region")


def _period_errors(error: ServiceError) -> dict[str, str]:
    """A service's refusal of the period, as messages on the form's fields."""
    fields = {"since": "from", "until": "to", "from": "from", "to": "to"}  # notify's names, and enrollment's
    errors: dict[str, str] = {}
    for name, text in error.field_errors().items():
        if name in fields:
            errors[fields[name]] = _("This date was not accepted: %(why)s", why=text)
    return errors or {"from": _("The period was not accepted: %(why)s", why=error.detail or error.title)}


def _regions() -> list[str]:
    """The regions whoever sees the whole country may choose from: those of the areas and of the staff."""
    with sessions()() as db:
        found: set[str | None] = set(db.execute(sa.select(Area.region).distinct()).scalars())
        found |= set(db.execute(sa.select(User.region).distinct()).scalars())
    return sorted((r for r in found if r), key=str.casefold)


def _facilitator_names(report: dict[str, Any]) -> None:
    """A facilitator's group is labelled with their user id: show their name where the portal knows it."""
    if report.get("group_by") != "facilitator":
        return
    ids = [row["key"] for row in report["groups"] if row.get("key")]
    if not ids:
        return
    names = staff_names(ids)
    for row in report["groups"]:
        if row.get("key") in names:
            row["label"] = f"{names[row['key']]} ({row['key']})"


def _session_label(number: str) -> str:
    return _("Before the first session") if number == "0" else _("Session %(n)s", n=number)


def dropout_sessions(row: dict[str, Any]) -> list[tuple[str, int | None]]:
    """A row's histogram of the session at which people dropped out, in the order of the sessions."""
    histogram = row.get("dropout_sessions") or {}
    return sorted(histogram.items(), key=lambda item: int(item[0]))


def no_chart() -> str:
    """Said instead of a chart whose every figure is hidden."""
    return _("No chart is drawn: each of its figures is a dash (—), hidden under the small-cell rule or with nothing "
             "yet to compute it from.")


def completion_charts(report: dict[str, Any]) -> dict[str, Markup]:
    """The completion report's charts: rates and attendance by group, and the session at which people dropped out."""
    groups = report["groups"][:CHART_GROUPS]
    charts = {
        "rates": grouped_bar_chart(
            [(row["label"], [row["completion_rate"], row["dropout_rate"]]) for row in groups],
            series=[_("Completion rate"), _("Dropout rate")], title=_("Completion and dropout rate by group"),
            value_format=percent_filter, max_value=1.0, chart_id="chart-rates", all_hidden=no_chart()),
        "attendance": bar_chart(
            [(row["label"], row["average_attendance"]) for row in groups], title=_("Average attendance by group"),
            value_format=percent_filter, max_value=1.0, chart_id="chart-attendance", all_hidden=no_chart()),
    }
    histogram = dropout_sessions(report["totals"])
    if histogram:
        charts["sessions"] = bar_chart(
            [(_session_label(number), count) for number, count in histogram],
            title=_("The session at which people drop out"), value_format=number_filter,
            description=_("How many men dropped out after each session, the last they attended."),
            chart_id="chart-sessions", all_hidden=no_chart())
    return charts


def alert_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Notify's rows, with their district and level in words."""
    return [{**row, "name": f"{row['district']} · {LEVELS.get(row['level'], row['level'])}",
             "level_name": LEVELS.get(row["level"], row["level"])} for row in figures.get("rows", [])]


def alert_chart(rows: list[dict[str, Any]]) -> Markup | None:
    """Delivery to acknowledgement, median and 90th percentile, per district and level (None: nothing to draw)."""
    known = [v for row in rows for v in (row.get("ack_p50_s"), row.get("ack_p90_s")) if v is not None]
    if not rows:
        return None
    unit, shown = duration_unit(max(known, default=0))
    return grouped_bar_chart(
        [(row["name"], [None if row.get(k) is None else row[k] / unit for k in ("ack_p50_s", "ack_p90_s")])
         for row in rows[:CHART_GROUPS]],
        series=[_("Median"), _("90th percentile")], title=_("From delivery to acknowledgement"),
        value_format=shown, description=_("How long alerts waited to be acknowledged, by district and level."),
        chart_id="chart-alerts", all_hidden=no_chart())


def page_context(period: Period, errors: dict[str, str], completion: Section | None = None,
                 alerts: Section | None = None, *, regions: list[str] | None = None) -> dict[str, Any]:
    """The dashboard template's context; `regions`: those a national reader may choose from (None: no choice)."""
    report = completion.data if completion else None
    figures = alerts.data if alerts else None
    rows = alert_rows(figures) if figures else []
    min_cell = report["min_cell"] if report else settings_now().report_min_cell
    return {
        "period": period, "errors": errors, "group_names": GROUP_BY, "group_options": list(GROUP_BY.items()),
        "quarter_options": quarter_options(period, today=local_today()),
        "region_options": place_options(regions, "region") if regions is not None else None,
        "completion": completion, "report": report, "charts": completion_charts(report) if report else {},
        "alerts": alerts, "alert_rows": rows, "alert_chart": alert_chart(rows), "min_cell": min_cell,
        "duration": duration, "session_label": _session_label, "figure_columns": FIGURES,
        "chart_groups": CHART_GROUPS, "dropout_sessions": dropout_sessions(report["totals"]) if report else [],
        "downloads": {fmt: f'{url_for("manager.export", fmt=fmt)}?{urlencode(period.query())}'
                      for fmt in ("csv", "xlsx")}, "csv_download": csv_download_label()}


def csv_download_label() -> str:
    """The CSV button's words: which separator the file uses, the one Excel expects under the user's language's
    regional settings (enrollment writes the file in the user's language: qadam_words' list separator)."""
    if Formats(current_language()).list_separator == ";":
        return _("Download CSV (separated by semicolons, for Excel set to Uzbek, Karakalpak or Russian)")
    return _("Download CSV (separated by commas)")


def dashboard_context(period: Period, errors: dict[str, str], answers: Mapping[str, Answer] | None = None, *,
                      regions: list[str] | None = None) -> tuple[dict[str, Any], int]:
    """The dashboard's context and status: from the filters' errors, else from the services' answers
    ({service: answer}, as `ask_services` gives them). A period the filters or a service refuse is shown on the
    form alone (422)."""
    if errors:
        return page_context(period, errors, regions=regions), 422
    answers = answers or {}
    refusal = next((a for a in answers.values() if isinstance(a, ServiceError) and a.status == 422), None)
    if refusal is not None:
        return page_context(period, _period_errors(refusal), regions=regions), 422
    return page_context(period, {}, section(answers["enrollment"]), alerts_of(answers), regions=regions), 200


def _render(period: Period, errors: dict[str, str], answers: Mapping[str, Answer] | None = None) -> tuple[str, int]:
    context, status = dashboard_context(period, errors, answers, regions=_regions() if _national() else None)
    return render_template("manager/dashboard.html", **context), status


def _national() -> bool:
    """Whether the user sees the whole country (an administrator, an analyst whose account names no region): they
    choose the region; everyone else sees their own."""
    return bool(g.principal.reach is Reach.EVERYWHERE)


@bp.get("/dashboard")
@allow(*READERS)
def dashboard() -> Any:
    national = _national()
    period, errors = read_period(request.args, today=local_today(), may_choose_region=national)
    answers = {} if errors else ask_services(period, national=national)
    report = answers.get("enrollment")
    if isinstance(report, dict):
        _facilitator_names(report)
    return _render(period, errors, answers)


@bp.get("/dashboard/export.<any(csv, xlsx):fmt>")
@allow(*READERS)
def export(fmt: str) -> Any:
    """The completion report as enrollment writes it; the Excel workbook gains a sheet of alert response times."""
    national = _national()
    period, errors = read_period(request.args, today=local_today(), may_choose_region=national)
    if errors:
        return _render(period, errors)
    try:
        language = current_language()
        answer = clients.enrollment.completion_report_file(**as_arguments(period.completion_params(language, fmt)))
    except ServiceError as error:
        if error.status != 422:
            raise
        return _render(period, {}, {"enrollment": error})
    body = answer.content
    if fmt == "xlsx":
        asked = {s: _ask(s, path, params)
                 for s, path, params in dashboard_requests(period, national=national, language=language)
                 if s == "notify"}
        body = with_alert_sheet(body, alerts_of(asked), period)
    # the language in the name: a CSV's separator and decimal sign are that language's
    name = f"qadam-completion-{period.group_by}-{period.start.isoformat()}-{period.end.isoformat()}-{language}.{fmt}"
    mimetype = answer.headers.get("Content-Type") or (XLSX if fmt == "xlsx" else "text/csv; charset=utf-8")
    return Response(body, headers={"Content-Type": mimetype, "Content-Disposition": f'attachment; filename="{name}"',
                                   "Cache-Control": "no-store"})


ALERT_COLUMNS: tuple[tuple[str, Any, bool], ...] = (
    # (field, heading, a duration in seconds: shown in minutes)
    ("alerts", _l("Alerts"), False),
    ("flags", _l("Flags behind them"), False),
    ("in_app_p50_s", _l("Event to inbox, median (minutes)"), True),
    ("in_app_p90_s", _l("Event to inbox, 90th percentile (minutes)"), True),
    ("messaged", _l("Reached by a message"), False),
    ("message_p50_s", _l("Event to first message, median (minutes)"), True),
    ("message_p90_s", _l("Event to first message, 90th percentile (minutes)"), True),
    ("acknowledged", _l("Acknowledged"), False),
    ("ack_p50_s", _l("Delivery to acknowledgement, median (minutes)"), True),
    ("ack_p90_s", _l("Delivery to acknowledgement, 90th percentile (minutes)"), True),
    ("escalated", _l("Escalated to a supervisor"), False),
)


def with_alert_sheet(workbook: bytes, alerts: Section, period: Period) -> bytes:
    """Enrollment's workbook with an "Alert response" sheet added: notify's figures, its name, headings and notes in
    the user's language (dates written as enrollment's sheets write them: qadam_words), durations in minutes, an
    empty cell where a figure is suppressed."""
    book = load_workbook(io.BytesIO(workbook))
    sheet = book.create_sheet(str(_("Alert response"))[:31])  # Excel's longest sheet name
    bold = Font(bold=True)
    heading = [str(_("District")), str(_("Level")), *(str(h) for _f, h, _d in ALERT_COLUMNS)]
    sheet.append(heading)
    for cell in sheet[1]:
        cell.font = bold
    for index, text in enumerate(heading, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(text) + 2))
    sheet.freeze_panes = "C2"
    rows = alerts.data.get("rows", []) if alerts.data else []
    for row in rows:
        cells: list[Any] = [district_name(row["district"]), str(LEVELS.get(row["level"], row["level"]))]
        for name, _heading, is_duration in ALERT_COLUMNS:
            value = row.get(name)
            cells.append(round(value / 60, 1) if is_duration and value is not None else value)
        sheet.append(cells)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a district typed as "=…" stays text, never a formula
            elif isinstance(cell.value, float):
                cell.number_format = "0.0"
    sheet.append([])
    formats = Formats(current_language())
    notes = [_("Alerts raised from %(start)s to %(end)s", start=formats.format_date(period.start),
               end=formats.format_date(period.end)),
             _("An empty row of figures: not shown under the small-cell rule (fewer than %(n)s alerts, or a row from "
               "which such a one could be worked out).", n=settings_now().report_min_cell)]
    if alerts.problem == "no_region":
        notes.insert(0, _("Choose a region to see how fast alerts were answered."))
    elif alerts.problem == "refused":
        notes.insert(0, _("The alert service does not give your role these figures."))
    elif alerts.problem:
        notes.insert(0, _("The alert figures could not be read just now. Nothing is lost; try again in a minute."))
    elif not rows:
        notes.insert(0, _("No alerts in this period."))
    for note in notes:
        sheet.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- cohorts, their waiting lists, programme versions ------------------------------------------------------------
# Who plans groups and programmes (enrollment's planners): a manager for his region, an administrator anywhere.
PLANNERS = (Role.MANAGER, Role.ADMINISTRATOR)
COHORT_STATUS_NAMES = {"forming": _l("Forming"), "running": _l("Running"), "finished": _l("Finished"),
                       "cancelled": _l("Cancelled")}
WEEKDAY_NAMES = {1: _l("Monday"), 2: _l("Tuesday"), 3: _l("Wednesday"), 4: _l("Thursday"), 5: _l("Friday"),
                 6: _l("Saturday"), 7: _l("Sunday")}
# (field, label) of the rules a region changes in a new version of a programme
VERSION_RULES = (
    ("sessions_per_week", _l("Sessions a week")),
    ("completion_attendance_percent", _l("Attendance needed to complete, per cent")),
    ("max_unexcused_absences", _l("Unexcused absences before exit is proposed")),
    ("max_consecutive_absences", _l("Unexcused absences in a row before exit is proposed")),
    ("absence_call_hours", _l("Hours to call a man after an absence")),
    ("group_size_min", _l("Smallest group")),
    ("group_size_max", _l("Largest group")),
)


def service_errors(error: ServiceError, form_fields: tuple[str, ...], fallback: str) -> dict[str, str]:
    """A service's refusal as the form's errors: each field error beside its field (`schedule.time` beside `time`),
    anything else (a 409, a field the form has not) beside `fallback`."""
    errors: dict[str, str] = {}
    for name, message in error.field_errors().items():
        last = name.split(".")[-1]
        target = last if last in form_fields else fallback
        errors[target] = f"{errors[target]} {message}" if target in errors else message
    return errors or {fallback: error.detail or error.title}


def _psychologists(region: str | None) -> list[tuple[str, str]]:
    """The region's active psychologists, as the facilitator choices: (id, "name (district)")."""
    return [(user_id, f"{name} ({district_name(district)})" if district else name)
            for user_id, name, district in staff_of_role("psychologist", region)]


def _districts(region: str | None) -> list[tuple[str, str]]:
    with sessions()() as db:
        places = load_places(db)
    return place_options((d for _id, d in places.districts.get(region or "", [])), "district")


def _programme_options() -> list[tuple[str, str]]:
    return [(str(p["id"]), _("%(name)s, version %(n)s", name=programme_text_filter(p["name"]), n=p["version"]))
            for p in clients.enrollment.all_programmes()]


def _cohort_rows() -> list[dict[str, Any]]:
    """The groups the user may see, newest first, with their programme's name and their psychologists' names."""
    cohorts = list(clients.enrollment.all_cohorts())
    names = staff_names({f for c in cohorts for f in c.get("facilitator_ids", [])})
    programmes = {str(p["id"]): p for p in clients.enrollment.all_programmes(include_retired=True)}
    return [{**c, "programme": programmes.get(str(c["programme_id"])),
             "facilitators": [names.get(f, f) for f in c.get("facilitator_ids", [])]} for c in cohorts]


@bp.get("/manager/cohorts")
@allow(*PLANNERS)
def cohorts() -> Any:
    """The groups of the region: places taken of the places there are, how many wait, and each one's page."""
    return render_template("manager/cohorts.html", cohorts=_cohort_rows(), status_names=COHORT_STATUS_NAMES,
                           weekday_names=WEEKDAY_NAMES)


COHORT_FIELDS = ("programme_id", "name", "district", "mahalla", "facilitator_ids", "start_date", "capacity",
                 "weekdays", "time", "place")


def _cohort_form(form: dict[str, Any], errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    region = g.user.region
    return render_template("manager/cohort_new.html", form=form, errors=errors, region=region,
                           programme_options=_programme_options(), district_options=_districts(region),
                           psychologists=_psychologists(region), weekday_names=WEEKDAY_NAMES,
                           idempotency_key=form_key("idempotency_key")), status


@bp.route("/manager/cohorts/new", methods=["GET", "POST"])
@allow(*PLANNERS)
def cohort_new() -> Any:
    """A new group of a programme's current version in a district of the region, with its psychologists."""
    if request.method == "GET":
        return _cohort_form({"facilitator_ids": [], "weekdays": []}, {})
    form = {k: request.form.getlist(k) if k in ("facilitator_ids", "weekdays") else request.form.get(k, "").strip()
            for k in COHORT_FIELDS}
    values, errors = read(CohortForm(), request.form)
    if errors:
        return _cohort_form(form, errors, 422)
    try:
        body: Any = {**values, "region": g.user.region}
        made = clients.enrollment.form_cohort(body=body, idempotency_key=form_key("idempotency_key"))
    except ServiceError as error:
        if error.status not in (403, 409, 422):
            raise
        return _cohort_form(form, service_errors(error, COHORT_FIELDS, "name"), 422)
    flash(_("Group %(name)s is formed.", name=made["name"]), "success")
    return redirect(url_for("manager.cohort", cohort_id=made["id"]))


CHANGE_FIELDS = ("status", "facilitator_ids", "capacity", "weekdays", "time", "place")


def _form_of_cohort(cohort: Mapping[str, Any]) -> dict[str, Any]:
    schedule = cohort.get("schedule") or {}
    return {"status": cohort["status"], "facilitator_ids": list(cohort["facilitator_ids"]),
            "capacity": str(cohort["capacity"]), "weekdays": [str(d) for d in schedule.get("weekdays", [])],
            "time": schedule.get("time") or "", "place": schedule.get("place") or ""}


def _other_groups(cohort: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The groups a man waiting for this one could be placed in: of its programme, open, with a free place."""
    lineage = clients.enrollment.programme(programme_id=cohort["programme_id"])["lineage_id"]
    versions = {str(p["id"]) for p in clients.enrollment.all_programmes(include_retired=True)
                if p["lineage_id"] == lineage}
    return [(str(c["id"]), _("%(name)s (%(district)s): %(free)s free", name=c["name"], district=district_name(c["district"]),
                             free=free_places(c)))
            for c in clients.enrollment.all_cohorts() if str(c["programme_id"]) in versions
            and c["id"] != cohort["id"] and c["status"] in ("forming", "running") and free_places(c) > 0
            and not c.get("waiting")]  # enrollment's rule: a free place, and nobody in that group's own line


def free_places(cohort: Mapping[str, Any]) -> int:
    return int(cohort.get("capacity") or 0) - int(cohort.get("enrolled") or 0)


def _cohort_page(cohort_id: str, form: dict[str, Any] | None, errors: dict[str, str],
                 status: int = 200) -> tuple[str, int]:
    cohort = clients.enrollment.cohort(cohort_id=cohort_id)
    line = clients.enrollment.waiting_list(cohort_id=cohort_id)["items"]
    names = staff_names({w["inspector_id"] for w in line} | set(cohort["facilitator_ids"]))
    return render_template(
        "manager/cohort.html", cohort=cohort, form=form or _form_of_cohort(cohort), errors=errors, line=line,
        names=names, psychologists=_with_held(_psychologists(cohort["region"]), cohort["facilitator_ids"], names),
        status_options=list(COHORT_STATUS_NAMES.items()), weekday_names=WEEKDAY_NAMES,
        other_groups=_other_groups(cohort) if line else [], status_names=COHORT_STATUS_NAMES), status


def _with_held(options: list[tuple[str, str]], held: list[str], names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The choices, with the psychologists a group has now though they are no longer listed (never dropped)."""
    known = {value for value, _text in options}
    return options + [(user_id, names.get(user_id, user_id)) for user_id in held if user_id not in known]


@bp.route("/manager/cohorts/<uuid:cohort_id>", methods=["GET", "POST"])
@allow(*PLANNERS)
def cohort(cohort_id: uuid.UUID) -> Any:
    """A group: change its status, psychologists, places or schedule; who waits for a place in it, in order, and
    another group for each of them."""
    if request.method == "GET":
        return _cohort_page(str(cohort_id), None, {})
    form = {k: request.form.getlist(k) if k in ("facilitator_ids", "weekdays") else request.form.get(k, "").strip()
            for k in CHANGE_FIELDS}
    values, errors = read(CohortChangeForm(), request.form)
    if not errors:
        try:
            changes: Any = values
            clients.enrollment.change_cohort(cohort_id=cohort_id, body=changes)
        except ServiceError as error:
            if error.status not in (409, 422):
                raise
            errors = _change_refused(error) or service_errors(error, CHANGE_FIELDS, "capacity")
    if errors:
        return _cohort_page(str(cohort_id), form, errors, 422)
    flash(_("The group is changed."), "success")
    return redirect(url_for("manager.cohort", cohort_id=cohort_id))


def _change_refused(error: ServiceError) -> dict[str, str]:
    """Enrollment's two refusals of a change to a group, by the figures it sends, in the manager's language."""
    if error.status == 409 and "waiting" in error.extensions:
        return {"status": _("%(n)s wait for a place in this group: place them in another group or take them off "
                            "its list before you close it.", n=error.extensions["waiting"])}
    if error.status == 409 and "taken" in error.extensions:
        return {"capacity": _("%(n)s take part in this group already: it cannot have fewer places.",
                              n=error.extensions["taken"])}
    return {}


@bp.post("/manager/waiting/<uuid:waiting_id>/placement")
@allow(*PLANNERS)
def place_waiting(waiting_id: uuid.UUID) -> Any:
    """Place a man who waits in another group of his programme; back to the group he waited for."""
    values, errors = read(PlacementForm(), request.form)
    back = request.form.get("from_cohort", "")
    if not errors:
        try:
            placed = clients.enrollment.place_waiting(waiting_id=waiting_id, body={"cohort_id": values["cohort_id"]},
                                                      idempotency_key=form_key("idempotency_key"))
        except ServiceError as error:
            if error.status not in (404, 409, 422):
                raise
            errors = {"cohort_id": error.detail or error.title}
        else:
            flash(_("%(code)s is placed in the other group.", code=placed["participant_code"]), "success")
    for message in errors.values():
        flash(message, "error")
    return redirect(url_for("manager.cohort", cohort_id=back) if _is_uuid(back) else url_for("manager.cohorts"))


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@bp.get("/manager/programmes")
@allow(*PLANNERS)
def programmes() -> Any:
    """The programmes of the region and the national ones, each with its rules; a new version of one."""
    return render_template("manager/programmes.html", programmes=list(clients.enrollment.all_programmes()),
                           rules=VERSION_RULES)


@bp.route("/manager/programmes/<uuid:programme_id>/version", methods=["GET", "POST"])
@allow(*PLANNERS)
def programme_version(programme_id: uuid.UUID) -> Any:
    """A new version of a programme with the rules changed: new groups take it, every man keeps his own."""
    programme = clients.enrollment.programme(programme_id=programme_id)
    form = {k: str(programme.get(k) if programme.get(k) is not None else "") for k, _label in VERSION_RULES}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "").strip() for k, _label in VERSION_RULES}
        values, errors = read(ProgrammeVersionForm(), request.form)
        if not errors:
            errors = _new_version(programme_id, values)
        if not errors:
            flash(_("Version %(n)s of %(name)s is in use for new groups.", n=programme["version"] + 1,
                    name=programme_text_filter(programme["name"])), "success")
            return redirect(url_for("manager.programmes"))
    return render_template("manager/programme_version.html", programme=programme, form=form, errors=errors,
                           rules=VERSION_RULES, idempotency_key=form_key("idempotency_key")), 422 if errors else 200


def _new_version(programme_id: uuid.UUID, values: Any) -> dict[str, str]:
    try:
        clients.enrollment.version_programme(programme_id=programme_id, body=values,
                                             idempotency_key=form_key("idempotency_key"))
    except ServiceError as error:
        if error.status not in (403, 409, 422):
            raise
        return service_errors(error, tuple(k for k, _label in VERSION_RULES), "sessions_per_week")
    return {}


# Programme fidelity and the psychologists' workload (sessions' reports on staff work) are on this blueprint too.
from . import manager_fidelity as manager_fidelity  # noqa: E402

# The outcome report's page is on this blueprint too.
from . import manager_outcomes as manager_outcomes  # noqa: E402
