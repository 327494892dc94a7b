"""His protection order on the inspector's pages: the correction plan recorded with whom it was agreed and its
parts, then changed; a day enrollment refuses shown beside its field; the order extended (the previous expiry kept)
and revoked; every page translated."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from moves_kit import INSPECTOR, man_to_move
from portal_testkit import csrf_of

MISSING = "X-Qadam-Missing-Translations"


@pytest.fixture(scope="module")
def man(demo: dict[str, Any], jwt_keys: tuple[Path, Path], portal_stack: Any) -> dict[str, Any]:
    return dict(man_to_move(demo, jwt_keys, portal_stack.database_url("portal"))["enrolment"])


def test_the_correction_plan_is_recorded_with_its_parts_and_changed(client_for, man):
    client = client_for(INSPECTOR, "en")
    his_page, path = f"/participants/{man['id']}", f"/participants/{man['id']}/plan"
    assert f'href="{path}"' in client.get(his_page).text
    form = client.get(path)
    assert form.status_code == 200 and 'value="programme" id="part-programme" checked' in form.text
    today = date.today()
    later = client.post(path, data={"csrf_token": csrf_of(form.text), "agreed_on": (today + timedelta(days=3)).isoformat(),
                                    "parts": ["programme"]})
    assert later.status_code == 422  # enrollment: between the order's issue and today, beside the field
    assert re.search(r'<span class="error" id="agreed_on-error">[^<]+</span>', later.text)
    saved = client.post(path, data={"csrf_token": csrf_of(form.text), "agreed_on": today.isoformat(),
                                    "agreed_with": "Inson centre of Nukus", "parts": ["programme", "employment"],
                                    "details_employment": "Nukus employment centre"})
    assert saved.status_code == 302
    parts = re.search(r'<ul class="plain" id="plan-parts">(.*?)</ul>', client.get(his_page).text, re.S)
    assert parts and "Referral for employment: Nukus employment centre" in parts.group(1)
    again = client.get(path)
    assert 'value="employment" id="part-employment" checked' in again.text and "Nukus employment centre" in again.text
    client.post(path, data={"csrf_token": csrf_of(again.text), "agreed_on": today.isoformat(),
                            "parts": ["programme", "housing"], "details_housing": "Mahalla housing commission"})
    changed = client.get(his_page).text
    assert "Referral for housing: Mahalla housing commission" in changed and "Referral for employment" not in changed


def test_the_order_is_extended_then_revoked(client_for, man):
    client = client_for(INSPECTOR, "en")
    path = f"/participants/{man['id']}/order"
    form = client.get(path)
    assert form.status_code == 200
    data = {"csrf_token": csrf_of(form.text), "new_expiry": date.today().isoformat(),
            "decided_by": "Nukus district court, 2-117", "reason": "A new complaint."}
    earlier = client.post(path, data=data)
    assert earlier.status_code == 422 and re.search(r'id="new_expiry-error">[^<]+<', earlier.text)
    extended = client.post(path, data={**data, "new_expiry": (date.today() + timedelta(days=200)).isoformat()})
    assert extended.status_code == 302
    page = client.get(f"/participants/{man['id']}").text
    assert "The extension is recorded." in page and "Extensions" in page
    revoked = client.post(f"{path}/revoke", data={"csrf_token": csrf_of(form.text)})
    assert revoked.status_code == 302
    page = client.get(f"/participants/{man['id']}").text
    assert "The protection order is revoked." in page and "Revoked" in page


@pytest.mark.parametrize("language", ["uz-Latn", "uz-Cyrl", "ru", "kaa"])
def test_the_plan_and_order_pages_are_translated(client_for, man, language):
    client = client_for(INSPECTOR, language)
    for path in (f"/participants/{man['id']}/plan", f"/participants/{man['id']}/order", f"/participants/{man['id']}"):
        page = client.get(path)
        assert page.status_code == 200 and MISSING not in page.headers, (path, page.headers.get(MISSING))
