"""Events enrollment consumes: none yet. It is the source of enrolments, not a follower of others."""

from __future__ import annotations

from qadam.config import Settings
from qadam.inbox import Handler


def handlers(settings: Settings) -> dict[str, Handler]:
    return {}
