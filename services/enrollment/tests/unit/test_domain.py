"""Enrollment's pure rules."""

from __future__ import annotations

import pytest
from enrollment.domain import Language, name_key, participant_code, pinfl_problem
from qadam_contracts.vocabulary import LANGUAGES


def test_participant_code_is_year_and_six_digits():
    assert participant_code(2026, 123) == "P-2026-000123"
    with pytest.raises(ValueError):
        participant_code(2026, 1_000_000)


@pytest.mark.parametrize("value", ["31503851230012", "52908990230021"])
def test_valid_pinfl_passes(value):
    assert pinfl_problem(value) is None


@pytest.mark.parametrize("value", ["3150385123001", "3150385123001A", "81503851230012", ""])
def test_invalid_pinfl_says_what_is_expected(value):
    assert pinfl_problem(value)


@pytest.mark.parametrize("typed", ["Oʻtkir Xoʻjayev", "O'tkir Xojayev", "Ўткир Хўжаев", "OTKIR  KHOJAYEV", "o`tkir xo‘jayev"])
def test_one_name_in_several_scripts_and_spellings_meets_on_one_key(typed):
    assert name_key(typed) == "otkir xojayev"


def test_different_names_do_not_meet():
    assert name_key("Oʻtkir Xoʻjayev") != name_key("Oʻktam Xoʻjayev")


def test_the_migration_folds_names_as_the_kit_does():
    from pathlib import Path

    from qadam.names import fold
    from qadam_testing import module_at

    migration = module_at(Path(__file__).parents[2] / "enrollment/migrations/versions/0006_safety_first.py",
                          "enrollment_0006")
    for name in ("Дәўлетбай Ерназаров", "Dáwletbay Ernazarov", "Ерғаш Oʻtkir", "Otkir Khojayev", "Ǵayrat Ańsatov"):
        assert migration._fold(name) == fold(name), name


def test_a_participant_can_be_spoken_to_in_every_language_of_the_contracts():
    assert tuple(language.value for language in Language) == LANGUAGES
