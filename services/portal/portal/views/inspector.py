"""The inspector's pages: the alerts inbox and its one-click acknowledgement, the participants of the inspector's
area with their risk explained, incident reports, protection orders running out, and the referral of a new man.
Supervisors and the victim-support workers of Inson centres use them too, each seeing what the services let them
see: every figure here comes from the services' APIs with the signed-in user's own token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from qadam.auth import allow
from qadam_contracts.roles import Role
from qadam_contracts.vocabulary import FLAG_LEVELS, ORDER_CONDITIONS, level_rank
from qadam_words import vocabulary

from ..backend import ServiceError
from ..clients import clients
from ..clients.enrollment import CorrectionPlanIn, OrderExtensionIn, TransferIn
from ..forms import (
    PLAN_PARTS,
    ExtensionForm,
    PlanForm,
    ReferralForm,
    SupportWorkerForm,
    TransferForm,
    read,
)
from ..i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    current_language,
    district_name,
    lazy_shared,
    place_options,
    reasons_read,
    region_name,
)
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..websession import sessions
from .admin import load_places
from .auth import safe_next as safe_next
from .common import form_key, incident_form, local_today, page_number, send_incident, staff_names, support_workers_of
from .common import levels_or_none as _levels_or_none
from .common import step_key as _step_key
from .documents import documents_of

bp = Blueprint("inspector", __name__)

CASE_READERS = (Role.INSPECTOR, Role.SUPERVISOR, Role.SUPPORT_WORKER)
ALERT_READERS = (*CASE_READERS, Role.MANAGER, Role.PSYCHOLOGIST)  # her alerts: the link in each opens it here
REPORTERS = (Role.INSPECTOR, Role.SUPERVISOR)
PAGE_SIZE = 25
WAITING_SHOWN = 200  # unacknowledged alerts listed at once: more than that is a case for the supervisor anyway
ORDER_WINDOWS = (7, 14, 30)  # days; 7 is the default warning of an order about to expire (DOMAIN.md)
IN_PROGRAMME = ("referred", "assessed", "active", "suspended")
ORDERS_AT_ONCE = 100  # enrollment answers for at most 100 orders' enrolments in one request

LEVEL_NAMES = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
ENROLMENT_STATUSES = {
    "referred": _l("Referred"), "assessed": _l("Assessed"), "active": _l("In the programme"),
    "suspended": _l("Suspended"), "completed": _l("Completed"), "closed": _l("Closed"),
    "excluded": _l("Not admitted"), "exited": _l("Left the programme"),
}
INCIDENT_KINDS = lazy_shared(vocabulary.INCIDENT_KINDS)  # the shared words of every service (qadam_words)
SEVERITIES = {"minor": _l("Minor"), "serious": _l("Serious"), "severe": _l("Severe")}
INCIDENT_SOURCES = {"inspector": _l("Prevention inspector"), "victim_support": _l("Victim-support worker")}
ORDER_STATUSES = {"active": _l("In force"), "expired": _l("Expired"), "revoked": _l("Revoked")}
FLAG_STATUSES = {"open": _l("Not yet acknowledged"), "acknowledged": _l("Acknowledged"), "resolved": _l("Resolved")}
ALERT_KINDS = {"alert": _l("Risk flag"), "escalation": _l("Escalation: not answered in time"),
               "level_rise": _l("His risk level rose"), "safety_notice": _l("What bears on her safety")}
NOTICE_NAMES = {
    "critical_flag": _l("A critical risk flag was raised"), "suspended": _l("His programme was suspended"),
    "exited": _l("He left the programme"), "dropout": _l("He was taken out of the programme for not keeping to it"),
    "excluded": _l("He was not admitted to the programme"), "completed": _l("He completed the programme"),
    "order_issued": _l("A new protection order was issued"), "order_expiring": _l("His protection order runs out soon"),
    "order_ended": _l("His protection order has ended"),
}
RESPONSIBILITIES = {
    "inspector": _l("You are his prevention inspector."), "psychologist": _l("You are his psychologist."),
    "victim_support": _l("You support the victim."), "supervisor": _l("You supervise the person responsible."),
}
CHANNELS = {"email": _l("E-mail"), "telegram": _l("Telegram"), "sms": _l("SMS")}
DELIVERY_STATUSES = {"pending": _l("Waiting to be sent"), "sent": _l("Sent"), "failed": _l("Failed"),
                     "skipped": _l("Not sent")}
DELIVERY_PURPOSES = {"alert": _l("Alert"), "reminder": _l("Reminder"), "digest": _l("Daily digest")}
# Why notify sent nothing over a channel: a skipped delivery's code (`skip_reason`, in notify's OpenAPI), said in the
# reader's language.
SKIP_REASONS = {
    "no_email": _l("No e-mail address is on file for this user."),
    "no_phone": _l("No phone number is on file for this user."),
    "no_telegram_chat": _l("No Telegram chat is on file for this user."),
    "sms_not_set_up": _l("Sending SMS is not set up in this installation."),
    "telegram_not_set_up": _l("Sending by Telegram is not set up in this installation."),
    "no_address": _l("No address is on file for this user: the alerts stay in the list in Qadam."),
}
# Why a sending failed: a delivery's code of its last failure (`failure_reason`, in notify's OpenAPI), said in the
# reader's language; the technical detail (`last_error`, notify's English for the log) only beside it, marked as
# English. An error without a code this page knows is said as "other".
FAILURE_REASONS = {
    "not_set_up": _l("Sending over this channel is not set up in this installation."),
    "bad_address": _l("The address on file cannot be used for this channel."),
    "no_address": _l("The message had no address for this channel."),
    "no_answer": _l("The sending service did not answer or could not be reached."),
    "refused": _l("The sending service answered with an error and did not take the message."),
    "unwritable": _l("Qadam could not compose the message."),
    "other": _l("Sending failed for another reason."),
}
STATUS_REASONS = lazy_shared(vocabulary.STATUS_REASONS)  # the shared words of every service (qadam_words)
PLAN_PART_NAMES = {"programme": _l("The correction programme"), "employment": _l("Referral for employment"),
                   "health": _l("Referral for health care"), "education": _l("Referral for education"),
                   "housing": _l("Referral for housing")}
REFERRAL_SOURCES = {"protection_order": _l("Protection order"), "court": _l("Court"),
                    "inspector_initiative": _l("Inspector's initiative"), "self_referral": _l("He came himself")}

@bp.context_processor
def _labels() -> dict[str, Any]:
    role = g.user.role if g.get("user") is not None else None
    return {"level_names": LEVEL_NAMES, "enrolment_statuses": ENROLMENT_STATUSES, "incident_kinds": INCIDENT_KINDS,
            "severities": SEVERITIES, "incident_sources": INCIDENT_SOURCES, "order_statuses": ORDER_STATUSES,
            "flag_statuses": FLAG_STATUSES, "alert_kinds": ALERT_KINDS, "responsibilities": RESPONSIBILITIES,
            "notice_names": NOTICE_NAMES,
            "channels": CHANNELS, "delivery_statuses": DELIVERY_STATUSES, "delivery_purposes": DELIVERY_PURPOSES,
            "skip_reasons": SKIP_REASONS, "failure_reasons": FAILURE_REASONS,
            "referral_sources": REFERRAL_SOURCES, "status_reasons": STATUS_REASONS, "plan_part_names": PLAN_PART_NAMES,
            "new_form_key": lambda: str(uuid.uuid4()),
            "may_open_cases": role in CASE_READERS, "may_report": role in REPORTERS}


# -- alerts ------------------------------------------------------------------------------------------------------
@bp.get("/alerts")
@allow(*ALERT_READERS)
def alerts() -> Any:
    """The inbox: every alert still waiting on the user first, the most serious on top; then the ones answered."""
    only_waiting = request.args.get("unacknowledged") == "true"
    page = page_number(request.args)
    waiting = clients.notify.all_notifications(limit=WAITING_SHOWN, unacknowledged=True)
    answered: list[Any] = []
    more = False
    if not only_waiting:
        body = clients.notify.notifications(page=page, page_size=PAGE_SIZE)
        answered = [n for n in body["items"] if n.get("acknowledged_at")]
        more = page * PAGE_SIZE < body["total"]
    return render_template("inspector/alerts.html", waiting=most_urgent_first(waiting), answered=answered,
                           only_waiting=only_waiting, page=page, more=more, here=_here())


def most_urgent_first(notifications: list[Any]) -> list[Any]:
    """By level (critical first), then newest first."""
    newest = sorted(notifications, key=lambda n: n.get("created_at") or "", reverse=True)
    return sorted(newest, key=lambda n: -(level_rank(n["level"]) if n.get("level") in FLAG_LEVELS else -1))


@bp.get("/alerts/<uuid:notification_id>")
@allow(*ALERT_READERS)
def alert(notification_id: uuid.UUID) -> Any:
    notification = clients.notify.notification(notification_id=notification_id)
    return render_template("inspector/alert.html", n=notification, here=_here())


@bp.post("/alerts/<uuid:notification_id>/acknowledge")
@allow(*ALERT_READERS)
def acknowledge(notification_id: uuid.UUID) -> Any:
    done = clients.notify.acknowledge(notification_id=notification_id,
                                      idempotency_key=_step_key(_idem(), "acknowledge", str(notification_id)))
    flash(_("Alert about %(code)s acknowledged.", code=done.get("participant_code", "")), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("inspector.alerts"))


# -- participants ------------------------------------------------------------------------------------------------
@bp.get("/participants")
@allow(*CASE_READERS)
def participants() -> Any:
    """The enrolments of the user's area and assignments, each with his risk level today."""
    page = page_number(request.args)
    status = request.args.get("status") or "in_programme"
    code = (request.args.get("code") or "").strip().upper()[:20]
    mine = request.args.get("mine") == "1"
    if g.user.role == Role.SUPPORT_WORKER:
        # enrollment keeps enrolments from Inson centres (need to know): she knows the men through their flags
        rows, total = _cases_of_flags(page, code)
        cohorts: dict[str, str] = {}
    else:
        body = clients.enrollment.enrolments(page=page, page_size=PAGE_SIZE, code=code or None,
                                             status=_statuses(status), inspector_id=g.user.id if mine else None)
        rows, total = [dict(row) for row in body["items"]], body["total"]
        cohorts = {c["id"]: c["name"] for c in clients.enrollment.all_cohorts(limit=500)}
    levels = _levels_or_none([row["id"] for row in rows])  # the whole page's in one request
    for row in rows:
        row["risk"] = levels.get(row["id"])
    return render_template("inspector/participants.html", rows=rows, total=total, page=page,
                           more=page * PAGE_SIZE < total, status=status, code=code, mine=mine, cohorts=cohorts,
                           status_options=_status_options())


