"""Karakalpak in the Latin alphabet of 2016 (the one used in Nukus: á, ó, ú, ı, ǵ, ń, w) written in the Cyrillic
alphabet Karakalpakstan still reads much of its paper in: the portal's Karakalpak Cyrillic catalogues are made from
the Latin ones with it, and notify's and risk's Karakalpak Cyrillic texts were made with it once and frozen.

Letters map one to one (á ә, ó ө, ú ү, ı ы, ǵ ғ, ń ң, w ў, q қ, h ҳ, x х, j ж, c ц, y й; sh ш, ch ч), and y before
a, o, u is я, ё, ю at a word's start and after a vowel (wálayat ўәлаят, uyashıq уяшық). A native word that starts
with e writes е (eki еки, erkek еркек, ekshembi екшемби, as CLDR's Karakalpak writes its weekdays); э is a Russian
loanword's (elektron электрон) and follows a vowel (poeziya поэзия). What the Latin spelling loses it cannot give
back by rule: loanwords from Russian keep their Russian spelling (rayon район, sentyabr сентябрь, parol пароль,
menyu меню); those come from EXCEPTIONS, a stem each, consulted before the rules. A soft sign that ends a stem is
kept before a suffix that starts with a consonant (paroldi парольди) and not before one that starts with a vowel
(paroli пароли), as in Russian's own endings.
"""

from __future__ import annotations

import re

from .scripts import cased, convert, exception_stem

# Latin stem (lower case) → its Cyrillic; the rest of the word follows the rules.
EXCEPTIONS: dict[str, str] = {
    # the months (mart, may, avgust need nothing)
    "yanvar": "январь", "fevral": "февраль", "aprel": "апрель", "iyun": "июнь", "iyul": "июль",
    "sentyabr": "сентябрь", "oktyabr": "октябрь", "noyabr": "ноябрь", "dekabr": "декабрь",
    # a soft sign in a loanword
    "parol": "пароль", "rol": "роль", "modul": "модуль", "panel": "панель", "filtr": "фильтр",
    "procentil": "процентиль", "persentil": "перцентиль", "kontrol": "контроль", "model": "модель",
    "film": "фильм", "albom": "альбом", "avtomobil": "автомобиль", "portfel": "портфель",
    "kompyuter": "компьютер", "intervyu": "интервью", "menyu": "меню", "byudjet": "бюджет", "budjet": "бюджет",
    # a hard sign in a loanword
    "obyekt": "объект", "subyekt": "субъект", "inyekciya": "инъекция",
    # й and о, not ё
    "rayon": "район", "mayor": "майор",
    # э at the start of a loanword (a native word writes е there)
    "elektron": "электрон", "ekran": "экран", "ekonom": "эконом", "eksport": "экспорт", "ekspert": "эксперт",
    "etaj": "этаж", "evakuaciya": "эвакуация", "emocional": "эмоционал", "emociya": "эмоция",
    # дж where the Latin writes j alone
    "menejer": "менеджер",
    # ye after a vowel written е, as in Uzbek (qayerde қаерде)
    "qayer": "қаер",
    # names of rivers and the places named after them: я after a consonant (Әмиўдәрья), not йа
    "ámiwdárya": "әмиўдәрья", "qashqadárya": "қашқадәрья", "sırdárya": "сырдәрья", "surxandárya": "сурхандәрья",
}
# abbreviations written in capitals that are words of the language, not codes (codes stay as they are)
ABBREVIATIONS: dict[str, str] = {"PINFL": "ПИНФЛ"}

# what stays as written: placeholders, markup, entities, addresses, codes in capitals, names of products
_LETTERS = "A-Za-zÁáÓóÚúÍıǴǵŃń"
_WORD = re.compile(f"[{_LETTERS}]+")
_CODE_AND_SUFFIX = re.compile(r"([A-Z]{2,})(-?)([a-záóúıǵń]+)")  # QR-kod, SMSler: the code kept, the word not
_VOWELS = "aáeiıoóuú"
# at one place in a word: the longest Latin that starts there → its Cyrillic (ya, yo, yu: see _word)
_PAIRS = {"sh": "ш", "ch": "ч"}
_SINGLE = dict(zip("aábcdefgǵhiıjklmnńoópqrstuúvwxyz",
                   "аәбцдефгғҳиыжклмнңоөпқрстуүвўхйз", strict=True))
_Y_VOWEL = {"a": "я", "o": "ё", "u": "ю"}


def _lower(word: str) -> str:
    # Í is the capital of ı in the 2016 alphabet; str.lower() would make it í
    return word.replace("Í", "ı").lower()


def _word(word: str) -> str:
    low = _lower(word)
    out: list[str] = []
    i = 0
    stem = exception_stem(low, EXCEPTIONS)
    if stem is not None:
        cyrillic = EXCEPTIONS[stem]
        if len(low) > len(stem) and cyrillic.endswith("ь") and low[len(stem)] in _VOWELS:  # paroli, paroldi
            cyrillic = cyrillic[:-1]
        out.append(cased(cyrillic, word))
        i = len(stem)
    while i < len(low):
        start = i
        pair = low[i:i + 2]
        after_vowel = start == 0 or low[start - 1] in _VOWELS
        if pair in _PAIRS:
            cyr, i = _PAIRS[pair], i + 2
        elif low[i] == "y" and i + 1 < len(low) and low[i + 1] in _Y_VOWEL and after_vowel:
            cyr, i = _Y_VOWEL[low[i + 1]], i + 2
        else:
            ch = low[i]
            i += 1
            if ch == "e" and start > 0 and low[start - 1] in _VOWELS:
                cyr = "э"
            else:
                cyr = _SINGLE.get(ch, word[start])
        out.append(cased(cyr, word[start]))
    return "".join(out)


def to_cyrillic(text: str) -> str:
    """Karakalpak in Latin script, as Karakalpak in Cyrillic: placeholders, markup, codes and names of things kept."""
    return convert(text, word=_word, words=_WORD, code_and_suffix=_CODE_AND_SUFFIX, abbreviations=ABBREVIATIONS)
