"""The shared vocabulary: each word in every language, said in the language's own words, and the programme templates'
English the same as the rows enrollment ships (so a page can find their words)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from qadam_testing import module_at
from qadam_words import vocabulary
from qadam_words.catalogs import message_ids, translated_languages
from qadam_words.vocabulary import (
    INCIDENT_KINDS,
    PROGRAMME_TEMPLATES,
    STATUS_REASONS,
    WARNING_SIGN_NAMES,
    incident_kind_name,
    programme_text,
    reason_name,
    said,
    warning_sign_name,
)

EVERY_WORD = [*STATUS_REASONS.values(), *WARNING_SIGN_NAMES.values(), *INCIDENT_KINDS.values(),
              *(text for t in PROGRAMME_TEMPLATES.values() for text in (t.name, t.description, *t.topics))]
ROOT = Path(__file__).parents[4]


def test_the_catalogue_holds_exactly_the_vocabularys_words():
    assert sorted(set(EVERY_WORD)) == message_ids(vocabulary.DOMAIN)


@pytest.mark.parametrize("language", translated_languages())
def test_every_word_is_said_in_the_languages_own_words(language: str):
    # the Inson centre is a name; "order" and "stress" are the Uzbek and Karakalpak words too (himoya orderi)
    shared = {"inson", "order", "stress"}
    english = {word.lower() for msgid in EVERY_WORD for word in re.findall(r"[^\W\d_]{3,}", msgid)} - shared
    for msgid in EVERY_WORD:
        text = said(msgid, language)
        assert text and text != msgid, (language, msgid)
        # no English word left in it
        assert not {w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)} & english, (language, text)


@pytest.mark.parametrize(("language", "custody", "sign", "kind", "name"), [
    ("uz-Latn", "Qamoqda", "Qurolga yoʻli bor", "Politsiya chaqiruvi", "Kengaytirilgan guruh dasturi"),
    ("ru", "Под стражей", "Имеет доступ к оружию", "Вызов полиции", "Расширенная групповая программа"),
    ("kaa", "Qamaqta", "Qural alıw múmkinshiligi bar", "Policiyanı shaqırıw", "Keńeytilgen topar baǵdarlaması"),
    ("kaa-Cyrl", "Қамақта", "Қурал алыў мүмкиншилиги бар", "Полицияны шақырыў", "Кеңейтилген топар бағдарламасы"),
    ("en", "In custody", "Has access to a weapon", "Police call-out", "Extended group programme"),
])
def test_codes_are_said_in_the_readers_language(language, custody, sign, kind, name):
    assert reason_name("custody", language) == custody
    assert warning_sign_name("weapon_access", language) == sign
    assert incident_kind_name("police_callout", language) == kind
    assert programme_text("Extended group programme", language) == name
    assert programme_text("Listening", language) == said("Listening", language)  # a session's topic
    # a code or a text the vocabulary does not know is shown as it is: a region's own programme keeps its name
    assert reason_name("a_new_reason", language) == "a_new_reason"
    assert programme_text("Nukus statutory 2026", language) == "Nukus statutory 2026"
    assert programme_text(None, language) is None


def test_the_rows_enrollment_ships_carry_the_templates_english_words():
    # enrollment's migration copied the templates into the programme table: the pages translate those rows by
    # these words, so they must be the vocabulary's ids exactly
    shipped = module_at(ROOT / "services/enrollment/enrollment/migrations/versions/0002_lifecycle.py").TEMPLATES
    assert {t["key"]: (t["name"], t["description"], tuple(s["topic"] for s in t["curriculum"])) for t in shipped} == {
        key: (t.name, t.description, t.topics) for key, t in PROGRAMME_TEMPLATES.items()}