def _statuses(choice: str) -> list[str] | None:
    if choice == "in_programme":
        return list(IN_PROGRAMME)
    return [choice] if choice in ENROLMENT_STATUSES else None


def _status_options() -> list[tuple[str, Any]]:
    return [("in_programme", _l("Taking part now")), ("all", _l("All")),
            *ENROLMENT_STATUSES.items()]


def _cases_of_flags(page: int, code: str) -> tuple[list[dict[str, Any]], int]:
    """The enrolments a support worker may see, as risk knows them: one row per man with a flag."""
    seen: dict[str, dict[str, Any]] = {}
    for flag in clients.risk.all_flags(limit=1000):
        if flag["enrolment_id"] not in seen and (not code or flag["participant_code"] == code):
            seen[flag["enrolment_id"]] = {"id": flag["enrolment_id"], "participant_code": flag["participant_code"]}
    cases = list(seen.values())
    return cases[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], len(cases)


@bp.get("/participants/<uuid:enrolment_id>")
@allow(*CASE_READERS)
def participant(enrolment_id: uuid.UUID) -> Any:
    """One man: his enrolment and person record where the user may see them, his risk level with every factor
    behind it, open flags, attendance, protection order and incidents."""
    enrolment = person = order = cohort = None
    if g.user.role != Role.SUPPORT_WORKER:
        enrolment = clients.enrollment.enrolment(enrolment_id=enrolment_id)
        cohort = clients.enrollment.cohort(cohort_id=enrolment["cohort_id"])
        if g.user.role == Role.INSPECTOR:  # personal data: need to know (the inspector of his area)
            person = clients.enrollment.participant(participant_id=enrolment["participant_id"])
        if order_id := enrolment.get("protection_order_id"):
            order = clients.enrollment.protection_order(order_id=order_id)
    try:
        explanation = clients.risk.explanation(enrolment_id=enrolment_id, lang=current_language())
        flags = clients.risk.all_flags(limit=200, enrolment_id=enrolment_id)
        incidents = clients.risk.all_incidents(enrolment_id=enrolment_id, limit=200)
    except ServiceError as error:
        if error.status != 404 or enrolment is None:
            raise  # not hers to see
        explanation, flags, incidents = None, [], []  # type: ignore[assignment]  # just referred: risk has not heard of him yet
    staff = staff_names([enrolment["inspector_id"], enrolment["psychologist_id"],
                         *[w for w in [enrolment.get("victim_support_worker_id")] if w]] if enrolment else [])
    # her support worker's flags (their reasons are English sentences for v1 readers): as the explanation words
    # each of them in her language
    said_to_her = {str(f["flag_id"]): f["says"] for f in (explanation or {}).get("factors", []) if f.get("concern")}
    return render_template("inspector/participant.html", enrolment_id=str(enrolment_id), enrolment=enrolment,
                           person=person, order=order, cohort=cohort, risk=explanation, staff=staff,
                           flags=[f for f in flags if f["status"] != "resolved"], incidents=incidents,
                           said_to_her=said_to_her, papers=documents_of(enrolment_id) if enrolment else None,
                           code=(enrolment or explanation or {}).get("participant_code", ""))


