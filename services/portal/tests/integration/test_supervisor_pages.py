"""A move out of the district in the portal: the inspector asks for it on the man's page, the page says it waits;
the supervisor finds it on his Supervision page and on Moves to approve, a refusal without a reason is pointed out
beside the field, and his approval moves the man; every page is translated."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from moves_kit import INSPECTOR, SUPERVISOR, man_to_move
from portal_testkit import csrf_of
from qadam_words.places import place_name

MISSING = "X-Qadam-Missing-Translations"


@pytest.fixture(scope="module")
def case(demo: dict[str, Any], jwt_keys: tuple[Path, Path], portal_stack: Any) -> dict[str, Any]:
    return man_to_move(demo, jwt_keys, portal_stack.database_url("portal"))


def _card(html: str, transfer_id: str) -> str:
    found = re.search(rf'<article class="move" id="move-{transfer_id}".*?</article>', html, re.S)
    assert found, f"no move {transfer_id} on the page"
    return found.group(0)


def test_a_move_out_of_the_district_waits_for_the_supervisor_who_approves_it(client_for, case):
    enrolment, away = case["enrolment"], case["away"]
    inspector = client_for(INSPECTOR, "en")
    his_page = f"/participants/{enrolment['id']}"
    assert f'href="{his_page}/transfer"' in inspector.get(his_page).text
    form = inspector.get(f"{his_page}/transfer")
    assert form.status_code == 200 and away["name"] in form.text and case["home"]["name"] not in form.text
    unchosen = inspector.post(f"{his_page}/transfer", data={"csrf_token": csrf_of(form.text), "note": ""})
    assert unchosen.status_code == 422 and "Choose the group he moves to." in unchosen.text
    asked = inspector.post(f"{his_page}/transfer", data={
        "csrf_token": csrf_of(form.text), "idem": re.search(r'name="idem" value="([^"]+)"', form.text).group(1),
        "cohort_id": away["id"], "note": "He moved to live with his brother."})
    assert asked.status_code == 302 and asked.headers["Location"].endswith(his_page)
    page = inspector.get(his_page).text
    assert "waits for the supervisor&#39;s approval" in page and 'id="pending-transfer"' in page
    assert f'href="{his_page}/transfer"' not in page  # one move waits at a time
    assert case["home"]["name"] in page

    supervisor = client_for(SUPERVISOR, "en")
    overview = supervisor.get("/supervision")
    assert overview.status_code == 200 and enrolment["participant_code"] in overview.text
    moves = supervisor.get("/moves")
    [transfer_id] = [t for t in re.findall(r'id="move-([0-9a-f-]{36})"', moves.text)
                     if enrolment["participant_code"] in _card(moves.text, t)]
    card = _card(moves.text, transfer_id)
    assert away["name"] in card and "He moved to live with his brother." in card and "Jasur Ergashev" in card
    refused = supervisor.post(f"/moves/{transfer_id}", data={"csrf_token": csrf_of(moves.text),
                                                            "decision": "refuse", "note": ""})
    assert refused.status_code == 422
    assert re.search(rf'<span class="error" id="note-{transfer_id}-error">[^<]+</span>', refused.text)
    approved = supervisor.post(f"/moves/{transfer_id}", data={"csrf_token": csrf_of(moves.text),
                                                             "decision": "approve", "note": ""})
    assert approved.status_code == 302
    after = supervisor.get(approved.headers["Location"]).text
    assert "is approved and made" in after and "Approved" in _card(after, transfer_id)

    moved = inspector.get(his_page).text
    assert re.search(rf'<dd id="cohort">{re.escape(away["name"])}</dd>', moved)
    assert re.search(rf'<dd id="district">{re.escape(place_name(away["district"], "district", "en"))} ', moved)
    assert 'id="pending-transfer"' not in moved


@pytest.mark.parametrize("language", ["uz-Latn", "uz-Cyrl", "ru", "kaa"])
def test_the_supervisor_pages_and_the_move_form_are_translated(client_for, case, language):
    supervisor = client_for(SUPERVISOR, language)
    for path in ("/supervision", "/moves"):
        page = supervisor.get(path)
        assert page.status_code == 200 and MISSING not in page.headers, (path, page.headers.get(MISSING))
    inspector = client_for(INSPECTOR, language)
    page = inspector.get(f"/participants/{case['enrolment']['id']}/transfer")
    assert page.status_code == 200 and MISSING not in page.headers, page.headers.get(MISSING)


def test_only_a_supervisor_opens_the_supervision_pages(client_for):
    inspector = client_for(INSPECTOR, "en")
    assert inspector.get("/supervision").status_code == 403 and inspector.get("/moves").status_code == 403
