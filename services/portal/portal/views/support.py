"""The victim-support worker's pages (an Inson centre's worker): the men whose partners she supports, with what bears
on the woman's safety (where he stands, his risk level and why, his order's dates), an incident reported in her own
words (sealed: read by support workers only, never by the man's side), and the notices she was sent.

Every figure comes from the services with her own token: enrollment lists exactly her men, risk words his level for
her (never his attendance, his psychologist's notes or his own disclosures), notify gives her her notices alone."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from qadam.auth import allow
from qadam_contracts.roles import Role

from ..backend import ServiceError
from ..clients import clients
from ..i18n import current_language
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from .common import form_key, incident_form, levels_or_none, local_today, page_number, send_incident, staff_names
from .inspector import (
    ALERT_KINDS,
    ENROLMENT_STATUSES,
    FLAG_STATUSES,
    INCIDENT_KINDS,
    LEVEL_NAMES,
    NOTICE_NAMES,
    ORDER_STATUSES,
    SEVERITIES,
    STATUS_REASONS,
)

bp = Blueprint("support", __name__, url_prefix="/support")

PAGE_SIZE = 25
# what a flag is about, as risk tells her (risk/domain/her_view.py: the kind, never the facts behind it)
CONCERNS = {
    "absences": _l("His absences from the programme"), "warning_sign": _l("A warning sign noticed in the programme"),
    "incident": _l("An incident"), "assessment": _l("His risk assessment"), "order": _l("His protection order"),
    "programme": _l("His place in the programme"), "cluster": _l("Several signs together"),
    "other": _l("Another concern"),
}
# what she reports first: what she hears from the woman
HER_KINDS = ("victim_fear", "contact_with_victim", "stalking", "order_breach", "new_complaint", "police_callout",
             "arrest")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"level_names": LEVEL_NAMES, "enrolment_statuses": ENROLMENT_STATUSES, "status_reasons": STATUS_REASONS,
            "order_statuses": ORDER_STATUSES, "flag_statuses": FLAG_STATUSES, "concerns": CONCERNS,
            "incident_kinds": INCIDENT_KINDS, "severities": SEVERITIES, "notice_names": NOTICE_NAMES,
            "alert_kinds": ALERT_KINDS, "new_form_key": lambda: str(uuid.uuid4())}


@bp.get("/men")
@allow(Role.SUPPORT_WORKER)
def men() -> Any:
    """The men whose partners she supports, newest referral first, each with his level today (one request a page)."""
    page = page_number(request.args)
    body = clients.enrollment.supported_enrolments(page=page, page_size=PAGE_SIZE)
    rows = body["items"]
    return render_template("support/men.html", rows=rows, total=body["total"], page=page,
                           more=page * PAGE_SIZE < body["total"], levels=levels_or_none([r["id"] for r in rows]),
                           inspectors=staff_names({r["inspector_id"] for r in rows}))


@bp.get("/men/<uuid:enrolment_id>")
@allow(Role.SUPPORT_WORKER)
def man(enrolment_id: uuid.UUID) -> Any:
    """One of her men: where he stands, his order, his level and what it is about, and the incidents reported."""
    case = clients.enrollment.supported_enrolment(enrolment_id=enrolment_id)  # 404 unless he is hers
    try:
        risk: Any = clients.risk.explanation(enrolment_id=enrolment_id, lang=current_language())
        incidents: list[Any] = clients.risk.all_incidents(enrolment_id=enrolment_id, limit=200)
    except ServiceError as error:
        if error.status != 404:
            raise
        risk, incidents = None, []  # risk has not yet heard that she supports the woman
    return render_template("support/man.html", case=case, risk=risk, incidents=incidents,
                           inspector=staff_names([case["inspector_id"]]).get(case["inspector_id"]))


@bp.route("/men/<uuid:enrolment_id>/incident", methods=["GET", "POST"])
@allow(Role.SUPPORT_WORKER)
def incident(enrolment_id: uuid.UUID) -> Any:
    """Report what she heard: risk seals her words for support workers and tells his side only that victim support
    reported a concern, its level and its date."""
    case = clients.enrollment.supported_enrolment(enrolment_id=enrolment_id)
    form, errors = incident_form(), dict[str, str]()
    if request.method == "POST":
        answer, errors = send_incident(enrolment_id)
        if not errors:
            _say_what_it_raised(answer.get("flags") or [])
            return redirect(url_for("support.man", enrolment_id=enrolment_id))
    return render_template("support/incident.html", case=case, form=form, errors=errors,
                           kinds=[(kind, INCIDENT_KINDS[kind]) for kind in HER_KINDS],
                           idem=form_key("idem"), today=local_today().isoformat()), (422 if errors else 200)


def _say_what_it_raised(flags: list[Any]) -> None:
    flash(_("Your report is recorded. Your words are sealed: only victim-support workers can read them."), "success")
    for flag in flags:
        flash(_("It raised a flag: %(level)s. His prevention inspector is alerted.",
                level=LEVEL_NAMES.get(flag["level"], flag["level"])), "warning")


@bp.get("/notices")
@allow(Role.SUPPORT_WORKER)
def notices() -> Any:
    """The notices she was sent, newest first: what happened to one of her men that bears on the woman's safety."""
    page = page_number(request.args)
    body = clients.notify.notifications(page=page, page_size=PAGE_SIZE)
    return render_template("support/notices.html", notices=body["items"], page=page,
                           more=page * PAGE_SIZE < body["total"], here=request.full_path.rstrip("?"))
