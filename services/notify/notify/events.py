"""What notify publishes (its contract is qadam_contracts.notify), and the events made from its rows."""

from __future__ import annotations

from qadam_contracts.notify import AlertAcknowledged

from .models import Notification

PUBLISHES = (AlertAcknowledged,)


def alerts_acknowledged(n: Notification, via: str) -> list[AlertAcknowledged]:
    """An acknowledged alert, one event per flag it carries (an episode's alert acknowledges every flag in it)."""
    if n.acknowledged_at is None or n.enrolment_id is None:
        raise ValueError(f"notification {n.id} is not an acknowledged alert about an enrolment")
    return [AlertAcknowledged(
        notification_id=n.id, flag_id=flag_id, enrolment_id=n.enrolment_id,
        participant_code=n.participant_code, user_id=n.user_id, responsibility=n.responsibility,
        acknowledged_at=n.acknowledged_at, via=via) for flag_id in n.flag_ids]
