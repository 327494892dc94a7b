"""The psychologist's casework, on her blueprint: a man's place in the programme with the moves enrollment offers
her now (assess, start, suspend and resume, exit, exclusion at intake), his intake assessment with the risk
instrument in her language, and her groups' sessions: planned from the programme, rescheduled or cancelled with a
reason, make-up, one-to-one and intake sessions beside the plan, and what each delivered (fidelity).

Every rule stays in its service: the moves shown are those enrollment says are open to her, the instrument and its
score are risk's, a session's plan and changes are sessions'. The pages turn forms into requests and refusals into
her language."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from qadam.auth import allow
from qadam_contracts.roles import Role

from ..backend import ServiceError
from ..clients import clients
from ..forms import MOVE_REASONS, ExtraSessionForm, FidelityForm, Form, MoveForm, SessionChangeForm, read
from ..i18n import current_language, programme_text_filter
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from .common import form_key
from .documents import documents_of
from .inspector import LEVEL_NAMES, REFERRAL_SOURCES
from .psychologist import ENROLMENT_STATUS_NAMES, READERS, _now, _session_and_cohort, _zone, bp

ACTION_NAMES = {
    "assess": _l("Intake done: mark him assessed"), "start": _l("Start him in the group"),
    "suspend": _l("Suspend his programme"), "resume": _l("Resume his programme"),
    "complete": _l("Record that he completed the programme"), "close": _l("Close the case after follow-up"),
    "exit": _l("Record his exit from the programme"), "exclude": _l("Exclude him at intake"),
}
ACTION_ORDER = tuple(ACTION_NAMES)
# What holds a completion back until a person decides (enrollment's completion_proposal codes).
COMPLETION_HOLD_NAMES = {
    "critical_flag_open": _l("A critical risk flag of his is not resolved."),
    "red_sign_recorded": _l("A red warning sign was recorded during the programme."),
    "exit_review_not_attended": _l("His exit review is not recorded as attended."),
}
ANSWER_NAMES = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Unknown")}
EXTRA_KINDS = ("makeup", "individual", "intake", "group")


def _moves_context(enrolment: dict[str, Any]) -> dict[str, Any]:
    """The moves enrollment offers her on this enrolment, in the lifecycle's order, with their reasons."""
    offered = [a for a in ACTION_ORDER if a in (enrolment.get("allowed_actions") or [])]
    return {"moves": offered, "move_reasons": MOVE_REASONS, "action_names": ACTION_NAMES,
            "completion_hold_names": COMPLETION_HOLD_NAMES}


# -- his place in the programme ----------------------------------------------------------------------------------
@bp.get("/enrolments/<uuid:enrolment_id>")
@allow(*READERS)
def enrolment(enrolment_id: uuid.UUID) -> Any:
    """Where his enrolment stands, the moves open to her now, his intake assessments and every move so far."""
    return _enrolment_page(enrolment_id, values={}, errors={}, status=200)


def _enrolment_page(enrolment_id: uuid.UUID, *, values: dict[str, str], errors: dict[str, str],
                    status: int) -> Any:
    found: Any = clients.enrollment.enrolment(enrolment_id=enrolment_id)
    cohort: Any = clients.enrollment.cohort(cohort_id=found["cohort_id"])
    history = sorted(clients.enrollment.transitions(enrolment_id=enrolment_id), key=lambda t: t["at"], reverse=True)
    assessments = _assessments(enrolment_id)
    return render_template("psychologist/enrolment.html", enrolment=found, cohort=cohort, history=history,
                           assessments=assessments, level_names=LEVEL_NAMES, referral_sources=REFERRAL_SOURCES,
                           values=values, errors=errors, papers=documents_of(enrolment_id),
                           idem=str(uuid.uuid4()), **_moves_context(found)), status


def _assessments(enrolment_id: uuid.UUID) -> list[Any]:
    """His latest assessments, newest first; none while risk has not yet heard of a man just referred."""
    try:
        return list(clients.risk.assessments(enrolment_id=enrolment_id, page_size=5)["items"])
    except ServiceError as error:
        if error.status != 404:
            raise
        return []


