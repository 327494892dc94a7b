"""The portal's forms as schemas: what each form's fields must hold, said once, each refusal in the user's language
and keyed by the form field it is shown beside. A view reads a form with `read(FormSchema(), request.form)`: the
values typed (stripped; an empty field is a field not filled in) or the errors, one message per field. What only a
service can decide (a date that does not exist, a cohort that is full) the service says, and the page shows it
beside the same field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import fields
from qadam.contracts import ATTENDANCE_STATUSES, CALL_OUTCOMES, WARNING_SIGNS

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
    order_conditions = fields.String(load_default="")
    placement = fields.String(**filled_in(_l("Choose the cohort and psychologist.")))
    not_registered_elsewhere = fields.Boolean(load_default=False, truthy={"1", "on", "true"})
    not_registered_elsewhere_note = fields.String(load_default=None)

    @ma.validates_schema(skip_on_field_errors=False)  # said with the rest, all at once
    def _why_someone_else(self, data: dict[str, Any], **kwargs: object) -> None:
        if data.get("not_registered_elsewhere") and not data.get("not_registered_elsewhere_note"):
            raise ma.ValidationError(_("Say whom you asked in the other area and what showed that their man is "
                                       "someone else."), "not_registered_elsewhere_note")

    @ma.post_load
    def _parts(self, data: dict[str, Any], **kwargs: object) -> dict[str, Any]:
        cohort_id, _sep, psychologist_id = data["placement"].partition("|")
        conditions = [c.strip() for c in data["order_conditions"].splitlines() if c.strip()]
        return data | {"cohort_id": cohort_id, "psychologist_id": psychologist_id, "conditions": conditions}


class IncidentForm(Form):
    """An incident reported on his page; risk decides what it is worth (and refuses a day still to come)."""

    kind = fields.String(load_default="")
    occurred_on = fields.String(load_default="")
    severity = fields.String(load_default="")
    details = fields.String(load_default=None)


class SupportWorkerForm(Form):
    """Her support worker: one of the region's, or nobody."""

    victim_support_worker_id = fields.String(load_default=None)


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