# -- her support worker ------------------------------------------------------------------------------------------
@bp.route("/participants/<uuid:enrolment_id>/support-worker", methods=["GET", "POST"])
@allow(*REPORTERS)
def support_worker(enrolment_id: uuid.UUID) -> Any:
    """Link, change or remove the Inson centre's worker who supports the woman: she is told of what bears on her
    safety from then on. Enrollment checks she is an active support worker of his region and records who changed it."""
    enrolment = clients.enrollment.enrolment(enrolment_id=enrolment_id)
    cohort = clients.enrollment.cohort(cohort_id=enrolment["cohort_id"])
    chosen, errors = enrolment.get("victim_support_worker_id") or "", {}
    if request.method == "POST":
        values, _none = read(SupportWorkerForm(), request.form)
        chosen = values["victim_support_worker_id"] or ""
        try:
            clients.enrollment.set_victim_support_worker(enrolment_id=enrolment_id, body={
                "victim_support_worker_id": chosen or None})
        except ServiceError as error:
            if error.status != 422:
                raise
            errors = {"victim_support_worker_id": error.field_errors().get("victim_support_worker_id")
                      or error.detail or error.title}
        else:
            flash(_("Her support worker is recorded: she is told of what bears on the woman's safety.") if chosen
                  else _("Nobody is recorded as her support worker now."), "success")
            return redirect(url_for("inspector.participant", enrolment_id=enrolment_id))
    return render_template("inspector/support_worker.html", enrolment=enrolment, chosen=chosen, errors=errors,
                           workers=support_workers_of(cohort["region"])), (422 if errors else 200)


