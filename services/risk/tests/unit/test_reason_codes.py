"""Every finding of the default rules carries its reasons as codes (qadam_contracts.reasons), and the English the
v1 `reasons` field holds is those codes rendered: a reader in any language renders the same codes, with no English
left, and her support worker's report stays a date and a level in every language."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib.resources import files

import pytest
from qadam_contracts.reasons import REASON_PARAMS
from qadam_contracts.vocabulary import LANGUAGES
from qadam_words.catalogs import message_ids
from qadam_words.reasons import DOMAIN, RULE_DESCRIPTIONS, render, v1_sentence
from risk.domain import OrderSignal
from risk.domain.rules import exit_reason

from .test_rules import (
    DEFAULTS,
    assessment,
    at,
    call_overdue,
    case,
    expiring,
    incident,
    marks,
    order_issued,
    run,
    sign,
)

SHARED = {"qadam", "intake", "order", "individual"}  # an id, and Uzbek and Karakalpak loanwords
ENGLISH = {w for msgid in message_ids(DOMAIN)
           for w in re.findall(r"[a-z]{3,}", re.sub(r"%\(\w+\)s", "", msgid.lower()))} - SHARED


def everything():
    """A case that fires nearly every default rule: absences, signs, incidents (one from victim support), an
    assessment, every signal of his order, a repeat order; and the combining rules over them."""
    plan = OrderSignal("plan1", "plan_overdue", at(2), {"order_id": "o1", "issued_on": "2026-10-05",
                                                        "due_on": "2026-10-07"})
    exit_ = OrderSignal("exit1", "exit_proposed", at(20), {"reasons": [
        "4 unexcused absences in all; the programme allows 3.", "Something enrollment may say one day."]})
    return run(case(
        marks=marks("present", "unexcused", "unexcused", "unexcused", "present", "unexcused"),
        observations=[sign("o1", "threat_to_kill", 3, session=2), sign("o2", "separation", 4),
                      sign("o3", "controlling_behaviour", 5, session=3), sign("o4", "substance_use", 6)],
        incidents=[incident("i1", "order_breach", date(2026, 10, 12), "severe"),
                   incident("i2", "victim_fear", date(2026, 10, 13), "severe", source="victim_support")],
        assessments=[assessment("a1", "very high", 1, score=8)],
        signals=[plan, exit_, expiring("x1", 10), call_overdue("c1", 9),
                 order_issued("r1", 0, "o0", "2026-06-01"), order_issued("r2", 0, "o1", "2026-10-05")]), DEFAULTS)


FINDINGS = everything()


def test_the_case_fires_every_kind_of_reason_the_default_rules_give():
    codes = {c.code for f in FINDINGS for c in f.codes}
    assert codes >= {"consecutive_absences", "unexcused_absences", "absence_rate", "warning_sign", "incident",
                     "concern", "intake_band", "exit_proposed", "plan_overdue", "order_expiring", "call_overdue",
                     "cluster", "combination", "repeat_order", "rule", "rule_in_a_row", "rule_in_all", "rule_rate"}


@pytest.mark.parametrize("finding", FINDINGS, ids=lambda f: f"{f.rule_id}:{f.fact_key}")
def test_the_v1_sentences_are_the_codes_rendered(finding):
    assert finding.codes and len(finding.codes) == len(finding.reasons)
    assert [v1_sentence(c) for c in finding.codes] == finding.reasons
    for c in finding.codes:
        assert set(c.params) == set(REASON_PARAMS[c.code])
        json.dumps(c.as_data())  # stored as JSON and sent in an event as it is


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
@pytest.mark.parametrize("finding", FINDINGS, ids=lambda f: f"{f.rule_id}:{f.fact_key}")
def test_each_rules_reasons_read_in_every_language_with_no_english_sentence(finding, language):
    for c in finding.codes:
        english, theirs = render(c, "en"), render(c, language)
        if c.code == "exit_proposed":  # enrollment's sentence no form fits is quoted as enrollment wrote it
            theirs = theirs.replace("Something enrollment may say one day.", "")
        assert theirs != english
        assert not set(re.findall(r"[a-z]{3,}", theirs.lower())) & ENGLISH, theirs


def test_her_report_is_a_date_and_a_level_as_codes_too():
    hers = [f for f in FINDINGS if f.source == "victim_support"]
    assert hers
    for f in hers:
        data = json.dumps([c.as_data() for c in f.codes])
        assert "victim_fear" not in data and "afraid" not in data
        for language in LANGUAGES:
            said = " ".join(render(c, language) for c in f.codes)
            assert "afraid" not in said and "qorq" not in said.lower() and "боит" not in said


def test_the_default_rules_words_are_in_the_catalogue():
    data = json.loads(files("risk").joinpath("defaults/rules.json").read_text(encoding="utf-8"))
    assert [r["description"] for r in data] == list(RULE_DESCRIPTIONS)


def test_enrollments_exit_reasons_are_read_back_into_codes():
    assert exit_reason("4 unexcused absences in all; the programme allows 3.").as_data() == {
        "code": "exit_unexcused", "params": {"count": 4, "allowed": 3}}
    assert exit_reason("3 unexcused absences in a row; the programme allows 2 in a row.").code == "exit_consecutive"
    assert exit_reason("He can no longer attend the 10 of 12 sessions the programme needs (80%).").params == {
        "needed": 10, "required": 12, "percent": 80}
    assert exit_reason("Anything else.").as_data() == {"code": "text", "params": {"text": "Anything else."}}
