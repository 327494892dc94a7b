"""What the two Latin-to-Cyrillic conversions (Uzbek, Karakalpak) share: what is kept as it is written, and how a
text is taken apart into words to convert and pieces to keep."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

# placeholders, markup, entities, links, e-mail addresses, codes and the names of things are not words to convert
KEEP = re.compile(r"(%\([A-Za-z0-9_]+\)[sd]|%%|<[^>]+>|&[a-z]+;|\{[^}]*\}|https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|"
                  r"[A-Z]{2,}[\w-]*|\bQadam\b|\b[Ee]-?mail\b|\bExcel\b|\bTelegram\b|\bGoogle\b|\bMicrosoft\b|"
                  r"\bAuthenticator\b|\bFreeOTP\b)")


def cased(cyrillic: str, latin: str) -> str:
    """The Cyrillic written with a capital where the Latin word began with one."""
    return cyrillic[0].upper() + cyrillic[1:] if cyrillic and latin[:1].isupper() else cyrillic


def exception_stem(word: str, exceptions: Mapping[str, str]) -> str | None:
    """The longest stem of the exception list that the (lower-case) word starts with."""
    return max((stem for stem in exceptions if word.startswith(stem)), key=len, default=None)


def convert(text: str, *, word: Callable[[str], str], words: re.Pattern[str], code_and_suffix: re.Pattern[str],
            abbreviations: Mapping[str, str]) -> str:
    """`text` with each word converted by `word`, what KEEP matches kept (an abbreviation written in its Cyrillic
    form), and a code with a suffix of the language (QR-kodni) kept with its suffix converted."""
    parts = KEEP.split(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 1:
            suffixed = code_and_suffix.fullmatch(part)
            if suffixed:
                code, hyphen, rest = suffixed.groups()
                out.append(abbreviations.get(code, code) + hyphen + word(rest))
            else:
                out.append(abbreviations.get(part, part))
            continue
        out.append(words.sub(lambda m: word(m.group(0)), part))
    return "".join(out)