# -- a move to another group -------------------------------------------------------------------------------------
@bp.route("/participants/<uuid:enrolment_id>/transfer", methods=["GET", "POST"])
@allow(Role.INSPECTOR)
def transfer(enrolment_id: uuid.UUID) -> Any:
    """Move him to another group of his programme: in his district it is made at once; out of it, enrollment keeps
    it waiting for a supervisor of the district's region, and his page says so until it is decided."""
    enrolment = clients.enrollment.enrolment(enrolment_id=enrolment_id)
    form = {"cohort_id": "", "note": ""}
    errors: dict[str, str] = {}
    problem: str | None = None
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in form}
        values, errors = read(TransferForm(), request.form)
        if not errors:
            body = TransferIn(cohort_id=str(values["cohort_id"]), note=values["note"])
            try:
                moved = clients.enrollment.transfer(enrolment_id=enrolment_id, body=body,
                                                    idempotency_key=_step_key(_idem(), "transfer", body))
            except ServiceError as error:
                if error.status not in (409, 422):
                    raise
                errors = {"cohort_id": _field_refusal(error, "cohort_id")} if error.status == 422 else {}
                problem = None if errors else (error.detail or error.title)
            else:
                flash(_moved_words(moved), "success")
                return redirect(url_for("inspector.participant", enrolment_id=enrolment_id))
    return render_template("inspector/transfer.html", enrolment=enrolment, form=form, errors=errors, problem=problem,
                           options=_transfer_options(enrolment_id), idem=_idem()), (422 if errors or problem else 200)


def _moved_words(moved: Any) -> str:
    if waiting := moved.get("pending_transfer"):
        return _("The move to %(district)s waits for the supervisor's approval; he stays in his group until then.",
                 district=district_name(waiting["to_district"]))
    return _("%(code)s is moved to the new group.", code=moved["participant_code"])


def _field_refusal(error: ServiceError, name: str) -> str:
    return str(error.field_errors().get(name) or error.detail or error.title)


