"""The portal's forms as schemas: what each form's fields must hold, said once, each refusal in the user's language
and keyed by the form field it is shown beside. A view reads a form with `read(FormSchema(), request.form)`: the
values typed (stripped; an empty field is a field not filled in) or the errors, one message per field. What only a
service can decide (a date that does not exist, a cohort that is full) the service says, and the page shows it
beside the same field."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import date, time
from typing import Any, Protocol

import marshmallow as ma
from marshmallow import fields
from qadam.auth import Reach
from qadam_contracts.roles import ACCESS_POLICY, STAFF_ROLES
from qadam_contracts.vocabulary import (
    ATTENDANCE_STATUSES,
    CALL_OUTCOMES,
    LANGUAGES,
    ORDER_CONDITIONS,
    SESSION_KINDS,
    WARNING_SIGNS,
)

from .i18n import gettext as _
from .i18n import lazy_gettext as _l

ATTENDED = ("present", "late")
PARTICIPATION_LEVELS = ("0", "1", "2", "3")
PROGRAMME_TEMPLATES = ("statutory", "extended_group")


class Form(ma.Schema):
    """A form of the portal's pages: text as typed less the spaces around it; an empty field is not filled in."""

    class Meta:
        unknown = ma.EXCLUDE

    @ma.pre_load
    def _typed(self, data: Mapping[str, Any], **kwargs: object) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.load_fields:
            if isinstance(self.load_fields[name], fields.List) and hasattr(data, "getlist"):
                out[name] = [v for v in data.getlist(name) if str(v).strip()]
                continue
            value = data.get(name)
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, ""):
                out[name] = value
        return out


def filled_in(message: Any) -> dict[str, Any]:
    """A field that must be filled in, and what to say when it is not."""
    return {"required": True, "error_messages": {"required": message}}


def read(schema: Form, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the form's values, {}) or ({}, its errors: one message per field, in the user's language)."""
    try:
        return schema.load(data), {}
    except ma.ValidationError as refused:
        return {}, flat_errors(refused.messages)


def flat_errors(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's messages, one line per field (nested fields joined with dots, several messages with spaces)."""
    if not isinstance(messages, Mapping):
        return {prefix or "_schema": _joined(messages)}
    out: dict[str, str] = {}
    for key, value in messages.items():
        out.update(flat_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _joined(value: Any) -> str:
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value)


# -- the inspector's ---------------------------------------------------------------------------------------------
class ReferralForm(Form):
    """One form for a new man: his person record, his protection order and his place in a cohort."""

    full_name = fields.String(**filled_in(_l("Enter his full name.")))
    birth_date = fields.String(**filled_in(_l("Enter his birth date.")))  # a real day: enrollment says
    pinfl = fields.String(load_default=None)
    phone = fields.String(load_default=None)
    preferred_language = fields.String(load_default=None)
    district = fields.String(**filled_in(_l("Enter his district.")))
    mahalla = fields.String(load_default=None)
    order_number = fields.String(**filled_in(_l("Enter the order's number.")))
    order_issued_on = fields.String(**filled_in(_l("Enter the day the order was issued.")))
    order_expires_on = fields.String(**filled_in(_l("Enter the day the order expires.")))
    # the order's standard conditions (checkboxes, stored as codes), and any other the inspector writes (one a line)
    order_condition_codes = fields.List(fields.String(), load_default=list)
    order_conditions = fields.String(load_default="")
    placement = fields.String(**filled_in(_l("Choose the cohort and psychologist.")))
    victim_support_worker_id = fields.String(load_default=None)
    not_registered_elsewhere = fields.Boolean(load_default=False, truthy={"1", "on", "true"})
    not_registered_elsewhere_note = fields.String(load_default=None)

    @ma.validates_schema(skip_on_field_errors=False)  # said with the rest, all at once
    def _why_someone_else(self, data: dict[str, Any], **kwargs: object) -> None:
        if data.get("not_registered_elsewhere") and not data.get("not_registered_elsewhere_note"):
            raise ma.ValidationError(_("Say whom you asked in the other area and what showed that their man is "
                                       "someone else."), "not_registered_elsewhere_note")

    @ma.validates("order_condition_codes")
    def _listed(self, codes: list[str], **kwargs: object) -> None:
        if set(codes) - set(ORDER_CONDITIONS):
            raise ma.ValidationError(_("Choose among the conditions listed."))

    @ma.post_load
    def _parts(self, data: dict[str, Any], **kwargs: object) -> dict[str, Any]:
        cohort_id, _sep, psychologist_id = data["placement"].partition("|")
        conditions = [c.strip() for c in data["order_conditions"].splitlines() if c.strip()]
        return data | {"cohort_id": cohort_id, "psychologist_id": psychologist_id, "conditions": conditions,
                       "condition_codes": [code for code in ORDER_CONDITIONS if code in data["order_condition_codes"]]}


