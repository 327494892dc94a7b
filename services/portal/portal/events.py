"""What the portal publishes (its contract is qadam_contracts.portal), and the events made from its rows."""

from __future__ import annotations

from qadam_contracts.portal import AreaChanged, UserChanged
from qadam_contracts.vocabulary import LANGUAGES

from .models import User

PUBLISHES = (UserChanged, AreaChanged)


def user_changed(user: User) -> UserChanged:
    """A staff member as the portal knows them now (their quiet hours as HH:MM, a language Qadam speaks)."""
    quiet = ({"start": user.quiet_start.strftime("%H:%M"), "end": user.quiet_end.strftime("%H:%M")}
             if user.quiet_start and user.quiet_end else None)
    return UserChanged(
        user_id=user.id, role=user.role, region=user.region, district=user.district, mahalla=user.mahalla,
        email=user.email, phone=user.phone, telegram_chat_id=user.telegram_chat_id,
        language=user.language if user.language in LANGUAGES else "uz-Latn", supervisor_id=user.supervisor_id,
        quiet_hours=quiet, active=user.active, version=user.version)


def area_changed(region: str, district: str, mahallas: list[str], version: int) -> AreaChanged:
    """A district in use as the portal knows it now."""
    return AreaChanged(region=region, district=district, mahallas=mahallas, active=True, version=version)
