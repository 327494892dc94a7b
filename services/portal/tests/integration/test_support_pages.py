"""The victim-support worker's pages as she uses them: she starts on the men whose partners she supports (those and
no others), each with his level and why in words safe for her and his order's dates; she reports an incident in her
own words, which stay on her side (his inspector reads that victim support reported a concern, never what she
wrote); she reads the notices she was sent and marks them seen; and every page is in her language."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from portal_testkit import csrf_of
from qadam_contracts.vocabulary import LANGUAGES
from qadam_testing import wait_until

SUPPORT, INSPECTOR, PSYCHOLOGIST = "inson-nukus-1", "insp-nukus-1", "psy-nukus-1"
MISSING = "X-Qadam-Missing-Translations"
HERS = 1  # the demo man whose partner she supports here (other page tests use the others)


def _idem(html: str) -> str:
    found = re.search(r'name="idem" value="([^"]+)"', html)
    assert found, "the form has no idempotency key"
    return found.group(1)


def _incident_form(her: Any, enrolment_id: str, **fields: str) -> tuple[Any, dict[str, str]]:
    form = her.get(f"/support/men/{enrolment_id}/incident")
    assert form.status_code == 200
    return form, {"csrf_token": csrf_of(form.text), "idem": _idem(form.text), "kind": "victim_fear",
                  "severity": "serious", "occurred_on": date.today().isoformat(), "details": "", **fields}


@pytest.fixture(scope="module")
def her_man(client_for: Any, demo: dict[str, Any]) -> dict[str, Any]:
    """The demo man whose partner she supports, linked by his inspector on his page, once risk knows it too."""
    enrolment = demo["enrolments"][HERS]
    inspector = client_for(INSPECTOR, "en")
    path = f"/participants/{enrolment['id']}/support-worker"

    def linked() -> bool:
        page = inspector.get(path)
        return inspector.post(path, data={"csrf_token": csrf_of(page.text),
                                          "victim_support_worker_id": SUPPORT}).status_code == 302

    wait_until(linked, timeout=30, what="enrollment to know the demo support worker")
    her = client_for(SUPPORT, "en")
    wait_until(lambda: 'id="risk-level"' in her.get(f"/support/men/{enrolment['id']}").text, timeout=30,
               what="risk to learn she supports the woman")
    return enrolment


def test_she_starts_on_the_men_whose_partners_she_supports_and_sees_no_other(client_for, demo, her_man):
    her = client_for(SUPPORT, "en")
    start = her.get("/")
    assert start.status_code == 302 and start.headers["Location"].endswith("/support/men")
    page = her.get("/support/men")
    assert page.status_code == 200
    card = re.search(rf'<li class="card case" id="case-{her_man["id"]}">(.*?)</li>', page.text, re.S)
    assert card, page.text[:3000]
    assert her_man["participant_code"] in card.group(1) and 'class="level ' in card.group(1)
    assert "In the programme" in card.group(1) and "Jasur Ergashev" in card.group(1)  # his inspector: whom to call
    for other in (demo["enrolments"][0], demo["enrolments"][2]):  # her district's, not hers
        assert other["participant_code"] not in page.text
        assert her.get(f"/support/men/{other['id']}").status_code == 404
    assert 'href="/support/notices"' in page.text  # her menu


def test_his_page_says_where_he_stands_his_level_and_why_and_his_order_but_nothing_of_his_programme_record(
        client_for, her_man):
    her = client_for(SUPPORT, "en")
    page = her.get(f"/support/men/{her_man['id']}").text
    assert re.search(r'<dd id="status">In the programme', page)
    assert re.search(r'<dd id="order">HO-DEMO-2: ', page) and "(In force)" in page
    assert re.search(r'<p id="risk-level">Level today: ', page) and 'id="why"' in page
    for never in ("Attendance", "Sessions attended", "Unexcused absences", "Full name", "PINFL", "Dilnoza Rahimova",
                  "Not to contact the victim", "Cohort"):  # his record, his psychologist, the order's conditions
        assert never not in page, never


def test_her_words_are_sealed_for_her_side_and_his_inspector_learns_only_that_victim_support_reported_a_concern(
        client_for, her_man):
    her = client_for(SUPPORT, "en")
    words = f"She saw him outside the school gate, note {uuid.uuid4().hex[:8]}"
    form, data = _incident_form(her, her_man["id"], details=words)
    assert "only victim-support workers read them" in form.text
    # a day still to come: risk refuses it, and the form comes back with the error beside the day, her words kept
    refused = her.post(f"/support/men/{her_man['id']}/incident",
                       data={**data, "occurred_on": (date.today() + timedelta(days=2)).isoformat()})
    assert refused.status_code == 422 and 'id="occurred_on-error"' in refused.text and words in refused.text
    done = her.post(f"/support/men/{her_man['id']}/incident", data=data)
    assert done.status_code == 302
    page = her.get(done.headers["Location"]).text
    assert "Your report is recorded" in page and "It raised a flag: Critical" in page
    assert words in page  # she reads her own words
    his_side = client_for(INSPECTOR, "en").get(f"/participants/{her_man['id']}").text
    assert words not in his_side and "Victim-support worker" in his_side
    assert client_for(INSPECTOR, "en").get(f"/support/men/{her_man['id']}").status_code == 403


def test_she_reads_the_notices_she_was_sent_and_marks_them_seen(client_for, her_man):
    her = client_for(SUPPORT, "en")
    _form, data = _incident_form(her, her_man["id"], kind="contact_with_victim")  # a critical flag: notify tells her
    assert her.post(f"/support/men/{her_man['id']}/incident", data=data).status_code == 302
    page = wait_until(lambda: (t := her.get("/support/notices").text) and re.search(
        r'<li class="card waiting" id="notice-([0-9a-f-]+)">\s*<h2><a href="/support/men/' + her_man["id"]
        + r'">[^<]+</a> <span class="level critical">.*?A critical risk flag was raised', t, re.S) and t,
        timeout=30, what="notify to tell her of the critical flag")
    notice = re.search(r'<li class="card waiting" id="notice-([0-9a-f-]+)">\s*<h2><a href="/support/men/'
                       + her_man["id"], page).group(1)
    seen = her.post(f"/alerts/{notice}/acknowledge", data={"csrf_token": csrf_of(page), "idem": str(uuid.uuid4()),
                                                          "next": "/support/notices"})
    assert seen.status_code == 302 and seen.headers["Location"].endswith("/support/notices")
    after = her.get("/support/notices").text
    assert re.search(rf'<li class="card" id="notice-{notice}">.*?<p class="acknowledged">Seen ', after, re.S)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_hers_is_in_her_language(client_for, her_man, language):
    her = client_for(SUPPORT, language)
    for path in ("/support/men", f"/support/men/{her_man['id']}", f"/support/men/{her_man['id']}/incident",
                 "/support/notices"):
        response = her.get(path)
        assert response.status_code == 200 and MISSING not in response.headers, (path, language,
                                                                                   response.headers.get(MISSING))


RISK_SECTIONS = re.compile(r'<section aria-labelledby="risk-heading">.*?<section aria-labelledby="flags-heading">.*?'
                           r"</section>", re.S)


def _shown_words(page: str, code: str) -> set[str]:
    """The words a reader sees in his page's risk sections (his level, what it says, its history, his open flags)."""
    found = RISK_SECTIONS.search(page)
    assert found, page[:3000]
    text = re.sub(r"<!--.*?-->|<[^>]+>", " ", found.group(0), flags=re.S).replace(code, " ")
    return {word.lower() for word in re.findall(r"[^\W\d_]+", html.unescape(text))}


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_his_risk_on_his_page_reads_in_her_language_flags_and_all(client_for, her_man, language):
    """Issue 19: with his flags open, the risk she reads on his page (the read-aloud, what sets his level, its
    history, his open flags) is in her language: no word of what the page says in English is left."""
    her = client_for(SUPPORT, "en")
    if 'class="level critical"' not in her.get(f"/support/men/{her_man['id']}").text:
        _form, data = _incident_form(her, her_man["id"], kind="stalking")
        assert her.post(f"/support/men/{her_man['id']}/incident", data=data).status_code == 302
    path = f"/participants/{her_man['id']}"
    english = her.get(path).text
    assert "flag about" in english and "unresolved" in english and 'id="factors-heading"' in english
    theirs = client_for(SUPPORT, language).get(path)
    assert theirs.status_code == 200 and MISSING not in theirs.headers, theirs.headers.get(MISSING)
    code = her_man["participant_code"]
    assert _shown_words(english, code) & _shown_words(theirs.text, code) == set()
