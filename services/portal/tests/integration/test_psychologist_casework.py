"""The psychologist's casework through the portal's pages and the real services: a referred man's intake assessment
with the instrument in her language, his moves (assess and start, suspend and resume with a reason, exclusion at
intake), only the moves enrollment offers; her group's sessions planned from its programme, moved, cancelled, a
make-up session beside them and what a session delivered; her alerts inbox, where her acknowledgement never
silences the inspector's.

These tests make a group of their own (a manager schedules it twice a week) and refer their own men to it through
the APIs, so that the demo group stays the other tests'."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from portal_testkit import csrf_of
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_testing import wait_until

PSYCHOLOGIST, INSPECTOR, MANAGER = "psy-nukus-1", "insp-nukus-1", "mgr-karakalpakstan"
MISSING = "X-Qadam-Missing-Translations"


# -- fixtures ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(demo: dict[str, Any], jwt_keys: tuple[Path, Path]) -> Any:
    """api(user, method, service, path, body) -> the service's answer to that demo user."""
    defaults = Settings()

    def call(user: str, method: str, service: str, path: str, body: Any = None) -> requests.Response:
        who = demo["users"][user]
        token = issue_token(jwt_keys[0].read_bytes(), user_id=user, role=who.role, issuer=defaults.jwt_issuer,
                            audience=defaults.jwt_audience, ttl_seconds=600, region=who.region,
                            district=who.district)
        return requests.request(method, demo["urls"][service] + path, json=body, timeout=10,
                                headers={"Authorization": f"Bearer {token}"})

    return call


@pytest.fixture(scope="module")
def group(demo: dict[str, Any], api: Any) -> dict[str, Any]:
    """A group of her own, twice a week at 15:00 from next Monday, under the demo group's programme."""
    demo_group = demo["cohort"]
    start = date.today() + timedelta(days=7 - date.today().weekday())
    made = api(MANAGER, "POST", "enrollment", "/cohorts", {
        "programme_id": demo_group["programme_id"], "name": f"Nukus, casework {uuid.uuid4().hex[:6]}",
        "region": demo_group["region"], "district": demo_group["district"], "facilitator_ids": [PSYCHOLOGIST],
        "start_date": start.isoformat(), "capacity": 12,
        "schedule": {"weekdays": [1, 4], "time": "15:00", "place": "Qizketken mahalla guzari"}})
    assert made.status_code == 201, made.text
    cohort = made.json()
    # the group reaches sessions as an event
    wait_until(lambda: api(PSYCHOLOGIST, "GET", "sessions", f"/cohorts/{cohort['id']}/sessions").status_code == 200,
               timeout=30, what="the new group in sessions")
    return cohort


def refer(api: Any, cohort: dict[str, Any], name: str) -> dict[str, Any]:
    """A man referred to the group by the demo inspector (person, order and enrolment in one request)."""
    tag = uuid.uuid4().hex[:6]
    answer = api(INSPECTOR, "POST", "enrollment", "/referrals", {
        "participant": {"full_name": f"{name} {tag}", "birth_date": "1985-03-14", "region": cohort["region"],
                        "district": cohort["district"], "preferred_language": "kaa"},
        "order": {"number": f"HO-CW-{tag}", "region": cohort["region"], "district": cohort["district"],
                  "issued_on": (date.today() - timedelta(days=3)).isoformat(),
                  "expires_on": (date.today() + timedelta(days=60)).isoformat(), "conditions": ["No contact"]},
        "enrolment": {"cohort_id": cohort["id"], "psychologist_id": PSYCHOLOGIST, "inspector_id": INSPECTOR}})
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["enrolment"])


def _idem(html: str) -> str:
    found = re.search(r'name="idem" value="([^"]+)"', html)
    assert found, "the form has no idempotency key"
    return found.group(1)


def _move(client: Any, enrolment_id: str, action: str, **fields: str) -> Any:
    page = client.get(f"/enrolments/{enrolment_id}")
    return client.post(f"/enrolments/{enrolment_id}/moves", data={
        "csrf_token": csrf_of(page.text), "idem": _idem(page.text), "action": action, **fields})


def _offered(html: str) -> set[str]:
    """The moves the page offers (one small form each)."""
    return set(re.findall(r'name="action" value="([a-z]+)"', html))


