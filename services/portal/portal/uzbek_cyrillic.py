"""Uzbek in Latin script written in Cyrillic script, as the Uzbek orthographies (Cyrillic 1956, Latin 1995) pair
them: the portal's Uzbek Cyrillic catalogues are made from the Latin ones with it, and staff search looks for a name
in both scripts with it.

The letters map one way almost everywhere (sh ш, ch ч, oʻ ў, gʻ ғ, q қ, h ҳ, x х, j ж, ʼ ъ; yo ё, yu ю, ya я, ye е;
e is э at a word's start and after a vowel, е elsewhere). What the Latin spelling loses, it cannot give back by
rule: loanwords from Russian write ц where Latin has s or ts (aksiya акция, politsiya полиция), ь and ъ where it
has nothing or y (oktabr октябрь, kompyuter компьютер, obyekt объект), я where it has a (sentabr сентябрь). Those
come from EXCEPTIONS, a stem each, consulted before the rules; ts before i and a vowel (the -tsiya, -tsion, -tsiyent
of loanwords) is ц by rule, since no Uzbek suffix makes that sequence. A soft sign that ends a word is not written
before a suffix (aprel апрель, apreldan апрелдан), as the Cyrillic orthography has it.
"""

from __future__ import annotations

import re

from .scripts import cased, convert, exception_stem

# Latin stem (lower case, with ʻ after o and g and ʼ for the apostrophe) → its Cyrillic; the rest of the word follows
# the rules. Each is a word as the Uzbek Cyrillic dictionaries and official texts write it.
EXCEPTIONS: dict[str, str] = {
    # the months (mart, may, avgust need nothing)
    "yanvar": "январь", "fevral": "февраль", "aprel": "апрель", "iyun": "июнь", "iyul": "июль",
    "sentabr": "сентябрь", "oktabr": "октябрь", "noyabr": "ноябрь", "dekabr": "декабрь",
    # a soft sign in a loanword
    "albom": "альбом", "avtomobil": "автомобиль", "fakultet": "факультет", "film": "фильм", "filtr": "фильтр",
    "kontrol": "контроль", "konsult": "консульт", "medal": "медаль", "mebel": "мебель", "model": "модель",
    "modul": "модуль", "parol": "пароль", "persentil": "перцентиль", "portfel": "портфель", "rol": "роль",
    "kompyuter": "компьютер", "intervyu": "интервью", "premyera": "премьера", "pavilyon": "павильон",
    "batalyon": "батальон", "panel": "панель", "budjet": "бюджет", "stajor": "стажёр",
    # a hard sign in a loanword
    "obyekt": "объект", "subyekt": "субъект", "inyeksiya": "инъекция", "inʼyeksiya": "инъекция", "syezd": "съезд",
    # й and о, not ё
    "rayon": "район", "mayor": "майор",
    # ц written s (after a consonant, at a word's start) or ts (before e)
    "aksiya": "акция", "distansiya": "дистанция", "fransiya": "франция", "fransuz": "француз",
    "fraksiya": "фракция", "funksiya": "функция", "funksional": "функционал", "infeksiya": "инфекция",
    "inspeksiya": "инспекция", "instruksiya": "инструкция", "kompetensiya": "компетенция",
    "konferensiya": "конференция", "konstruksiya": "конструкция", "korreksiya": "коррекция",
    "korreksion": "коррекцион", "kvitansiya": "квитанция", "leksiya": "лекция", "reaksiya": "реакция",
    "rezidensiya": "резиденция", "sanksiya": "санкция", "seksiya": "секция", "stansiya": "станция",
    "tendensiya": "тенденция", "konsepsiya": "концепция", "litsenziya": "лицензия", "litsey": "лицей",
    "aksent": "акцент", "dotsent": "доцент", "konsentr": "концентр", "konsert": "концерт", "ofitser": "офицер",
    "prinsip": "принцип", "protsedura": "процедура", "protsent": "процент", "protsess": "процесс", "sement": "цемент",
    "sentr": "центр", "sikl": "цикл", "silindr": "цилиндр", "sitata": "цитата",
}
# abbreviations written in capitals that are Uzbek words, not codes (codes stay as they are)
ABBREVIATIONS: dict[str, str] = {"JSHSHIR": "ЖШШИР"}

# what stays as written: placeholders, markup, entities, addresses, codes in capitals, names of products
_WORD = re.compile(r"[A-Za-zʻʼ'’‘`]+")
_CODE_AND_SUFFIX = re.compile(r"([A-Z]{2,})(-?)([a-zʻʼ'’‘`]+)")  # QR-kodni, SMSlar: the code kept, the Uzbek not
_APOSTROPHES = "ʻʼ'’‘`"
_VOWELS = "aeiou"
# at one place in a word: the longest Latin that starts there → its Cyrillic
_PAIRS = [("sʼh", "сҳ"),  # Isʼhoq Исҳоқ: the apostrophe parts s from h
          ("yoʻ", "йў"), ("yo", "ё"), ("yu", "ю"), ("ya", "я"), ("ye", "е"), ("sh", "ш"), ("ch", "ч"),
          ("oʻ", "ў"), ("gʻ", "ғ")]
_CYRILLIC = dict(_PAIRS)
_SINGLE = dict(zip("abcdfghijklmnopqrstuvwxyzʼ", "абцдфгҳижклмнопқрстуввхйзъ", strict=True))
_LOANWORD_TS = re.compile(r"ts(?=i[aoy])")  # politsiya, operatsion, patsiyent, sotsial


def _normalized(word: str) -> str:
    """`word` in lower case with its apostrophes written one way: ʻ after o and g (whatever mark was typed for it, but
    ʼ), ʼ elsewhere; one character for one, so that its places are the word's."""
    out: list[str] = []
    for i, ch in enumerate(word.lower()):
        if ch in _APOSTROPHES:
            ch = "ʻ" if i > 0 and out[-1] in "og" and ch != "ʼ" else "ʼ"
        out.append(ch)
    return "".join(out)


def _word(word: str) -> str:
    low = _normalized(word)
    out: list[str] = []
    i = 0
    stem = exception_stem(low, EXCEPTIONS)
    if stem is not None:
        cyrillic = EXCEPTIONS[stem]
        if len(low) > len(stem) and cyrillic.endswith("ь"):  # aprel, apreldan
            cyrillic = cyrillic[:-1]
        out.append(cased(cyrillic, word))
        i = len(stem)
    while i < len(low):
        start = i
        cyr: str | None = None
        if low.startswith("ts", i) and (i == 0 or _LOANWORD_TS.match(low, i)):
            cyr, i = "ц", i + 2
        else:
            latin = next((latin for latin, _c in _PAIRS if low.startswith(latin, i)), None)
            if latin is not None:
                cyr, i = _CYRILLIC[latin], i + len(latin)
        if cyr is None:
            ch = low[i]
            i += 1
            if ch == "e":
                cyr = "э" if start == 0 or low[start - 1] in _VOWELS else "е"
            elif ch == "ʼ" and (start == 0 or (i == len(low) and word[start] != "ʼ")):
                cyr = word[start]  # a quotation mark before or after the word, not the letter
            else:
                cyr = _SINGLE.get(ch, word[start])
        out.append(cased(cyr, word[start]))
    return "".join(out)


def to_cyrillic(text: str) -> str:
    """Uzbek in Latin script, as Uzbek in Cyrillic: placeholders, markup, codes and names of things kept."""
    return convert(text, word=_word, words=_WORD, code_and_suffix=_CODE_AND_SUFFIX, abbreviations=ABBREVIATIONS)
