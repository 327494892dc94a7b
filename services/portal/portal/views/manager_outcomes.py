"""The outcome report's page: what became of the men who left a programme in a period (new protection orders and
breaches within 6 and 12 months, with their 95% intervals), the curve of time to a new order, and the report's
downloads. The figures are enrollment's own outcome report, asked for with the signed-in user's token: enrollment
decides what the user may see and has already suppressed small cells."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request, url_for
from flask_babel import format_percent
from markupsafe import Markup
from qadam.auth import allow
from qadam.quarters import last_quarter_passed, quarter_end, quarter_start, quarters_before
from qadam_contracts.roles import Role

from ..backend import ServiceError
from ..charts import step_chart
from ..clients import clients
from ..i18n import current_language, number_filter, percent_filter, place_options
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..websession import settings_now
from .common import local_today, parse_day
from .manager import (
    DEFAULT_GROUP_BY as DASHBOARD_GROUPING,
)
from .manager import (
    XLSX,
    Period,
    _national,
    _regions,
    as_arguments,
    bp,
    csv_download_label,
    quarter_name,
    quarter_options,
)

# Who reads the outcome report: those who read the completion report (enrollment's OUTCOME_READERS says the same).
OUTCOME_READERS = (Role.MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.ANALYST)
OUTCOME_GROUP_BY = {"programme": _l("Programme version"), "region": _l("Region"), "district": _l("District"),
                    "risk_band": _l("Risk band at intake"), "how": _l("How he left")}
DEFAULT_GROUP_BY = "programme"
WINDOWS = (6, 12)


@dataclass(frozen=True)
class OutcomePeriod:
    """What the page covers: men who left from `start` to `end` (a run of whole quarters), counted up to `as_of`,
    grouped."""

    group_by: str
    start: date
    end: date
    as_of: date
    region: str | None = None  # an administrator's choice (None: the whole country); others get their own

    def params(self, language: str, fmt: str = "json") -> dict[str, Any]:
        return {"group_by": self.group_by, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "as_of": self.as_of.isoformat(), "region": self.region, "format": fmt, "lang": language}

    def query(self) -> dict[str, str]:
        out = {"group_by": self.group_by, "from": self.start.isoformat(), "to": self.end.isoformat(),
               "as_of": self.as_of.isoformat()}
        return {**out, "region": self.region} if self.region else out


def read_outcome_period(args: Mapping[str, str], *, today: date,
                        may_choose_region: bool) -> tuple[OutcomePeriod, dict[str, str]]:
    """The filters from the query string and what is wrong with them; defaults: by programme version, counted up to
    today, the four quarters of leaving up to the latest whose 6 months have passed by then (as enrollment's). A
    period is a run of whole quarters (enrollment refuses any other): a day is taken as its quarter, `from`'s from its
    first day, `to`'s to its last, as the dashboard reads its period."""
    errors: dict[str, str] = {}
    group_by = args.get("group_by") or DEFAULT_GROUP_BY
    if group_by not in OUTCOME_GROUP_BY:
        errors["group_by"] = _("Choose one of the groupings in the list.")
        group_by = DEFAULT_GROUP_BY
    invalid = _l("Write the date as year-month-day, for example %(example)s.", example=today.isoformat())
    as_of = parse_day(args, "as_of", errors, invalid) or today
    asked_end, asked_start = parse_day(args, "to", errors, invalid), parse_day(args, "from", errors, invalid)
    # by default the four quarters up to the latest whose 6 months have passed (as enrollment's): their 6-month figures
    # are all in
    end = quarter_end(asked_end) if asked_end else (quarter_end(as_of) if asked_start else
                                                     last_quarter_passed(as_of, WINDOWS[0]))
    start = quarter_start(asked_start) if asked_start else quarters_before(end, 3)
    if "from" not in errors and "to" not in errors and start > end:
        errors["from"] = _("The period is empty: the first quarter (%(start)s) comes after the last (%(end)s).",
                           start=quarter_name(start), end=quarter_name(end))
    if "as_of" not in errors and as_of > today:
        errors["as_of"] = _("Outcomes are counted up to today at the latest.")
    elif "to" not in errors and "as_of" not in errors and end > quarter_end(as_of):
        errors["to"] = _("The last quarter men left in comes after the quarter of the day outcomes are counted to "
                         "(%(day)s).", day=as_of.isoformat())
    region = ((args.get("region") or "").strip() or None) if may_choose_region else None
    return OutcomePeriod(group_by, start, end, as_of, region), errors


def share(value: float | None) -> str:
    """A share with one decimal (an interval's ends tell apart what a whole per cent would round together)."""
    return "—" if value is None else format_percent(value, format="#,##0.0%")


def months_label(months: float) -> str:
    return _("month %(n)s", n=number_filter(months))


def curve_rule(min_cell: int) -> str:
    """What the curve is drawn over and where it stops, in the page's words (under the chart, and in its text)."""
    return _("The share of men without a new order, by whole months after they left, over the quarters whose 6 "
             "months have passed by the day counted up to. It stops before a month in which one of those quarters "
             "would have fewer than %(n)s men still followed without a new order, so that no man's dates can be told "
             "by comparing two curves.", n=min_cell)


def outcome_curve(report: Mapping[str, Any]) -> Markup:
    """The curve of time to a new order by whole months after leaving, as enrollment gives its shown steps."""
    return step_chart(
        [(int(step["month"]), float(step["survival"])) for step in report.get("curve", [])],
        title=_("Men without a new protection order, by months since they left"), value_format=percent_filter,
        day_format=months_label, chart_id="chart-survival",
        description=curve_rule(report.get("min_cell", 0)),
        none_text=_("No curve is drawn: no quarter of the period has been followed 6 months yet, or one of them has "
                    "too few men."))


def _is_admin() -> bool:
    """Whether the reader chooses the region (the whole country is theirs: an administrator, a national analyst)."""
    return _national()


def _page(period: OutcomePeriod, errors: dict[str, str], report: dict[str, Any] | None = None,
          problem: ServiceError | None = None) -> tuple[str, int]:
    is_admin = _is_admin()
    context = {
        "quarter_options": quarter_options(Period(DASHBOARD_GROUPING, period.start, period.end), today=local_today()),
        "period": period, "errors": errors, "report": report, "group_names": OUTCOME_GROUP_BY,
        "group_options": list(OUTCOME_GROUP_BY.items()), "windows": WINDOWS,
        "region_options": None, "curve": outcome_curve(report) if report else None,
        "curve_rule": curve_rule(report["min_cell"]) if report else None,
        "problem": None if problem is None else ("refused" if problem.status in (401, 403) else "unavailable"),
        "min_cell": report["min_cell"] if report else settings_now().report_min_cell,
        "csv_download": csv_download_label(), "share": share,
        "downloads": {fmt: f'{url_for("manager.outcomes_export", fmt=fmt)}?{urlencode(period.query())}'
                      for fmt in ("csv", "xlsx")}}
    if is_admin:
        context["region_options"] = place_options(_regions(), "region")
    return render_template("manager/outcomes.html", **context), 422 if errors else 200


def _refused_period(error: ServiceError) -> dict[str, str]:
    """Enrollment's refusal of the period, as messages on the form's fields."""
    fields = {"from": "from", "to": "to", "as_of": "as_of", "group_by": "group_by"}
    found = {fields[name]: _("This date was not accepted: %(why)s", why=text)
             for name, text in error.field_errors().items() if name in fields}
    return found or {"from": _("The period was not accepted: %(why)s", why=error.detail or error.title)}


@bp.get("/outcomes")
@allow(*OUTCOME_READERS)
def outcomes() -> Any:
    """The outcome report for a period: by group, with intervals, the curve and the downloads."""
    period, errors = read_outcome_period(request.args, today=local_today(), may_choose_region=_is_admin())
    if errors:
        return _page(period, errors)
    try:
        report: Any = clients.enrollment.outcome_report(**as_arguments(period.params(current_language())))
    except ServiceError as error:
        if error.status == 422:
            return _page(period, _refused_period(error))
        return _page(period, {}, problem=error)
    return _page(period, {}, report)


@bp.get("/outcomes/export.<any(csv, xlsx):fmt>")
@allow(*OUTCOME_READERS)
def outcomes_export(fmt: str) -> Any:
    """The outcome report as enrollment writes it, in the user's language."""
    period, errors = read_outcome_period(request.args, today=local_today(), may_choose_region=_is_admin())
    if errors:
        return _page(period, errors)
    language = current_language()
    try:
        answer = clients.enrollment.outcome_report_file(**as_arguments(period.params(language, fmt)))
    except ServiceError as error:
        if error.status != 422:
            raise
        return _page(period, _refused_period(error))
    name = f"qadam-outcomes-{period.group_by}-{period.start.isoformat()}-{period.end.isoformat()}-{language}.{fmt}"
    mimetype = answer.headers.get("Content-Type") or (XLSX if fmt == "xlsx" else "text/csv; charset=utf-8")
    return Response(answer.content, headers={"Content-Type": mimetype,
                                             "Content-Disposition": f'attachment; filename="{name}"',
                                             "Cache-Control": "no-store"})
