"""The portal's published events: the staff and the areas as the identity provider knows them."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import validate
from qadam.events import EventData, JSONObject, detail

from .vocabulary import LANGUAGES

PRODUCER = "portal"


@dataclass(frozen=True, kw_only=True, slots=True)
class UserChanged(EventData):
    """A staff member as the portal (the identity provider) knows them now: role, area, how to reach them, whom they
    answer to. Published on every change, with its version; notify keeps its own copy."""

    TYPE = "portal.user.changed"
    PRODUCER = PRODUCER
    SUMMARY = ("A staff member was added or changed (role, area, contacts, language, supervisor, quiet hours, "
               "active).")

    user_id: str
    role: str
    region: str | None = None
    district: str | None = None
    mahalla: str | None = None
    email: str | None = None
    phone: str | None = detail(default=None, description="E.164, e.g. +998901234567.")
    telegram_chat_id: str | None = None
    language: str = detail(default="uz-Latn", validate=validate.OneOf(LANGUAGES))
    supervisor_id: str | None = detail(default=None, description=(
        "Whom an unacknowledged alert of theirs is escalated to."))
    quiet_hours: JSONObject | None = detail(default=None, description=(
        "{start: HH:MM, end: HH:MM} in local time: no messages but critical ones."))
    active: bool = True
    version: int = detail(description="Raised by every change of the user.")


@dataclass(frozen=True, kw_only=True, slots=True)
class AreaChanged(EventData):
    """A district as the portal knows it now: its region, its mahallas, whether it is in use; with its version."""

    TYPE = "portal.area.changed"
    PRODUCER = PRODUCER
    SUMMARY = ("A district was added to a region or changed (its mahallas): the district as the portal knows it "
               "now.")

    region: str
    district: str
    mahallas: list[str] = detail(default_factory=list)
    active: bool = True
    version: int = detail(description="Raised by every change of the district.")


EVENTS: tuple[type[EventData], ...] = (UserChanged, AreaChanged)
