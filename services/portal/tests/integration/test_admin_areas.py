"""The administrator's view of where staff work (issue 18): every region with its districts and mahallas in sight,
a district added to Karakalpakstan and a user placed in it, and each user's supervisors in turn (whom their
unanswered alerts go to). Regions and districts are named in the reader's language (issue 19: the places
catalogue), the forms still send their stored identifiers, and a district the catalogue does not name yet is flagged."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from portal.demo import DISTRICT, MAHALLA, REGION
from portal_testkit import csrf_of
from qadam_contracts.vocabulary import LANGUAGES


def region_block(page: str, region: str) -> str:
    """The part of the Areas page about one region (its <details>)."""
    found = re.search(r"<details( open)?>\s*<summary>" + re.escape(region) + r".*?</details>", page, re.S)
    assert found, f"no region {region!r}"
    return found.group(0)


def post(client: Any, path: str, data: dict[str, str], form_page: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_of(client.get(form_page).text), **data})


def test_karakalpakstan_shows_its_districts_and_mahallas_open(client_for):
    page = client_for("admin-1", "en").get("/admin/areas").text
    block = region_block(page, "Republic of Karakalpakstan")  # REGION, in English
    assert block.startswith("<details open>")  # in sight, not folded away
    assert f"<strong>{DISTRICT}</strong>" in block and f"<li>{MAHALLA}</li>" in block
    assert "No name of its own yet" not in block  # Nukus is in the catalogue
    assert region_block(page, "Navoi Region").startswith("<details>")  # nothing to show: folded


def test_the_areas_page_in_russian_names_the_regions_and_districts_in_russian(client_for):
    page = client_for("admin-1", "ru").get("/admin/areas").text
    assert region_block(page, "Бухарская область").startswith("<details")
    block = region_block(page, "Республика Каракалпакстан")
    assert "<strong>Нукус</strong>" in block and f"<li>{MAHALLA}</li>" in block  # a mahalla as written
    # the choice sends the identifier the services store, and says the name the reader reads
    assert '<option value="Buxoro viloyati">Бухарская область</option>' in page
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for stored in ("Buxoro viloyati", "Qoraqalpogʻiston Respublikasi", "Toshkent shahri"):
        assert stored not in text, stored
    assert "город Ташкент" in text


def test_a_district_added_in_karakalpakstan_takes_a_new_inspector(client_for):
    admin = client_for("admin-1", "en")
    district = f"Xoʻjayli {uuid.uuid4().hex[:4]}"
    added = post(admin, "/admin/areas", {"kind": "district", "district_region": REGION, "district_name": district},
                 "/admin/areas")
    assert added.status_code == 302
    block = region_block(admin.get("/admin/areas").text, "Republic of Karakalpakstan")
    assert f"<strong>{district}</strong>" in block
    # the catalogue has no names for it yet: shown as written, and said so, with the languages that lack one
    flagged = re.search(rf"<strong>{re.escape(district)}</strong>\s*<span class=\"unnamed\">([^<]*)</span>", block)
    assert flagged and "No name of its own yet in:" in flagged[1] and "Русский" in flagged[1], block
    form = admin.get("/admin/users/new").text
    assert re.search(rf'<optgroup label="Republic of Karakalpakstan">.*?<option value="{re.escape(district)}"',
                     form, re.S)
    user_id = f"insp-xojayli-{uuid.uuid4().hex[:4]}"
    made = post(admin, "/admin/users/new", {
        "id": user_id, "display_name": "Ilyos Turdimuratov", "role": "inspector", "region": REGION,
        "district": district, "mahalla": "", "email": f"{user_id}@example.uz", "phone": "", "telegram_chat_id": "",
        "language": "kaa", "supervisor_id": "sup-nukus", "quiet_start": "", "quiet_end": ""}, "/admin/users/new")
    assert made.status_code == 201, html.unescape(made.text)[:3000]
    listed = admin.get(f"/admin/users?q={user_id}").text
    assert f"Republic of Karakalpakstan / {district}" in listed and "Gulnora Saidova" in listed


def test_each_user_shows_their_supervisors_in_turn(client_for):
    listed = client_for("admin-1", "en").get("/admin/users?q=insp-nukus-1").text
    row = re.search(r"<code>insp-nukus-1</code>.*?</tr>", listed, re.S)
    assert row and re.search(r'<td class="chain"[^>]*>Gulnora Saidova</td>', row.group(0)), row


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_are_in_every_language(client_for, language):
    admin = client_for("admin-1", language)
    for path in ("/admin/areas", "/admin/users"):
        answer = admin.get(path)
        assert answer.status_code == 200 and "X-Qadam-Missing-Translations" not in answer.headers, path