@bp.post("/enrolments/<uuid:enrolment_id>/moves")
@allow(Role.PSYCHOLOGIST)
def move(enrolment_id: uuid.UUID) -> Any:
    """One move of his enrolment, sent to enrollment; its refusal (not open now, a reason missing) on the page."""
    values = {k: (request.form.get(k) or "").strip() for k in ("action", "reason", "note")}
    asked, errors = read(MoveForm(), request.form)
    if not errors:
        body = {"action": asked["action"], "reason": asked["reason"], "note": asked["note"]}
        try:
            moved = clients.enrollment.move_enrolment(
                enrolment_id=enrolment_id, body=body,  # type: ignore[arg-type]
                idempotency_key=f"{form_key('idem')}.{asked['action']}.{asked['reason'] or ''}")
        except ServiceError as error:
            if error.status not in (409, 422):
                raise
            errors = {"action": _("This cannot be done now: his enrolment has moved on. The page shows what can.")
                      if error.status == 409 else _("Enrollment refused it: %(why)s", why=error.detail or error.title)}
        else:
            flash(_("%(code)s: %(status)s.", code=moved["participant_code"],
                    status=ENROLMENT_STATUS_NAMES.get(moved["status"], moved["status"])), "success")
            return redirect(url_for("psychologist.enrolment", enrolment_id=enrolment_id))
    where = {"reason": f"reason-{values['action']}", "note": f"note-{values['action']}", "action": "moves-heading"}
    return _enrolment_page(enrolment_id, values=values, errors={where.get(k, k): v for k, v in errors.items()},
                           status=409 if "action" in errors else 422)


# -- the intake assessment ---------------------------------------------------------------------------------------
def instrument_for(region: str | None) -> dict[str, Any]:
    """The instrument risk scores with in this region: the region's own, else the national default."""
    found = clients.risk.instruments(region=region)
    own = [i for i in found if i.get("region") == region and region]
    return dict((own or [i for i in found if not i.get("region")] or found)[0])


def item_text(item: dict[str, Any]) -> tuple[str, str]:
    """An item's words in the user's language, else in English: (text, the language it is in)."""
    texts = item.get("text") or {}
    language = current_language()
    return (texts[language], language) if texts.get(language) else (texts.get("en", item["id"]), "en")


@bp.route("/enrolments/<uuid:enrolment_id>/assessment", methods=["GET", "POST"])
@allow(Role.PSYCHOLOGIST)
def assessment(enrolment_id: uuid.UUID) -> Any:
    """His intake assessment: every item of the instrument answered (Unknown where the facts are not known), scored
    by risk, which raises a flag when the band is high."""
    found: Any = clients.enrollment.enrolment(enrolment_id=enrolment_id)
    instrument = instrument_for(found.get("region"))
    items = instrument["definition"]["items"]
    answers = {i["id"]: (request.form.get(f"answer-{i['id']}") or "") for i in items}
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = {f"answer-{i['id']}": _("Answer this item: Unknown where the facts are not known.")
                  for i in items if answers[i["id"]] not in {*[a["value"] for a in i["answers"]], "unknown"}}
        kind = "intake" if found["status"] in ("referred", "assessed") else "review"  # later ones review his risk
        errors = errors or _send_assessment(enrolment_id, instrument, answers, kind)
        if not errors:
            return redirect(url_for("psychologist.enrolment", enrolment_id=enrolment_id))
    shown = [i | {"words": item_text(i)} for i in items]
    return render_template("psychologist/assessment.html", enrolment=found, instrument=instrument, items=shown,
                           answers=answers, answer_names=ANSWER_NAMES, errors=errors,
                           idem=form_key("idem")), (422 if errors else 200)


