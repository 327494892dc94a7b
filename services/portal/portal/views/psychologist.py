"""The psychologist's pages: today's sessions, the cohorts they facilitate, a whole group's attendance on one
screen, confidential session notes, and one participant's attendance history.

Everything comes from enrollment and sessions with the signed-in user's own token; the services decide what a
psychologist may see (their own cohorts) and record. The pages only turn forms into requests and answers into
words of the user's language."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from qadam.auth import allow
from qadam_contracts.roles import Role
from qadam_words import vocabulary
from werkzeug.datastructures import MultiDict

from ..backend import ServiceError
from ..clients import clients
from ..forms import REGISTER_NEEDED, AmendmentForm, CallOutcomeForm, MarkForm, NoteForm, PaperRegisterForm, read
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_shared, programme_text_filter
from ..websession import settings_now

bp = Blueprint("psychologist", __name__)

READERS = (Role.PSYCHOLOGIST, Role.SUPERVISOR)  # supervisors oversee their area's groups; they record nothing

# The words are phrases, not bare adjectives: a message id is shared by every part of the portal, and an adjective
# takes the gender of its noun in Russian and other languages ("Active" of a user is not "Active" of a man).
ATTENDANCE_NAMES = {
    "present": _l("Present"), "late": _l("Came late"), "excused": _l("Excused absence"),
    "unexcused": _l("Unexcused absence"),
}
ATTENDED = ("present", "late")
PARTICIPATION_NAMES = {0: _l("Not at all"), 1: _l("Passively"), 2: _l("Takes part"), 3: _l("Actively")}
HOMEWORK_NAMES = {True: _l("Did it"), False: _l("Did not do it")}
# The warning signs of sessions' MarkIn.warning_signs, as a psychologist would say them. Those that endanger the
# victim come first: risk raises them to a high or critical flag at once.
DANGER_SIGNS = ("new_violence_disclosed", "threat_to_kill", "threat_to_partner", "strangulation", "weapon_access",
                "contact_against_order", "stalking_victim")
OTHER_SIGNS = ("intoxicated_at_session", "escalation", "controlling_behaviour", "denial_or_minimisation",
               "blaming_the_victim", "separation", "partner_pregnant_or_infant", "substance_use", "job_loss_or_debt",
               "child_contact_conflict", "suicidal_talk")
SIGN_NAMES = lazy_shared(vocabulary.WARNING_SIGN_NAMES)  # the shared words of every service (qadam_words)
assert set(SIGN_NAMES) == set(DANGER_SIGNS) | set(OTHER_SIGNS)
SESSION_KIND_NAMES = {"group": _l("Group session"), "makeup": _l("Make-up session"), "intake": _l("Intake session"),
                      "individual": _l("One-to-one session")}
COHORT_STATUS_NAMES = {"forming": _l("Group forming"), "running": _l("Group running"),
                       "finished": _l("Group finished"), "cancelled": _l("Group cancelled")}
ENROLMENT_STATUS_NAMES = {
    "referred": _l("Referred, not yet assessed"), "assessed": _l("Assessed, not yet started"),
    "active": _l("Active in the programme"), "suspended": _l("Suspended for now"),
    "completed": _l("Completed, in follow-up"), "closed": _l("Closed after follow-up"),
    "excluded": _l("Excluded at intake"), "exited": _l("Exited the programme"),
}
# Reasons enrollment keeps with an exit, an exclusion at intake or a suspension: the shared words (qadam_words).
REASON_NAMES = lazy_shared(vocabulary.STATUS_REASONS)
# Who takes part in a session of each kind (sessions' own rule, mirrored so the form lists the same men).
TAKING_PART = {
    "group": {"active"}, "makeup": {"active"}, "intake": {"referred", "assessed", "active"},
    "individual": {"assessed", "active", "suspended"},
}
COHORT_ORDER = {"running": 0, "forming": 1, "finished": 2, "cancelled": 3}
# How the call after an unexcused absence went (sessions' CallOutcomeIn.outcome): what happened, never what was said.
CALL_OUTCOME_NAMES = {
    "reached": _l("Reached him"), "no_answer": _l("No answer"), "unreachable": _l("Number not working"),
    "refused": _l("He would not talk"),
}
# Sessions takes attendance from an hour before a session's start (a facilitator marking arrivals), not days ahead.
RECORDING_OPENS_BEFORE_START = timedelta(hours=1)


@bp.context_processor
def _names() -> dict[str, Any]:
    return {"attendance_names": ATTENDANCE_NAMES, "participation_names": PARTICIPATION_NAMES,
            "homework_names": HOMEWORK_NAMES, "sign_names": SIGN_NAMES, "danger_signs": DANGER_SIGNS,
            "other_signs": OTHER_SIGNS, "session_kind_names": SESSION_KIND_NAMES, "cohort_status_names": COHORT_STATUS_NAMES,
            "enrolment_status_names": ENROLMENT_STATUS_NAMES, "reason_names": REASON_NAMES,
            "call_outcome_names": CALL_OUTCOME_NAMES,
            "records": g.get("user") is not None and g.user.role == Role.PSYCHOLOGIST.value}


# -- reading the services ----------------------------------------------------------------------------------------
def _zone() -> ZoneInfo:
    return settings_now().zone


def _now() -> datetime:
    return datetime.now(_zone())


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _with_times(sessions: Iterable[Any], now: datetime) -> list[dict[str, Any]]:
    """Sessions with their start as a datetime (`at`), local day (`day`) and whether they are due for recording:
    started, and still without attendance."""
    out = []
    for s in sessions:
        at = _when(s["scheduled_at"])
        entered = {"held": _when(s["held_at"]) if s.get("held_at") else None,  # as its paper register says
                   "entered": _when(s["attendance_entered_at"]) if s.get("attendance_entered_at") else None}
        out.append(s | entered | {"at": at, "day": at.astimezone(_zone()).date(),
                        "to_record": s["status"] == "scheduled" and at <= now,
                        "recording_opens": at - RECORDING_OPENS_BEFORE_START,
                        "can_record": s["status"] == "scheduled" and at - RECORDING_OPENS_BEFORE_START <= now})
    return out


def _my_cohorts() -> list[dict[str, Any]]:
    cohorts: list[Any] = clients.enrollment.all_cohorts()
    return sorted(cohorts, key=lambda c: (COHORT_ORDER.get(c["status"], 9), c["name"]))


def _programme_names(cohorts: Iterable[dict[str, Any]]) -> dict[str, str]:
    """{programme id: its name} of the cohorts' programmes, asked for at once."""
    ids = sorted({str(c["programme_id"]) for c in cohorts})
    if not ids:
        return {}
    found = clients.enrollment.all_programmes(programme_id=ids, include_retired=True, limit=len(ids))
    return {str(p["id"]): str(programme_text_filter(p["name"])) for p in found}


