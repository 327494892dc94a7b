"""The papers about one man (issue 21) over HTTP on the real database: each kind in each language generated as PDF,
its text read back (pypdf) with the expected figures and words and no English word in a non-English paper, its first
page drawn as PNG under var/documents/ for a person to look at; kept as issued (the database refuses to change one);
a printed copy checked by number and check code, a file by its bytes, a tampered one reported as not genuine; and
who may issue and read which."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from enrollment.documents import words as W  # noqa: N812 (the words as constants: W.TITLES)
from enrollment_papers import DISTRICT, REGION, VOCABULARY, Office, read_paper, said, set_standing
from qadam.db import make_engine
from qadam_contracts.vocabulary import LANGUAGES
from qadam_words import words
from qadam_words.reasons import LEVEL_WORDS

KINDS = ("progress_report", "non_compliance_notice", "completion_certificate", "exit_notice")
# Karakalpak and Uzbek letters a paper must carry through to its text: names are stored exactly as typed.
NAMES = {"progress_report": "Oʻtkir Xoʻjayev", "non_compliance_notice": "Ǵayrat Ńurlanov",
         "completion_certificate": "Íslam Úsenov", "exit_notice": "Бахтияр Қосымбетов"}


@pytest.fixture(scope="module")
def office(app_for, token) -> Office:
    return Office(app_for("enrollment").test_client(), token)


@pytest.fixture(scope="module")
def men(office: Office, stack) -> dict[str, dict]:
    """One man for each kind, standing where that kind may be issued."""
    url = stack.database_url("enrollment")
    cohort = office.cohort()
    found = {kind: office.enrolment(cohort, NAMES[kind], f"198{n}-0{n + 1}-1{n}") for n, kind in enumerate(KINDS)}
    set_standing(url, found["progress_report"]["id"], status="active", started_on=date(2026, 11, 3), sessions_recorded=6,
         sessions_attended=3, excused_absences=1, unexcused_absences=2, longest_absence_run=1)
    set_standing(url, found["non_compliance_notice"]["id"], status="active", started_on=date(2026, 11, 3),
         sessions_recorded=6, sessions_attended=2, excused_absences=1, unexcused_absences=3, longest_absence_run=3,
         exit_proposed_at=date(2026, 11, 24))
    set_standing(url, found["completion_certificate"]["id"], status="completed", started_on=date(2026, 11, 3),
         finished_on=date(2026, 11, 28), follow_up_until=date(2027, 2, 28), sessions_recorded=8, sessions_attended=7,
         excused_absences=1, unexcused_absences=0)
    set_standing(url, found["exit_notice"]["id"], status="exited", status_reason="new_violence", started_on=date(2026, 11, 3),
         finished_on=date(2026, 11, 20), sessions_recorded=4, sessions_attended=3, unexcused_absences=1,
         longest_absence_run=1)
    engine = make_engine(url)
    with engine.begin() as conn:  # risk's flags as enrollment keeps them: one open, one resolved
        conn.execute(sa.text("INSERT INTO risk_flag (flag_id, enrolment_id, level, raised_at, resolved_at) VALUES "
                             "(:a, :e, 'high', '2026-11-18T09:00:00+05:00', NULL), "
                             "(:b, :e, 'critical', '2026-11-10T09:00:00+05:00', '2026-11-12T09:00:00+05:00')"),
                     {"a": uuid.uuid4(), "b": uuid.uuid4(), "e": found["progress_report"]["id"]})
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def papers(office: Office, men: dict[str, dict]) -> dict[tuple[str, str], tuple[dict, bytes, str]]:
    """Every kind in every language, issued once for the module: (the answer, the PDF, its text, whitespace as one
    space). The first page of each is drawn under var/documents/ (git ignores it) for a person to look at."""
    made = {}
    for kind in KINDS:
        for language in LANGUAGES:
            answer = office.issue(men[kind], kind, language)
            pdf = office.pdf(answer["number"])
            text = read_paper(pdf, f"{kind}-{language}")
            made[kind, language] = (answer, pdf, text)
    return made



@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_each_paper_states_its_figures_and_words_in_its_language(papers, men, kind, language):
    answer, pdf, text = papers[kind, language]
    codes = text.replace("- ", "-")  # a code may wrap at one of its hyphens
    man = men[kind]
    assert pdf.startswith(b"%PDF-") and answer["kind"] == kind and answer["language"] == language
    assert answer["number"] in codes and answer["check_code"] in codes
    assert said(language, W.TITLES[kind]) in text
    assert man["person"]["full_name"] in text  # ʻ, Ǵ, Ń, Í, Ú and Cyrillic Қ come back as typed
    assert man["participant_code"] in codes and man["order"]["number"] in codes
    assert said(language, W.SIGNATURE) in text and said(language, W.SIGNED_BY_HEAD) in text
    figures = {"progress_report": {W.SESSIONS_HELD: 6, W.ATTENDED: 3, W.EXCUSED: 1, W.UNEXCUSED: 2},
               "non_compliance_notice": {W.SESSIONS_HELD: 6, W.ATTENDED: 2, W.UNEXCUSED: 3, W.LONGEST_RUN: 3},
               "exit_notice": {W.SESSIONS_HELD: 4, W.ATTENDED: 3, W.UNEXCUSED: 1}}.get(kind, {})
    for label, figure in figures.items():
        assert f"{said(language, label)} {figure}" in text, label
    if kind == "progress_report":
        level = words("reasons", language).gettext(LEVEL_WORDS["high"])
        assert said(language, W.CONCERN, level=level, date=words("enrollment", language).format_date(
            date(2026, 11, 18), "long")) in text
        assert words("reasons", language).gettext(LEVEL_WORDS["critical"]) not in text.replace(
            said(language, W.CONCERNS_NOTE), "")  # a resolved concern is not an open one
        assert said(language, W.PARTICIPATION_WORDS["irregular"]) in text
        assert said(language, W.TO_ISSUING_BODY, district=_district(language), region=_region(language),
                     order=man["order"]["number"]) in codes
    if kind == "non_compliance_notice":
        assert said(language, W.COMPLIANCE_WORDS["exit_proposed"]) in text and said(language, W.TO_INSPECTOR) in text
        assert said(language, W.PARTICIPATION_WORDS["rare"]) in text
    if kind == "completion_certificate":
        assert said(language, W.CERTIFICATE_TEXT, attended=7, required=8) in text
    if kind == "exit_notice":
        assert said(language, W.COMPLIANCE_WORDS["left"]) in text


def _district(language: str) -> str:
    from qadam_words.places import place_name

    return place_name(DISTRICT, "district", language)


def _region(language: str) -> str:
    from qadam_words.places import place_name

    return place_name(REGION, "region", language)


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_no_english_word_is_on_a_paper_in_another_language(papers, men, office, kind, language):
    answer, _pdf, text = papers[kind, language]
    text = text.replace("- ", "-")
    man = men[kind]
    for code in (answer["number"], answer["check_code"], man["participant_code"], man["order"]["number"],
                 office.inspector_id, office.psychologist_id, "QD"):
        text = text.replace(code, " ")
    assert VOCABULARY.english_in(text, language) == set(), text


def test_the_english_word_test_finds_english_on_a_paper(papers):
    assert {"report", "programme"} <= VOCABULARY.english_in(papers["progress_report", "en"][2], "ru")


def test_a_stored_document_cannot_be_changed_or_removed(papers, stack):
    answer = papers["progress_report", "ru"][0]
    engine = make_engine(stack.database_url("enrollment"))
    try:
        for statement in ("UPDATE document SET kind = 'exit_notice' WHERE number = :n",
                          "UPDATE document SET pdf = 'forged'::bytea WHERE number = :n",
                          "DELETE FROM document WHERE number = :n"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(sa.text(statement), {"n": answer["number"]})
        with engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT kind, sha256 FROM document WHERE number = :n"),
                                {"n": answer["number"]}).one()
        assert (kept.kind, kept.sha256) == ("progress_report", answer["sha256"])
    finally:
        engine.dispose()


def test_a_printed_copy_is_checked_by_its_number_and_check_code(office, papers):
    answer = papers["exit_notice", "kaa"][0]
    typed = answer["check_code"].replace("-", "").lower()  # as a person may type it
    genuine = office.ok("GET", f"/documents/{answer['number']}?check={typed}", {}, status=200)
    assert genuine == {"number": answer["number"], "genuine": True, "kind": "exit_notice",
                       "issued_at": answer["generated_at"], "replaced_by": None, "purged_at": None}
    wrong = "0000-0000" if answer["check_code"] != "0000-0000" else "1111-1111"
    forged = office.ok("GET", f"/documents/{answer['number']}?check={wrong}", {}, status=200)
    assert forged == {"number": answer["number"], "genuine": False, "kind": None, "issued_at": None,
                      "replaced_by": None, "purged_at": None}
    unknown = office.ok("GET", f"/documents/QD-2026-999999?check={answer['check_code']}", {}, status=200)
    assert unknown["genuine"] is False


def test_a_document_changed_behind_the_triggers_no_longer_checks(office, papers, stack):
    answer = papers["non_compliance_notice", "ru"][0]
    engine = make_engine(stack.database_url("enrollment"))
    try:  # someone who may switch the triggers off (the table's owner) rewrites what the paper states
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE document DISABLE TRIGGER document_append_only"))
            conn.execute(sa.text("UPDATE document SET facts = jsonb_set(facts, '{attendance,unexcused}', '0') "
                                 "WHERE number = :n"), {"n": answer["number"]})
            conn.execute(sa.text("ALTER TABLE document ENABLE TRIGGER document_append_only"))
    finally:
        engine.dispose()
    checked = office.ok("GET", f"/documents/{answer['number']}?check={answer['check_code']}", {}, status=200)
    assert checked["genuine"] is False


def test_a_copy_whose_bytes_were_changed_is_not_genuine(office, papers):
    answer, pdf, _text = papers["completion_certificate", "uz-Latn"]
    def check(content: bytes) -> Any:
        response = office.client.post(f"/documents/{answer['number']}/check", data=content,
                                      content_type="application/pdf")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()
    assert check(pdf)["genuine"] is True and check(pdf)["kind"] == "completion_certificate"
    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x01
    assert check(bytes(tampered)) == {"number": answer["number"], "genuine": False, "kind": None, "issued_at": None,
                                      "replaced_by": None, "purged_at": None}
    assert check(papers["completion_certificate", "ru"][1])["genuine"] is False  # another document's file


def test_a_correction_names_the_document_it_replaces_and_the_old_one_says_so(office, men, papers):
    old = papers["progress_report", "uz-Cyrl"][0]
    new = office.issue(men["progress_report"], "progress_report", "uz-Cyrl", replaces=old["number"])
    assert new["replaces"] == old["number"] and new["number"] != old["number"]
    checked = office.ok("GET", f"/documents/{old['number']}?check={old['check_code']}", {}, status=200)
    assert checked["genuine"] is True and checked["replaced_by"] == new["number"]
    again = office.issue(men["progress_report"], "progress_report", "uz-Cyrl", replaces=old["number"], status=409)
    assert again["replaced_by"] == new["number"]
    other_kind = office.issue(men["progress_report"], "progress_report", "ru",
                              replaces=papers["exit_notice", "ru"][0]["number"], status=422)
    assert "replaces" in other_kind["errors"]
    listed = office.ok("GET", f"/enrolments/{men['progress_report']['id']}/documents", office.inspector, status=200)
    assert {d["number"]: d["replaced_by"] for d in listed["items"]}[old["number"]] == new["number"]


def test_a_paper_his_standing_does_not_allow_is_a_409(office, men):
    active = men["progress_report"]
    for kind in ("non_compliance_notice", "exit_notice"):
        refused = office.issue(active, kind, "ru", status=409)
        assert refused["kind"] == kind and refused["enrolment_status"] == "active"
    assert office.issue(active, "completion_certificate", "ru", status=409)["kind"] == "completion_certificate"
    listed = office.ok("GET", f"/enrolments/{active['id']}/documents", office.inspector, status=200)
    assert listed["issuable"] == ["progress_report"]


def test_who_may_issue_and_read_which_papers(office, men, papers):
    man = men["completion_certificate"]
    letter = papers["progress_report", "ru"][0]
    # the manager gets none of a man's documents; nor does her support worker
    for who in (office.manager, office.support):
        assert office.client.get(f"/enrolments/{man['id']}/documents", headers=who).status_code == 403
        assert office.client.post(f"/enrolments/{man['id']}/documents", headers=who,
                                  json={"kind": "progress_report", "language": "ru"}).status_code == 403
        assert office.client.get(f"/documents/{letter['number']}/pdf", headers=who).status_code == 403
    # the psychologist issues the certificate, not the letters to the issuing body, and reads only certificates
    refused = office.issue(men["progress_report"], "progress_report", "ru", who=office.psychologist, status=403)
    assert "progress_report" in refused["detail"]
    assert office.client.get(f"/documents/{letter['number']}/pdf", headers=office.psychologist).status_code == 403
    listed = office.ok("GET", f"/enrolments/{man['id']}/documents", office.psychologist, status=200)
    assert {d["kind"] for d in listed["items"]} == {"completion_certificate"}
    assert listed["issuable"] == ["completion_certificate"]
    # the supervisor of his region issues and reads the letters
    made = office.issue(men["exit_notice"], "exit_notice", "en", who=office.supervisor)
    assert office.pdf(made["number"], who=office.supervisor).startswith(b"%PDF-")


def test_issuing_and_downloading_are_written_to_the_audit_log(office, men, stack):
    made = office.issue(men["progress_report"], "progress_report", "kaa-Cyrl")
    office.pdf(made["number"])
    engine = make_engine(stack.database_url("enrollment"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT method, route, record, user_id FROM audit_log "
                                        "WHERE record->>'document' = :n ORDER BY id"), {"n": made["number"]}).all()
    finally:
        engine.dispose()
    assert [(r.method, r.route, r.user_id) for r in rows] == [
        ("POST", "/enrolments/<uuid:enrolment_id>/documents", office.inspector_id),
        ("GET", "/documents/<string:number>/pdf", office.inspector_id)]