def _send_assessment(enrolment_id: uuid.UUID, instrument: dict[str, Any], answers: dict[str, str],
                     kind: str) -> dict[str, str]:
    """The answers to risk; its score flashed, or its refusal as the form's errors ({} when it is recorded)."""
    try:
        done = clients.risk.record_assessment(enrolment_id=enrolment_id, idempotency_key=form_key("idem"), body={
            "instrument_id": instrument["id"], "kind": kind, "answers": answers})
    except ServiceError as error:
        if error.status != 422:
            raise
        most = instrument["definition"].get("max_unknown", 0)
        return {"answers": _("Too many items are unknown: at most %(n)s may be. Find out more before scoring.",
                             n=most) if "answers" in error.field_errors() else (error.detail or error.title)}
    flash(_("The assessment of %(code)s is recorded: score %(score)s, level %(level)s. Decision support for you, "
            "not a prediction.", code=done["participant_code"], score=done["score"],
            level=LEVEL_NAMES.get(done["level"], done["level"])), "success")
    return {}


# -- planning a group's sessions ---------------------------------------------------------------------------------
@bp.post("/cohorts/<uuid:cohort_id>/plan")
@allow(Role.PSYCHOLOGIST)
def plan(cohort_id: uuid.UUID) -> Any:
    """The group's whole programme scheduled from its curriculum and schedule; sessions there already keep theirs."""
    try:
        added = clients.sessions.plan_sessions(cohort_id=cohort_id, idempotency_key=form_key("idem"))
    except ServiceError as error:
        if error.status != 409:
            raise
        flash(_("This group has no weekdays, time or start date yet, so its sessions cannot be planned: ask the "
                "programme manager to set its schedule, or add sessions one by one."), "error")
    else:
        flash(_("%(n)s sessions are planned from the programme.", n=len(added)) if added
              else _("Every session of the programme is scheduled already."), "success")
    return redirect(url_for("psychologist.cohort", cohort_id=cohort_id))


def _scheduled_at(values: dict[str, Any]) -> str:
    """The day and time typed, in the country's time zone, as sessions takes it."""
    return datetime.combine(values["day"], values["time"], tzinfo=_zone()).isoformat()


