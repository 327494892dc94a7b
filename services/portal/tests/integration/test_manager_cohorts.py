"""The manager's groups, their waiting lists and programme versions, as the demo manager uses them: a group formed
and changed through the pages, a referral to a full group waiting on its list, a man placed in another group, a new
version of a programme; what enrollment refuses shown beside its field; every page in every language."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from portal.demo import DISTRICT, REGION
from portal_testkit import csrf_of
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_contracts.vocabulary import LANGUAGES
from werkzeug.datastructures import MultiDict

MANAGER = "mgr-karakalpakstan"


@pytest.fixture(scope="module")
def api(demo: dict[str, Any], jwt_keys: tuple[Path, Path]) -> Any:
    """api(method, path, who, body): enrollment as a demo user of the region (setting up, and reading what the pages
    did)."""
    defaults = Settings()
    people = {"manager": (MANAGER, "manager", None), "inspector": ("insp-nukus-1", "inspector", DISTRICT)}

    def call(method: str, path: str, who: str, body: Any = None) -> Any:
        user, role, district = people[who]
        token = issue_token(jwt_keys[0].read_bytes(), user_id=user, role=role, region=REGION, district=district,
                            issuer=defaults.jwt_issuer, audience=defaults.jwt_audience, ttl_seconds=600)
        response = requests.request(method, demo["urls"]["enrollment"] + path, json=body, timeout=10,
                                    headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 300, response.text
        return response.json()

    return call


@pytest.fixture(scope="module")
def programme(api: Any) -> dict[str, Any]:
    """A programme of the region of its own (the demo one stays as the other tests know it)."""
    return dict(api("POST", "/programmes", "manager", {"name": f"Pages programme {uuid.uuid4().hex[:6]}",
                                                        "template": "statutory", "region": REGION}))


def post(client: Any, path: str, data: list[tuple[str, str]], form_page: str) -> Any:
    token = csrf_of(client.get(form_page).text)
    return client.post(path, data=MultiDict([("csrf_token", token), *data]))


def form_group(client: Any, programme: dict[str, Any], name: str, capacity: str) -> str:
    """Form a group through the page; its id."""
    answer = post(client, "/manager/cohorts/new", [
        ("programme_id", programme["id"]), ("name", name), ("district", DISTRICT),
        ("facilitator_ids", "psy-nukus-1"), ("start_date", date.today().isoformat()), ("capacity", capacity),
        ("weekdays", "2"), ("weekdays", "5"), ("time", "16:00"), ("place", "Qizketken mahalla guzari")],
        "/manager/cohorts/new")
    assert answer.status_code == 302, answer.text[:3000]
    found = re.search(r"/manager/cohorts/([0-9a-f-]{36})$", answer.headers["Location"])
    assert found
    return found.group(1)


def refer(api: Any, cohort_id: str) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    return dict(api("POST", "/referrals", "inspector", {
        "participant": {"full_name": f"Polat Seytmuratov {suffix}", "birth_date": "1984-02-02", "region": REGION,
                        "district": DISTRICT},
        "order": {"number": f"HO-PG-{suffix}", "region": REGION, "district": DISTRICT,
                  "issued_on": (date.today() - timedelta(days=2)).isoformat(),
                  "expires_on": (date.today() + timedelta(days=60)).isoformat()},
        "enrolment": {"cohort_id": cohort_id, "inspector_id": "insp-nukus-1", "psychologist_id": "psy-nukus-1"}}))


def test_a_group_formed_on_the_page_is_enrollments_with_its_schedule(client_for, api, programme):
    client = client_for(MANAGER, "en")
    cohort_id = form_group(client, programme, "Nukus, pages group 1", "4")
    made = api("GET", f"/cohorts/{cohort_id}", "manager")
    assert (made["district"], made["capacity"], made["facilitator_ids"]) == (DISTRICT, 4, ["psy-nukus-1"])
    assert made["schedule"] == {"weekdays": [2, 5], "time": "16:00", "place": "Qizketken mahalla guzari"}
    page = client.get(f"/manager/cohorts/{cohort_id}").text  # where the form led, with what it did
    assert "Group Nukus, pages group 1 is formed." in page and "Nobody is waiting for a place in this group." in page
    listed = client.get("/manager/cohorts").text
    assert "Nukus, pages group 1" in listed and "0 of 4" in listed


def test_a_form_with_mistakes_is_shown_again_with_each_beside_its_field(client_for, programme):
    client = client_for(MANAGER, "en")
    refused = post(client, "/manager/cohorts/new", [("programme_id", programme["id"]), ("capacity", "99"),
                                                     ("time", "4pm")], "/manager/cohorts/new")
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    for message in ("Give the group a name.", "Choose the district.", "Enter the day the group starts.",
                    "Choose one to four psychologists.", "Give a number of places from 1 to 30.",
                    "Write the time as hours:minutes, for example 15:00."):
        assert message in text, message
    assert 'value="4pm"' in refused.text  # what was typed stays


def test_fewer_places_than_men_is_refused_by_enrollment_and_said_beside_the_places(client_for, api, programme):
    client = client_for(MANAGER, "en")
    cohort_id = form_group(client, programme, "Nukus, pages group 2", "2")
    refer(api, cohort_id)
    refer(api, cohort_id)
    page = f"/manager/cohorts/{cohort_id}"
    refused = post(client, page, [("status", "running"), ("capacity", "1"), ("facilitator_ids", "psy-nukus-1")],
                   page)
    assert refused.status_code == 422
    assert re.search(r'id="capacity-error">2 take part in this group already: it cannot have fewer places', refused.text)
    in_uzbek = post(client_for(MANAGER, "uz-Latn"), page,
                    [("status", "running"), ("capacity", "1"), ("facilitator_ids", "psy-nukus-1")], page)
    assert re.search(r'id="capacity-error">Bu guruhda allaqachon 2 kishi qatnashmoqda', in_uzbek.text)
    changed = post(client, page, [("status", "running"), ("capacity", "3"), ("facilitator_ids", "psy-nukus-1"),
                                  ("weekdays", "1")], page)
    assert changed.status_code == 302
    now = api("GET", f"/cohorts/{cohort_id}", "manager")
    assert (now["status"], now["capacity"], now["schedule"]["weekdays"]) == ("running", 3, [1])


def test_a_group_men_wait_for_is_not_closed_and_the_page_says_so_beside_its_status(client_for, api, programme):
    client = client_for(MANAGER, "en")
    cohort_id = form_group(client, programme, f"Nukus, pages group {uuid.uuid4().hex[:4]}", "1")
    refer(api, cohort_id)
    refer(api, cohort_id)  # waits
    page = f"/manager/cohorts/{cohort_id}"
    refused = post(client, page, [("status", "finished"), ("capacity", "1"), ("facilitator_ids", "psy-nukus-1")],
                   page)
    assert refused.status_code == 422
    assert re.search(r'id="status-error">1 wait for a place in this group: place them in another group', refused.text)
    in_karakalpak = post(client_for(MANAGER, "kaa"), page,
                         [("status", "finished"), ("capacity", "1"), ("facilitator_ids", "psy-nukus-1")], page)
    assert re.search(r'id="status-error">Bul toparda orın kútip turǵanlar: 1\.', in_karakalpak.text)
    assert api("GET", f"/cohorts/{cohort_id}", "manager")["status"] == "forming"


def test_a_referral_to_a_full_group_waits_on_its_list_and_is_placed_in_another_group(client_for, api, programme):
    client = client_for(MANAGER, "en")
    full = form_group(client, programme, "Nukus, pages group 3", "1")
    other = form_group(client, programme, "Nukus, pages group 4", "5")
    refer(api, full)
    waiting = refer(api, full)
    assert waiting["enrolment"] is None and waiting["waiting"]["position"] == 1
    code = waiting["participant"]["code"]
    page = client.get(f"/manager/cohorts/{full}").text
    assert "Waiting list" in page and code in page and "Nukus, pages group 4 (Nukus): 5 free" in page
    assert re.search(r"Nukus, pages group 3</a></th>.*?<strong>1</strong>", client.get("/manager/cohorts").text, re.S)

    placed = post(client, f"/manager/waiting/{waiting['waiting']['id']}/placement",
                  [("cohort_id", other), ("from_cohort", full)], f"/manager/cohorts/{full}")
    assert placed.status_code == 302 and placed.headers["Location"].endswith(f"/manager/cohorts/{full}")
    after = client.get(f"/manager/cohorts/{full}").text
    assert f"{code} is placed in the other group." in after and "Nobody is waiting for a place in this group." in after
    enrolments = api("GET", f"/enrolments?cohort_id={other}", "manager")["items"]
    assert [e["participant_code"] for e in enrolments] == [code]


def test_a_new_version_of_a_regions_programme(client_for, api, programme):
    client = client_for(MANAGER, "en")
    assert programme["name"] in client.get("/manager/programmes").text
    page = f"/manager/programmes/{programme['id']}/version"
    values = {"sessions_per_week": "2", "completion_attendance_percent": "80", "max_unexcused_absences": "1",
              "max_consecutive_absences": "2", "absence_call_hours": "24", "group_size_min": "6",
              "group_size_max": "10"}
    refused = post(client, page, list({**values, "group_size_min": "12"}.items()), page)
    assert refused.status_code == 422 and "smallest group cannot be larger" in refused.text  # enrollment's rule
    made = post(client, page, list(values.items()), page)
    assert made.status_code == 302, made.text[:2000]
    versions = api("GET", f"/programmes/{programme['id']}/versions", "manager")
    assert [v["version"] for v in versions] == [1, 2]
    assert (versions[1]["completion_attendance_percent"], versions[1]["absence_call_hours"]) == (80, 24)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_in_every_language(client_for, api, programme, language):
    client = client_for(MANAGER, language)
    cohort = api("GET", "/cohorts?page_size=1", "manager")["items"][0]
    current = api("GET", "/programmes", "manager")["items"][0]
    for path in ("/manager/cohorts", "/manager/cohorts/new", f"/manager/cohorts/{cohort['id']}",
                 "/manager/programmes", f"/manager/programmes/{current['id']}/version"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert "X-Qadam-Missing-Translations" not in answer.headers, (path, answer.headers)
    refused = post(client, "/manager/cohorts/new", [("capacity", "x")], "/manager/cohorts/new")
    assert refused.status_code == 422 and "X-Qadam-Missing-Translations" not in refused.headers


def test_an_inspector_is_refused_the_managers_pages(client_for):
    inspector = client_for("insp-nukus-1", "en")
    for path in ("/manager/cohorts", "/manager/cohorts/new", "/manager/programmes"):
        assert inspector.get(path).status_code == 403, path


@pytest.mark.parametrize("language", ["kaa", "ru"])
def test_on_the_dashboard_a_programme_named_as_a_shipped_template_is_named_in_the_readers_language(
        client_for, api, language):
    # enrollment writes the report's own labels in the language the portal asks for (the reader's): a programme that
    # kept its template's name is named in her language, a region's own name as it was typed
    from qadam_words.vocabulary import PROGRAMME_TEMPLATES, said

    shipped = PROGRAMME_TEMPLATES["statutory"].name
    # one may be there already (another test's): a region has one programme of a name, in versions
    kept = [p for p in api("GET", "/programmes", "manager")["items"] if p["name"] == shipped]
    programme = kept[0] if kept else api("POST", "/programmes", "manager",
                                         {"name": shipped, "template": "statutory", "region": REGION})
    refer(api, form_group(client_for(MANAGER, "en"), programme, f"Nukus, shipped name {language}", "4"))
    response = client_for(MANAGER, language).get("/dashboard?group_by=programme")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert f'<th scope="row">{said(shipped, language)} v{programme["version"]}' in page
    assert shipped not in page
    assert f"Statutory correction programme ({REGION}) v" in page  # the demo's own name: as typed