def _transfer_options(enrolment_id: uuid.UUID) -> list[tuple[str, str]]:
    """(cohort id, words) of the groups he could move to, his district's and the region's others."""
    return [(c["id"], _("%(district)s: %(cohort)s (%(free)s places free)", district=district_name(c["district"]),
                        cohort=c["name"],
                        free=max((c.get("capacity") or 0) - (c.get("enrolled") or 0), 0)))
            for c in clients.enrollment.transfer_options(enrolment_id=enrolment_id)]


# -- his protection order: the correction plan, an extension, a revocation --------------------------------------
@bp.route("/participants/<uuid:enrolment_id>/plan", methods=["GET", "POST"])
@allow(Role.INSPECTOR)
def plan(enrolment_id: uuid.UUID) -> Any:
    """Record his individual correction plan as agreed with the Inson centre (when, with whom, its parts: the
    programme and referrals for employment, health, education or housing), or change it."""
    enrolment, order = _his_order(enrolment_id)
    form = plan_form(order)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = plan_form(None, request.form)
        values, errors = read(PlanForm(), request.form)
        if not errors and not (errors := _refused(lambda: clients.enrollment.agree_correction_plan(
                order_id=order["id"], body=plan_body(values)), "agreed_on")):
            flash(_("The correction plan is recorded."), "success")
            return redirect(url_for("inspector.participant", enrolment_id=enrolment_id))
    return render_template("inspector/plan.html", enrolment=enrolment, order=order, form=form, errors=errors,
                           parts=PLAN_PARTS, today=local_today().isoformat()), (422 if errors else 200)


def plan_form(order: Any, sent: Any = None) -> dict[str, Any]:
    """The plan form's values: as sent, else the plan recorded (today's date for a first one)."""
    if sent is not None:
        return {"agreed_on": sent.get("agreed_on", ""), "agreed_with": sent.get("agreed_with", ""),
                "parts": sent.getlist("parts"), **{f"details_{k}": sent.get(f"details_{k}", "") for k in PLAN_PARTS}}
    recorded = {p["kind"]: p.get("details") or "" for p in order.get("plan_parts") or []}
    return {"agreed_on": order.get("plan_agreed_on") or local_today().isoformat(),
            "agreed_with": order.get("plan_agreed_with") or "", "parts": list(recorded) or ["programme"],
            **{f"details_{k}": recorded.get(k, "") for k in PLAN_PARTS}}


def plan_body(values: dict[str, Any]) -> CorrectionPlanIn:
    return CorrectionPlanIn(agreed_on=values["agreed_on"], agreed_with=values["agreed_with"], parts=[
        {"kind": kind, "details": values[f"details_{kind}"]} for kind in PLAN_PARTS if kind in values["parts"]])


@bp.route("/participants/<uuid:enrolment_id>/order", methods=["GET", "POST"])
@allow(Role.INSPECTOR)
def order_change(enrolment_id: uuid.UUID) -> Any:
    """Extend his protection order (to when, who decided, why: the previous expiry stays in its history), or
    revoke it (below, its own form)."""
    enrolment, order = _his_order(enrolment_id)
    form = {"new_expiry": "", "decided_by": "", "reason": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in form}
        values, errors = read(ExtensionForm(), request.form)
        body = OrderExtensionIn(new_expiry=values.get("new_expiry", ""), decided_by=values.get("decided_by", ""),
                                reason=values.get("reason", ""))
        if not errors and not (errors := _refused(lambda: clients.enrollment.extend_order(
                order_id=order["id"], body=body, idempotency_key=_step_key(_idem(), "extension", body)), "new_expiry")):
            flash(_("The extension is recorded."), "success")
            return redirect(url_for("inspector.participant", enrolment_id=enrolment_id))
    return render_template("inspector/order.html", enrolment=enrolment, order=order, form=form, errors=errors,
                           idem=_idem()), (422 if errors else 200)


@bp.post("/participants/<uuid:enrolment_id>/order/revoke")
@allow(Role.INSPECTOR)
def revoke(enrolment_id: uuid.UUID) -> Any:
    """Revoke his protection order (a decision revoked it): it ends today, and those it concerns are told."""
    _enrolment, order = _his_order(enrolment_id)
    if refused := _refused(lambda: clients.enrollment.end_order(order_id=order["id"], body={"status": "revoked"}),
                           "status"):
        flash(next(iter(refused.values())), "error")
    else:
        flash(_("The protection order is revoked."), "success")
    return redirect(url_for("inspector.participant", enrolment_id=enrolment_id))


