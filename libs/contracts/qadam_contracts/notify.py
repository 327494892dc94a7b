"""notify's published events: a person acknowledged an alert."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from marshmallow import validate
from qadam.events import EventData, detail

from .vocabulary import PARTICIPANT_CODE

PRODUCER = "notify"


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertAcknowledged(EventData):
    """A person acknowledged an alert about a flag in notify (through the API or the signed link in a message)."""

    TYPE = "notify.alert.acknowledged"
    PRODUCER = PRODUCER
    SUMMARY = ("A person acknowledged an alert about a flag (in the app or through the link in a message): risk "
               "marks the flag.")

    notification_id: uuid.UUID
    flag_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    user_id: str
    responsibility: str
    acknowledged_at: datetime
    via: str = detail(validate=validate.OneOf(("api", "link")))


EVENTS: tuple[type[EventData], ...] = (AlertAcknowledged,)
