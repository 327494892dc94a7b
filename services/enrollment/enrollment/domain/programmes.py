"""The two programme templates Qadam ships (DOMAIN.md), editable per region once copied."""

from __future__ import annotations

from typing import Any

EXIT_REVIEW_TOPIC = "Exit review and safety plan"


def _curriculum(topics: list[str], *, exit_review_last: bool = False) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"number": i + 1, "topic": topic} for i, topic in enumerate(topics)]
    if exit_review_last:
        items[-1]["exit_review"] = True  # he is not completed until it is recorded as attended
    return items


STATUTORY = {
    "key": "statutory",
    "name": "Statutory correction programme (Uzbekistan)",
    "description": ("The programme written into a protection order since Resolution No. 441 (2025): an individual "
                    "plan agreed with the Inson centre within two working days of the order, about a month of "
                    "psychological correction. One unexcused absence: the psychologist calls within 48 hours; "
                    "two: the inspector is alerted. Completion at 75% attendance or more plus an exit review."),
    "curriculum": _curriculum([
        "Intake and individual plan", "Responsibility for violence", "Anger and stress: recognising the signs",
        "Power and control in the family", "Effects of violence on women and children",
        "Communication without violence", "Alcohol, drugs and violence", EXIT_REVIEW_TOPIC], exit_review_last=True),
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
    "name": "Extended group programme",
    "description": ("24 weekly two-hour group sessions for 8-12 men with two facilitators, reviewed at session "
                    "12. Three unexcused absences in all, or two in a row, propose exit."),
    "curriculum": _curriculum([
        "Welcome and group agreement", "What counts as violence", "Responsibility and excuses",
        "Power and control", "Jealousy and controlling behaviour", "Anger: body signals and time-out",
        "Stress, work and money", "Alcohol and drugs", "Respectful communication", "Listening",
        "Conflict without violence", "Mid-programme review", "Effects on children", "Fathering",
        "Women's rights and the law", "Protection orders and what they require", "Sexual respect",
        "Family and in-laws", "Separation and divorce without violence", "Relapse: warning signs",
        "Making amends", "Safety and future plans", "Looking back", "Closing review"]),
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
