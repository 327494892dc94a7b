"""The names of the places Qadam's users and men are placed in, in each language, kept once in the `places` domain:
the fourteen regions (the Republic of Karakalpakstan, the twelve viloyats and the city of Tashkent) and the districts
the demo, the pilots and the shipped examples use.

A place is stored everywhere (tokens, access checks, enrolments, cohorts, the portal's Area table, other services'
rows) by its identifier: its Uzbek Latin name as the portal's areas have it ("Buxoro viloyati", "Kogon"). That never
changes; only what a reader sees does:

    from qadam_words.places import place_name
    place_name("Buxoro viloyati", "region", "ru")      # "Бухарская область"
    place_name("Kogon", "district", "kaa")             # "Kagan"
    place_name("Olmazor", "district", "ru")            # a district the catalogue has no names for yet: "Olmazor"

The English names are the message ids (with a context, "region" or "district", since a city and its district or
region can share a name); the Uzbek Latin catalogue gives back the identifier. A district an administrator adds
later is shown as it was typed until its names reach this catalogue (`unnamed_languages` says in which languages it
still lacks one: the portal's Areas page flags it).
`python -m qadam_words update places libs/words/qadam_words/places` writes the ids into the catalogues.
"""

from __future__ import annotations

from typing import Literal

from .. import NP_, SOURCE_LANGUAGE, Contextual, words
from ..catalogs import CONTEXT_SEPARATOR, translated_languages

DOMAIN = "places"
PlaceKind = Literal["region", "district"]
KINDS: tuple[PlaceKind, ...] = ("region", "district")

# identifier (the Uzbek Latin name stored everywhere) → its English name, the catalogue's id
REGIONS: dict[str, Contextual] = {
    "Qoraqalpogʻiston Respublikasi": NP_("region", "Republic of Karakalpakstan"),
    "Andijon viloyati": NP_("region", "Andijan Region"),
    "Buxoro viloyati": NP_("region", "Bukhara Region"),
    "Fargʻona viloyati": NP_("region", "Fergana Region"),
    "Jizzax viloyati": NP_("region", "Jizzakh Region"),
    "Xorazm viloyati": NP_("region", "Khorezm Region"),
    "Namangan viloyati": NP_("region", "Namangan Region"),
    "Navoiy viloyati": NP_("region", "Navoi Region"),
    "Qashqadaryo viloyati": NP_("region", "Kashkadarya Region"),
    "Samarqand viloyati": NP_("region", "Samarkand Region"),
    "Sirdaryo viloyati": NP_("region", "Syrdarya Region"),
    "Surxondaryo viloyati": NP_("region", "Surkhandarya Region"),
    "Toshkent viloyati": NP_("region", "Tashkent Region"),
    "Toshkent shahri": NP_("region", "Tashkent City"),
}

# The districts Qadam itself places people in: the demo's (Nukus), the pilots' (Nukus, Xoʻjayli, Amudaryo, Qoraoʻzak;
# Buxoro, Gʻijduvon, Kogon), and those of the shipped examples, benchmarks and tests. Bare names, as stored (a
# district is written without "tumani").
DISTRICTS: dict[str, Contextual] = {
    "Nukus": NP_("district", "Nukus"),
    "Xoʻjayli": NP_("district", "Khojeyli"),
    "Amudaryo": NP_("district", "Amudarya"),
    "Qoraoʻzak": NP_("district", "Karauzyak"),
    "Chimboy": NP_("district", "Chimbay"),
    "Kegeyli": NP_("district", "Kegeyli"),
    "Buxoro": NP_("district", "Bukhara"),
    "Gʻijduvon": NP_("district", "Gijduvan"),
    "Kogon": NP_("district", "Kagan"),
    "Karmana": NP_("district", "Karmana"),
    "Urgut": NP_("district", "Urgut"),
    "Kattaqoʻrgʻon": NP_("district", "Kattakurgan"),
    "Urganch": NP_("district", "Urgench"),
    "Xiva": NP_("district", "Khiva"),
}

_NAMES: dict[str, dict[str, Contextual]] = {"region": REGIONS, "district": DISTRICTS}


def _names(kind: str) -> dict[str, Contextual]:
    if kind not in _NAMES:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return _NAMES[kind]


def place_name(identifier: str | None, kind: str, language: str) -> str:
    """A region's or a district's name in `language`, from its stored identifier; one the catalogue has no name for
    yet (a district an administrator added) as it is stored; None or empty as empty."""
    if not identifier:
        return ""
    named = _names(kind).get(identifier)
    if named is None:
        return identifier
    if language == SOURCE_LANGUAGE:
        return named.msgid
    # a name missing from one language's catalogue (the check fails the build first) shows as stored, never English
    return words(DOMAIN, language).messages.get(f"{named.context}{CONTEXT_SEPARATOR}{named.msgid}") or identifier


def is_named(identifier: str, kind: str) -> bool:
    """Whether the catalogue knows this place (its names in every language come from it)."""
    return identifier in _names(kind)


def unnamed_languages(identifier: str, kind: str) -> tuple[str, ...]:
    """The languages with no name of their own for this place (it is shown as stored in them): every one but Uzbek
    Latin, the identifier's own, for a place the catalogue does not know."""
    named = _names(kind).get(identifier)
    lacking = []
    for language in (SOURCE_LANGUAGE, *translated_languages()):
        if language == "uz-Latn":
            continue
        if named is None or (language != SOURCE_LANGUAGE and (
                f"{named.context}{CONTEXT_SEPARATOR}{named.msgid}" not in words(DOMAIN, language).messages)):
            lacking.append(language)
    return tuple(lacking)
