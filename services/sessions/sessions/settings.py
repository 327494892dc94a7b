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
    on_time_days: int = setting(
        "QADAM_FIDELITY_ON_TIME_DAYS", 0,
        "programme fidelity: a session held this many days or fewer before or after the day it was planned for still "
        "counts as held on time (0: on that day).")
    recorded_within_hours: int = setting(
        "QADAM_FIDELITY_RECORDED_WITHIN_HOURS", 48,
        "programme fidelity: a session's attendance counts as recorded in time when it was entered within this many "
        "hours of the session's end (its start plus its programme's session length).")