def _his_order(enrolment_id: uuid.UUID) -> tuple[Any, Any]:
    """His enrolment and the protection order it answers (404: none)."""
    enrolment = clients.enrollment.enrolment(enrolment_id=enrolment_id)
    if not (order_id := enrolment.get("protection_order_id")):
        abort(404)
    return enrolment, clients.enrollment.protection_order(order_id=order_id)


def _refused(call: Any, field: str) -> dict[str, str]:
    """{} when enrollment did it; else what it said, beside its fields (the rest beside `field`)."""
    try:
        call()
    except ServiceError as error:
        if error.status not in (409, 422):
            raise
        said = {name.split(".")[0]: message for name, message in error.field_errors().items()}
        return said or {field: error.detail or error.title}
    return {}


# -- incidents ---------------------------------------------------------------------------------------------------
@bp.route("/participants/<uuid:enrolment_id>/incident", methods=["GET", "POST"])
@allow(*REPORTERS)
def incident(enrolment_id: uuid.UUID) -> Any:
    """Report an incident; the flags it raises are shown on his page."""
    enrolment = clients.enrollment.enrolment(enrolment_id=enrolment_id)
    form, errors = incident_form(), dict[str, str]()
    if request.method == "POST":
        answer, errors = send_incident(enrolment_id)
        if not errors:
            flash(_("The incident is recorded."), "success")
            for flag in answer.get("flags") or []:
                flash(_("It raised a flag: %(level)s. %(reasons)s", level=LEVEL_NAMES.get(flag["level"], flag["level"]),
                        reasons=" ".join(reasons_read(flag.get("reason_codes"), flag.get("reasons")))), "warning")
            if not answer.get("flags"):
                flash(_("It raised no new flag."), "success")
            return redirect(url_for("inspector.participant", enrolment_id=enrolment_id))
    return render_template("inspector/incident.html", enrolment=enrolment, form=form, errors=errors,
                           idem=_idem(), today=local_today().isoformat()), (422 if errors else 200)


# -- protection orders -------------------------------------------------------------------------------------------
@bp.get("/orders")
@allow(Role.INSPECTOR, Role.SUPERVISOR)
def orders() -> Any:
    """Orders of the area about to expire (the ban on contact and the duty to attend end with them), and those
    whose individual correction plan is overdue."""
    try:
        within = int(request.args.get("within", ORDER_WINDOWS[0]))
    except ValueError:
        within = ORDER_WINDOWS[0]
    if within not in ORDER_WINDOWS:
        within = ORDER_WINDOWS[0]
    expiring = clients.enrollment.protection_orders(expiring_within_days=within, page_size=100)
    overdue = clients.enrollment.protection_orders(plan_overdue=True, page_size=100)
    enrolments = _enrolments_of_orders(expiring["items"] + overdue["items"])
    window_options = [(days, _("%(n)s days", n=days)) for days in ORDER_WINDOWS]
    return render_template("inspector/orders.html", within=within, window_options=window_options, expiring=expiring,
                           overdue=overdue, enrolments=enrolments)


def _enrolments_of_orders(orders: list[Any]) -> dict[str, str]:
    """{order id: the enrolment it is answered by} (an order knows the man, not his enrolment), asked for the
    orders of the page at once: one request per hundred orders, never one per order."""
    found: dict[str, str] = {}
    ids = list(dict.fromkeys(str(order["id"]) for order in orders))
    for start in range(0, len(ids), ORDERS_AT_ONCE):
        for enrolment in clients.enrollment.all_enrolments(protection_order_id=ids[start:start + ORDERS_AT_ONCE],
                                                           limit=1000):
            if enrolment.get("protection_order_id"):
                found.setdefault(str(enrolment["protection_order_id"]), str(enrolment["id"]))
    return found


# -- referral ----------------------------------------------------------------------------------------------------
REFER_FIELDS = ("full_name", "birth_date", "pinfl", "phone", "preferred_language", "district", "mahalla",
                "order_number", "order_issued_on", "order_expires_on", "order_conditions", "placement",
                "victim_support_worker_id", "not_registered_elsewhere", "not_registered_elsewhere_note")
# A new referral's order carries the correction programme (Resolution No. 441 writes it into every order) until the
# inspector unticks it.
NEW_ORDER_CONDITIONS = ("correction_programme",)
PERSON_FIELDS = ("full_name", "birth_date", "pinfl", "phone", "preferred_language", "district", "mahalla")


