"""The two programme templates Qadam ships (DOMAIN.md), editable per region once copied; their names and descriptions
are qadam_words' (the `vocabulary` domain), so every service says them in the reader's language."""

from __future__ import annotations

from typing import Any

from qadam_words.vocabulary import PROGRAMME_TEMPLATES

EXIT_REVIEW_TOPIC = PROGRAMME_TEMPLATES["statutory"].topics[-1]  # "Exit review and safety plan"


def _curriculum(topics: list[str], *, exit_review_last: bool = False) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"number": i + 1, "topic": topic} for i, topic in enumerate(topics)]
    if exit_review_last:
        items[-1]["exit_review"] = True  # he is not completed until it is recorded as attended
    return items


STATUTORY = {
    "key": "statutory",
    # its words, in every language, are kept once for every service (qadam_words.vocabulary)
    "name": PROGRAMME_TEMPLATES["statutory"].name,
    "description": PROGRAMME_TEMPLATES["statutory"].description,
    "curriculum": _curriculum(list(PROGRAMME_TEMPLATES["statutory"].topics), exit_review_last=True),
    "sessions_per_week": 2,
    "session_minutes": 90,
    "completion_attendance_percent": 75,
    "max_unexcused_absences": 2,
    "max_consecutive_absences": 2,
    "alert_unexcused_absences": 2,  # the second unexcused absence in all alerts his inspector
    "alert_consecutive_absences": 2,
    "absence_call_hours": 48,  # the first starts the psychologist's call
    "makeup_sessions_count": True,
    "follow_up_months": 3,
    "review_at_session": None,
    "group_size_min": 1,
    "group_size_max": 12,
    "facilitators_per_group": 1,
}

EXTENDED = {
    "key": "extended_group",
    "name": PROGRAMME_TEMPLATES["extended_group"].name,
    "description": PROGRAMME_TEMPLATES["extended_group"].description,
    "curriculum": _curriculum(list(PROGRAMME_TEMPLATES["extended_group"].topics)),
    "sessions_per_week": 1,
    "session_minutes": 120,
    "completion_attendance_percent": 85,
    "max_unexcused_absences": 2,
    "max_consecutive_absences": 1,
    "alert_unexcused_absences": 3,
    "alert_consecutive_absences": 2,  # two in a row
    "absence_call_hours": 48,
    "makeup_sessions_count": False,
    "follow_up_months": 6,
    "review_at_session": 12,
    "group_size_min": 8,
    "group_size_max": 12,
    "facilitators_per_group": 2,
}

TEMPLATES = {t["key"]: t for t in (STATUTORY, EXTENDED)}
