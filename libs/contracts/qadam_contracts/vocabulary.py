"""The words Qadam's services share, each defined once: risk levels, warning signs, languages, attendance
statuses, call outcomes, the participant's pseudonymous code."""

from __future__ import annotations

from enum import StrEnum

from marshmallow import validate

# A risk flag's or an enrolment's level, lowest first: the order is the meaning (a rise is a move to the right).
FLAG_LEVELS = ("low", "medium", "high", "critical")


def level_rank(level: str) -> int:
    """Where `level` stands among FLAG_LEVELS (low 0 … critical 3); a ValueError for a word that is not a level."""
    return FLAG_LEVELS.index(level)


# What an incident reported to risk is; what enrollment counts as a breach or a new complaint after a man left his
# programme is enrollment's own choice among them (its outcome report).
INCIDENT_KINDS = ("order_breach", "new_complaint", "police_callout", "arrest", "contact_with_victim", "stalking",
                  "victim_fear")
# An assessment with the risk instrument: at intake, or in review later.
ASSESSMENT_KINDS = ("intake", "review")




class AttendanceStatus(StrEnum):
    """What a mark says of a man at a session."""

    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"  # an excused absence, with its reason
    UNEXCUSED = "unexcused"


ATTENDANCE_STATUSES = tuple(status.value for status in AttendanceStatus)
SESSION_KINDS = ("group", "makeup", "intake", "individual")

# The dynamic warning signs of DOMAIN.md a facilitator can observe or hear of in a session (red first, then amber).
WARNING_SIGNS = (
    "new_violence_disclosed", "threat_to_kill", "threat_to_partner", "strangulation", "weapon_access",
    "contact_against_order", "stalking_victim", "intoxicated_at_session",
    "denial_or_minimisation", "blaming_the_victim", "controlling_behaviour", "escalation", "separation",
    "partner_pregnant_or_infant", "substance_use", "job_loss_or_debt", "child_contact_conflict", "suicidal_talk",
)
# The red ones (DOMAIN.md: alert at once; a man showing one is never completed without a person deciding).
RED_WARNING_SIGNS = frozenset((
    "new_violence_disclosed", "threat_to_kill", "threat_to_partner", "strangulation", "weapon_access",
    "contact_against_order", "stalking_victim",
))

# The standard conditions a protection order can carry (DOMAIN.md: it forbids contact with the victim and can restrict
# weapons; since Resolution No. 441 the correction programme is written into it), in the order an order lists them.
# Enrollment stores them as these codes and every reader says them in their own language; what else the inspector
# writes stays free text beside them.
ORDER_CONDITIONS = ("no_contact", "keep_away", "no_weapons", "correction_programme")

# The languages a person can read Qadam in (BCP 47; `kaa`: Karakalpak in Latin script, `kaa-Cyrl` in Cyrillic).
LANGUAGES = ("uz-Latn", "uz-Cyrl", "ru", "kaa", "kaa-Cyrl", "en")

# What came of the call his psychologist owes a participant after an unexcused absence.
CALL_OUTCOMES = ("reached", "no_answer", "unreachable", "refused")

# A participant everywhere but in enrollment: a pseudonymous code, never his name.
PARTICIPANT_CODE_PATTERN = r"^P-\d{4}-\d{6}$"
PARTICIPANT_CODE = validate.Regexp(PARTICIPANT_CODE_PATTERN, error="expected a code like P-2026-000123")
