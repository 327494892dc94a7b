"""A flag's reasons rendered from their codes in every language (qadam_words.reasons): no English left in a
non-English rendering, the language's own dates, an old sentence shown as written, and the catalogue check failing
when a reason has no words in some language."""

from __future__ import annotations

import re
import shutil

import pytest
from qadam_contracts.reasons import REASON_CODES, REASON_PARAMS, Reason, reason
from qadam_contracts.vocabulary import LANGUAGES, WARNING_SIGNS
from qadam_words import __main__ as cli
from qadam_words.catalogs import TRANSLATIONS, message_ids, po_path, read, write
from qadam_words.reasons import (
    DOMAIN,
    INCIDENT_WORDS,
    RULE_DESCRIPTIONS,
    SIGN_WORDS,
    joined,
    render,
    v1_sentence,
)

OTHERS = [language for language in LANGUAGES if language != "en"]
DESCRIPTION = RULE_DESCRIPTIONS[0]
SIGN = {"sign": "threat_to_kill", "on": "2026-11-03", "session": 4, "more": 0, "within_days": 0}
# one reason of every code, in each of its shapes
SAMPLES: dict[str, list[Reason]] = {
    "consecutive_absences": [reason("consecutive_absences", count=3, sessions=[2, 3, 4], first_on="2026-10-08",
                                    last_on="2026-10-15")],
    "unexcused_absences": [reason("unexcused_absences", count=2, sessions=[1, 4], threshold=2, on="2026-10-14")],
    "absence_rate": [reason("absence_rate", missed=3, window=6, sessions=[1, 3, 5], up_to="2026-11-20")],
    "warning_sign": [reason("warning_sign", **SIGN),
                     reason("warning_sign", **(SIGN | {"session": None})),
                     reason("warning_sign", **(SIGN | {"more": 2, "within_days": 14})),
                     reason("warning_sign", **(SIGN | {"session": None, "more": 1, "within_days": 7}))],
    "incident": [reason("incident", kind="order_breach", on="2026-11-01", severity="severe", source="inspector")],
    "concern": [reason("concern", on="2026-11-03", level="critical"), reason("concern", on="2026-11-03", level=None)],
    "intake_band": [reason("intake_band", on="2026-10-01", instrument="qadam-intake", score=7, band="very high")],
    "exit_proposed": [reason("exit_proposed", details=[
        reason("exit_unexcused", count=4, allowed=3).as_data(),
        reason("exit_consecutive", count=3, allowed=2).as_data(),
        reason("exit_attendance", needed=10, required=12, percent=80).as_data()])],
    "exit_unexcused": [reason("exit_unexcused", count=4, allowed=3)],
    "exit_consecutive": [reason("exit_consecutive", count=3, allowed=2)],
    "exit_attendance": [reason("exit_attendance", needed=10, required=12, percent=80)],
    "plan_overdue": [reason("plan_overdue", issued_on="2026-11-20", due_on="2026-11-24")],
    "order_expiring": [reason("order_expiring", expires_on="2026-12-10", days_left=5, programme=True, follow_up=False),
                       reason("order_expiring", expires_on="2026-12-10", days_left=5, programme=False, follow_up=True),
                       reason("order_expiring", expires_on="2026-12-10", days_left=5, programme=True, follow_up=True)],
    "call_overdue": [reason("call_overdue", absence_on="2026-11-02", session=5, due_at="2026-11-04T14:00")],
    "cluster": [reason("cluster", count=3, levels=["medium", "high"], within_days=42, of=[
        reason("warning_sign", **(SIGN | {"sign": "separation"})).as_data(),
        reason("concern", on="2026-11-03", level="high").as_data(),
        reason("repeat_order", issued_on="2026-11-01", days=120, previous_on="2026-07-04").as_data()])],
    "combination": [reason("combination", within_days=90, facts=[
        {"fact": "sign:separation", "on": "2026-10-01"}, {"fact": "sign:controlling_behaviour", "on": "2026-10-08"},
        {"fact": "incident:police_callout", "on": "2026-10-20"}, {"fact": "victim_support", "on": None}])],
    "assessment_due_first": [reason("assessment_due_first", enrolled_on="2026-10-01", due_on="2026-10-15")],
    "assessment_due": [reason("assessment_due", last_on="2026-09-01", due_on="2026-09-29")],
    "repeat_order": [reason("repeat_order", issued_on="2026-11-01", days=120, previous_on="2026-07-04")],
    "rule": [reason("rule", description=d) for d in RULE_DESCRIPTIONS],
    "rule_in_a_row": [reason("rule_in_a_row", description=DESCRIPTION, threshold=2)],
    "rule_in_all": [reason("rule_in_all", description=RULE_DESCRIPTIONS[1], threshold=2)],
    "rule_rate": [reason("rule_rate", description=RULE_DESCRIPTIONS[2], percent=50, window=6)],
    "level_rise": [reason("level_rise", participant_code="P-2026-000001", from_level="medium", level="high")],
    "text": [reason("text", text="A sentence an old flag stored.")],
}
ALL = [r for samples in SAMPLES.values() for r in samples]
# every English word of the catalogue's ids (the placeholders' names left out), to find English in a translation;
# but the instrument's id (a code, shown as it is) and the words Uzbek and Karakalpak write as English does (their
# loanwords: "order", as in himoya orderi; "individual")
SHARED = {"qadam", "intake", "order", "individual"}
ENGLISH = {w for msgid in message_ids(DOMAIN)
           for w in re.findall(r"[a-z]{3,}", re.sub(r"%\(\w+\)s", "", msgid.lower()))} - SHARED


