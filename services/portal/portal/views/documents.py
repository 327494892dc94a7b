"""A man's papers from the portal (issue 21): the "Documents" section of his page (each paper's number, kind, date,
who issued it and in which language, with its file to download) and the buttons for those the user may issue now,
in a language chosen (the user's own by default); a session's attendance register, printed from the session's pages
by the psychologist who facilitates the group; and the page anyone signed in uses to check a printed copy by its
number and check code. Enrollment decides who may see and issue what; these pages only ask it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from qadam.auth import allow
from qadam_contracts.roles import Role

from ..backend import ServiceError
from ..clients import clients
from ..clients.enrollment import DocumentIn
from ..i18n import LANGUAGE_NAMES, current_language
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from .auth import EVERYONE
from .common import form_key, staff_names, step_key

bp = Blueprint("documents", __name__)

HOLDERS = (Role.INSPECTOR, Role.SUPERVISOR, Role.PSYCHOLOGIST)  # the roles enrollment gives papers to
NUMBER = re.compile(r"^QD-\d{4}-\d{6,}$")
KIND_NAMES = {
    "progress_report": _l("Progress report to the body that issued his order"),
    "non_compliance_notice": _l("Notice of non-compliance"),
    "completion_certificate": _l("Completion certificate"),
    "exit_notice": _l("Notice of leaving the programme"),
    "attendance_register": _l("Attendance register"),
}


def documents_of(enrolment_id: uuid.UUID | str) -> dict[str, Any] | None:
    """What his page shows of his papers: those the user may read, the kinds they may issue now, who issued each
    (by name) and the languages to choose from; None for a role enrollment gives no papers to."""
    if g.user.role not in HOLDERS:
        return None
    found = clients.enrollment.documents(enrolment_id=str(enrolment_id))
    return {"items": found["items"], "issuable": found["issuable"], "kind_names": KIND_NAMES,
            "names": staff_names({d["generated_by"] for d in found["items"]}), "languages": LANGUAGE_NAMES,
            "language": current_language(), "idem": str(uuid.uuid4()), "enrolment_id": str(enrolment_id)}


def _his_page(enrolment_id: uuid.UUID) -> str:
    page = ("psychologist.enrolment" if g.user.role == Role.PSYCHOLOGIST else "inspector.participant")
    return url_for(page, enrolment_id=enrolment_id) + "#documents"


@bp.post("/participants/<uuid:enrolment_id>/documents")
@allow(*HOLDERS)
def issue(enrolment_id: uuid.UUID) -> Any:
    """Issue the paper whose button was pressed, in the language chosen; back to his page, which lists it."""
    language = request.form.get("language") or current_language()
    body = DocumentIn(kind=request.form.get("kind") or "", language=language)
    try:
        made = clients.enrollment.issue_document(enrolment_id=enrolment_id, body=body,
                                                 idempotency_key=step_key(form_key("idem"), "document", body))
    except ServiceError as error:
        if error.status not in (409, 422):
            raise
        flash(_("This document cannot be issued for him now."), "error")
    else:
        flash(_("Document %(number)s is issued.", number=made["number"]), "success")
    return redirect(_his_page(enrolment_id))


@bp.post("/sessions/<uuid:session_id>/register")
@allow(Role.PSYCHOLOGIST)
def register(session_id: uuid.UUID) -> Any:
    """Print the session's attendance register in the user's language (blank, or as recorded once it is): enrollment
    issues and keeps it, and its file comes back to download. Each press prints a register of its own number."""
    try:
        made = clients.enrollment.print_register(session_id=session_id, body={"language": current_language()})
    except ServiceError as error:
        if error.status not in (404, 409):  # not known to enrollment yet (its event is on its way), or cancelled
            raise
        flash(_("The register cannot be printed for this session now. Try again in a minute."), "error")
        return redirect(url_for("psychologist.attendance", session_id=session_id))
    return _pdf(made["number"])


@bp.get("/documents/<string:number>.pdf")
@allow(*HOLDERS)
def download(number: str) -> Any:
    """The paper's PDF as enrollment keeps it."""
    if not NUMBER.match(number):
        abort(404)
    return _pdf(number)


def _pdf(number: str) -> Response:
    answer = clients.enrollment.document_pdf(number=number)
    return Response(answer.content, headers={"Content-Type": "application/pdf", "Cache-Control": "no-store",
                                             "Content-Disposition": f'attachment; filename="{number}.pdf"'})


@bp.get("/documents/check")
@allow(*EVERYONE)
def check() -> Any:
    """Whether a printed copy is genuine: its number and the check code printed on it, asked of enrollment."""
    number = (request.args.get("number") or "").strip().upper()[:20]
    code = (request.args.get("code") or "").strip()[:20]
    errors: dict[str, str] = {}
    result = None
    if "number" in request.args or "code" in request.args:
        if not NUMBER.match(number):
            errors["number"] = _("A document number looks like QD-2026-000123.")
        if not code:
            errors["code"] = _("Type the check code printed on the paper.")
        if not errors:
            result = clients.enrollment.check_document(number=number, check=code)
    return render_template("documents/check.html", number=number, code=code, errors=errors, result=result,
                           kind_names=KIND_NAMES), (422 if errors else 200)
