"""The one wording perpetrator-facing staff get of what her support worker reported (DOMAIN.md, safety rules):
that victim support reported a safety concern, its date and its level; never that she disclosed it, never her words,
not even the kind of incident. Every flag reason, evidence, level cause and incident listing built from her reports
takes its words from here, so there is one place to check; a flag's reason is the `concern` code, rendered by
qadam_words.reasons."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from qadam_contracts.reasons import Reason, reason

VICTIM_SUPPORT = "victim_support"  # an incident's source, and a flag's, when her support worker reported it
# what a combining rule and a cluster call her report, and the topic under which it counts once
CONCERN = "a safety concern reported by victim support"
CONCERN_TOPIC = "victim_support"


def is_hers(source: str | None) -> bool:
    return source == VICTIM_SUPPORT


def concern_reason(reported_on: date, level: str | None) -> Reason:
    """A safety concern was reported by victim support on DATE, level X: as a code (`concern`) that carries the
    date and the level and nothing else, so no reader in any language can learn more from it."""
    return reason("concern", on=reported_on.isoformat(), level=level)


def concern_evidence(incident_id: str) -> dict[str, Any]:
    """What a flag keeps of her report: its id (the details stay sealed with her support worker) and its source."""
    return {"incident_id": incident_id, "source": VICTIM_SUPPORT, "topic": CONCERN_TOPIC}


def reported_on(reported_at: datetime | None, fallback: date, zone: tzinfo) -> date:
    """The day it was reported, as people where it happened read it."""
    return reported_at.astimezone(zone).date() if reported_at is not None else fallback


def incident_cause(kind: str, source: str) -> str:
    """What moved his level when an incident was reported (kept in the level's history, sent in risk.level.changed)."""
    return CONCERN if is_hers(source) else f"incident {kind}"
