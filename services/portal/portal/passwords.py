"""Whether a new password is too easy to guess: one of the passwords people use most, or one made of what a guesser
tries first (rows of the keyboard, runs like 1234 or abcd, a few characters repeated).

The list of common passwords ships with the portal (`defaults/common-passwords.txt`, its source at its top) and is
read from there: nothing is asked of the network. A password is common when it, or what is left of it once the
digits and symbols people put at its ends are taken off (`password12`, `!dragon2026`), or its letters read back
from the digits and symbols that stand for them (`p@ssw0rd`), is on the list.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

LIST = Path(__file__).parent / "defaults" / "common-passwords.txt"
# Of a password, at least this many characters must be ones a guesser could not foresee from those before them
# (see `unforeseen`): "1234567890" and "qwertyuiop" have 1, "abcabcabcabc" 3, "Nukus-tuproq-77" 12.
UNFORESEEN_MIN = 6
# The keyboards people type on here (US and Russian layouts, as typed without Shift): each row, and how far right of
# the top row it starts, in keys. Neighbouring keys, on a row or diagonally between rows (1-q, q-a, a-z), are a
# guesser's next try.
ROW_OFFSETS = (0.0, 1.5, 1.75, 2.25)
LAYOUTS = (("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./"),
           ("ё1234567890-=", "йцукенгшщзхъ\\", "фывапролджэ", "ячсмитьбю."))
# what people type for a letter, read back ("p@ssw0rd" -> "password")
LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t",
                      "+": "t", "8": "b", "9": "g"})
ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")  # digits and symbols at either end


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, lower case (lines starting with # are its header)."""
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    """Whether the password, or its core without the digits and symbols at its ends, or its letters read back from
    what stands for them, is one of the common passwords (a core of fewer than 4 characters is not judged)."""
    common = common_passwords()
    lowered = password.lower()
    core = ENDS.sub("", lowered)
    candidates = {lowered, lowered.translate(LEET), core, core.translate(LEET), ENDS.sub("", lowered.translate(LEET))}
    return any(c in common for c in candidates if len(c) >= 4)


def _neighbours(a: str, b: str) -> bool:
    """b follows a as a guesser expects: the same character, the next or previous one (1-2, c-b), or a key next
    to it on the keyboard."""
    if abs(ord(a) - ord(b)) <= 1:
        return True
    return any(b in keys for keys in _keys_around(a))


def _keys_around(char: str) -> list[str]:
    return [_around(layout, char) for layout in LAYOUTS]


@lru_cache(maxsize=512)
def _around(layout: tuple[str, ...], char: str) -> str:
    """The keys next to `char` on `layout` (none when it is not on it)."""
    for r, row in enumerate(layout):
        if char in row:
            x = row.index(char) + ROW_OFFSETS[r]
            return "".join(key for other in range(max(r - 1, 0), min(r + 2, len(layout)))
                           for i, key in enumerate(layout[other])
                           if abs(i + ROW_OFFSETS[other] - x) <= 1 and key != char)
    return ""


def unforeseen(password: str) -> int:
    """How many characters of the password a guesser could not foresee from those before it: neither a neighbour of
    the one before (see `_neighbours`) nor the second of two characters that came together before (`abcabc`: the
    second `abc` adds nothing but its `a`)."""
    text = password.lower()
    count = 0
    for i, char in enumerate(text):
        if i and _neighbours(text[i - 1], char):
            continue
        if i >= 2 and text[i - 1:i + 1] in text[:i]:
            continue
        count += 1
    return count


def too_predictable(password: str) -> bool:
    return unforeseen(password) < UNFORESEEN_MIN