def test_every_code_has_samples():
    assert set(SAMPLES) == set(REASON_CODES)
    for code, samples in SAMPLES.items():
        assert all(r.code == code and set(r.params) == set(REASON_PARAMS[code]) for r in samples)


@pytest.mark.parametrize("language", OTHERS)
@pytest.mark.parametrize("sample", [r for r in ALL if r.code != "text"], ids=lambda r: r.code)
def test_each_reason_reads_in_the_language_with_no_english_left(sample, language):
    english, theirs = render(sample, "en"), render(sample, language)
    assert theirs != english
    left = set(re.findall(r"[a-z]{3,}", theirs.lower())) & ENGLISH
    assert not left, (theirs, left)


@pytest.mark.parametrize("language", OTHERS)
def test_every_sign_and_incident_kind_has_its_own_words(language):
    for sign in WARNING_SIGNS:
        said = render(reason("warning_sign", **(SIGN | {"sign": sign})), language)
        assert render(reason("warning_sign", **(SIGN | {"sign": sign})), "en").endswith(f"{SIGN_WORDS[sign]}.")
        assert SIGN_WORDS[sign] not in said and sign not in said
    for kind, words in INCIDENT_WORDS.items():
        said = render(reason("incident", kind=kind, on="2026-11-01", severity="minor", source="inspector"), language)
        assert words not in said and kind not in said


@pytest.mark.parametrize(("language", "day"), [
    ("en", "Dec 10, 2026"), ("ru", "10 дек. 2026\u202fг."), ("kaa", "10.12.2026"), ("uz-Latn", "10-dek, 2026"),
    ("uz-Cyrl", "10 дек, 2026"), ("kaa-Cyrl", "10-дек 2026")])
def test_a_reasons_dates_are_written_as_the_language_writes_them(language, day):
    said = render(SAMPLES["order_expiring"][0], language)
    assert day in said and "2026-12-10" not in said


def test_the_karakalpak_reader_reads_why_in_karakalpak():
    said = render(SAMPLES["order_expiring"][0], "kaa")
    assert said == ("Onıń qorǵaw orderiniń múddeti 10.12.2026 kúni tawsıladı (5 kún qaldı), al baǵdarlaması ele "
                    "pitpegen.")
    assert render(SAMPLES["order_expiring"][0], "kaa-Cyrl").startswith("Оның қорғаў ордериниң мүддети")


def test_her_report_says_only_a_date_and_a_level_in_every_language():
    for language in LANGUAGES:
        said = render(SAMPLES["concern"][0], language)
        assert not any(words in said for words in INCIDENT_WORDS.values())
        together = render(SAMPLES["combination"][0], language)
        assert together.count("(") == 3  # the three dated facts; hers has no day


def test_an_old_sentence_and_a_regions_own_rule_words_are_shown_as_written():
    for language in LANGUAGES:
        assert render("An old sentence.", language) == "An old sentence."
        assert render({"code": "text", "params": {"text": "Kept."}}, language) == "Kept."
        assert render(reason("rule", description="Nukus's own rule."), language) == "Nukus's own rule."
        assert render({"code": "no_such_code", "params": {}}, language) == str({"code": "no_such_code", "params": {}})


def test_the_v1_sentence_is_the_english_risk_has_always_sent():
    assert v1_sentence(SAMPLES["consecutive_absences"][0]) == (
        "3 unexcused absences in a row: sessions 2, 3 and 4 (2026-10-08 to 2026-10-15).")
    assert v1_sentence(SAMPLES["call_overdue"][0]) == (
        "The psychologist's call after his unexcused absence on 2026-11-02 (session 5) was due by 2026-11-04 14:00 "
        "and is not recorded.")
    assert v1_sentence(SAMPLES["rule_rate"][0]).endswith("(flags 50% or more of the last 6).")
    assert v1_sentence(SAMPLES["concern"][0]) == (
        "A safety concern was reported by victim support on 2026-11-03, level critical.")


def test_several_reasons_make_one_line():
    line = joined([SAMPLES["plan_overdue"][0], SAMPLES["repeat_order"][0]], "ru")
    assert line.count(";") >= 1 and line.endswith(".") and not line.endswith("..")
    assert joined([], "ru") == ""


def test_a_day_that_ends_a_russian_sentence_keeps_its_point_and_the_sentence_one_full_stop():
    """Russian writes a day "29 сент. 2026 г.": a sentence ending on one ends "г.", not "г..", alone or in a line."""
    on_a_day = [r for r in ALL if re.search(r"\sг\.+$", render(r, "ru"))]
    assert len(on_a_day) >= 3
    for r in on_a_day:
        said = render(r, "ru")
        assert not said.endswith(".."), said
        line = joined([r, SAMPLES["plan_overdue"][0]], "ru")
        assert re.search(r"\sг\.; ", line) and ".." not in line.replace("...", ""), line


def test_a_reason_nobody_could_render_is_refused_where_it_is_made():
    with pytest.raises(ValueError):
        reason("no_such_code")
    with pytest.raises(ValueError):
        reason("concern", on="2026-11-03")  # its level missing


def test_check_fails_when_a_reason_has_no_words_in_some_language(tmp_path, capsys):
    root = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, root)
    path = po_path("kaa-Cyrl", DOMAIN, root)
    catalog = read(path, locale="kaa_Cyrl", domain=DOMAIN)
    msgid = SAMPLES["plan_overdue"][0]
    english_id = next(m.id for m in catalog if m.id and str(m.id).startswith("The correction plan"))
    catalog[english_id].string = ""
    write(catalog, path)
    assert cli.main(["check", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "kaa-Cyrl: 1 without a translation" in out and f"{DOMAIN}: The correction plan" in out
    assert msgid.code == "plan_overdue"
