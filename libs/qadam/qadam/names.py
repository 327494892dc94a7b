"""Names and places as people type them: one folded form to compare spellings, and the characters refused.

A man's name is written in Uzbek Latin (Oʻtkir), Uzbek Cyrillic (Ўткир), Karakalpak Latin (Ǵayrat Ańsatov),
Karakalpak Cyrillic (Ғайрат Аңсатов), Russian-style transliteration (Khojayev) or plain ASCII with a typewriter
apostrophe (O'tkir). `fold` maps all of them to one key for comparison only: what was typed is stored as typed
(NFC), ʻ and ʼ included. The same function compares place names (Xo'jeli and Xoʻjeli are one district).

Pure functions; no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Uzbek and Karakalpak Cyrillic (and the Russian letters beside them) to Latin, lower case only (fold casefolds
# first). Karakalpak letters go to the plain Latin letter their Karakalpak Latin form carries a mark on
# (ә → á → a, ң → ń → n, ө → ó → o, ү → ú → u); ў is Uzbek oʻ and Karakalpak w, so Latin w folds to o as well
# (Uzbek Latin has no w: Дәўлетбай, Dáwletbay and Ўткир, Oʻtkir meet).
CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h", "һ": "h", "ң": "n", "ә": "a",
    "ө": "o", "ү": "u", "ұ": "u", "і": "i",
}
# Uzbek ʻ (oʻ, gʻ) and ʼ (the glottal stop), and what keyboards put in their place.
APOSTROPHES = "ʻʼ'`‘’ʹ´"
_DROP = dict.fromkeys(map(ord, APOSTROPHES), None)
# Zero-width and joining characters, the soft hyphen and the bidirectional controls: invisible in a name, and
# what makes two equal-looking names different strings. (Any other format character, Unicode category Cf, too.)
INVISIBLE = frozenset("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                      "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt: drawn as nothing at all), which holds the
# Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the combining grapheme joiner (U+034F) and the variation
# selectors; and the braille blank (U+2800), which is not ignorable but looks like a space.
DEFAULT_IGNORABLE = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                     (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
                     (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
                     (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
BLANK_LOOKALIKES = frozenset("\u2800")


def _ignorable(ch: str) -> bool:
    code = ord(ch)
    return ch in BLANK_LOOKALIKES or any(low <= code <= high for low, high in DEFAULT_IGNORABLE)


# An e at a word's start or after a vowel is "ye" in one spelling and "e" in another: Uzbek Cyrillic Е and Latin
# Ye (Ерғаш, Yergash), Karakalpak Cyrillic Е and Latin E (Ерназаров, Ernazarov), Russian-style Aliev and Uzbek
# Aliyev. Both sides are read as "ye" there (e not after another letter, other than a vowel).
_E_SOUNDED_YE = re.compile(r"(?<![^\Waeiou])e")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The key two spellings of one name (or place) share: NFKC, case folded, Cyrillic transliterated to Latin,
    Karakalpak and other marked letters to their plain letter, apostrophes and look-alikes dropped, kh read as x
    (the Russian-style spelling of Uzbek x), w as o (Karakalpak ў), e at a word's start or after a vowel as ye,
    spaces collapsed. For comparison only, never for display."""
    text = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    latin = "".join(CYRILLIC_TO_LATIN.get(ch, ch) for ch in text)
    # Now all Latin: drop the marks of Karakalpak (á ǵ í ń ó ú) and any other accented letter; ı is i.
    decomposed = unicodedata.normalize("NFKD", latin.replace("ı", "i"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.translate(_DROP).replace("kh", "x").replace("w", "o")
    return _E_SOUNDED_YE.sub("ye", plain)


def same_place(a: str | None, b: str | None) -> bool:
    """Whether two names of a region, district or mahalla are one place however they were typed."""
    if a is None or b is None:
        return a is b
    return a == b or fold(a) == fold(b)


def invisible_characters(text: str) -> list[tuple[int, str]]:
    """The characters a name may not hold, as (position counted from 1, Unicode name): invisible ones (zero-width
    spaces and joiners, the soft hyphen, bidirectional controls, any other format character, every default
    ignorable code point such as the Hangul fillers, and the braille blank), control characters, and fullwidth or
    halfwidth forms (Ａ for A), which look like ordinary letters and are not."""
    found = []
    for position, ch in enumerate(text, 1):
        category = unicodedata.category(ch)
        if ch in INVISIBLE or category in ("Cf", "Cc") or "\uff00" <= ch <= "\uffef" or _ignorable(ch):
            found.append((position, unicodedata.name(ch, f"U+{ord(ch):04X}")))
    return found


def name_problem(text: str) -> str | None:
    """Why `text` cannot be stored as a name (the first character refused, and where), or None."""
    refused = invisible_characters(text)
    if not refused:
        return None
    position, what = refused[0]
    more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
    return (f"Character {position} is {what}, which is invisible or only looks like an ordinary letter{more}; "
            "type the name again without it.")


def stored_form(text: str) -> str:
    """A name as it is stored: exactly as typed, in Unicode's composed form (NFC), so that the same letters typed
    on two keyboards are the same string; ʻ and ʼ stay as they are."""
    return unicodedata.normalize("NFC", text)
