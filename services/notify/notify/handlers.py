"""What notify does with the events it consumes: alert the people a flag names."""

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

from .domain import alert_link, alert_summary, flag_recipients
from .models import Contact, Delivery, Notification

log = get_logger(__name__)


def on_flag_raised(session: Session, event: Event, *, settings: Settings) -> None:
    d = event.data
    # The flag names who answers for the enrolment as risk knew it when raising it: no waiting on a projection.
    for recipient in flag_recipients(d["inspector_id"], d["psychologist_id"]):
        notification_id = uuid.uuid4()
        created = session.execute(
            insert(Notification).values(
                id=notification_id, user_id=recipient.user_id, responsibility=recipient.responsibility,
                source_event_id=event.id, flag_id=d["flag_id"], enrolment_id=d["enrolment_id"],
                participant_code=d["participant_code"], level=d["level"],
                summary=alert_summary(d["participant_code"], d["level"], d["reasons"]), reasons=d["reasons"],
                link=alert_link(settings.portal_url, str(notification_id)),
                region=d["region"], district=d["district"],
            ).on_conflict_do_nothing(constraint="uq_notification_flag_user").returning(Notification.id)
        ).scalar()
        if created is None:
            continue  # this flag reached this person already (the same flag raised in another event)
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
    }
