"""What notify does with the events it consumes: alert the people a flag names, and her support worker when his risk rises."""

from __future__ import annotations

import uuid
from functools import partial

import sqlalchemy as sa
from qadam.config import Settings
from qadam.events import Event
from qadam.inbox import Handler
from qadam.log import current_correlation_id, get_logger
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .domain import (
    Recipient,
    alert_link,
    alert_summary,
    flag_recipients,
    level_rise_reason,
    level_rise_recipient,
)
from .models import Contact, Delivery, Notification

log = get_logger(__name__)


def on_flag_raised(session: Session, event: Event, *, settings: Settings) -> None:
    d = event.data
    # The flag names who answers for the enrolment as risk knew it when raising it: no waiting on a projection.
    for recipient in flag_recipients(d["inspector_id"], d["psychologist_id"]):
        _notify(session, event, settings, recipient, flag_id=d["flag_id"], level=d["level"], reasons=d["reasons"])


def on_level_changed(session: Session, event: Event, *, settings: Settings) -> None:
    """His risk rose to a level where the victim may need protecting: her support worker is told (a code and the
    level, nothing of the sessions). The inspector and psychologist already had the flag that moved it."""
    d = event.data
    recipient = level_rise_recipient(d["from_level"], d["level"], d.get("victim_support_worker_id"))
    if recipient is None or not d["flag_ids"]:
        return
    _notify(session, event, settings, recipient, flag_id=d["flag_ids"][0], level=d["level"],
            reasons=[level_rise_reason(d["participant_code"], d["from_level"], d["level"])])


def _notify(session: Session, event: Event, settings: Settings, recipient: Recipient, *, flag_id: object, level: str,
            reasons: list[str]) -> None:
    d = event.data
    notification_id = uuid.uuid4()
    created = session.execute(
        insert(Notification).values(
            id=notification_id, user_id=recipient.user_id, responsibility=recipient.responsibility,
            source_event_id=event.id, flag_id=flag_id, enrolment_id=d["enrolment_id"],
            participant_code=d["participant_code"], level=level,
            summary=alert_summary(d["participant_code"], level, reasons), reasons=reasons,
            link=alert_link(settings.portal_url, str(notification_id)),
            region=d["region"], district=d["district"],
        ).on_conflict_do_nothing(constraint="uq_notification_flag_user").returning(Notification.id)
    ).scalar()
    if created is None:
        return  # this flag reached this person already (the same flag raised in another event)
    email = session.execute(sa.select(Contact.email).where(Contact.user_id == recipient.user_id)).scalar()
    session.add(Delivery(
        notification_id=created, channel="email", address=email,
        status="pending" if email else "skipped",
        last_error=None if email else "no e-mail address on file for this user",
        correlation_id=current_correlation_id(),
    ))
    log.info("notification_created", notification_id=str(created), user_id=recipient.user_id,
             responsibility=recipient.responsibility, email="pending" if email else "skipped")


def handlers(settings: Settings) -> dict[str, Handler]:
    return {
        "risk.flag.raised": partial(on_flag_raised, settings=settings),
        "risk.level.changed": partial(on_level_changed, settings=settings),
    }
