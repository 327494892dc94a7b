"""Signed acknowledgement links: a message carries a link that acknowledges its alert without signing in.

The token names the notification and when the link stops working, signed with HMAC-SHA256 under a key derived from
the sealing keys (the newest signs, any verifies, so a rotation does not break links already sent). It proves the
holder received the message; it acknowledges that one alert and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime

PURPOSE = "qadam notify ack-link v1"


class BadLink(ValueError):
    pass


def sign(key: bytes, notification_id: uuid.UUID, expires: datetime) -> str:
    payload = f"{notification_id}.{int(expires.timestamp())}"
    return f"{payload}.{_mac(key, payload)}"


def verify(keys: list[bytes], token: str, now: datetime) -> uuid.UUID:
    """The notification a token acknowledges; BadLink if it is forged, malformed or expired."""
    try:
        notification, expires, mac = token.split(".")
        notification_id = uuid.UUID(notification)
        until = int(expires)
    except ValueError:
        raise BadLink("This link is not a Qadam acknowledgement link.") from None
    payload = f"{notification}.{expires}"
    if not any(hmac.compare_digest(mac, _mac(key, payload)) for key in keys):
        raise BadLink("This link is not a Qadam acknowledgement link.")
    if now.timestamp() > until:
        raise BadLink("This link has expired: acknowledge the alert in Qadam instead.")
    return notification_id


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()
