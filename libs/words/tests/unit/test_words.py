"""The catalogue of words: its check, the words in each language, and each language's dates and numbers."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from portal.karakalpak_cyrillic import to_cyrillic as to_kaa_cyrillic
from portal.uzbek_cyrillic import to_cyrillic
from qadam_contracts.vocabulary import LANGUAGES
from qadam_words import NP_, Words, words
from qadam_words.__main__ import main
from qadam_words.catalogs import (
    TRANSLATIONS,
    domains,
    key,
    locale_name,
    message_ids,
    po_path,
    read,
    template_path,
    translated_languages,
    translations,
    write,
)

IDS = ("District", "Dropped out at session %(n)s")


def _catalogues(root: Path, words_of: dict[str, dict[str, str]]) -> None:
    """A `test` domain under `root`: IDS in its template, each language's words from `words_of` (else its own
    language code in brackets)."""
    template = Catalog(domain="test")
    for msgid in IDS:
        template.add(msgid)
    write(template, template_path("test", root))
    for language in translated_languages():
        catalog = Catalog(locale=locale_name(language), domain="test")
        for msgid in IDS:
            catalog.add(msgid, words_of.get(language, {}).get(msgid, f"[{language}] {msgid}"))
        write(catalog, po_path(language, "test", root))


def test_check_fails_listing_the_id_a_language_has_no_words_for(tmp_path, capsys):
    _catalogues(tmp_path, {"ru": {"District": ""}})
    assert main(["check", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "ru: 1 without a translation" in out and "   test: District" in out
    assert "uz-Latn" not in out and "kaa" not in out  # the others have every word


def test_check_fails_on_a_language_with_no_catalogue_at_all(tmp_path, capsys):
    _catalogues(tmp_path, {})
    po_path("kaa", "test", tmp_path).unlink()
    assert main(["check", "--root", str(tmp_path)]) == 1
    assert "kaa: 2 without a translation" in capsys.readouterr().out


def test_check_fails_on_words_that_lose_a_placeholder(tmp_path, capsys):
    _catalogues(tmp_path, {"uz-Latn": {"Dropped out at session %(n)s": "Mashgʻulotda tark etgan"}})
    assert main(["check", "--root", str(tmp_path)]) == 1
    assert "placeholders differ" in capsys.readouterr().out


def test_check_passes_where_every_language_has_every_word(tmp_path, capsys):
    _catalogues(tmp_path, {})
    assert main(["check", "--root", str(tmp_path)]) == 0


def test_the_real_catalogues_pass_the_check(capsys):
    # `python -m qadam_words check` in this process (a unit test starts none)
    assert main(["check"]) == 0, capsys.readouterr().out
    assert {"enrollment", "notify", "vocabulary"} <= set(domains()) and len(message_ids("enrollment")) > 30


def test_every_language_of_the_contracts_but_english_needs_a_catalogue():
    assert translated_languages() == tuple(language for language in LANGUAGES if language != "en")
    assert [locale_name(language) for language in ("uz-Latn", "uz-Cyrl", "ru", "kaa", "kaa-Cyrl")] == [
        "uz_Latn", "uz_Cyrl", "ru", "kaa_Latn", "kaa_Cyrl"]
    with pytest.raises(ValueError, match="language must be one of"):
        locale_name("de")


def test_uzbek_cyrillic_is_the_uzbek_latin_written_by_the_portals_converter():
    # written once by running portal.uzbek_cyrillic over the uz_Latn catalogue (the words package may not import
    # the portal): this keeps the two from drifting
    for domain in domains():
        latin = read(po_path("uz-Latn", domain), locale="uz_Latn")
        cyrillic = {key(m): str(m.string) for m in read(po_path("uz-Cyrl", domain), locale="uz_Cyrl") if m.id}
        expected = {key(m): to_cyrillic(str(m.string)) for m in latin if m.id}
        assert cyrillic == expected, domain


def test_karakalpak_cyrillic_is_the_karakalpak_latin_written_by_the_portals_converter():
    # written once by running portal.karakalpak_cyrillic over the kaa_Latn catalogue, as for Uzbek
    for domain in domains():
        latin = read(po_path("kaa", domain), locale="kaa_Latn")
        cyrillic = {key(m): str(m.string) for m in read(po_path("kaa-Cyrl", domain), locale="kaa_Cyrl") if m.id}
        assert cyrillic == {key(m): to_kaa_cyrillic(str(m.string)) for m in latin if m.id}, domain


def test_karakalpak_says_session_with_one_word_as_the_programme_descriptions_do():
    # shınıǵıw, never sabaq (a school lesson), in both scripts
    for domain in domains():
        for language, other in (("kaa", "sabaq"), ("kaa-Cyrl", "сабақ")):
            said = [str(m.string) for m in read(po_path(language, domain), locale=locale_name(language)) if m.id]
            assert not [text for text in said if other in text.lower()], (language, domain)


def test_a_catalogue_is_compiled_to_mo_on_first_use(tmp_path):
    _catalogues(tmp_path, {"ru": {"District": "Район"}})
    assert not po_path("ru", "test", tmp_path).with_suffix(".mo").exists()
    assert translations("ru", "test", tmp_path)["District"] == "Район"
    assert po_path("ru", "test", tmp_path).with_suffix(".mo").exists()


@pytest.mark.parametrize(("language", "district", "session"), [
    ("uz-Latn", "Tuman", "3-mashgʻulotda tark etgan"),
    ("uz-Cyrl", "Туман", "3-машғулотда тарк этган"),
    ("ru", "Район", "Выбыли на занятии 3"),
    ("kaa", "Rayon", "3-shınıǵıwda taslap ketken"),
    ("kaa-Cyrl", "Район", "3-шынығыўда таслап кеткен"),
    ("en", "District", "Dropped out at session 3"),
])
def test_words_are_read_in_each_language_with_their_placeholders_filled(language, district, session):
    w = words("enrollment", language)
    assert w.gettext("District") == district
    assert w.gettext("Dropped out at session %(n)s", n=3) == session


def test_a_language_qadam_does_not_speak_is_refused():
    with pytest.raises(ValueError, match="language must be one of"):
        words("enrollment", "de")


@pytest.mark.parametrize(("language", "day", "number", "plain", "percent", "separator"), [
    ("uz-Latn", "4-mar, 2026", "12\u00a0345,5", "12345,5", "66,7%", ";"),
    ("uz-Cyrl", "4 мар, 2026", "12\u00a0345,5", "12345,5", "66,7%", ";"),
    ("ru", "4 мар. 2026\u202fг.", "12\u00a0345,5", "12345,5", "66,7\u00a0%", ";"),
    ("kaa", "04.03.2026", "12\u00a0345,5", "12345,5", "66,7%", ";"),  # Karakalpak's own: no Latin data in CLDR
    ("kaa-Cyrl", "4-мар 2026", "12\u00a0345,5", "12345,5", "66,7%", ";"),  # CLDR's calendar, the decimal comma
    ("en", "Mar 4, 2026", "12,345.5", "12345.5", "66.7%", ","),
])
def test_each_language_writes_dates_and_numbers_one_way(language, day, number, plain, percent, separator):
    w = words("enrollment", language)
    assert w.format_date(date(2026, 3, 4)) == day
    assert w.format_number(12345.5) == number
    assert w.format_number(12345.5, grouping=False) == plain
    assert w.format_percent(0.6667, digits=1) == percent
    assert w.list_separator == separator


def test_karakalpak_writes_a_moment_day_first_with_a_24_hour_clock():
    assert words("enrollment", "kaa").format_datetime(datetime(2026, 12, 1, 14, 5, tzinfo=UTC)) == "01.12.2026 14:05"


@pytest.mark.parametrize("domain", ["enrollment", "notify", "vocabulary"])
def test_check_fails_when_any_real_domain_lacks_one_word_in_one_language(tmp_path, capsys, domain):
    # the real catalogues, copied, with one message of `domain` emptied in Karakalpak Cyrillic: the build fails
    shutil.copytree(TRANSLATIONS, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mo"))
    path = po_path("kaa-Cyrl", domain, tmp_path)
    catalog = read(path, locale="kaa_Cyrl", domain=domain)
    emptied = next(m for m in catalog if m.id)
    emptied.string = ""
    write(catalog, path)
    assert main(["check", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "kaa-Cyrl: 1 without a translation" in out and f"   {domain}: {emptied.id}" in out


def test_a_message_with_a_context_is_kept_apart_checked_and_read(tmp_path, capsys):
    source = tmp_path / "src"
    source.mkdir()
    (source / "roles.py").write_text('ROLES = {"worker": N_("support worker"), '
                                     '"hers": NP_("the woman\'s support worker", "support worker")}\n')
    root = tmp_path / "translations"
    assert main(["update", "roles", str(source), "--root", str(root)]) == 0
    assert message_ids("roles", root) == sorted(["support worker", "the woman's support worker\x04support worker"])
    for language in translated_languages():
        catalog = read(po_path(language, "roles", root), locale=locale_name(language), domain="roles")
        catalog["support worker"].string = f"[{language}] worker"
        write(catalog, po_path(language, "roles", root))
    assert main(["check", "--root", str(root)]) == 1  # the one with a context has no words yet
    assert "roles: support worker (the woman's support worker)" in capsys.readouterr().out
    for language in translated_languages():
        catalog = read(po_path(language, "roles", root), locale=locale_name(language), domain="roles")
        catalog.get("support worker", context="the woman's support worker").string = f"[{language}] hers"
        write(catalog, po_path(language, "roles", root))
    assert main(["check", "--root", str(root)]) == 0
    held = translations("ru", "roles", root)
    w = Words(language="ru", domain="roles", messages=held)
    assert w.gettext("support worker") == "[ru] worker"
    assert w.pgettext("the woman's support worker", "support worker") == "[ru] hers"
    assert words("enrollment", "en").pgettext("any", "Cohort") == "Cohort"  # English: the id itself
    assert str(NP_("the woman's support worker", "support worker")) == "support worker"
