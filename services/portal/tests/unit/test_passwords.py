"""New passwords: the ones people use most and the ones made of what a guesser tries first are refused, from the list
shipped with the portal (no network); passwords people make up pass."""

from __future__ import annotations

import pytest
from portal import passwords
from portal.accounts import hasher, password_problems, temporary_password
from portal.settings import PortalSettings


@pytest.mark.parametrize("password", ["1234567890", "password12", "qwertyuiop"])
def test_the_passwords_everyone_tries_first_are_refused(password):
    problems = password_problems(password, "insp-nukus-1")
    assert problems and set(problems) <= {"password_common", "password_predictable", "password_too_simple"}


@pytest.mark.parametrize("password", ["P@ssw0rd2026", "!!dragon2026", "Qwerty123456", "iloveyou2026", "football99!"])
def test_a_common_password_with_digits_or_symbols_at_its_ends_or_letters_as_digits_is_common(password):
    assert "password_common" in password_problems(password, "insp-nukus-1")


@pytest.mark.parametrize("password", ["0987654321", "asdfghjkl;", "abcdefghijkl", "abcabcabcabc", "йцукенгшщз",
                                      "zxcvbnm,./1", "1q2w3e4r5t6y"])
def test_rows_of_the_keyboard_runs_and_repeats_are_too_easy_to_guess(password):
    assert password_problems(password, "insp-nukus-1"), password


@pytest.mark.parametrize("password", ["tuproq-yoʻl-2026", "yangi-parol-Nukus-77", "Amudaryo bo'yida 3 terak",
                                      "kitob-sandiq-Xiva-19", "Мой сад у арыка 7"])
def test_passwords_people_make_up_pass(password):
    assert password_problems(password, "insp-nukus-1") == []


def test_every_temporary_password_the_portal_hands_out_passes():
    assert all(not password_problems(temporary_password("insp-1"), "insp-1") for _ in range(200))


def test_the_shipped_list_holds_a_few_thousand_common_passwords_and_says_where_it_comes_from():
    common = passwords.common_passwords()
    assert 2000 <= len(common) <= 50000
    assert {"123456", "password", "qwerty"} <= common
    header = [line for line in passwords.LIST.read_text().splitlines() if line.startswith("#")]
    assert any("source" in line.lower() for line in header)


def test_passwords_are_hashed_with_rfc_9106s_parameters_unless_told_otherwise_and_never_cheaper_in_production():
    chosen = hasher(PortalSettings())
    assert (chosen.type.name, chosen.time_cost, chosen.memory_cost, chosen.parallelism) == ("ID", 3, 65536, 4)
    fit = PortalSettings(env="production").production_problems()  # (the key files, if any, judged apart)
    unfit = PortalSettings(env="production", portal_password_hash="cheapest").production_problems()
    assert [problem.env for problem in unfit if problem not in fit] == ["QADAM_PORTAL_PASSWORD_HASH"]
    with pytest.raises(ValueError, match="QADAM_PORTAL_PASSWORD_HASH"):
        hasher(PortalSettings(portal_password_hash="fast"))
