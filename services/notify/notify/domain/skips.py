"""Why nothing was sent over a channel, as a code (a skipped delivery's `skip_reason`): each reader says it in its
own language (the portal's alert page); notify writes no sentence for it."""

from __future__ import annotations

# notify has no address of that kind for the person (a channel of its own each, so an address that comes later
# revives exactly the deliveries it would have carried)
NO_ADDRESS = {"email": "no_email", "sms": "no_phone", "telegram": "no_telegram_chat"}
# the installation cannot send over the channel at all (an SMS gateway and a Telegram bot are optional)
NOT_SET_UP = {"sms": "sms_not_set_up", "telegram": "telegram_not_set_up"}
# a digest found no channel the person can be reached on: its alerts stay in the in-app inbox
NO_CHANNEL = "no_address"
SKIP_REASONS = (*NO_ADDRESS.values(), *NOT_SET_UP.values(), NO_CHANNEL)


def skip_reason(channel: str, *, address: str | None, set_up: bool) -> str | None:
    """Why a message over `channel` cannot go (None: it can): no address for it comes first, as the person can
    give one; then a channel this installation does not send over."""
    if not address:
        return NO_ADDRESS[channel]
    if not set_up:
        return NOT_SET_UP.get(channel, f"{channel}_not_set_up")
    return None
