"""Small helpers the pages of several kinds of user share: a page number, a day from the query string, today in
the country's time zone, a form's idempotency key, staff members' names.

No message is written here (this file's messages would belong to the shared catalogue, not the page's own): a
helper that may need to say something wrong is handed the words by its page."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import request

from ..backend import ServiceError
from ..clients import clients
from ..forms import IncidentForm, read
from ..models import User
from ..websession import sessions, settings_now


def page_number(args: Mapping[str, str], most: int | None = None) -> int:
    """The `page` of the query string: 1 when it is missing or not a number, never below 1 (nor above `most`)."""
    try:
        page = max(1, int(args.get("page", "1")))
    except ValueError:
        return 1
    return min(page, most) if most is not None else page


def parse_day(args: Mapping[str, str], name: str, errors: dict[str, str], invalid: object) -> date | None:
    """The day written (year-month-day) in field `name` of the query string; None when it is empty. A day that
    cannot be read is None too, and `invalid` (the page's own words, e.g. a lazy `_l(...)`) is recorded as the
    field's error in `errors`."""
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = str(invalid)
        return None


def local_today() -> date:
    """Today in the country's time zone (the settings' TIME_ZONE), not on the server's clock."""
    return datetime.now(settings_now().zone).date()


def form_key(field: str) -> str:
    """A form's own idempotency key: the one it was sent with (field `field` of a POST) when that is a UUID, else a
    fresh one (a form being drawn, or one sent without a usable key)."""
    sent = request.form.get(field) if request.method == "POST" else None
    try:
        return str(uuid.UUID(sent)) if sent else str(uuid.uuid4())
    except ValueError:
        return str(uuid.uuid4())


def staff_names(user_ids: Iterable[str]) -> dict[str, str]:
    """Staff members' names from the portal's own accounts (the services know them by user id only): {id: name}
    of those the portal knows."""
    ids = list(user_ids)
    if not ids:
        return {}
    with sessions()() as db:
        rows = db.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return {user_id: name for user_id, name in rows}


def support_workers_of(region: str) -> list[tuple[str, str]]:
    """The active support workers of a region from the portal's accounts, as (id, name), by name."""
    return [(user_id, name) for user_id, name, _district in staff_of_role("support_worker", region)]


def staff_of_role(role: str, region: str | None) -> list[tuple[str, str, str | None]]:
    """The active staff of a role in a region from the portal's accounts, as (id, name, district), by name."""
    with sessions()() as db:
        rows = db.execute(sa.select(User.id, User.display_name, User.district).where(
            User.role == role, User.active, User.region == region).order_by(User.display_name)).all()
    return [(user_id, name, district) for user_id, name, district in rows]


def levels_or_none(enrolment_ids: list[str]) -> dict[str, Any]:
    """{enrolment id: his level today} of a page of men, asked in one request; a man risk has not yet heard of
    (enrollment has just made his enrolment) is absent, and so is everyone while risk is away: shown as unknown."""
    if not enrolment_ids:
        return {}
    try:
        found = clients.risk.levels(enrolment_id=enrolment_ids)
    except ServiceError as error:
        if error.status >= 500:
            return {}
        raise
    return {str(level["enrolment_id"]): level for level in found["items"]}


def step_key(idem: str, step: str, body: Any) -> str:
    """One Idempotency-Key per form and per request made from it: a double tap replays the first answer, while a
    form corrected after an error is a new request (a key names exactly one request body)."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{idem}.{step}.{digest}"


INCIDENT_FIELDS = ("kind", "occurred_on", "severity", "details")


def incident_form() -> dict[str, str]:
    """The incident form's values: as sent, to show again; else empty, dated today."""
    if request.method == "POST":
        return {name: (request.form.get(name) or "").strip() for name in INCIDENT_FIELDS}
    return {"kind": "", "occurred_on": local_today().isoformat(), "severity": "", "details": ""}


def send_incident(enrolment_id: uuid.UUID) -> tuple[Any, dict[str, str]]:
    """The incident form sent to risk: (its answer, {}), or (None, what risk refused, beside the form's fields)."""
    body, _none = read(IncidentForm(), request.form)  # risk says what is wrong with it, beside the field
    try:
        return clients.risk.report_incident(enrolment_id=enrolment_id, body=body,  # type: ignore[arg-type]
                                            idempotency_key=step_key(form_key("idem"), "incident", body)), {}
    except ServiceError as error:
        if error.status != 422:
            raise
        return None, error.field_errors() or {"kind": error.detail or error.title}