def _assess(client: Any, enrolment_id: str, answers: dict[str, str], default: str = "no") -> Any:
    page = client.get(f"/enrolments/{enrolment_id}/assessment")
    items = re.findall(r'name="answer-([a-z_]+)" value="yes"', page.text)
    data = {"csrf_token": csrf_of(page.text), "idem": _idem(page.text)}
    data |= {f"answer-{item}": answers.get(item, default) for item in items}
    return client.post(f"/enrolments/{enrolment_id}/assessment", data=data)


# -- his intake and his moves ------------------------------------------------------------------------------------
def test_the_instrument_is_shown_item_by_item_in_her_language_with_unknown_explained(client_for, group, api):
    man = refer(api, group, "Qalbay Sapaev")
    for language, word in (("kaa", "Hújjetlerge qaraǵanda"), ("kaa-Cyrl", "Ҳүжжетлерге қарағанда"),
                           ("uz-Cyrl", "Ҳисоботларга кўра"),
                           ("uz-Latn", "Hisobotlarga koʻra"), ("ru", "По учётам"), ("en", "Records show")):
        page = client_for(PSYCHOLOGIST, language).get(f"/enrolments/{man['id']}/assessment")
        assert page.status_code == 200 and MISSING not in page.headers, language
        assert word in page.text, language
        assert len(re.findall(r'value="unknown"', page.text)) == 13, language
    page = client_for(PSYCHOLOGIST, "en").get(f"/enrolments/{man['id']}/assessment")
    assert "An unknown item adds nothing to the score" in page.text and "At most 4 items may be unknown" in page.text