class IncidentForm(Form):
    """An incident reported on his page; risk decides what it is worth (and refuses a day still to come)."""

    kind = fields.String(load_default="")
    occurred_on = fields.String(load_default="")
    severity = fields.String(load_default="")
    details = fields.String(load_default=None)


class SupportWorkerForm(Form):
    """Her support worker: one of the region's, or nobody."""

    victim_support_worker_id = fields.String(load_default=None)


PLAN_PARTS = ("programme", "employment", "health", "education", "housing")


class PlanForm(Form):
    """The correction plan as agreed: when, with whom, its parts (each with a word on it); enrollment checks the day."""

    agreed_on = fields.String(**filled_in(_l("Give the day the plan was agreed.")))
    agreed_with = fields.String(load_default=None)
    parts = fields.List(fields.String(validate=ma.validate.OneOf(PLAN_PARTS)), load_default=list)
    details_programme = fields.String(load_default=None)
    details_employment = fields.String(load_default=None)
    details_health = fields.String(load_default=None)
    details_education = fields.String(load_default=None)
    details_housing = fields.String(load_default=None)


class ExtensionForm(Form):
    """An order extended: to when, who decided and why; enrollment checks the day."""

    new_expiry = fields.String(**filled_in(_l("Give the day the order now runs to.")))
    decided_by = fields.String(**filled_in(_l("Say who decided: you, or the court and its decision.")))
    reason = fields.String(**filled_in(_l("Say why the order is extended.")))


class TransferForm(Form):
    """A move to another group: which one, and a word on why; enrollment says whether it is made or waits."""

    cohort_id = fields.UUID(**filled_in(_l("Choose the group he moves to.")))
    note = fields.String(load_default=None)


# -- the supervisor's --------------------------------------------------------------------------------------------
class DecisionForm(Form):
    """A supervisor's answer to a move out of a district: approve or refuse (enrollment asks why it is refused)."""

    decision = fields.String(**filled_in(_l("Choose whether you approve the move.")),
                             validate=ma.validate.OneOf(("approve", "refuse")))
    note = fields.String(load_default=None)


# -- the psychologist's ------------------------------------------------------------------------------------------
class CallOutcomeForm(Form):
    """How the call after his absence went."""

    outcome = fields.String(**filled_in(_l("Choose how the call went: reached him, no answer, number not working, "
                                          "or he would not talk.")))
    idem = fields.String(load_default=None)

    @ma.validates("outcome")
    def _known(self, value: str, **kwargs: object) -> None:
        if value not in CALL_OUTCOMES:
            raise ma.ValidationError(_("Choose how the call went: reached him, no answer, number not working, or he "
                                       "would not talk."))