def _submitted(values: dict[str, str], schema: Form,
               send: Callable[[dict[str, Any]], dict[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """The form as typed (the fields of `values`) and what is wrong with it: the schema's errors, else the service's
    refusal of what `send` sent ({} when it went through)."""
    typed = {k: (request.form.get(k) or "").strip() for k in values}
    asked, errors = read(schema, request.form)
    return typed, errors or send(asked)


def _local(session: dict[str, Any]) -> dict[str, str]:
    at = session["at"].astimezone(_zone())
    return {"day": at.date().isoformat(), "time": at.strftime("%H:%M"), "place": session.get("place") or ""}


@bp.route("/sessions/<uuid:session_id>/change", methods=["GET", "POST"])
@allow(Role.PSYCHOLOGIST)
def change_session(session_id: uuid.UUID) -> Any:
    """Reschedule a session (a new day, time or place) or cancel it, with the reason kept with it."""
    session, found_cohort = _session_and_cohort(session_id)
    values = _local(session) | {"reason": "", "cancel": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = _submitted(values, SessionChangeForm(), lambda asked: _send_change(session_id, asked))
        if not errors:
            flash(_("The session is cancelled; it counts against nobody.") if values["cancel"] == "yes"
                  else _("The session is moved."), "success")
            return redirect(url_for("psychologist.cohort", cohort_id=found_cohort["id"]))
    return render_template("psychologist/session_change.html", session=session, cohort=found_cohort, values=values,
                           errors=errors, idem=form_key("idem")), (422 if errors else 200)


def _send_change(session_id: uuid.UUID, asked: dict[str, Any]) -> dict[str, str]:
    body: dict[str, Any] = {"reason": asked["reason"], "cancel": asked["cancel"]}
    if not asked["cancel"]:
        body |= {"scheduled_at": _scheduled_at(asked), "place": asked["place"]}
    try:
        clients.sessions.change_session(session_id=session_id, body=body)  # type: ignore[arg-type]
    except ServiceError as error:
        if error.status not in (409, 422):
            raise
        if error.status == 409:
            return {"reason": _("A session whose attendance is recorded, or that is cancelled, is not moved.")}
        return {"day": str(SCHEDULING_REFUSALS["day"])}
    return {}


@bp.route("/cohorts/<uuid:cohort_id>/sessions/new", methods=["GET", "POST"])
@allow(Role.PSYCHOLOGIST)
def new_session(cohort_id: uuid.UUID) -> Any:
    """A session beside the plan: a man's make-up, one-to-one or intake session, or another group session."""
    found_cohort: Any = clients.enrollment.cohort(cohort_id=cohort_id)
    men = sorted(clients.enrollment.all_enrolments(cohort_id=cohort_id), key=lambda e: e["participant_code"])
    values = {"kind": request.args.get("kind", "makeup"), "enrolment_id": request.args.get("enrolment_id", ""),
              "number": "", "day": _now().date().isoformat(), "time": "", "place": "", "topic": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = _submitted(values, ExtraSessionForm(), lambda asked: _send_new_session(cohort_id, asked))
        if not errors:
            flash(_("The session is scheduled."), "success")
            return redirect(url_for("psychologist.cohort", cohort_id=cohort_id))
    return render_template("psychologist/session_new.html", cohort=found_cohort, men=men, values=values,
                           errors=errors, kinds=EXTRA_KINDS, idem=form_key("idem")), (422 if errors else 200)


def _send_new_session(cohort_id: uuid.UUID, asked: dict[str, Any]) -> dict[str, str]:
    group = asked["kind"] == "group"
    body = {"number": asked["number"], "kind": asked["kind"], "enrolment_id": None if group else asked["enrolment_id"],
            "scheduled_at": _scheduled_at(asked), "topic": asked["topic"], "place": asked["place"]}
    try:
        clients.sessions.schedule_session(cohort_id=cohort_id, body=body,  # type: ignore[arg-type]
                                          idempotency_key=f"{form_key('idem')}.{body['number']}.{body['kind']}")
    except ServiceError as error:
        if error.status not in (409, 422):
            raise
        return {name: str(SCHEDULING_REFUSALS[name]) for name in _refused_fields(error)}
    return {}


# Sessions' refusals of a session beside the plan, by the form field they are shown beside, in the user's language.
SCHEDULING_REFUSALS = {
    "number": _l("This group has a group session of that number already, or a make-up session names a session the "
                 "group does not have: check the number."),
    "enrolment_id": _l("He is not a participant of this group."),
    "day": _l("Sessions could not take this day and time: check them."),
}


def _refused_fields(error: ServiceError) -> list[str]:
    """The form fields sessions' refusal is about (a conflict: the number; a field it names; else the day)."""
    if error.status == 409:
        return ["number"]
    named = {name if name in ("number", "enrolment_id") else "day" for name in error.field_errors()}
    return sorted(named) or ["day"]


@bp.route("/sessions/<uuid:session_id>/fidelity", methods=["GET", "POST"])
@allow(Role.PSYCHOLOGIST)
def fidelity(session_id: uuid.UUID) -> Any:
    """What the session delivered against the manual: the module, her co-facilitators, any departure and why.

    Before she records it the module is the session's planned topic, a shipped template's in her language (as
    the group's page says it); what she submits is kept as she wrote it, and shown so again."""
    session, found_cohort = _session_and_cohort(session_id)
    values = {"module_delivered": session.get("module_delivered") or programme_text_filter(session.get("topic")),
              "co_facilitators": "\n".join(session.get("co_facilitators") or []),
              "deviations": session.get("deviations") or ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = _submitted(values, FidelityForm(), lambda asked: _send_fidelity(session_id, asked))
        if not errors:
            flash(_("What the session delivered is recorded."), "success")
            return redirect(url_for("psychologist.cohort", cohort_id=found_cohort["id"]))
    return render_template("psychologist/fidelity.html", session=session, cohort=found_cohort, values=values,
                           errors=errors, idem=form_key("idem")), (422 if errors else 200)


def _send_fidelity(session_id: uuid.UUID, asked: dict[str, Any]) -> dict[str, str]:
    body = {k: asked[k] for k in ("module_delivered", "co_facilitators", "deviations")}
    try:
        clients.sessions.record_fidelity(session_id=session_id, body=body)  # type: ignore[arg-type]
    except ServiceError as error:
        if error.status not in (409, 422):
            raise
        return {"module_delivered": _("A cancelled session delivered nothing.") if error.status == 409
                else (error.detail or error.title)}
    return {}
