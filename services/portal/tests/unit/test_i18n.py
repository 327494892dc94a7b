"""Dates and numbers in the user's locale; Karakalpak in Latin script dates day.month.year (CLDR has next to nothing
for it), in Cyrillic script CLDR's own, with Cyrillic month names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask, g
from portal.i18n import (
    area_name,
    date_filter,
    datetime_filter,
    init_i18n,
    number_filter,
    percent_filter,
    place_options,
)


@pytest.fixture(scope="module")
def app() -> Flask:
    app = Flask("i18n-test")
    init_i18n(app, "Asia/Tashkent")
    return app


@pytest.mark.parametrize(("language", "day", "moment", "number", "share"), [
    ("kaa", "01.12.2026", "01.12.2026 10:30", "12,345", "83%"),
    ("kaa-Cyrl", "1-дек 2026", "1-дек 2026, 10:30:00", "12,345", "83%"),  # CLDR has Karakalpak's Cyrillic calendar
    ("ru", "1 дек. 2026 г.", "1 дек. 2026 г., 10:30:00", "12 345", "83%"),
    ("en", "Dec 1, 2026", "Dec 1, 2026, 10:30:00 AM", "12,345", "83%"),
    ("uz-Latn", "1-dek, 2026", "1-dek, 2026, 10:30:00", "12 345", "83%"),
])
def test_dates_and_numbers_follow_the_users_language(app, language, day, moment, number, share):
    with app.test_request_context("/"):
        g.language = language
        assert spaced(date_filter("2026-12-01")) == day
        assert spaced(datetime_filter(datetime(2026, 12, 1, 5, 30, tzinfo=UTC))) == moment  # in Tashkent time
        assert date_filter("2026-11-30T20:00:00+00:00") == date_filter(date(2026, 12, 1))  # the day in Tashkent
        assert spaced(number_filter(12345)) == number
        assert spaced(percent_filter(0.83)) == share


def test_karakalpak_in_cyrillic_script_names_the_month_in_cyrillic(app):
    with app.test_request_context("/"):
        g.language = "kaa-Cyrl"
        assert date_filter("2026-12-01", "long") == "1-декабрь, 2026"
        assert date_filter("2026-09-01", "long") == "1-сентябрь, 2026"


def spaced(text: str) -> str:
    """CLDR separates with no-break and narrow no-break spaces; compare them as spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_a_word_takes_the_meaning_of_the_page_it_is_on(app):
    """"From" is a place on the sign-in record and the first day on the dashboard: each page's own catalogue wins."""
    from flask import Blueprint
    from portal.catalogs import read
    from portal.i18n import lookup

    if "manager" not in app.blueprints:
        manager = Blueprint("manager", __name__)
        manager.add_url_rule("/dashboard", "dashboard", lambda: "")
        app.register_blueprint(manager)
    shared = read("ru", "messages").get("From").string
    dashboard = read("ru", "manager").get("From").string
    assert shared != dashboard
    with app.test_request_context("/account"):
        g.language = "ru"
        assert lookup("From") == shared
    with app.test_request_context("/dashboard"):
        g.language = "ru"
        assert lookup("From") == dashboard


@pytest.mark.parametrize(("header", "language"), [("kaa-Cyrl", "kaa-Cyrl"), ("kaa-cyrl,ru;q=0.5", "kaa-Cyrl"),
                                                   ("kaa", "kaa"), ("kaa-Latn", "kaa"), ("ru-RU", "ru")])
def test_a_browser_asking_for_karakalpak_gets_the_script_it_asks_for(app, header, language):
    from portal.i18n import current_language

    with app.test_request_context("/", headers={"Accept-Language": header}):
        assert current_language() == language


def test_a_shared_word_the_vocabulary_lacks_is_recorded_as_missing_as_a_pages_word_is(app):
    """The shared vocabulary's words come from qadam_words, not the pages' catalogues: one it lacks comes back as
    its English id, and is counted in X-Qadam-Missing-Translations like a page's own."""
    from portal.i18n import programme_text_filter, shared_word
    from qadam_words.vocabulary import PROGRAMME_TEMPLATES, STATUS_REASONS

    shipped = PROGRAMME_TEMPLATES["extended_group"].name
    with app.test_request_context("/"):
        g.language = "ru"
        assert shared_word(STATUS_REASONS["custody"]) != STATUS_REASONS["custody"]
        assert programme_text_filter(shipped) != shipped
        assert programme_text_filter("Nukus statutory 2026") == "Nukus statutory 2026"  # a region's own: as written
        assert not g.get("missing_translations")
        assert shared_word("A word no vocabulary has") == "A word no vocabulary has"
        assert g.get("missing_translations") == {"A word no vocabulary has"}
    with app.test_request_context("/"):
        g.language = "en"  # English is the ids: nothing is missing
        assert shared_word("A word no vocabulary has") == "A word no vocabulary has"
        assert programme_text_filter(shipped) == shipped and not g.get("missing_translations")


@pytest.mark.parametrize(("language", "area", "options"), [
    ("ru", "Бухарская область / Каган / Sohibkor", [("Buxoro viloyati", "Бухарская область")]),
    ("uz-Cyrl", "Бухоро вилояти / Когон / Sohibkor", [("Buxoro viloyati", "Бухоро вилояти")]),
    ("kaa", "Buxara wálayatı / Kagan / Sohibkor", [("Buxoro viloyati", "Buxara wálayatı")]),
    ("en", "Bukhara Region / Kagan / Sohibkor", [("Buxoro viloyati", "Bukhara Region")]),
    ("uz-Latn", "Buxoro viloyati / Kogon / Sohibkor", [("Buxoro viloyati", "Buxoro viloyati")]),
])
def test_a_place_is_shown_in_the_users_language_and_chosen_by_its_stored_name(app, language, area, options):
    with app.test_request_context("/"):
        g.language = language
        assert area_name("Buxoro viloyati", "Kogon", "Sohibkor") == area  # a mahalla as it was written
        assert place_options(["Buxoro viloyati"], "region") == options  # the value the form sends: as stored
        rendered = app.jinja_env.from_string("{{ r|region }}, {{ d|district }}").render(r="Toshkent shahri", d="Nukus")
        assert rendered.split(", ")[0] != "Toshkent shahri" or language == "uz-Latn"
        assert area_name(None) == "" and area_name(None, "Olmazor") == "Olmazor"  # not in the catalogue: as stored


def test_districts_are_offered_in_the_order_the_reader_reads_them(app):
    with app.test_request_context("/"):
        g.language = "ru"
        assert [text for _value, text in place_options(["Xiva", "Kogon", "Urganch"], "district")] == [
            "Каган", "Ургенч", "Хива"]
