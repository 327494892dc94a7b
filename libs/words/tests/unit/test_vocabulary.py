"""The shared vocabulary: each word in every language, said in the language's own words, and the programme templates'
English the same as the rows enrollment ships (so a page can find their words)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from qadam_contracts.vocabulary import ORDER_CONDITIONS
from qadam_testing import module_at
from qadam_words import vocabulary, words
from qadam_words.catalogs import CONTEXT_SEPARATOR, message_ids, translated_languages
from qadam_words.vocabulary import (
    INCIDENT_KINDS,
    ORDER_CONDITION_NAMES,
    PROGRAMME_TEMPLATES,
    STATUS_REASONS,
    WARNING_SIGN_NAMES,
    incident_kind_name,
    order_condition_name,
    programme_text,
    reason_name,
    said,
    warning_sign_name,
)

EVERY_WORD = [*STATUS_REASONS.values(), *WARNING_SIGN_NAMES.values(), *INCIDENT_KINDS.values(),
              *(text for t in PROGRAMME_TEMPLATES.values() for text in (t.name, t.description, *t.topics))]
ROOT = Path(__file__).parents[4]


def test_the_catalogue_holds_exactly_the_vocabularys_words():
    conditions = [f"{name.context}{CONTEXT_SEPARATOR}{name.msgid}" for name in ORDER_CONDITION_NAMES.values()]
    assert sorted({*EVERY_WORD, *conditions}) == message_ids(vocabulary.DOMAIN)


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


@pytest.mark.parametrize(("language", "said"), [
    ("ru", "Переведён в другую программу"), ("uz-Latn", "Boshqa dasturga oʻtkazilgan"),
    ("uz-Cyrl", "Бошқа дастурга ўтказилган"), ("kaa", "Basqa baǵdarlamaǵa ótkerilgen"),
    ("kaa-Cyrl", "Басқа бағдарламаға өткерилген")])
def test_a_man_transferred_went_on_in_another_programme_not_another_group(language, said):
    # an exit reason: he left this programme for another one (a move between groups is no exit)
    assert vocabulary.reason_name("transferred", language) == said


@pytest.mark.parametrize("language", translated_languages())
def test_every_order_condition_is_said_in_the_languages_own_words(language: str):
    english = {word.lower() for name in ORDER_CONDITION_NAMES.values()
               for word in re.findall(r"[^\W\d_]{3,}", name.msgid)}
    for code in ORDER_CONDITIONS:
        text = order_condition_name(code, language)
        assert text and text != ORDER_CONDITION_NAMES[code].msgid, (language, code)
        assert not {w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)} & english, (language, text)


@pytest.mark.parametrize(("language", "no_weapons", "programme"), [
    ("uz-Latn", "Qurolga ega boʻlmaslik, qurol olib yurmaslik va qoʻlga kiritmaslik",
     "Xulq-atvorni tuzatish dasturida qatnashish"),
    ("ru", "Не владеть, не носить и не приобретать оружие", "Посещать программу коррекции поведения"),
    ("kaa", "Quralǵa iye bolmaw, qural alıp júrmew hám qolǵa kirgizbew", "Minez-qulıqtı dúzetiw baǵdarlamasına qatnasıw"),
    ("en", "Not to own, carry or acquire weapons", "To attend the behaviour-correction programme"),
])
def test_an_orders_conditions_are_said_in_the_readers_language(language, no_weapons, programme):
    assert order_condition_name("no_weapons", language) == no_weapons
    assert order_condition_name("correction_programme", language) == programme
    assert order_condition_name("a_new_condition", language) == "a_new_condition"  # a code it does not know, as is


def test_the_cyrillic_conditions_are_the_latin_ones_converted():
    uzbek = pytest.importorskip("portal.uzbek_cyrillic")
    karakalpak = pytest.importorskip("portal.karakalpak_cyrillic")
    for code in ORDER_CONDITIONS:
        assert order_condition_name(code, "uz-Cyrl") == uzbek.to_cyrillic(order_condition_name(code, "uz-Latn"))
        assert order_condition_name(code, "kaa-Cyrl") == karakalpak.to_cyrillic(order_condition_name(code, "kaa"))


def test_an_order_condition_is_kept_apart_from_the_same_english_elsewhere():
    name = ORDER_CONDITION_NAMES["no_contact"]
    assert name.context == "order condition"
    assert words(vocabulary.DOMAIN, "ru").gettext(name.msgid) == name.msgid  # only its context finds its words
