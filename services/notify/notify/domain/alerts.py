"""What one flag, or a rise of his level, makes: its subject (one notification per person and subject), its level
and its words."""

from __future__ import annotations

from qadam_contracts.vocabulary import level_rank

LEVEL_WORDS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "CRITICAL"}


def level_rise_reason(participant_code: str, from_level: str, level: str) -> str:
    return (f"The risk level of {participant_code}, whose partner you support, rose from {from_level} to {level}. "
            "Check on her safety plan.")


def alert_summary(participant_code: str, level: str, reasons: list[str]) -> str:
    return f"{LEVEL_WORDS.get(level, level)} risk flag for {participant_code}: {reasons[0]}"


def alert_link(portal_url: str, notification_id: str) -> str:
    return f"{portal_url.rstrip('/')}/alerts/{notification_id}"


def rose(from_level: str, level: str) -> bool:
    return level_rank(level) > level_rank(from_level)


def subject_of(flag_id: object, episode_id: object | None) -> str:
    """What one notification per person is about: the episode the flag belongs to, else the flag itself."""
    return f"episode:{episode_id}" if episode_id else f"flag:{flag_id}"


def higher(level: str, other: str) -> str:
    return other if level_rank(other) > level_rank(level) else level
