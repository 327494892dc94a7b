"""Enrollment's pure rules: participant codes, PINFL, enrolment states. No I/O."""

from __future__ import annotations

import re
from enum import StrEnum

from qadam.names import fold

PINFL = re.compile(r"^\d{14}$")


def participant_code(year: int, number: int) -> str:
    """The pseudonymous code every other service and every message uses instead of a name."""
    if not 1 <= number <= 999_999:
        raise ValueError(f"participant number {number} does not fit the six digits of a code")
    return f"P-{year:04d}-{number:06d}"


def pinfl_problem(value: str) -> str | None:
    """Why `value` is not a PINFL (personal identification number: 14 digits), or None if it is one."""
    if not PINFL.match(value):
        return "A PINFL is exactly 14 digits (the personal identification number on the passport or ID card)."
    if value[0] not in "1234567":
        # The first digit encodes sex and century of birth (1-6; 7 is reserved for foreign citizens).
        return "A PINFL starts with 1 to 7 (its first digit encodes sex and century of birth)."
    return None


class EnrolmentStatus(StrEnum):
    """The states of DOMAIN.md; the full lifecycle (transitions, reasons) is enrollment's next step."""

    REFERRED = "referred"
    ASSESSED = "assessed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    EXITED = "exited"


INITIAL_STATUS_ON_ENROLMENT = EnrolmentStatus.ACTIVE


class Language(StrEnum):
    """The languages a participant can be spoken to in: the contracts' LANGUAGES (tests/unit/test_domain.py)."""

    UZ_LATN = "uz-Latn"
    UZ_CYRL = "uz-Cyrl"
    RU = "ru"
    KAA = "kaa"
    KAA_CYRL = "kaa-Cyrl"
    EN = "en"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


def name_key(full_name: str) -> str:
    """The form of a name duplicates and searches compare (qadam.names.fold): "Ǵayrat Ańsatov", "Gayrat Ansatov",
    "Ғайрат Аңсатов" and "Ғайрат Ансатов" meet on one key. Only for comparison: the name is stored as typed."""
    return fold(full_name)
