"""risk's own settings, over the kit's (`qadam.config.Settings`): what only risk reads."""

from __future__ import annotations

from dataclasses import dataclass

from qadam.config import Settings, setting


@dataclass(frozen=True)
class RiskSettings(Settings):
    """What a risk process reads: the kit's settings, and these."""

    risk_recompute_poll_seconds: float = setting(
        "QADAM_RISK_RECOMPUTE_POLL_SECONDS", 5.0,
        "how often the worker looks for a requested recompute (after the rules change, or asked for).")
    risk_sweep_hours: float = setting(
        "QADAM_RISK_SWEEP_HOURS", 24.0,
        "how often every open enrolment is re-evaluated anyway, for the rules that read the calendar "
        "(an assessment falling due); 0 turns the sweep off.")
    risk_recompute_chunk: int = setting(
        "QADAM_RISK_RECOMPUTE_CHUNK", 1000, "enrolments evaluated in one transaction of a recompute.")
    incident_details_max: int = setting(
        "QADAM_RISK_INCIDENT_DETAILS_MAX", 4000, "longest incident details accepted, in characters.")
