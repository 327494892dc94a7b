"""The words people read, in their language, from one place: each service that speaks to people keeps its words in
its own gettext domain here (`enrollment`: the report's headings; `notify`: what a notification says), and every
renderer (the portal, notify, the exports) reads them, and writes dates and numbers, through `words(domain, language)`.

    from qadam_words import N_, words
    HEADING = N_("Completion rate")                  # marked for `python -m qadam_words update`, still English
    w = words("enrollment", "ru")
    w.gettext(HEADING)                               # "Доля завершивших"
    w.format_date(day), w.format_percent(0.25)       # "4 мар. 2026 г.", "25 %"
    HERS = NP_("the woman's support worker", "support worker")   # one English id, two words in Russian:
    w.pgettext(HERS.context, HERS.msgid)                          # kept apart by a context (gettext's msgctxt)

A word with no translation yet shows its English id; `python -m qadam_words check` (run by the tests) fails the
build first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from .catalogs import CONTEXT_SEPARATOR, SOURCE_LANGUAGE, TRANSLATIONS, locale_name, translations
from .formats import Formats

__all__ = ["NP_", "N_", "SOURCE_LANGUAGE", "Contextual", "Words", "locale_name", "words"]


def N_(msgid: str) -> str:  # noqa: N802 (gettext's own name for "mark, do not translate yet")
    """Mark a message defined as data (a column's heading) for extraction; it is translated where it is shown."""
    return msgid


class Contextual(NamedTuple):
    """A message whose English words say two things another language tells apart (notify's "support worker", hers
    or the service's): its id and the context that keeps the two apart in the catalogue (gettext's msgctxt)."""

    context: str
    msgid: str

    def __str__(self) -> str:
        return self.msgid


def NP_(context: str, msgid: str) -> Contextual:  # noqa: N802 (as N_, with gettext's msgctxt)
    """Mark a message defined as data that needs a context (see Contextual); translate it with `Words.pgettext`."""
    return Contextual(context, msgid)


@dataclass(frozen=True)
class Words(Formats):
    """One domain's words in one language, and that language's dates and numbers."""

    domain: str = ""
    messages: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def gettext(self, msgid: str, **variables: Any) -> str:
        """The message in this language (its English id where it has none yet); `%(name)s` filled from
        `variables`."""
        text = self.messages.get(msgid) or msgid
        return text % variables if variables else text

    def pgettext(self, context: str, msgid: str, **variables: Any) -> str:
        """As `gettext`, for the id kept apart by `context` (the key gettext gives it: context, U+0004, id)."""
        text = self.messages.get(f"{context}{CONTEXT_SEPARATOR}{msgid}") or msgid
        return text % variables if variables else text


@lru_cache(maxsize=64)
def words(domain: str, language: str) -> Words:
    """`domain`'s words in `language` (one of the contracts' LANGUAGES; a ValueError for any other)."""
    locale_name(language)  # refuses a language Qadam does not speak before looking for its catalogue
    messages = {} if language == SOURCE_LANGUAGE else translations(language, domain, TRANSLATIONS)
    return Words(language=language, domain=domain, messages=messages)
