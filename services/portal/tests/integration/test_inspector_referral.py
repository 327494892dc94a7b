"""The referral form finds a man registered already (by his code, PINFL or name) and refers him with his own record,
never registering him twice; her support worker is chosen from the region's directory in the same request."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from moves_kit import INSPECTOR, man_to_move
from portal_testkit import csrf_of


def test_a_man_found_registered_is_referred_with_his_record_and_her_support_worker(client_for, demo: dict[str, Any],
                                                                                   jwt_keys: tuple[Path, Path],
                                                                                   portal_stack: Any):
    known = man_to_move(demo, jwt_keys, portal_stack.database_url("portal"))["enrolment"]
    another_group = man_to_move(demo, jwt_keys, portal_stack.database_url("portal"))["home"]
    client = client_for(INSPECTOR, "en")
    found = client.get("/refer", query_string={"q": known["participant_code"]})
    link = re.search(r'<a href="(/refer\?participant=[0-9a-f-]{36})">Refer ([^<]+)</a>', found.text)
    assert link and known["participant_code"] in link.group(2)
    form = client.get(link.group(1)).text
    name = re.search(r'<input id="full_name" name="full_name" type="text" value="([^"]+)"', form)
    assert name and name.group(1).startswith("Bahodir Qodirov")
    assert '<option value="inson-nukus-1">Malika Yusupova</option>' in form  # the region's support workers
    fields = {k: re.search(rf'id="{k}" name="{k}" type="[a-z]+" value="([^"]*)"', form).group(1)
              for k in ("full_name", "birth_date")}
    # his district chosen among the region's, by the name the form sends (the one stored)
    fields["district"] = re.search(r'<select id="district" name="district"[^>]*>.*?<option value="([^"]+)" selected>',
                                   form, re.S).group(1)
    suffix = uuid.uuid4().hex[:6]
    referred = client.post("/refer", data={
        **fields, "csrf_token": csrf_of(form), "idem": str(uuid.uuid4()), "preferred_language": "uz-Latn",
        "order_number": f"HO-AGAIN-{suffix}", "order_issued_on": date.today().isoformat(),
        "order_expires_on": (date.today() + timedelta(days=60)).isoformat(), "order_condition_codes": "no_contact",
        "placement": f"{another_group['id']}|psy-nukus-1", "victim_support_worker_id": "inson-nukus-1"})
    assert referred.status_code == 302, referred.text[:2000]
    page = client.get(referred.headers["Location"]).text
    assert f"He was registered already, as {known['participant_code']}" in page
    assert re.search(r'<dd id="support-worker">Malika Yusupova', page)
    assert another_group["name"] in page
