"""The supervisor's own pages: what reached him (the escalations of alerts his inspectors and psychologists left
unanswered) and the moves of men out of a district of his region that wait for his approval, approved or refused
here. Everything else his inspectors see (participants and their level, orders due, alerts) he sees on their pages,
for his whole region. Every figure comes from the services with his own token, and enrollment decides who may
approve what."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from qadam.auth import allow
from qadam_contracts.roles import Role

from ..backend import ServiceError
from ..clients import clients
from ..clients.enrollment import TransferDecisionIn
from ..forms import DecisionForm, read
from ..i18n import district_name
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from .common import form_key, page_number, staff_names
from .inspector import ALERT_KINDS, LEVEL_NAMES, NOTICE_NAMES, most_urgent_first

bp = Blueprint("supervisor", __name__)

PAGE_SIZE = 25
WAITING_SHOWN = 200  # moves or escalations waiting at once: more is a matter for the region's management
TRANSFER_STATUSES = {"pending": _l("Waiting for your decision"), "approved": _l("Approved"),
                     "refused": _l("Refused")}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"level_names": LEVEL_NAMES, "alert_kinds": ALERT_KINDS, "notice_names": NOTICE_NAMES,
            "transfer_statuses": TRANSFER_STATUSES, "new_form_key": lambda: str(uuid.uuid4())}


@bp.get("/supervision")
@allow(Role.SUPERVISOR)
def overview() -> Any:
    """What waits for him: the escalations that reached him, and the moves out of a district to approve."""
    reached = [n for n in clients.notify.all_notifications(limit=WAITING_SHOWN) if n.get("kind") == "escalation"]
    waiting = clients.enrollment.all_transfers(status=["pending"], limit=WAITING_SHOWN)
    return render_template("supervisor/overview.html", escalations=most_urgent_first(reached), waiting=waiting,
                           **_names_of(waiting))


@bp.get("/moves")
@allow(Role.SUPERVISOR)
def moves() -> Any:
    """Moves out of a district of his region: those waiting for him, each with approve and refuse, then the
    decided ones."""
    return _moves_page({}, None, 200)


@bp.post("/moves/<uuid:transfer_id>")
@allow(Role.SUPERVISOR)
def decide(transfer_id: uuid.UUID) -> Any:
    """Approve or refuse one move; enrollment makes it (checked again as things are now) or says why not."""
    values, errors = read(DecisionForm(), request.form)
    if errors:
        return _moves_page({str(transfer_id): errors}, None, 422)
    body = TransferDecisionIn(approve=values["decision"] == "approve", note=values["note"])
    try:
        decided = clients.enrollment.decide_transfer(transfer_id=transfer_id, body=body,
                                                     idempotency_key=f"{form_key('idem')}.{values['decision']}")
    except ServiceError as error:
        if error.status not in (409, 422):
            raise
        if error.status == 422:
            return _moves_page({str(transfer_id): {"note": str(error.field_errors().get("note") or error.detail)}},
                               None, 422)
        return _moves_page({}, error.detail or error.title, 409)
    if decided["status"] == "approved":
        flash(_("The move of %(code)s to %(district)s is approved and made.", code=decided["participant_code"],
                district=district_name(decided["to_district"])), "success")
    else:
        flash(_("The move of %(code)s is refused; his inspector sees why.", code=decided["participant_code"]), "success")
    return redirect(url_for("supervisor.moves"))


def _moves_page(errors: dict[str, dict[str, str]], problem: str | None, status: int) -> Any:
    """The moves page; `errors`: {transfer id: {field: message}} of the one form refused."""
    page = page_number(request.args)
    waiting = clients.enrollment.all_transfers(status=["pending"], limit=WAITING_SHOWN)
    decided = clients.enrollment.transfers(status=["approved", "refused"], page=page, page_size=PAGE_SIZE)
    return render_template("supervisor/moves.html", waiting=waiting, decided=decided["items"], page=page,
                           more=page * PAGE_SIZE < decided["total"], errors=errors, problem=problem,
                           **_names_of([*waiting, *decided["items"]])), status


def _names_of(transfers: list[Any]) -> dict[str, Any]:
    """The groups' and people's names the moves name (the services know ids only)."""
    cohorts = {c["id"]: c["name"] for c in clients.enrollment.all_cohorts(limit=500)} if transfers else {}
    people = staff_names(sorted({t["asked_by"] for t in transfers} | {t["decided_by"] for t in transfers
                                                                       if t.get("decided_by")}))
    return {"cohorts": cohorts, "staff": people}
