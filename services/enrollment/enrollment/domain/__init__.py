"""Enrollment's pure rules: participant codes, PINFL, enrolment states. No I/O."""

from __future__ import annotations

import re
from enum import StrEnum

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
    UZ_LATN = "uz-Latn"
    UZ_CYRL = "uz-Cyrl"
    RU = "ru"
    KAA = "kaa"
    EN = "en"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


# Uzbek Cyrillic (and Russian) letters to the Uzbek Latin alphabet, for comparing names spelt in either script.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h", "ң": "ng", "ә": "a", "ө": "o",
    "ү": "u", "ı": "i",
}
_APOSTROPHES = dict.fromkeys(map(ord, "ʻʼ'`‘’ʹ"), None)


def name_key(full_name: str) -> str:
    """A form of a name for finding the same person typed in another script or spelling.

    Only for comparison: the name itself is stored exactly as typed. "Oʻtkir Xoʻjayev", "O'tkir Xojayev",
    "Ўткир Хўжаев" and "Otkir Khojayev" (kh, as Russian-style transliteration writes x) meet on the same key.
    """
    text = " ".join(full_name.casefold().split())
    out = []
    for i, ch in enumerate(text):
        # Cyrillic е is "ye" at the start of a word and after a vowel (Хўжаев: Xoʻjayev), "e" elsewhere.
        if ch == "е" and (i == 0 or text[i - 1] in " аеёиоуўэюяaeiou"):
            out.append("ye")
        else:
            out.append(_CYRILLIC.get(ch, ch))
    return "".join(out).translate(_APOSTROPHES).replace("kh", "x")
