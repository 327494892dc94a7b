"""A man's papers from the portal (issue 21): on his page his inspector issues a progress report in the language he
chooses, finds it listed and downloads its PDF; the check page says a printed copy is genuine by its number and check
code, and not genuine with a wrong code; the psychologist is offered the certificate only, once he completed; the
manager sees no Documents section."""

from __future__ import annotations

import re
from typing import Any

from portal_testkit import csrf_of

INSPECTOR, PSYCHOLOGIST, MANAGER = "insp-nukus-1", "psy-nukus-1", "mgr-karakalpakstan"


def _issue(client: Any, enrolment_id: str, kind: str, language: str) -> Any:
    page = client.get(f"/participants/{enrolment_id}")
    assert page.status_code == 200 and 'id="documents"' in page.text
    idem = re.search(r'name="idem" value="([^"]+)"', page.text.split('id="documents"', 1)[1])
    assert idem, "the Documents section has no form"
    return client.post(f"/participants/{enrolment_id}/documents", data={
        "csrf_token": csrf_of(page.text), "idem": idem.group(1), "kind": kind, "language": language})


def _issued(client: Any, enrolment_id: str, kind: str, language: str) -> str:
    """The number of the paper issued from his page (the flash message that names it)."""
    issued = _issue(client, enrolment_id, kind, language)
    assert issued.status_code == 302, issued.text
    found = re.search(r"Document (QD-\d{4}-\d{6}) is issued\.", client.get(issued.headers["Location"].split("#")[0]).text)
    assert found, "no message names the paper issued"
    return found.group(1)


def test_the_inspector_issues_a_progress_report_and_downloads_it(client_for, demo):
    client = client_for(INSPECTOR, "en")
    enrolment = demo["enrolments"][2]
    page = client.get(f"/participants/{enrolment['id']}").text
    assert 'name="kind" value="progress_report"' in page and 'value="completion_certificate"' not in page

    issued = _issue(client, enrolment["id"], "progress_report", "ru")
    assert issued.status_code == 302 and issued.headers["Location"].endswith(f"/participants/{enrolment['id']}#documents")
    page = client.get(issued.headers["Location"].split("#")[0]).text
    number = re.search(r"Document (QD-\d{4}-\d{6}) is issued\.", page)
    assert number, page
    row = re.search(rf'<tr id="document-{number.group(1)}">(.*?)</tr>', page, re.S)
    assert row and "Progress report" in row.group(1) and "Русский" in row.group(1)

    download = client.get(f"/documents/{number.group(1)}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-")
    assert f'filename="{number.group(1)}.pdf"' in download.headers["Content-Disposition"]


def test_the_check_page_tells_a_genuine_copy_from_a_forged_one(client_for, demo):
    client = client_for(INSPECTOR, "en")
    enrolment = demo["enrolments"][3]
    number = _issued(client, enrolment["id"], "progress_report", "uz-Latn")
    code = _code_of(client, enrolment["id"], number)
    genuine = client.get(f"/documents/check?number={number}&code={code.lower()}")
    assert genuine.status_code == 200 and "Genuine: Qadam issued document" in genuine.text
    forged = client.get(f"/documents/check?number={number}&code=0000-0000")
    assert "Not genuine" in forged.text and "Progress report" not in forged.text
    for language in ("ru", "kaa-Cyrl"):
        other = client_for(INSPECTOR, language).get(f"/documents/check?number={number}&code={code}")
        assert other.status_code == 200 and not other.headers.get("X-Qadam-Missing-Translations")


def _code_of(client: Any, enrolment_id: str, number: str) -> str:
    """The check code printed on the document, as his page lists it."""
    row = re.search(rf'<tr id="document-{number}">.*?<td class="check-code">([^<]+)</td>',
                    client.get(f"/participants/{enrolment_id}").text, re.S)
    assert row, f"{number} is not listed on his page"
    return row.group(1).strip()


def test_the_manager_gets_none_of_his_documents(client_for, demo):
    inspector = client_for(INSPECTOR, "en")
    number = _issued(inspector, demo["enrolments"][4]["id"], "progress_report", "en")
    assert client_for(MANAGER, "en").get(f"/documents/{number}.pdf").status_code == 403


def test_the_psychologist_is_offered_no_letter_to_the_issuing_body(client_for, demo):
    page = client_for(PSYCHOLOGIST, "en").get(f"/enrolments/{demo['enrolments'][2]['id']}")
    assert page.status_code == 200 and 'id="documents"' in page.text
    section = page.text.split('id="documents"', 1)[1]
    assert 'name="kind" value="progress_report"' not in section  # his certificate only, once he completed