def _new_referral() -> dict[str, Any]:
    """The refer form as it opens: his language the default, the inspector's own district and mahalla, and the
    conditions a new order holds ticked."""
    return {**{name: "" for name in REFER_FIELDS}, "preferred_language": DEFAULT_LANGUAGE,
            "district": g.user.district or "", "mahalla": g.user.mahalla or "",
            "order_condition_codes": list(NEW_ORDER_CONDITIONS)}


def _typed_referral() -> dict[str, Any]:
    """The refer form as it was sent, to show again beside its errors (the presets ticked that the form offers)."""
    form: dict[str, Any] = {name: (request.form.get(name) or "").strip() for name in REFER_FIELDS}
    form["order_condition_codes"] = [code for code in request.form.getlist("order_condition_codes")
                                     if code in ORDER_CONDITIONS]
    return form


@bp.route("/refer", methods=["GET", "POST"])
@allow(Role.INSPECTOR)  # enrollment lets inspectors register men and refer them as their own, not supervisors
def refer() -> Any:
    """One form for a new man: his person record, his protection order and his place in a cohort, sent to
    enrollment as one referral (made together or not at all)."""
    if request.method == "GET":
        return _refer_page(_new_referral() | known_man(request.args.get("participant")), {}, None, 200)
    form = _typed_referral()
    values, errors = read(ReferralForm(), request.form)
    if errors:
        return _refer_page(form, errors, None, 422, elsewhere=bool(form["not_registered_elsewhere"]))
    body = referral_body(values, region=g.user.region, inspector_id=g.user.id)
    try:
        made = clients.enrollment.refer(body=body, idempotency_key=_step_key(_idem(), "referral", body))
    except ServiceError as error:
        refused = referral_refusal(error, pinfl_given=bool(values["pinfl"]))
        return _refer_page(form, refused.errors, refused.problem, refused.status,
                           elsewhere=refused.elsewhere or bool(form["not_registered_elsewhere"]))
    code = made["participant"]["code"]
    if made["registered_already"]:
        flash(_("He was registered already, as %(code)s: his existing record is used.", code=code), "warning")
    if made["enrolment"] is None:  # the group was full: he waits in its line (enrollment says where)
        waiting = made["waiting"] or {}
        flash(_("%(cohort)s is full: %(code)s waits for a place, number %(n)s in line. The next place that frees "
                "there is his.", cohort=waiting.get("cohort_name", ""), code=code, n=waiting.get("position")),
              "warning")
        return redirect(url_for("inspector.participants"))
    flash(_("%(code)s is referred to the programme.", code=code), "success")
    return redirect(url_for("inspector.participant", enrolment_id=made["enrolment"]["id"]))


def referral_body(values: dict[str, Any], *, region: str | None, inspector_id: str) -> Any:
    """The referral enrollment is sent, from the form's values: the man, his order, his place."""
    person: dict[str, Any] = {
        "full_name": values["full_name"], "birth_date": values["birth_date"], "pinfl": values["pinfl"],
        "phone": values["phone"], "preferred_language": values["preferred_language"] or DEFAULT_LANGUAGE,
        "region": region, "district": values["district"], "mahalla": values["mahalla"]}
    if values["not_registered_elsewhere"]:  # the inspector asked there: their man is someone else (audited)
        person |= {"not_registered_elsewhere": True,
                   "not_registered_elsewhere_note": values["not_registered_elsewhere_note"]}
    return {
        "participant": person,
        "order": {"number": values["order_number"], "region": region, "district": values["district"],
                  "issued_on": values["order_issued_on"], "expires_on": values["order_expires_on"],
                  "condition_codes": values["condition_codes"], "conditions": values["conditions"]},
        "enrolment": {"cohort_id": values["cohort_id"], "psychologist_id": values["psychologist_id"],
                      "inspector_id": inspector_id, "victim_support_worker_id": values["victim_support_worker_id"]},
    }


def known_man(participant_id: str | None) -> dict[str, str]:
    """The form filled in with a man found registered already (his record is used, never a second one made)."""
    try:
        person = clients.enrollment.participant(participant_id=uuid.UUID(participant_id or ""))
    except ValueError:
        return {}
    return {name: str(person.get(name) or "") for name in PERSON_FIELDS}


def found_men(query: str) -> Any:
    """Men of the inspector's area matching a code, PINFL or name, and the areas where others match (whom to ask
    there, never who he is); None when nothing was asked."""
    if len(query) < 2:
        return None
    return clients.enrollment.find_participants(q=query, page_size=10)


