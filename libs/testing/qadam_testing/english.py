"""Which words of a text are English, decided one way for every test that asks: a word of the English message ids
of Qadam's catalogues (English is their source language) that the language's own catalogues do not write too (Uzbek
writes "auditor" as English does), proper nouns English shares with every language left out. The portal's scan of
every page (issue 19) and the papers' tests read their texts with it.

    vocabulary = read_vocabulary(sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")), LOCALES)
    vocabulary.english_in("Сессия отменена, save", "ru")    # {"save"}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

WORD = re.compile(r"[^\W\d_]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
# Proper nouns English shares with every language: the system's name and the demo district's.
PROPER = frozenset({"qadam", "nukus"})


def words_of(text: str) -> set[str]:
    """The words of a text, lower-cased (a message's placeholders are not words)."""
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


def _texts(value: Any) -> list[str]:
    return [str(v) for v in value if v] if isinstance(value, (tuple, list)) else [str(value)] if value else []


@dataclass(frozen=True)
class Vocabulary:
    english: frozenset[str]  # the words of every English message id
    own: Mapping[str, frozenset[str]]  # {language: the words its own catalogues write}

    def english_in(self, text: str, language: str, shared: Iterable[str] = ()) -> set[str]:
        """The English words of `text` read as `language` (`shared`: words the language writes as English does
        through its formats rather than its catalogues)."""
        own, also = self.own.get(language, frozenset()), set(shared)
        return {word for word in words_of(text) if word in self.english and word not in own and word not in also}


def read_vocabulary(catalogues: Iterable[Path], locales: Mapping[str, str]) -> Vocabulary:
    """The vocabulary of these `.po` files (`locales`: {language: the locale folder its catalogues are under})."""
    english: set[str] = set()
    language_of = {locale: language for language, locale in locales.items()}
    own: dict[str, set[str]] = {language: set() for language in locales}
    for po in catalogues:
        language = language_of[po.parent.parent.name]
        with po.open("rb") as source:
            catalog = read_po(source)
        for message in catalog:
            if not message.id:
                continue
            ids = _texts(message.id)
            english.update(word for text in ids for word in words_of(text))
            strings = [s for s in _texts(message.string) if s not in ids]  # a copied English id is not its word
            if not message.fuzzy:
                own[language].update(word for text in strings for word in words_of(text))
    return Vocabulary(frozenset(english - PROPER), {k: frozenset(v) for k, v in own.items()})
