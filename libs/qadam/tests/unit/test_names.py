"""qadam.names: one key for the spellings of one name or place; the characters a name may not hold."""

from __future__ import annotations

import marshmallow as ma
import pytest
from qadam.auth import Principal, Reach
from qadam.names import fold, invisible_characters, name_problem, same_place, stored_form
from qadam.schema_fields import Date


@pytest.mark.parametrize("typed", ["Ǵayrat Ańsatov", "Gayrat Ansatov", "Ғайрат Аңсатов", "Ғайрат Ансатов",
                                   "GAYRAT  ANSATOV", "ǵayrat ańsatov"])
def test_karakalpak_and_uzbek_in_either_script_meet_on_one_key(typed):
    assert fold(typed) == "gayrat ansatov"


@pytest.mark.parametrize("typed", ["Oʻtkir Xoʻjayev", "O'tkir Xojayev", "Ўткир Хўжаев", "Otkir Khojayev",
                                   "O`tkir Xo‘jayev", "O’tkir Xoʹjayev", "Ｏʻtkir Xoʻjayev"])
def test_uzbek_apostrophes_and_their_look_alikes_and_unicode_forms_meet(typed):
    assert fold(typed) == "otkir xojayev"


@pytest.mark.parametrize(("karakalpak", "plain"), [("Áziz", "aziz"), ("Íslam", "islam"), ("ılham", "ilham"),
                                                    ("Óteniyaz", "oteniyaz"), ("Úmbet", "umbet"), ("Ńur", "nur"),
                                                    ("Әлий", "aliy"), ("Қосым", "qosim"), ("Өтеш", "otesh"),
                                                    ("Үмбет", "umbet"), ("Ұлан", "ulan"), ("Һәким", "hakim")])
def test_each_karakalpak_letter_folds_to_its_plain_letter(karakalpak, plain):
    assert fold(karakalpak) == plain


@pytest.mark.parametrize(("one", "other"), [
    ("Дәўлетбай Ерназаров", "Dáwletbay Ernazarov"),  # Karakalpak: ў is w, Е at a word's start is E
    ("Дәўлетбай Ерназаров", "Dawletbay Ernazarov"),
    ("Ёрқин", "Yorqin"), ("Ерғаш", "Ergash"), ("Ерғаш", "Yergash"), ("Эргаш", "Ergash"),  # Uzbek
    ("Алиев", "Aliyev"), ("Aliev", "Aliyev"), ("Хўжаев", "Xojaev"),
])
def test_karakalpak_and_uzbek_w_and_initial_e_spellings_are_one_man(one, other):
    assert fold(one) == fold(other)


def test_different_names_stay_apart():
    assert fold("Oʻtkir Xoʻjayev") != fold("Oʻktam Xoʻjayev")
    assert fold("Ali 1") != fold("Ali 2")


def test_places_typed_with_another_apostrophe_are_one_place():
    assert same_place("Xo'jeli", "Xoʻjeli") and same_place("Qoraqalpogʻiston", "Qoraqalpog`iston")
    assert not same_place("Nukus", "Xoʻjeli") and not same_place(None, "Nukus") and same_place(None, None)


def test_a_tokens_area_covers_its_district_however_the_apostrophe_is_typed():
    inspector = Principal("insp-1", "inspector", region="Qoraqalpogʻiston", district="Xo'jeli", reach=Reach.DISTRICT)
    assert inspector.covers(region="Qoraqalpog'iston", district="Xoʻjeli")
    assert not inspector.covers(region="Qoraqalpogʻiston", district="Nukus")


@pytest.mark.parametrize(("typed", "position"), [("Ali\u200bev", 4), ("Ali\u200cev", 4), ("Ali\u200dev", 4),
                                                  ("Ali\u00adev", 4), ("\u202eAliev", 1), ("Aliev\u2066", 6),
                                                  ("\ufeffAliev", 1), ("Ａliev", 1), ("Al\uff49ev", 3)])
def test_invisible_and_fullwidth_characters_are_found_where_they_are(typed, position):
    [(found, _)] = invisible_characters(typed)
    assert found == position
    assert f"Character {position} " in (name_problem(typed) or "")


@pytest.mark.parametrize("hidden", ["\u3164", "\u115f", "\u1160", "\u2800", "\u034f", "\ufe0f", "\u17b4",
                                    "\u180b", "\U000e0041", "\u2065"])
def test_hangul_fillers_the_braille_blank_and_every_default_ignorable_character_are_refused(hidden):
    [(position, _)] = invisible_characters(f"Ali{hidden}ev")
    assert position == 4 and name_problem(f"Ali{hidden}ev")


def test_ordinary_names_in_every_script_have_no_problem():
    for name in ("Oʻtkir Toʼrayev", "Ǵayrat Ańsatov", "Ғайрат Аңсатов", "Ўткир Хўжаев", "Анна-Мария", "O'Neil"):
        assert name_problem(name) is None, name


def test_a_name_is_stored_composed_and_otherwise_as_typed():
    assert stored_form("G\u0301ayrat Oʻtkir Toʼra") == "\u01f4ayrat Oʻtkir Toʼra"


@pytest.mark.parametrize("day", ["1899-12-31", "2101-01-01", "0026-01-01"])
def test_a_date_outside_1900_to_2100_is_refused_naming_the_range(day):
    with pytest.raises(ma.ValidationError, match="1900-01-01 to 2100-12-31"):
        Date().deserialize(day)


def test_a_date_inside_the_range_is_read():
    assert Date().deserialize("1900-01-01").isoformat() == "1900-01-01"
    assert Date().deserialize("2100-12-31").isoformat() == "2100-12-31"


def test_the_same_place_typed_alike_is_not_folded_and_a_folded_name_is_remembered():
    fold.cache_clear()
    assert same_place("Nukus", "Nukus") and fold.cache_info().misses == 0  # equal strings: nothing to fold
    for _ in range(3):
        assert same_place("Xo'jeli", "Xoʻjeli")
    assert fold.cache_info().misses == 2 and fold.cache_info().hits == 4
