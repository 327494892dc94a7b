"""Enrollment's pure rules."""

from __future__ import annotations

import pytest
from enrollment.domain import participant_code, pinfl_problem


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
