"""Programme fidelity's pure rules: the period a report covers, and the spellings of a planned module."""

from __future__ import annotations

from datetime import date

from qadam_contracts.vocabulary import LANGUAGES
from qadam_words.vocabulary import PROGRAMME_TEMPLATES, programme_text
from sessions.domain.fidelity import module_spellings, report_period, shipped_module_spellings


def test_a_report_covers_the_twelve_months_to_today_unless_asked():
    assert report_period(None, None, today=date(2026, 12, 6)) == (date(2025, 12, 7), date(2026, 12, 6))
    assert report_period(None, date(2024, 2, 29), today=date(2026, 12, 6)) == (date(2023, 3, 1), date(2024, 2, 29))
    assert report_period(date(2026, 10, 1), date(2026, 11, 30), today=date(2026, 12, 6)) == (
        date(2026, 10, 1), date(2026, 11, 30))


def test_an_empty_period_is_returned_for_the_caller_to_refuse():
    assert report_period(date(2026, 11, 30), date(2026, 10, 1), today=date(2026, 12, 6)) == (
        date(2026, 11, 30), date(2026, 10, 1))


def test_a_shipped_module_is_delivered_as_planned_in_any_of_qadams_languages():
    topic = PROGRAMME_TEMPLATES["statutory"].topics[1]
    spellings = shipped_module_spellings()[topic]
    assert topic in spellings
    assert {programme_text(topic, language) for language in LANGUAGES} == set(spellings)
    assert len(spellings) > 1  # translated: the Russian is not the English


def test_a_regions_own_topic_has_no_other_spelling():
    assert "Our own module" not in shipped_module_spellings()
    assert module_spellings(["Our own module"]) == {"Our own module": ["Our own module"]}