def _cohort_sessions(cohort_id: str, now: datetime) -> list[dict[str, Any]]:
    return _with_times(clients.sessions.all_cohort_sessions(cohort_id=cohort_id), now)


def _sessions_of(cohort_ids: list[str], now: datetime) -> list[dict[str, Any]]:
    """The sessions of several cohorts, asked for at once (at most 100 cohorts: a psychologist runs a few)."""
    if not cohort_ids:
        return []
    return _with_times(clients.sessions.all_sessions(cohort_id=cohort_ids[:100], limit=5000), now)


def _enrolments(cohort_id: str) -> list[dict[str, Any]]:
    enrolments: list[Any] = clients.enrollment.all_enrolments(cohort_id=cohort_id)
    return sorted(enrolments, key=lambda e: e["participant_code"])


def _taking_part(session: Mapping[str, Any], enrolments: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The men whose attendance this session takes: the active group, or the one man of a one-to-one session."""
    allowed = TAKING_PART.get(session["kind"], {"active"})
    only = session.get("enrolment_id")
    return [e for e in enrolments if e["status"] in allowed and (only is None or e["id"] == only)]


def _session_and_cohort(session_id: uuid.UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    session = _with_times([clients.sessions.session(session_id=session_id)], _now())[0]
    cohort: Any = clients.enrollment.cohort(cohort_id=session["cohort_id"])
    return session, cohort


def _next_by_cohort(sessions: Iterable[dict[str, Any]], now: datetime) -> dict[str, dict[str, Any]]:
    """Each cohort's next session still to come."""
    upcoming: dict[str, dict[str, Any]] = {}
    for s in sorted(sessions, key=lambda s: s["at"]):
        if s["status"] == "scheduled" and s["at"] >= now:
            upcoming.setdefault(s["cohort_id"], s)
    return upcoming


# -- pages -------------------------------------------------------------------------------------------------------
@bp.get("/today")
@allow(Role.PSYCHOLOGIST)
def today() -> Any:
    """The calls I owe men absent without excuse (overdue first), today's sessions of my cohorts, those still
    unrecorded from earlier days, and my cohorts in brief."""
    now = _now()
    calls = [c | {"due": _when(c["due_at"]), "session": _when(c["session_at"])}
             for c in clients.sessions.all_calls()]  # due and overdue, the most urgent first
    day = now.date()
    cohorts = _my_cohorts()
    current = [c for c in cohorts if c["status"] in ("forming", "running")]
    sessions = _sessions_of([c["id"] for c in current], now)
    todays = sorted((s for s in sessions if s["day"] == day), key=lambda s: s["at"])
    unrecorded = _with_times(clients.sessions.all_sessions(unrecorded=True), now)
    earlier = sorted((s for s in unrecorded if s["day"] < day), key=lambda s: s["at"])
    return render_template("psychologist/today.html", day=day, todays=todays, earlier=earlier, cohorts=current,
                           cohort_by_id={c["id"]: c for c in cohorts}, next_session=_next_by_cohort(sessions, now),
                           calls=calls, waiting=_waiting_on_her(), idem=str(uuid.uuid4()))


def _waiting_on_her() -> list[dict[str, Any]]:
    """Her men who wait on her decision: referred or assessed (intake, start), or proposed for exit."""
    mine = g.user.id
    to_start: list[Any] = clients.enrollment.all_enrolments(psychologist_id=mine, status=["referred", "assessed"],
                                                            limit=200)
    to_decide: list[Any] = clients.enrollment.all_enrolments(psychologist_id=mine, exit_proposed=True, limit=200,
                                                             status=["active", "suspended"])
    found = to_start + to_decide
    return sorted(found, key=lambda e: e["enrolled_at"])


@bp.post("/calls/<uuid:call_id>/outcome")
@allow(Role.PSYCHOLOGIST)
def call_outcome(call_id: uuid.UUID) -> Any:
    """Record how the call after his absence went, from the Today page; back to it with the answer."""
    values, errors = read(CallOutcomeForm(), request.form)
    if errors:
        flash(errors["outcome"], "error")
        return redirect(url_for("psychologist.today"))
    outcome = values["outcome"]
    try:
        call = clients.sessions.record_call_outcome(call_id=call_id, body={"outcome": outcome},
                                                    idempotency_key=values["idem"])
    except ServiceError as error:
        if error.status != 409:
            raise
        flash(_("This call is recorded already, or no longer owed (the absence was amended)."), "warning")
    else:
        flash(_("The call to %(code)s is recorded: %(outcome)s.", code=call["participant_code"],
                outcome=CALL_OUTCOME_NAMES[outcome]), "success")
    return redirect(url_for("psychologist.today"))


@bp.get("/cohorts")
@allow(*READERS)
def cohorts() -> Any:
    """My cohorts, with their programme, area, status, how many take part and the next session."""
    now = _now()
    found = _my_cohorts()
    upcoming = _with_times(clients.sessions.all_sessions(upcoming=True, limit=500), now)
    return render_template("psychologist/cohorts.html", cohorts=found, programmes=_programme_names(found),
                           next_session=_next_by_cohort(upcoming, now))


@bp.get("/cohorts/<uuid:cohort_id>")
@allow(*READERS)
def cohort(cohort_id: uuid.UUID) -> Any:
    """One cohort: its participants with their attendance so far, and its sessions in programme order."""
    now = _now()
    found: Any = clients.enrollment.cohort(cohort_id=cohort_id)
    return render_template("psychologist/cohort.html", cohort=found, programmes=_programme_names([found]),
                           enrolments=_enrolments(str(cohort_id)), sessions=_cohort_sessions(str(cohort_id), now),
                           idem=str(uuid.uuid4()))


# -- attendance ---------------------------------------------------------------------------------------------------
ENTRY_FIELDS = ("register_number", "held_on")  # the paper register's, on the attendance form


@dataclass
class AttendanceForm:
    """What the psychologist chose for each man (as typed), and what is wrong with it, keyed by form field."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    marks: list[dict[str, Any]] = field(default_factory=list)
    register: dict[str, str] = field(default_factory=dict)  # the paper register's fields, as typed
    entry: dict[str, Any] = field(default_factory=dict)  # ...as sessions takes them: its number, the day it was held


def read_register(form: MultiDict[str, str], out: AttendanceForm, *, planned_on: date) -> None:
    """The paper register the attendance is copied from, if it is (forms.PaperRegisterForm): its number, and the day
    the session was held, sent only when it is not the planned day."""
    out.register = {name: (form.get(name) or "").strip() for name in ENTRY_FIELDS}
    out.entry, errors = read(PaperRegisterForm(planned_on=planned_on), form)
    out.errors.update(errors)


def read_attendance(form: MultiDict[str, str], roster: list[dict[str, Any]]) -> AttendanceForm:
    """The marks of a whole group from the form: one per man on the roster, each read by forms.MarkForm (a
    status; an excused absence with its reason), its errors keyed by the form field of his row."""
    out = AttendanceForm()
    for enrolment in roster:
        eid, code = enrolment["id"], enrolment["participant_code"]
        row: dict[str, Any] = {"status": form.get(f"status-{eid}") or "", "reason": form.get(f"reason-{eid}") or "",
               "participation": form.get(f"participation-{eid}") or "", "homework": form.get(f"homework-{eid}") or "",
               "signs": form.getlist(f"signs-{eid}")}
        out.values[eid] = row | {"reason": row["reason"].strip(), "signs": [s for s in row["signs"] if s in SIGN_NAMES]}
        mark, errors = read(MarkForm(code=code), row)
        out.errors.update({f"{name}-{eid}": message for name, message in errors.items()})
        if mark:
            out.marks.append({"enrolment_id": eid, **mark})
    return out


MARK_FIELD = re.compile(r"^marks\.(\d+)\.([a-z_]+)")
FORM_FIELD = {"enrolment_id": "status", "status": "status", "excuse_reason": "reason", "participation": "participation",
              "homework_done": "homework", "warning_signs": "signs"}


def _service_mark_errors(error: ServiceError, marks: list[dict[str, Any]],
                         codes: Mapping[str, str]) -> dict[str, str]:
    """Sessions' field errors (by position in `marks`) as errors of the form's fields, naming the man."""
    out: dict[str, str] = {}
    for key, message in error.field_errors().items():
        if key in ENTRY_FIELDS:  # what sessions refuses of the register: a day to come, or a day without a number
            out[key] = _("The day it was held cannot be after today.") if key == "held_on" else str(REGISTER_NEEDED)
            continue
        found = MARK_FIELD.match(key)
        if not found or int(found.group(1)) >= len(marks):
            out["marks"] = error.detail or message
            continue
        eid = marks[int(found.group(1))]["enrolment_id"]
        name = found.group(2)
        code = codes.get(eid, "")
        if name == "enrolment_id":
            text = _("%(code)s is not taking part in this session now (not active in the group).", code=code)
        elif name == "excuse_reason":
            text = _("%(code)s: an excused absence needs its reason, and only an excused absence has one.", code=code)
        else:
            text = f"{code}: {message}"
        out[f"{FORM_FIELD.get(name, 'status')}-{eid}"] = text
    return out or {"marks": error.detail or error.title}


@dataclass
class Sent:
    """What sessions answered to a group's marks: recorded, or a conflict (the session was recorded meanwhile)."""

    recorded: bool = False
    conflict: str | None = None


def send_attendance(*, session_id: uuid.UUID, form: AttendanceForm, codes: Mapping[str, str]) -> Sent:
    """The group's marks to sessions in one request; its refusal of a mark becomes the form's errors."""
    try:
        clients.sessions.record_attendance(session_id=session_id, body={"marks": form.marks, **form.entry},  # type: ignore[typeddict-item]
                                          idempotency_key=request.form.get("idem") or None)
    except ServiceError as error:
        if error.status == 422:
            form.errors = _service_mark_errors(error, form.marks, codes)
            return Sent()
        if error.status == 409:
            return Sent(conflict=error.detail or error.title)
        raise
    return Sent(recorded=True)


@bp.route("/sessions/<uuid:session_id>/attendance", methods=["GET", "POST"])
@allow(Role.PSYCHOLOGIST)
def attendance(session_id: uuid.UUID) -> Any:
    """A whole group's attendance on one screen, sent as one request; once recorded, shown as it stands. The form
    goes to sessions even when the session looks recorded already: a double tap then gets the first answer."""
    session, found_cohort = _session_and_cohort(session_id)
    enrolments = _enrolments(session["cohort_id"])
    codes = {e["id"]: e["participant_code"] for e in enrolments}
    roster = _taking_part(session, enrolments)
    form, status, conflict = AttendanceForm(), 200, None
    if request.method == "POST":
        form, status = read_attendance(request.form, roster), 422
        read_register(request.form, form, planned_on=session["day"])
        if not roster:
            form.errors["marks"] = _("Nobody in this group is taking part now, so there is no attendance to record.")
        sent = Sent() if form.errors else send_attendance(session_id=session_id, form=form, codes=codes)
        if sent.recorded:
            flash(_("Attendance of %(n)s participants is recorded. You may add notes on the session now.",
                    n=len(form.marks)), "success")
            return redirect(url_for("psychologist.notes", session_id=session_id))
        if sent.conflict is not None:
            status, conflict = 409, sent.conflict
            session = _with_times([clients.sessions.session(session_id=session_id)], _now())[0]
    page = {"session": session, "cohort": found_cohort, "codes": codes, "conflict": conflict}
    if session["status"] == "scheduled":
        return render_template("psychologist/attendance.html", roster=roster, form=form, idem=str(uuid.uuid4()),
                               **page), status
    return _recorded_page(session_id, page, status)


def _recorded_page(session_id: uuid.UUID, page: dict[str, Any], status: int) -> tuple[str, int]:
    """The attendance as recorded; a form sent to a session recorded already is a conflict, said on the page."""
    if request.method == "POST" and status != 409:
        status, page["conflict"] = 409, _("The attendance of this session is recorded already.")
    marks = clients.sessions.attendance(session_id=session_id)["marks"]
    return render_template("psychologist/attendance_recorded.html", marks=marks, **page), status


def amend_mark(*, session_id: uuid.UUID, enrolment_id: uuid.UUID, values: Mapping[str, str],
               excuse: str) -> dict[str, str]:
    """The correction to sessions; its refusal as errors by field of the form ({} when it is made)."""
    body = {"status": values["status"], "reason": values["reason"], "excuse_reason": excuse or None}
    try:
        clients.sessions.amend_mark(session_id=session_id, enrolment_id=enrolment_id, body=body,  # type: ignore[arg-type]
                                    idempotency_key=request.form.get("idem") or None)
    except ServiceError as error:
        if error.status not in (409, 422):
            raise
        return {k if k in values else "status": v for k, v in error.field_errors().items()} or {
            "status": error.detail or error.title}
    return {}


@bp.route("/sessions/<uuid:session_id>/attendance/<uuid:enrolment_id>/amendments", methods=["GET", "POST"])
@allow(Role.PSYCHOLOGIST)
def amendments(session_id: uuid.UUID, enrolment_id: uuid.UUID) -> Any:
    """One man's recorded mark with every correction made to it, and a form to correct it (never overwritten)."""
    session, found_cohort = _session_and_cohort(session_id)
    history: Any = clients.sessions.amendments(session_id=session_id, enrolment_id=enrolment_id)
    values = {"status": "", "excuse_reason": "", "reason": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        _read, errors = read(AmendmentForm(), request.form)
        mark = history["mark"]
        excuse = values["excuse_reason"] if values["status"] == "excused" else ""
        if (values["status"], excuse) == (mark["status"], mark["excuse_reason"] or ""):
            errors["status"] = _("The mark says this already: there is nothing to correct.")
        errors = errors or amend_mark(session_id=session_id, enrolment_id=enrolment_id, values=values, excuse=excuse)
        if not errors:
            flash(_("The mark of %(code)s is corrected; the old one is kept in its history.",
                    code=mark["participant_code"]), "success")
            return redirect(url_for("psychologist.attendance", session_id=session_id))
    return render_template("psychologist/amendments.html", session=session, cohort=found_cohort, history=history,
                           values=values, errors=errors, idem=str(uuid.uuid4())), (422 if errors else 200)


# -- notes -------------------------------------------------------------------------------------------------------
def write_note(*, session_id: uuid.UUID, values: Mapping[str, str]) -> dict[str, str]:
    """The note to sessions, which seals it; its refusal as errors by field of the form ({} when it is saved)."""
    try:
        clients.sessions.write_note(session_id=session_id,
                                    body={"text": values["text"], "enrolment_id": values["about"] or None},
                                    idempotency_key=request.form.get("idem") or None)
    except ServiceError as error:
        if error.status not in (409, 422):
            raise
        return {("about" if k == "enrolment_id" else "text"): v for k, v in error.field_errors().items()} \
            or {"text": error.detail or error.title}
    return {}


@bp.route("/sessions/<uuid:session_id>/notes", methods=["GET", "POST"])
@allow(Role.PSYCHOLOGIST)
def notes(session_id: uuid.UUID) -> Any:
    """The session's confidential notes (sealed by sessions, for the group's psychologists only) and a new one."""
    session, found_cohort = _session_and_cohort(session_id)
    enrolments = _enrolments(session["cohort_id"])
    codes = {e["id"]: e["participant_code"] for e in enrolments}
    values = {"text": "", "about": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {"text": (request.form.get("text") or "").strip(), "about": request.form.get("about") or ""}
        _read, errors = read(NoteForm(), request.form)
        if values["about"] and values["about"] not in codes:
            errors["about"] = _("Choose the group or one of its participants.")
        errors = errors or write_note(session_id=session_id, values=values)
        if not errors:
            flash(_("The note is saved and sealed."), "success")
            return redirect(url_for("psychologist.notes", session_id=session_id))
    written = sorted(clients.sessions.notes(session_id=session_id), key=lambda n: n["written_at"], reverse=True)
    return render_template("psychologist/notes.html", session=session, cohort=found_cohort, notes=written,
                           codes=codes, participant_options=[(e["id"], e["participant_code"]) for e in enrolments],
                           values=values, errors=errors, idem=str(uuid.uuid4())), (422 if errors else 200)


# -- one man's history -------------------------------------------------------------------------------------------
@bp.get("/enrolments/<uuid:enrolment_id>/attendance")
@allow(*READERS)
def history(enrolment_id: uuid.UUID) -> Any:
    """A participant's attendance, newest first, with participation and warning signs, and where his enrolment
    stands."""
    enrolment = clients.enrollment.enrolment(enrolment_id=enrolment_id)
    marks: list[Any] = [dict(m) for m in clients.sessions.all_enrolment_attendance(enrolment_id=enrolment_id)]
    for mark in marks:
        mark["at"] = _when(mark.get("held_at") or mark["scheduled_at"])  # the day he came or missed it
    return render_template("psychologist/history.html", enrolment=enrolment, marks=marks,
                           progress=enrolment.get("progress") or {})


# Her casework (a man's moves and intake assessment, planning her groups' sessions) is on this blueprint too.
from . import psychologist_casework as psychologist_casework  # noqa: E402
