"""What her support worker reads of his flags, worded without I/O (risk/domain/her_view.py)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest
from qadam_contracts.vocabulary import LANGUAGES
from qadam_words import words
from qadam_words.reasons import DOMAIN
from risk.domain import DISCLAIMER
from risk.domain.her_view import (
    ABOUT,
    CONCERNS,
    concern_of,
    factor_for_her,
    flag_for_her,
    history_for_her,
    read_aloud_for_her,
)


def test_a_flag_reaches_her_support_worker_as_its_level_kind_date_and_state_only():
    flag = {"id": uuid.uuid4(), "enrolment_id": uuid.uuid4(), "participant_code": "P-2026-000001", "level": "high",
            "status": "open", "raised_at": datetime(2026, 12, 1, 5, tzinfo=UTC), "rule_id": "consecutive_absences",
            "reasons": ["2 unexcused absences in a row (sessions 3 and 4)."],
            "evidence": {"session_numbers": [3, 4], "count": 2}}
    seen = flag_for_her(flag, concern_of("consecutive_absences", flag["evidence"]), date(2026, 12, 1))
    assert seen["reasons"] == ["A high flag about his absences, raised on 2026-12-01."]
    assert (seen["concern"], seen["evidence"]) == ("absences", {}) and "rule_id" not in seen
    assert concern_of("enrollment_signal", {"signal": "call_overdue"}) == "absences"
    assert concern_of("enrollment_signal", {"signal": "exit_proposed"}) == "programme"
    assert concern_of("a_kind_added_later", {}) == "other"
    lines = read_aloud_for_her("P-2026-000001", "critical", date(2026, 12, 2),
                               [("critical", "warning_sign", date(2026, 12, 2), None)], 1)
    assert lines[2] == "1. Critical, about a warning sign, raised on Dec 2, 2026, not yet acknowledged."
    assert not any(ch in " ".join(lines) for ch in ("session", "unexcused"))


# every kind of concern, acknowledged or not; and the shapes of each sentence (one flag, none, resolved ones)
EVERY_FLAG = [(level, concern, date(2026, 11, 2 + n), date(2026, 11, 20) if n % 2 else None)
              for n, (level, concern) in enumerate(zip(["critical", "high", "medium", "low"] * 2, CONCERNS,
                                                       strict=True))]
CASES = [("critical", date(2026, 12, 2), EVERY_FLAG, 2), ("high", None, EVERY_FLAG[1:2], 1), ("low", None, [], 0)]
WORD = re.compile(r"[^\W\d_]+")


def _words(lines: list[str]) -> set[str]:
    return {w.lower() for w in WORD.findall(" ".join(lines).replace("P-2026-000001", " "))}


def test_her_read_aloud_in_english_says_what_it_always_said_with_the_reasons_dates():
    lines = read_aloud_for_her("P-2026-000001", "critical", date(2026, 12, 2), [
        ("critical", "warning_sign", date(2026, 12, 2), None), ("high", "absences", date(2026, 11, 2),
                                                                 date(2026, 11, 3))], 3)
    assert lines == ["P-2026-000001 is at CRITICAL risk today (since Dec 2, 2026).",
                     "2 unresolved flags contribute; the highest sets the level:",
                     "1. Critical, about a warning sign, raised on Dec 2, 2026, not yet acknowledged.",
                     "2. High, about his absences, raised on Nov 2, 2026, acknowledged on Nov 3, 2026.",
                     "3 earlier flags were resolved and no longer count.", DISCLAIMER]
    one = read_aloud_for_her("P-2026-000001", "low", None, [("low", "a_concern_added_later", date(2026, 11, 2),
                                                              None)], 1)
    assert one == ["P-2026-000001 is at LOW risk today.", "1 unresolved flag contributes; the highest sets the level:",
                   "1. Low, about a concern, raised on Nov 2, 2026, not yet acknowledged.",
                   "1 earlier flag was resolved and no longer counts.", DISCLAIMER]
    none = read_aloud_for_her("P-2026-000001", "low", None, [], 0)
    assert none[1] == "No flag is unresolved: nothing the rules watch for is waiting on anyone."


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_her_read_aloud_is_all_in_her_language_with_the_dates_as_every_reason_writes_them(language):
    """Issue 19: her support worker reads the same facts, sentence for sentence, with no English word of the
    English rendering left in (a sentence or a kind of concern missing from the catalogue would leave one), and each
    date as the reasons write it in her language."""
    w = words(DOMAIN, language)
    for level, since, flags, resolved in CASES:
        english = read_aloud_for_her("P-2026-000001", level, since, flags, resolved)
        theirs = read_aloud_for_her("P-2026-000001", level, since, flags, resolved, language)
        assert len(theirs) == len(english)
        assert _words(theirs) & _words(english) == set(), theirs
        said = " ".join(theirs)
        for _lv, _concern, raised_on, acknowledged_on in flags:
            assert w.format_date(raised_on) in said
            if acknowledged_on:
                assert w.format_date(acknowledged_on) in said
        if since:
            assert w.format_date(since) in theirs[0]
        if language.endswith("Cyrl") or language == "ru":
            assert not re.search(r"[A-Za-z]", said.replace("P-2026-000001", "")), theirs
    # each kind of concern in its own words
    lines = read_aloud_for_her("P-2026-000001", "critical", None, EVERY_FLAG, 0, language)[2:-1]
    said = [w.pgettext(ABOUT[concern].context, ABOUT[concern].msgid) for _lv, concern, _on, _ack in EVERY_FLAG]
    assert len(set(said)) == len(CONCERNS) and not set(said) & {a.msgid for a in ABOUT.values()}
    assert all(word in line for word, line in zip(said, lines, strict=True))


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_each_factor_and_each_move_of_his_level_reach_her_in_her_language_and_say_no_more(language):
    """The explanation's factors and history, as she reads them (?lang=): each flag's level, kind of concern and
    date, that his level moved; in English as before (the reasons' dates), in her language with no English left."""
    w = words(DOMAIN, language)
    flag = {"id": uuid.uuid4(), "level": "high", "status": "open", "raised_at": datetime(2026, 12, 1, 5, tzinfo=UTC),
            "rule_id": "consecutive_absences", "evidence": {"session_numbers": [3, 4]}}
    english = factor_for_her(flag, "order", date(2026, 12, 1))
    assert english["says"] == ["A high flag about his protection order, raised on Dec 1, 2026."]
    theirs = factor_for_her(flag, "order", date(2026, 12, 1), language)
    assert {k: v for k, v in theirs.items() if k != "says"} == {k: v for k, v in english.items() if k != "says"}
    assert "rule_id" not in theirs and theirs["reason_codes"] == []
    [said] = theirs["says"]
    assert w.format_date(date(2026, 12, 1)) in said and not _words([said]) & _words(english["says"]), said
    move = {"from_level": "low", "level": "high", "changed_at": datetime(2026, 12, 1, 5, tzinfo=UTC)}
    assert history_for_her(move)["said"] == history_for_her(move)["cause"] == "his level changed"
    moved = history_for_her(move, language)
    assert moved["cause"] == "his level changed" and moved["flag_ids"] == []
    assert not _words([moved["said"]]) & {"his", "level", "changed"}, moved["said"]
