"""sessions' own settings, over the kit's (`qadam.config.Settings`): what only sessions reads."""

from __future__ import annotations

from dataclasses import dataclass

from qadam.config import Settings, setting


@dataclass(frozen=True)
class SessionsSettings(Settings):
    """What a sessions process reads: the kit's settings, and these."""

    call_scan_seconds: float = setting(
        "QADAM_CALL_SCAN_SECONDS", 60.0,
        "how often the worker looks for calls after an unexcused absence that are overdue (each is "
        "published once as `sessions.call.overdue`).")