def test_she_assesses_a_referred_man_then_marks_him_assessed_and_starts_him(client_for, group, api):
    client = client_for(PSYCHOLOGIST, "en")
    man = refer(api, group, "Murat Allambergenov")
    today = client.get("/today")  # he waits for her: his intake
    assert "Waiting for your decision" in today.text and f'href="/enrolments/{man["id"]}"' in today.text
    page = client.get(f"/enrolments/{man['id']}")
    assert page.status_code == 200 and "Referred, not yet assessed" in page.text
    assert _offered(page.text) == {"assess", "exclude", "exit"}  # what enrollment offers her, no start yet

    missing = client.post(f"/enrolments/{man['id']}/assessment",
                          data={"csrf_token": csrf_of(page.text), "answer-victim_fear": "yes"})
    assert missing.status_code == 422 and "Answer this item: Unknown where the facts are not known." in missing.text

    too_vague = wait_until(lambda: (r := _assess(client, man["id"], {}, default="unknown")).status_code == 422 and r,
                           timeout=30, what="risk knowing the man just referred")
    assert "Too many items are unknown: at most 4 may be." in too_vague.text

    done = _assess(client, man["id"], {"prior_domestic_violence": "yes", "victim_fear": "yes",
                                       "prior_breach": "unknown"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/enrolments/{man['id']}")
    page = client.get(done.headers["Location"])
    assert "score 2, level Medium" in page.text and "unknown items: 1" in page.text

    assert _move(client, man["id"], "assess").status_code == 302
    page = client.get(f"/enrolments/{man['id']}")
    assert "Assessed, not yet started" in page.text and "start" in _offered(page.text)
    started = _move(client, man["id"], "start")
    assert started.status_code == 302
    page = client.get(started.headers["Location"])
    assert "Active in the programme" in page.text and _offered(page.text) == {"suspend", "exit"}
    assert api(PSYCHOLOGIST, "GET", "enrollment", f"/enrolments/{man['id']}").json()["status"] == "active"


def test_a_suspension_needs_its_reason_and_he_resumes(client_for, group, api):
    client = client_for(PSYCHOLOGIST, "en")
    man = refer(api, group, "Ilyas Dosjanov")
    for action in ("assess", "start"):
        assert _move(client, man["id"], action).status_code == 302
    refused = _move(client, man["id"], "suspend")
    assert refused.status_code == 422 and "Choose the reason." in refused.text
    assert 'id="reason-suspend-error"' in refused.text
    assert _move(client, man["id"], "suspend", reason="illness", note="In hospital for a month").status_code == 302
    page = client.get(f"/enrolments/{man['id']}")
    assert "Suspended for now (Illness)" in page.text and _offered(page.text) == {"resume", "exit"}
    assert _move(client, man["id"], "resume").status_code == 302
    assert "Active in the programme" in client.get(f"/enrolments/{man['id']}").text
    moves = [t["action"] for t in api(PSYCHOLOGIST, "GET", "enrollment", f"/enrolments/{man['id']}/transitions").json()]
    assert moves[-2:] == ["suspend", "resume"]


def test_she_excludes_a_man_at_intake_with_the_reason_and_nothing_is_offered_after(client_for, group, api):
    client = client_for(PSYCHOLOGIST, "kaa")
    man = refer(api, group, "Sabir Toreshov")
    done = _move(client, man["id"], "exclude", reason="severe_mental_illness")
    assert done.status_code == 302
    page = client.get(f"/enrolments/{man['id']}")
    assert MISSING not in page.headers and not _offered(page.text)
    found = api(PSYCHOLOGIST, "GET", "enrollment", f"/enrolments/{man['id']}").json()
    assert (found["status"], found["status_reason"]) == ("excluded", "severe_mental_illness")


def test_a_move_his_enrolment_no_longer_allows_is_refused_on_the_page(client_for, group, api):
    client = client_for(PSYCHOLOGIST, "en")
    man = refer(api, group, "Azat Kurbanov")
    refused = _move(client, man["id"], "start")  # a page left open: he was never assessed
    assert refused.status_code == 409 and "This cannot be done now" in refused.text
    assert api(PSYCHOLOGIST, "GET", "enrollment", f"/enrolments/{man['id']}").json()["status"] == "referred"


# -- her group's sessions ----------------------------------------------------------------------------------------
def _cohort_form(client: Any, cohort_id: str, path: str, **fields: Any) -> Any:
    page = client.get(f"/cohorts/{cohort_id}")
    return client.post(path, data={"csrf_token": csrf_of(page.text), "idem": _idem(page.text), **fields})


def _sessions(api: Any, cohort_id: str) -> list[dict[str, Any]]:
    return list(api(PSYCHOLOGIST, "GET", "sessions", f"/cohorts/{cohort_id}/sessions?page_size=100").json()["items"])


def test_she_plans_the_groups_sessions_from_its_programme(client_for, group, api, demo):
    client = client_for(PSYCHOLOGIST, "en")
    planned = _cohort_form(client, group["id"], f"/cohorts/{group['id']}/plan")
    assert planned.status_code == 302
    page = client.get(planned.headers["Location"])
    assert "8 sessions are planned from the programme." in page.text
    sessions = _sessions(api, group["id"])
    assert sorted(s["number"] for s in sessions) == list(range(1, 9))
    assert all(s["place"] == "Qizketken mahalla guzari" for s in sessions)
    again = _cohort_form(client, group["id"], f"/cohorts/{group['id']}/plan")
    assert "Every session of the programme is scheduled already." in client.get(again.headers["Location"]).text
    # the demo group has no weekdays or time: said, not a 500
    unplanned = _cohort_form(client, demo["cohort"]["id"], f"/cohorts/{demo['cohort']['id']}/plan")
    assert "cannot be planned" in client.get(unplanned.headers["Location"]).text


def test_she_moves_a_session_and_cancels_another_each_with_its_reason(client_for, group, api):
    client = client_for(PSYCHOLOGIST, "en")
    _cohort_form(client, group["id"], f"/cohorts/{group['id']}/plan")
    by_number = {s["number"]: s for s in _sessions(api, group["id"])}
    moved, cancelled = by_number[7]["id"], by_number[8]["id"]
    page = client.get(f"/sessions/{moved}/change")
    assert page.status_code == 200
    form = {"csrf_token": csrf_of(page.text), "idem": _idem(page.text), "cancel": "no"}
    no_reason = client.post(f"/sessions/{moved}/change", data=form | {"day": "2030-01-10", "time": "16:30"})
    assert no_reason.status_code == 422 and "Say why the session moves or is cancelled." in no_reason.text
    done = client.post(f"/sessions/{moved}/change", data=form | {
        "day": "2030-01-10", "time": "16:30", "place": "Nukus youth centre", "reason": "The guzar is being repaired"})
    assert done.status_code == 302
    after = api(PSYCHOLOGIST, "GET", "sessions", f"/sessions/{moved}").json()
    assert after["scheduled_at"].startswith("2030-01-10T11:30")  # 16:30 in Tashkent
    assert (after["place"], after["change_reason"]) == ("Nukus youth centre", "The guzar is being repaired")

    page = client.get(f"/sessions/{cancelled}/change")
    done = client.post(f"/sessions/{cancelled}/change", data={
        "csrf_token": csrf_of(page.text), "idem": _idem(page.text), "cancel": "yes", "reason": "Navruz holiday"})
    assert done.status_code == 302
    assert "Session cancelled" in client.get(f"/cohorts/{group['id']}").text
    assert api(PSYCHOLOGIST, "GET", "sessions", f"/sessions/{cancelled}").json()["status"] == "cancelled"


def test_she_adds_a_make_up_session_for_one_man(client_for, group, api):
    client = client_for(PSYCHOLOGIST, "en")
    man = refer(api, group, "Nurbek Jollibaev")
    page = client.get(f"/cohorts/{group['id']}/sessions/new")
    assert page.status_code == 200 and man["participant_code"] in page.text
    form = {"csrf_token": csrf_of(page.text), "idem": _idem(page.text), "kind": "individual", "number": "1",
            "day": "2030-02-01", "time": "10:00"}
    without_him = client.post(f"/cohorts/{group['id']}/sessions/new", data=form)
    assert without_him.status_code == 422 and "is for one man: choose him" in without_him.text
    no_such = client.post(f"/cohorts/{group['id']}/sessions/new", data=form | {
        "kind": "makeup", "number": "99", "enrolment_id": man["id"]})  # sessions refuses: no group session 99
    assert no_such.status_code == 422 and "check the number" in no_such.text
    done = client.post(f"/cohorts/{group['id']}/sessions/new", data=form | {"enrolment_id": man["id"]})
    assert done.status_code == 302
    assert "One-to-one session" in client.get(f"/cohorts/{group['id']}").text
    ones = [s for s in _sessions(api, group["id"]) if s["kind"] == "individual"]
    assert [s["enrolment_id"] for s in ones] == [man["id"]]


def test_she_records_what_a_session_delivered(client_for, group, api):
    client = client_for(PSYCHOLOGIST, "uz-Latn")
    _cohort_form(client, group["id"], f"/cohorts/{group['id']}/plan")
    session = next(s for s in _sessions(api, group["id"]) if s["number"] == 2)
    page = client.get(f"/sessions/{session['id']}/fidelity")
    assert page.status_code == 200 and MISSING not in page.headers
    done = client.post(f"/sessions/{session['id']}/fidelity", data={
        "csrf_token": csrf_of(page.text), "idem": _idem(page.text), "module_delivered": "2. Anger and its signals",
        "co_facilitators": "Gulnara Abdireymova\nDilnoza Rasulova", "deviations": ""})
    assert done.status_code == 302
    after = api(PSYCHOLOGIST, "GET", "sessions", f"/sessions/{session['id']}").json()
    assert after["module_delivered"] == "2. Anger and its signals"
    assert after["co_facilitators"] == ["Gulnara Abdireymova", "Dilnoza Rasulova"]
    five = client.post(f"/sessions/{session['id']}/fidelity", data={
        "csrf_token": csrf_of(page.text), "module_delivered": "x", "co_facilitators": "a\nb\nc\nd\ne"})
    assert five.status_code == 422 and 'id="co_facilitators-error"' in five.text  # beside her co-facilitators


def test_the_module_delivered_is_offered_in_her_language_and_kept_as_she_sends_it(client_for, group, api):
    # a session planned from a shipped template carries its topic in English (the curriculum's words): her form
    # offers it in her language, and what she sends is what is kept
    from qadam_words.vocabulary import SHIPPED_TEXTS, said

    client = client_for(PSYCHOLOGIST, "kaa")
    _cohort_form(client, group["id"], f"/cohorts/{group['id']}/plan")
    session = next(s for s in _sessions(api, group["id"]) if s["number"] == 3 and not s.get("module_delivered"))
    topic = session["topic"]
    assert topic in SHIPPED_TEXTS and said(topic, "kaa") != topic
    page = client.get(f"/sessions/{session['id']}/fidelity")
    assert page.status_code == 200 and MISSING not in page.headers
    text = html.unescape(page.text)
    assert f'value="{said(topic, "kaa")}"' in text and topic not in text
    done = client.post(f"/sessions/{session['id']}/fidelity", data={
        "csrf_token": csrf_of(page.text), "idem": _idem(page.text), "module_delivered": said(topic, "kaa"),
        "co_facilitators": "", "deviations": ""})
    assert done.status_code == 302
    kept = api(PSYCHOLOGIST, "GET", "sessions", f"/sessions/{session['id']}").json()["module_delivered"]
    assert kept == said(topic, "kaa")
    again = html.unescape(client_for(PSYCHOLOGIST, "ru").get(f"/sessions/{session['id']}/fidelity").text)
    assert f'value="{kept}"' in again  # what she wrote, as she wrote it, in any language


def test_the_casework_pages_speak_every_language(client_for, group, api):
    man = refer(api, group, "Bekzat Orazbaev")
    _cohort_form(client_for(PSYCHOLOGIST, "en"), group["id"], f"/cohorts/{group['id']}/plan")
    session = _sessions(api, group["id"])[0]
    for language in ("uz-Latn", "uz-Cyrl", "ru", "kaa"):
        client = client_for(PSYCHOLOGIST, language)
        for path in (f"/enrolments/{man['id']}", f"/enrolments/{man['id']}/assessment", f"/cohorts/{group['id']}",
                     f"/cohorts/{group['id']}/sessions/new", f"/sessions/{session['id']}/change",
                     f"/sessions/{session['id']}/fidelity"):
            page = client.get(path)
            assert page.status_code == 200 and MISSING not in page.headers, (language, path,
                                                                              page.headers.get(MISSING))


# -- her alerts --------------------------------------------------------------------------------------------------
def test_her_acknowledgement_stops_her_alert_never_the_inspectors(client_for, group, api, demo):
    """She acknowledges the alert her message linked to, in her inbox; the inspector's alert about the same flag
    still waits for him (an escalation stops only when a person responsible for the man acts)."""
    man = refer(api, group, "Timur Kdirbaev")
    code = man["participant_code"]
    wait_until(lambda: api(INSPECTOR, "POST", "risk", f"/enrolments/{man['id']}/incidents", {
        "kind": "order_breach", "occurred_on": date.today().isoformat(), "severity": "serious"}).status_code == 201,
        timeout=30, what="risk knowing the man just referred")
    psychologist, inspector = client_for(PSYCHOLOGIST, "en"), client_for(INSPECTOR, "en")
    hers = wait_until(lambda: _waiting(psychologist, code), timeout=30, what="her alert about him")
    his = wait_until(lambda: _waiting(inspector, code), timeout=30, what="his alert about him")
    page = psychologist.get(f"/alerts/{hers}")  # where the link in her message leads
    assert page.status_code == 200 and "You are his psychologist." in page.text
    assert f'href="/enrolments/{man["id"]}"' in page.text  # his page of hers, not the inspector's
    done = psychologist.post(f"/alerts/{hers}/acknowledge", data={"csrf_token": csrf_of(page.text),
                                                                  "idem": _idem(page.text)})
    assert done.status_code == 302 and _waiting(psychologist, code) is None
    # risk has her acknowledgement of the flag ...
    wait_until(lambda: any(PSYCHOLOGIST in str(f) for f in api(INSPECTOR, "GET", "risk",
                                                                f"/flags?enrolment_id={man['id']}").json()["items"]),
               timeout=30, what="her acknowledgement in risk")
    # ... and the inspector's alert still waits on him
    assert _waiting(inspector, code) == his


def _waiting(client: Any, code: str) -> str | None:
    html = client.get("/alerts?unacknowledged=true").text
    for row_id, row in re.findall(r'<tr id="alert-([0-9a-f-]+)" class="waiting">(.*?)</tr>', html, re.S):
        if code in row:
            return str(row_id)
    return None


def test_her_supervisor_reads_his_place_in_the_programme_and_moves_nothing(client_for, group, api):
    man = refer(api, group, "Aral Baymuratov")
    page = client_for("sup-nukus", "ru").get(f"/enrolments/{man['id']}")
    assert page.status_code == 200 and MISSING not in page.headers
    assert man["participant_code"] in page.text and not _offered(page.text)
    assert client_for("sup-nukus", "en").get(f"/enrolments/{man['id']}/assessment").status_code == 403