@dataclass
class Refusal:
    """Enrollment refused the referral: what to show next to which field, or above the form."""

    status: int
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    elsewhere: bool = False  # a man of the same name and birth date is registered in another area


def referral_refusal(error: ServiceError, *, pinfl_given: bool) -> Refusal:
    """Enrollment's refusal, on the form: its field errors beside this form's fields (`order.conditions.0` is the
    conditions box), an order number recorded already beside the number, a man registered in another area as
    whom to ask there (and, without a PINFL, the offer to say he is someone else); anything else above the form."""
    step = error.extensions.get("step")
    if error.status == 422:
        errors = _on_form_fields(error.field_errors())
        return Refusal(422, errors, None if errors else (error.detail or error.title))
    if error.status != 409:
        raise error
    if step == "order":
        return Refusal(409, {"order_number": _("This order number is recorded already.")})
    elsewhere = error.extensions.get("registered_in") or []
    if step == "participant" and elsewhere:
        # registered in another area: whom to contact there, never his record (enrollment says where)
        where = "; ".join(f"{district_name(a['district'])} ({region_name(a['region'])})" for a in elsewhere)
        return Refusal(409, {}, _("He is registered in another area: %(areas)s. Contact the prevention inspectors "
                                  "there before referring him; his record stays with them.", areas=where),
                       elsewhere=not pinfl_given)
    return Refusal(409, {}, error.detail or _("This cannot be done in the record's present state."))


# The referral's parts and fields, as enrollment names them in its errors, and the form field each is shown beside.
REFERRAL_FIELDS = {
    "participant": {"region": "district"},
    "order": {"number": "order_number", "issued_on": "order_issued_on", "expires_on": "order_expires_on",
              "conditions": "order_conditions", "condition_codes": "order_condition_codes", "region": "district",
              "district": "district"},
    "enrolment": {"cohort_id": "placement", "psychologist_id": "placement", "inspector_id": "placement",
                  "victim_support_worker_id": "victim_support_worker_id"},
}


def _on_form_fields(service_errors: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, message in service_errors.items():
        part, _dot, rest = name.partition(".")
        top = rest.split(".")[0]
        target = REFERRAL_FIELDS.get(part, {}).get(top, top)
        if target in REFER_FIELDS:
            out[target] = f"{out[target]} {message}" if target in out else message
    return out


def _placements() -> list[tuple[str, str]]:
    """(cohort id|psychologist id, words) for every facilitator of every cohort of the area that takes men in."""
    cohorts = [c for c in clients.enrollment.all_cohorts(limit=500)
               if c.get("status") in ("forming", "running")]
    names = staff_names(sorted({f for c in cohorts for f in c.get("facilitator_ids") or []}))
    out = []
    for cohort in cohorts:
        places = (cohort.get("capacity") or 0) - (cohort.get("enrolled") or 0)
        for facilitator in cohort.get("facilitator_ids") or []:
            out.append((f"{cohort['id']}|{facilitator}",
                        _("%(cohort)s — psychologist %(name)s (%(free)s places free)", cohort=cohort["name"],
                          name=names.get(facilitator, facilitator), free=max(places, 0))))
    return out


def _refer_page(form: dict[str, Any], errors: dict[str, str], problem: str | None, status: int, *,
                elsewhere: bool = False) -> Any:
    """The form; `elsewhere`: offer to register him anyway (a namesake of another area, checked with them)."""
    query = (request.args.get("q") or "").strip()[:200]
    with sessions()() as db:
        places = load_places(db)
    # the districts of her region, named in her language (the form sends the stored name); what she sent is kept
    districts = [district for _id, district in places.districts.get(g.user.region or "", [])]
    if form.get("district") and form["district"] not in districts:
        districts.append(form["district"])
    return render_template("inspector/refer.html", form=form, errors=errors, problem=problem, elsewhere=elsewhere,
                           order_conditions=ORDER_CONDITIONS,
                           district_options=place_options(districts, "district"),
                           placements=_placements(), languages=list(LANGUAGE_NAMES.items()), idem=_idem(),
                           workers=support_workers_of(g.user.region or ""), query=query,
                           found=found_men(query)), status


# -- small helpers -----------------------------------------------------------------------------------------------
def _here() -> str:
    """This page's path and query, for a form to come back to."""
    return request.full_path.rstrip("?")


def _idem() -> str:
    """The form's own key (a fresh one when a form is drawn, the one it came with when it is sent)."""
    return form_key("idem")
