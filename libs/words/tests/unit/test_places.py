"""The names of regions and districts: every region in every language, in that language's own words, from one
catalogue; the stored identifiers (Uzbek Latin) unchanged; a place the catalogue does not know shown as stored."""

from __future__ import annotations

import re

import pytest
from qadam_contracts.vocabulary import LANGUAGES
from qadam_words.catalogs import message_ids
from qadam_words.places import DISTRICTS, DOMAIN, REGIONS, is_named, place_name, unnamed_languages

CYRILLIC = re.compile(r"^[\u0400-\u04FF\s-]+$")
# the regions the portal's first migration seeds (portal 0001 REGIONS, frozen there): the catalogue names each
SEEDED_REGIONS = ("Qoraqalpogʻiston Respublikasi", "Andijon viloyati", "Buxoro viloyati", "Fargʻona viloyati",
                  "Jizzax viloyati", "Xorazm viloyati", "Namangan viloyati", "Navoiy viloyati",
                  "Qashqadaryo viloyati", "Samarqand viloyati", "Sirdaryo viloyati", "Surxondaryo viloyati",
                  "Toshkent viloyati", "Toshkent shahri")


def test_the_catalogue_holds_exactly_the_places_names():
    ids = sorted(f"{n.context}\x04{n.msgid}" for n in (*REGIONS.values(), *DISTRICTS.values()))
    assert ids == message_ids(DOMAIN)


def test_every_seeded_region_and_only_those_are_named():
    assert sorted(REGIONS) == sorted(SEEDED_REGIONS)


@pytest.mark.parametrize("region", SEEDED_REGIONS)
def test_every_region_is_named_in_each_language_and_differently_where_the_language_differs(region: str):
    names = {language: place_name(region, "region", language) for language in LANGUAGES}
    assert names["uz-Latn"] == region  # the identifier is the Uzbek Latin name
    assert all(names.values())
    # six languages, six spellings: no language shows another's (Russian is not Uzbek Latin, nor English)
    assert len(set(names.values())) == len(LANGUAGES), names
    for language in ("uz-Cyrl", "ru", "kaa-Cyrl"):
        assert CYRILLIC.match(names[language]), (language, names[language])
    for language in ("uz-Latn", "kaa", "en"):
        assert not re.search(r"[\u0400-\u04FF]", names[language]), (language, names[language])
    assert unnamed_languages(region, "region") == ()


@pytest.mark.parametrize(("language", "bukhara", "karakalpakstan", "tashkent"), [
    ("uz-Latn", "Buxoro viloyati", "Qoraqalpogʻiston Respublikasi", "Toshkent shahri"),
    ("uz-Cyrl", "Бухоро вилояти", "Қорақалпоғистон Республикаси", "Тошкент шаҳри"),
    ("ru", "Бухарская область", "Республика Каракалпакстан", "город Ташкент"),
    ("kaa", "Buxara wálayatı", "Qaraqalpaqstan Respublikası", "Tashkent qalası"),
    ("kaa-Cyrl", "Бухара ўәлаяты", "Қарақалпақстан Республикасы", "Ташкент қаласы"),
    ("en", "Bukhara Region", "Republic of Karakalpakstan", "Tashkent City"),
])
def test_regions_are_called_as_each_language_calls_them(language, bukhara, karakalpakstan, tashkent):
    assert place_name("Buxoro viloyati", "region", language) == bukhara
    assert place_name("Qoraqalpogʻiston Respublikasi", "region", language) == karakalpakstan
    assert place_name("Toshkent shahri", "region", language) == tashkent


@pytest.mark.parametrize(("language", "kogon", "urgut", "nukus"), [
    ("uz-Latn", "Kogon", "Urgut", "Nukus"), ("uz-Cyrl", "Когон", "Ургут", "Нукус"), ("ru", "Каган", "Ургут", "Нукус"),
    ("kaa", "Kagan", "Urgut", "Nókis"), ("kaa-Cyrl", "Каган", "Ургут", "Нөкис"), ("en", "Kagan", "Urgut", "Nukus"),
])
def test_the_demo_and_pilot_districts_are_named_in_each_language(language, kogon, urgut, nukus):
    assert (place_name("Kogon", "district", language), place_name("Urgut", "district", language),
            place_name("Nukus", "district", language)) == (kogon, urgut, nukus)


def test_every_district_is_in_cyrillic_where_the_language_writes_it():
    for district in DISTRICTS:
        assert place_name(district, "district", "uz-Latn") == district
        for language in ("uz-Cyrl", "ru", "kaa-Cyrl"):
            assert CYRILLIC.match(place_name(district, "district", language)), (district, language)


def test_a_place_the_catalogue_does_not_know_is_shown_as_stored_and_said_to_lack_its_names():
    assert not is_named("Olmazor", "district")
    assert [place_name("Olmazor", "district", language) for language in LANGUAGES] == ["Olmazor"] * len(LANGUAGES)
    assert set(unnamed_languages("Olmazor", "district")) == set(LANGUAGES) - {"uz-Latn"}
    assert is_named("Kogon", "district") and unnamed_languages("Kogon", "district") == ()
    # a district and a region are different things, even where the name is the same
    assert place_name("Buxoro", "district", "ru") == "Бухара" and place_name("Buxoro", "region", "ru") == "Buxoro"
    assert place_name(None, "region", "ru") == "" and place_name("", "district", "en") == ""


def test_a_kind_of_place_qadam_does_not_keep_is_refused():
    with pytest.raises(ValueError, match="region, district"):
        place_name("Qizketken", "mahalla", "ru")
