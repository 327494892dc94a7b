"""The manager's page of staff work: programme fidelity by group (modules delivered as planned, sessions held on
time, co-facilitated, attendance recorded in time) and each psychologist's workload by month.

The figures are sessions' own (GET /reports/fidelity and /reports/workload), asked for with the signed-in user's
token, so sessions decides which region the user may see. They count staff work, never a man: the portal adds the
groups' names (enrollment's) and the psychologists' (its own accounts), each asked for once. An analyst's reports
carry no group's or psychologist's id (sessions leaves them out): his page names them by the numbers sessions gave."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from babel.dates import format_skeleton
from flask import render_template, request
from qadam.auth import allow
from qadam_contracts.roles import Role
from qadam_words.catalogs import locale_name

from ..backend import ServiceError
from ..clients import clients
from ..i18n import NUMERIC_DATES, current_language, district_name, place_options
from ..i18n import gettext as _
from .common import local_today, staff_names
from .manager import Period, Section, _national, _period_errors, _regions, bp, quarter_name, read_period, section

# Who reads the reports of staff work: sessions gives them to a manager or a regional analyst (his region), and to an
# administrator or a national analyst (any).
STAFF_WORK_READERS = (Role.MANAGER, Role.ADMINISTRATOR, Role.ANALYST)


def month_name(month: str) -> str:
    """A report's month (YYYY-MM) as the reader's language writes a month and its year; Karakalpak in Latin script,
    which has no month names in CLDR, as offices in Nukus write it: 10.2026."""
    day = date.fromisoformat(f"{month}-01")
    language = current_language()
    if language in NUMERIC_DATES:
        return day.strftime("%m.%Y")
    return str(format_skeleton("yMMMM", day, locale=locale_name(language)))


def report_params(period: Period) -> dict[str, Any]:
    """The period and region as sessions' reports take them (the client's `from_` is the query's `from`)."""
    return {"from_": period.start.isoformat(), "to": period.end.isoformat(), "region": period.region}


def _ask(report: Callable[..., Any], period: Period) -> dict[str, Any] | ServiceError:
    try:
        answer: dict[str, Any] = report(**report_params(period))
    except ServiceError as error:
        return error
    return answer


def group_names(rows: list[Mapping[str, Any]]) -> dict[str, str]:
    """{cohort id: its name} of the groups in the rows, from enrollment's groups the user may see (one listing);
    none while enrollment is away (the rows then show their district alone), and none asked for when sessions gave
    no group's id (an analyst's report: its groups come as numbers)."""
    if not any(row.get("cohort_id") for row in rows):
        return {}
    try:
        cohorts = clients.enrollment.all_cohorts()
    except ServiceError as error:
        if error.status < 500:
            raise
        return {}
    return {str(c["id"]): str(c["name"]) for c in cohorts}


def numbered_group(row: Mapping[str, Any]) -> str | None:
    """A group sessions gave by its number (an analyst's report), as its number, district and the quarter it
    started: "Cohort 3, Jizzax, Q2 2025"; None for a group given by its id."""
    if row.get("cohort_number") is None:
        return None
    started = row.get("start_quarter")
    return _("Cohort %(number)s, %(district)s, %(quarter)s", number=row["cohort_number"],
             district=district_name(row["district"]),
             quarter=quarter_name(date.fromisoformat(started)) if started else _("start not known"))


def fidelity_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Sessions' groups, each with its name (or, in an analyst's report, the words of its number) and district in
    words."""
    names = group_names(report["groups"])
    return [{**row, "name": numbered_group(row) or names.get(str(row["cohort_id"])),
             "district_name": district_name(row["district"])} for row in report["groups"]]


def workload_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Sessions' months, each with its psychologist's name (as the portal knows her; in an analyst's report,
    "Psychologist 1", ... by the number sessions gave) and its month in words, by name and then month."""
    names = staff_names({m["facilitator_id"] for m in report["months"] if m.get("facilitator_id")})

    def name(m: Mapping[str, Any]) -> str:
        if m.get("facilitator_number") is not None:
            return _("Psychologist %(number)s", number=m["facilitator_number"])
        return names.get(m["facilitator_id"], m["facilitator_id"])

    rows = [{**m, "name": name(m), "month_name": month_name(m["month"])} for m in report["months"]]
    return sorted(rows, key=lambda m: (m.get("facilitator_number") or 0, m["name"].casefold(),
                                       m.get("facilitator_id") or "", m["month"]))


@bp.get("/manager/fidelity")
@allow(*STAFF_WORK_READERS)
def fidelity() -> Any:
    """Programme fidelity by group and the psychologists' workload by month, over the sessions held in a period
    (by default the last 12 months), of the manager's region (an administrator's choice, or the whole country)."""
    national = _national()
    period, errors = read_period(request.args, today=local_today(), may_choose_region=national)
    regions = _regions() if national else None
    if errors:
        return _page(period, errors, regions), 422
    fidelity_answer = _ask(clients.sessions.fidelity_report, period)
    if isinstance(fidelity_answer, ServiceError) and fidelity_answer.status == 422:
        return _page(period, _period_errors(fidelity_answer), regions), 422
    workload_answer = _ask(clients.sessions.workload_report, period)
    fidelity_part, workload_part = section(fidelity_answer), section(workload_answer)
    return _page(period, {}, regions, fidelity_part, workload_part)


def _page(period: Period, errors: dict[str, str], regions: list[str] | None, fidelity_part: Section | None = None,
          workload_part: Section | None = None) -> str:
    report = fidelity_part.data if fidelity_part else None
    workload = workload_part.data if workload_part else None
    return render_template(
        "manager/fidelity.html", period=period, errors=errors,
        region_options=place_options(regions, "region") if regions is not None else None,
        fidelity=fidelity_part, report=report, groups=fidelity_rows(report) if report else [],
        workload=workload_part, months=workload_rows(workload) if workload else [])