class MarkForm(Form):
    """One man's row of the attendance form. A reason is kept only for an excused absence, participation and
    homework only for a man who came (a radio button once tapped cannot be cleared without JavaScript)."""

    status = fields.String(load_default="")
    reason = fields.String(load_default="")
    participation = fields.String(load_default="")
    homework = fields.String(load_default="")
    signs = fields.List(fields.String(), load_default=list)

    def __init__(self, *, code: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = code  # his code, in every message about his row

    @ma.validates_schema
    def _mark(self, data: dict[str, Any], **kwargs: object) -> None:
        errors: dict[str, str] = {}
        if data["status"] not in ATTENDANCE_STATUSES:
            errors["status"] = _("%(code)s: choose present, late, excused absence or unexcused absence.",
                                 code=self.code)
        elif data["status"] == "excused" and not data["reason"]:
            errors["reason"] = _("%(code)s: an excused absence needs its reason.", code=self.code)
        if len(data["reason"]) > 500:
            errors["reason"] = _("%(code)s: the reason is at most 500 characters.", code=self.code)
        if errors:
            raise ma.ValidationError(errors)  # type: ignore[arg-type]

    @ma.post_load
    def _as_mark(self, data: dict[str, Any], **kwargs: object) -> dict[str, Any]:
        came = data["status"] in ATTENDED
        return {"status": data["status"], "excuse_reason": data["reason"] if data["status"] == "excused" else None,
                "participation": int(data["participation"]) if came and data["participation"] in PARTICIPATION_LEVELS
                else None,
                "homework_done": {"yes": True, "no": False}.get(data["homework"]) if came else None,
                "warning_signs": [s for s in data["signs"] if s in WARNING_SIGNS]}


# sessions refuses a day other than the planned one without the register it comes from: said the same on both sides
REGISTER_NEEDED = _l("A day other than the planned one comes from a paper register: give its number.")


class PaperRegisterForm(Form):
    """The attendance copied later from the paper register kept at the session: the register's number, and the day
    the session was held when that was not the planned day. Both empty: entered at the session."""

    register_number = fields.String(load_default=None, validate=ma.validate.Length(
        max=40, error=_l("A register number is at most 40 characters.")))
    held_on = fields.Date(load_default=None, error_messages={
        "invalid": _l("Enter the day as year-month-day, e.g. 2026-12-24.")})

    def __init__(self, *, planned_on: date, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.planned_on = planned_on  # the session's planned day, in the page's time zone

    @ma.validates_schema
    def _from_a_register(self, data: dict[str, Any], **kwargs: object) -> None:
        if data.get("held_on") not in (None, self.planned_on) and not data.get("register_number"):
            raise ma.ValidationError(str(REGISTER_NEEDED), "register_number")

    @ma.post_load
    def _entry(self, data: dict[str, Any], **kwargs: object) -> dict[str, Any]:
        """As sessions takes it: nothing for attendance entered at the session; the day only if not the planned one."""
        if not data.get("register_number"):
            return {}
        held_on = data.get("held_on")
        return {"register_number": data["register_number"],
                "held_on": held_on.isoformat() if held_on not in (None, self.planned_on) else None}


class AmendmentForm(Form):
    """A correction of one recorded mark: what it should say, and why the recorded one was wrong."""

    status = fields.String(load_default="")
    excuse_reason = fields.String(load_default="")
    reason = fields.String(load_default="")

    @ma.validates_schema
    def _amendment(self, data: dict[str, Any], **kwargs: object) -> None:
        errors: dict[str, str] = {}
        if data["status"] not in ATTENDANCE_STATUSES:
            errors["status"] = _("Choose what the mark should say.")
        if data["status"] == "excused" and not data["excuse_reason"]:
            errors["excuse_reason"] = _("An excused absence needs its reason.")
        if len(data["reason"]) < 3:
            errors["reason"] = _("Say why the recorded mark was wrong.")
        if errors:
            raise ma.ValidationError(errors)  # type: ignore[arg-type]


class NoteForm(Form):
    """A confidential note on a session, about the group or one of its men."""

    text = fields.String(**filled_in(_l("Write the note before saving it.")))
    about = fields.String(load_default="")

    @ma.validates("text")
    def _length(self, value: str, **kwargs: object) -> None:
        if len(value) > 20000:
            raise ma.ValidationError(_("A note is at most 20,000 characters."))


# The moves of an enrolment that need a reason, and the reasons enrollment keeps with each (its lifecycle's codes).
MOVE_REASONS = {
    "exit": ("non_compliance", "new_violence", "withdrawn", "transferred", "custody", "moved_away", "died"),
    "exclude": ("severe_mental_illness", "untreated_addiction", "other"),
    "suspend": ("illness", "custody", "work_away", "family_emergency", "other"),
}


class MoveForm(Form):
    """A move of his enrolment (assess, start, suspend, resume, exit, exclude, complete, close): the reason where the
    move needs one, and a note. Whether the move is open to him now is enrollment's to say."""

    action = fields.String(**filled_in(_l("Choose what to do.")))
    reason = fields.String(load_default=None)
    note = fields.String(load_default=None)
    idem = fields.String(load_default=None)

    @ma.validates_schema
    def _reason(self, data: dict[str, Any], **kwargs: object) -> None:
        reasons = MOVE_REASONS.get(data.get("action", ""))
        if reasons is not None and data.get("reason") not in reasons:
            raise ma.ValidationError(_("Choose the reason."), "reason")
        if len(data.get("note") or "") > 2000:
            raise ma.ValidationError(_("A note is at most 2,000 characters."), "note")


class SessionTimeForm(Form):
    """A session's day and time as typed (the page's time zone), with its place."""

    day = fields.Date(load_default=None, error_messages={
        "invalid": _l("Enter the day as year-month-day, e.g. 2026-12-24.")})
    time = fields.Time(load_default=None, error_messages={
        "invalid": _l("Enter the time as hours:minutes, e.g. 15:00.")})
    place = fields.String(load_default=None, validate=ma.validate.Length(
        max=300, error=_l("A place is at most 300 characters.")))

    @ma.validates_schema
    def _when(self, data: dict[str, Any], **kwargs: object) -> None:
        if data.get("cancel"):
            return  # a cancelled session keeps its day and time
        errors = {}
        if data.get("day") is None:
            errors["day"] = [_("Enter the day (year-month-day).")]
        if data.get("time") is None:
            errors["time"] = [_("Enter the time it starts (hours:minutes).")]
        if errors:
            raise ma.ValidationError(errors)  # type: ignore[arg-type]


class SessionChangeForm(SessionTimeForm):
    """Reschedule a session (a new day, time or place) or cancel it; either way with the reason, kept with it."""

    cancel = fields.Boolean(load_default=False, truthy={"yes"}, falsy={"no", ""})
    reason = fields.String(**filled_in(_l("Say why the session moves or is cancelled.")),
                           validate=ma.validate.Length(min=3, max=500, error=_l(
                               "Say why in 3 to 500 characters.")))
    idem = fields.String(load_default=None)

    @ma.pre_load
    def _cancelling(self, data: Mapping[str, Any], **kwargs: object) -> Mapping[str, Any]:
        if data.get("cancel") == "yes":  # a cancelled session keeps its day, time and place
            return {k: v for k, v in data.items() if k not in ("day", "time", "place")}
        return data


class ExtraSessionForm(SessionTimeForm):
    """A session beside the plan: one man's make-up, one-to-one or intake session, or another group session."""

    kind = fields.String(**filled_in(_l("Choose the kind of session.")),
                         validate=ma.validate.OneOf(SESSION_KINDS, error=_l("Choose the kind of session.")))
    enrolment_id = fields.String(load_default=None)
    number = fields.Integer(required=True, validate=ma.validate.Range(min=1, max=500, error=_l(
        "The session's number in the programme: 1 to 500.")), error_messages={
        "required": _l("Enter the session's number in the programme."),
        "invalid": _l("The session's number in the programme: 1 to 500.")})
    topic = fields.String(load_default=None, validate=ma.validate.Length(
        max=300, error=_l("A topic is at most 300 characters.")))
    idem = fields.String(load_default=None)

    @ma.validates_schema
    def _one_man(self, data: dict[str, Any], **kwargs: object) -> None:
        if data.get("kind") not in (None, "group") and not data.get("enrolment_id"):
            raise ma.ValidationError(_("A make-up, one-to-one or intake session is for one man: choose him."),
                                     "enrolment_id")


class FidelityForm(Form):
    """What a session delivered against the manual: the module, who led it with her, where it departed and why."""

    module_delivered = fields.String(**filled_in(_l("Enter the module you delivered.")),
                                     validate=ma.validate.Length(max=300, error=_l(
                                         "A module's name is at most 300 characters.")))
    co_facilitators = fields.String(load_default="")
    deviations = fields.String(load_default=None, validate=ma.validate.Length(
        max=2000, error=_l("At most 2,000 characters.")))
    idem = fields.String(load_default=None)

    @ma.post_load
    def _names(self, data: dict[str, Any], **kwargs: object) -> dict[str, Any]:
        data["co_facilitators"] = [n.strip() for n in re.split(r"[\n,;]", data["co_facilitators"]) if n.strip()]
        return data

    @ma.validates("co_facilitators")
    def _few(self, value: str, **kwargs: object) -> None:
        names = [n.strip() for n in re.split(r"[\n,;]", value) if n.strip()]
        if len(names) > 4 or any(len(n) > 100 for n in names):
            raise ma.ValidationError(_("At most 4 co-facilitators, each name at most 100 characters."))


# -- the administrator's -----------------------------------------------------------------------------------------
class ProgrammeForm(Form):
    """A new programme from a shipped template, national or for one region."""

    name = fields.String(**filled_in(_l("Give the programme a name.")))
    template = fields.String(**filled_in(_l("Choose the template to start from.")))
    region = fields.String(load_default="")

    @ma.post_load
    def _one_space(self, data: dict[str, Any], **kwargs: object) -> dict[str, Any]:
        return data | {"name": " ".join(data["name"].split())}

    @ma.validates("template")
    def _shipped(self, value: str, **kwargs: object) -> None:
        if value not in PROGRAMME_TEMPLATES:
            raise ma.ValidationError(_("Choose the template to start from."))


# -- the programme manager's -------------------------------------------------------------------------------------
COHORT_STATUSES = ("forming", "running", "finished", "cancelled")
WEEKDAYS = ("1", "2", "3", "4", "5", "6", "7")  # ISO: Monday is 1
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _places(message: Any, *, required: bool = False) -> fields.Integer:
    optional: dict[str, Any] = {} if required else {"load_default": None}
    return fields.Integer(strict=False, required=required, validate=ma.validate.Range(min=1, max=30, error=message),
                          error_messages={"invalid": message, "required": message}, **optional)


class ScheduleFields(Form):
    """When and where a group meets: its weekdays, its hour and its place."""

    weekdays = fields.List(fields.String(validate=ma.validate.OneOf(WEEKDAYS)), load_default=list)
    time = fields.String(load_default=None, validate=ma.validate.Regexp(
        r"^([01]\d|2[0-3]):[0-5]\d$", error=_l("Write the time as hours:minutes, for example 15:00.")))
    place = fields.String(load_default=None, validate=ma.validate.Length(
        max=300, error=_l("Use at most %(n)s characters.", n=300)))
    facilitator_ids = fields.List(fields.String(), required=True, validate=ma.validate.Length(
        min=1, max=4, error=_l("Choose one to four psychologists.")),
        error_messages={"required": _l("Choose one to four psychologists.")})

    @ma.post_load
    def _schedule(self, data: dict[str, Any], **kwargs: object) -> dict[str, Any]:
        return data | {"schedule": {"weekdays": sorted(int(d) for d in data.pop("weekdays")),
                                    "time": data.pop("time"), "place": data.pop("place")}}


class CohortForm(ScheduleFields):
    """A new group: its programme, name, district, psychologists, first day, places and schedule."""

    programme_id = fields.String(**filled_in(_l("Choose the programme.")))
    name = fields.String(**filled_in(_l("Give the group a name.")), validate=ma.validate.Length(
        max=200, error=_l("Use at most %(n)s characters.", n=200)))
    district = fields.String(**filled_in(_l("Choose the district.")))
    mahalla = fields.String(load_default=None)
    start_date = fields.String(**filled_in(_l("Enter the day the group starts.")), validate=ma.validate.Regexp(
        DAY, error=_l("Write the date as year-month-day.")))
    capacity = _places(_l("Give a number of places from 1 to 30."))


class CohortChangeForm(ScheduleFields):
    """A group changed: its status, psychologists, places and schedule."""

    status = fields.String(**filled_in(_l("Choose the status.")), validate=ma.validate.OneOf(
        COHORT_STATUSES, error=_l("Choose the status.")))
    capacity = _places(_l("Give a number of places from 1 to 30."), required=True)


class PlacementForm(Form):
    """Another group for a man who waits."""

    cohort_id = fields.String(**filled_in(_l("Choose the group.")))


def _count(low: int, high: int) -> fields.Integer:
    message = _l("Give a whole number from %(low)s to %(high)s.", low=low, high=high)
    return fields.Integer(strict=False, required=True, validate=ma.validate.Range(min=low, max=high, error=message),
                          error_messages={"invalid": message, "required": message})


class ProgrammeVersionForm(Form):
    """A programme's rules changed for the region: a new version that new groups take."""

    sessions_per_week = _count(1, 7)
    completion_attendance_percent = _count(1, 100)
    max_unexcused_absences = _count(0, 50)
    max_consecutive_absences = _count(1, 50)
    absence_call_hours = _count(1, 168)
    group_size_min = _count(1, 30)
    group_size_max = _count(1, 30)


USER_ID = re.compile(r"[a-z0-9][a-z0-9._-]{1,99}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+[1-9]\d{7,14}")
UZ_PHONE = re.compile(r"\+998\d{9}")
TELEGRAM_CHAT = re.compile(r"-?\d{1,39}")
HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")
USER_FIELDS = ("id", "display_name", "role", "region", "district", "mahalla", "email", "phone", "telegram_chat_id",
               "language", "supervisor_id", "quiet_start", "quiet_end")


class PlaceDirectory(Protocol):
    """The areas a user may be placed in (the admin pages' Places)."""

    regions: list[str]

    def has_district(self, region: str, district: str) -> bool: ...

    def has_mahalla(self, region: str, district: str, mahalla: str) -> bool: ...


class UserForm(Form):
    """A member of staff as the administrator's form gives them: values for accounts.create_user / update_user.
    What the user edited has now (`current`: their form as it stands) is accepted as it is, even where the Area table
    no longer lists it."""

    id = fields.String(load_default="")
    display_name = fields.String(load_default="")
    role = fields.String(load_default="")
    region = fields.String(load_default="")
    district = fields.String(load_default="")
    mahalla = fields.String(load_default="")
    email = fields.String(load_default="")
    phone = fields.String(load_default="")
    telegram_chat_id = fields.String(load_default="")
    language = fields.String(load_default="")
    supervisor_id = fields.String(load_default="")
    quiet_start = fields.String(load_default="")
    quiet_end = fields.String(load_default="")

    def __init__(self, *, places: PlaceDirectory, current: Mapping[str, str] | None, id_taken: Callable[[str], bool],
                 supervisor_ids: Collection[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.places, self.current, self.id_taken, self.supervisor_ids = places, current, id_taken, supervisor_ids

    @ma.pre_load
    def _as_written(self, data: Mapping[str, Any], **kwargs: object) -> dict[str, Any]:
        """A user name in lower case, a name with single spaces, a phone number without its separators."""
        out = {k: str(data.get(k) or "").strip() for k in USER_FIELDS}
        out["id"] = out["id"].lower()
        out["display_name"] = " ".join(out["display_name"].split())
        out["phone"] = re.sub(r"[\s()-]", "", out["phone"])
        return out

    def _kept(self, form: Mapping[str, str], key: str) -> bool:
        return self.current is not None and form[key] == self.current.get(key)

    @ma.validates_schema
    def _user(self, form: dict[str, str], **kwargs: object) -> None:
        errors: dict[str, str] = {}
        if self.current is None:
            if not form["id"]:
                errors["id"] = _("Give the user name they will sign in with.")
            elif not USER_ID.fullmatch(form["id"]):
                errors["id"] = _("Use 2 to 100 lower-case letters, digits, dots, hyphens or underscores, starting "
                                 "with a letter or digit.")
            elif self.id_taken(form["id"]):
                errors["id"] = _("The user name %(id)s is taken. Choose another.", id=form["id"])
        if not form["display_name"]:
            errors["display_name"] = _("Give the full name.")
        elif len(form["display_name"]) > 200:
            errors["display_name"] = _("Use at most %(n)s characters.", n=200)
        if form["role"] not in STAFF_ROLES:
            errors["role"] = _("Choose a role.")
        errors |= self._area_errors(form)
        if form["email"] and (len(form["email"]) > 320 or not EMAIL.fullmatch(form["email"])):
            errors["email"] = _("Write an e-mail address like name@example.uz.")
        if form["phone"] and (not PHONE.fullmatch(form["phone"])
                              or (form["phone"].startswith("+998") and not UZ_PHONE.fullmatch(form["phone"]))):
            errors["phone"] = _("Write the number in international form, like +998901234567.")
        if form["telegram_chat_id"] and not TELEGRAM_CHAT.fullmatch(form["telegram_chat_id"]):
            errors["telegram_chat_id"] = _("A Telegram chat id is a number, like 123456789.")
        if form["language"] not in LANGUAGES:
            errors["language"] = _("Choose a language.")
        supervisor_id = form["supervisor_id"]
        if supervisor_id and not self._kept(form, "supervisor_id"):
            if self.current is not None and supervisor_id == self.current.get("id"):
                errors["supervisor_id"] = _("A user cannot be their own supervisor.")
            elif supervisor_id not in self.supervisor_ids:
                errors["supervisor_id"] = _("Choose an active supervisor or programme manager.")
        for key in ("quiet_start", "quiet_end"):
            if form[key] and not HH_MM.fullmatch(form[key]):
                errors[key] = _("Write a time like 22:00.")
        if "quiet_start" not in errors and "quiet_end" not in errors and \
                bool(form["quiet_start"]) != bool(form["quiet_end"]):
            errors["quiet_end" if form["quiet_start"] else "quiet_start"] = _(
                "Give both the start and the end of the quiet hours, or neither.")
        if errors:
            raise ma.ValidationError(errors)  # type: ignore[arg-type]

    def _area_errors(self, form: Mapping[str, str]) -> dict[str, str]:
        """Where the role works, in the areas the Area table lists (or the ones the user has now)."""
        errors: dict[str, str] = {}
        role, region, district, mahalla = form["role"], form["region"], form["district"], form["mahalla"]
        kept = self._kept
        if region and not kept(form, "region") and region not in self.places.regions:
            errors["region"] = _("Choose a region from the list.")
        if district and not region:
            errors["region"] = _("Choose the region of this district.")
        elif district and not (kept(form, "region") and kept(form, "district")) \
                and not self.places.has_district(region, district):
            errors["district"] = _("This district is not in the region chosen. Choose one of its districts, or add "
                                   "it on the Areas page.")
        if mahalla and not district:
            errors.setdefault("district", _("Choose the district of this mahalla."))
        elif mahalla and not (kept(form, "region") and kept(form, "district") and kept(form, "mahalla")) \
                and not self.places.has_mahalla(region, district, mahalla):
            errors["mahalla"] = _("This mahalla is not in the district chosen. Choose one of its mahallas, or add it "
                                  "on the Areas page.")
        # which part of the area the role works in is the access policy's (qadam_contracts.roles)
        reach = ACCESS_POLICY.reach(role, region or None) if role in STAFF_ROLES else None
        if role in ACCESS_POLICY.national_unless_placed:  # the whole country, or a region: never less
            if district or mahalla:
                errors.setdefault("district", _("This role sees a whole region or the whole country: leave the "
                                                "district and the mahalla empty."))
        elif reach is Reach.DISTRICT:
            if not region:
                errors.setdefault("region", _("This role works in a district: choose its region."))
            if not district:
                errors.setdefault("district", _("This role works in a district: choose one."))
        elif reach is Reach.REGION:
            if not region:
                errors.setdefault("region", _("This role works in a region: choose one."))
        elif reach is Reach.EVERYWHERE and (region or district or mahalla):
            errors.setdefault("region", _("An administrator works nationally: leave the area empty."))
        return errors

    @ma.post_load
    def _values(self, form: dict[str, str], **kwargs: object) -> dict[str, Any]:
        values: dict[str, Any] = {k: form[k] or None for k in USER_FIELDS if k != "id"}
        values["display_name"], values["role"], values["language"] = form["display_name"], form["role"], form["language"]
        values["quiet_start"] = time.fromisoformat(form["quiet_start"]) if form["quiet_start"] else None
        values["quiet_end"] = time.fromisoformat(form["quiet_end"]) if form["quiet_end"] else None
        return values | ({"id": form["id"]} if self.current is None else {})
