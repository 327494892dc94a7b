"""The psychologist's casework in a real browser (Debian's headless Chromium): she does a referred man's intake
assessment with the risk instrument, marks him assessed and starts him, plans her group's sessions from its
programme, records the first (he voices a threat to his partner), and opens the alert that raises from her own inbox,
where she acknowledges it.

The group and the man are made through the APIs before the browser opens (a manager's group that meets today, a man
the inspector referred to it): everything she does is done on the pages."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from browsing import USERS, check_page, open_as
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_testing import RunningSystem, wait_until

pytestmark = pytest.mark.e2e
PSYCHOLOGIST, INSPECTOR, MANAGER = "psy-nukus-1", "insp-nukus-1", "mgr-karakalpakstan"
ZONE = Settings().zone  # the country's time zone, which the group's schedule is in


def _api(portal_system: RunningSystem, jwt_keys: tuple[Path, Path]) -> Any:
    defaults = Settings()

    def call(user: str, method: str, service: str, path: str, body: Any = None) -> requests.Response:
        who = USERS[user]
        token = issue_token(jwt_keys[0].read_bytes(), user_id=user, role=who.role, issuer=defaults.jwt_issuer,
                            audience=defaults.jwt_audience, ttl_seconds=600, region=who.region, district=who.district)
        return requests.request(method, portal_system.urls[service] + path, json=body, timeout=10,
                                headers={"Authorization": f"Bearer {token}"})

    return call


@pytest.fixture(scope="module")
def case(portal_system: RunningSystem, jwt_keys: tuple[Path, Path], demo: dict[str, Any]) -> dict[str, Any]:
    """A group of hers that meets today, an hour ago (so its first session can be recorded once planned), and a
    man referred to it by his inspector."""
    api = _api(portal_system, jwt_keys)
    now = datetime.now(ZONE)
    meets = max(now - timedelta(hours=1), now.replace(hour=0, minute=0))
    made = api(MANAGER, "POST", "enrollment", "/cohorts", {
        "programme_id": demo["cohort"]["programme_id"], "name": f"Nukus, evening group {uuid.uuid4().hex[:4]}",
        "region": demo["cohort"]["region"], "district": demo["cohort"]["district"], "facilitator_ids": [PSYCHOLOGIST],
        "start_date": now.date().isoformat(), "capacity": 10,
        "schedule": {"weekdays": [now.isoweekday()], "time": meets.strftime("%H:%M"), "place": "Nukus youth centre"}})
    assert made.status_code == 201, made.text
    cohort = made.json()
    tag = uuid.uuid4().hex[:6]
    referred = api(INSPECTOR, "POST", "enrollment", "/referrals", {
        "participant": {"full_name": f"Jalgas Utemuratov {tag}", "birth_date": "1988-06-02",
                        "region": cohort["region"], "district": cohort["district"], "preferred_language": "kaa"},
        "order": {"number": f"HO-BR-{tag}", "region": cohort["region"], "district": cohort["district"],
                  "issued_on": (date.today() - timedelta(days=2)).isoformat(),
                  "expires_on": (date.today() + timedelta(days=90)).isoformat(), "conditions": ["No contact"]},
        "enrolment": {"cohort_id": cohort["id"], "psychologist_id": PSYCHOLOGIST, "inspector_id": INSPECTOR}})
    assert referred.status_code == 201, referred.text
    man = referred.json()["enrolment"]
    # the group and the man reach sessions and risk as events
    wait_until(lambda: api(PSYCHOLOGIST, "GET", "sessions", f"/cohorts/{cohort['id']}/sessions").status_code == 200,
               timeout=30, what="the group in sessions")
    wait_until(lambda: api(PSYCHOLOGIST, "GET", "risk", f"/enrolments/{man['id']}/assessments").status_code == 200,
               timeout=30, what="the man in risk")
    return {"cohort": cohort, "man": man, "api": api}


def test_she_takes_a_referred_man_from_intake_to_his_first_session_and_opens_her_alert(browser, portal_url, case):
    cohort, man, api = case["cohort"], case["man"], case["api"]
    code = man["participant_code"]
    page = open_as(browser, portal_url, PSYCHOLOGIST)

    # her group, his page: referred, not yet assessed
    page.goto(f"/cohorts/{cohort['id']}")
    page.click(f'a[href="/enrolments/{man["id"]}"]')
    assert "Referred, not yet assessed" in page.locator("main").inner_text()
    check_page(page, "psychologist-enrolment-referred")

    # the intake assessment: every item answered, one unknown
    page.click(f'a[href="/enrolments/{man["id"]}/assessment"]')
    items = page.locator("fieldset[id^=answer-]")
    assert items.count() == 13
    for index in range(items.count()):
        answer = {0: "yes", 6: "yes", 3: "unknown"}.get(index, "no")
        items.nth(index).locator(f'label:has(input[value="{answer}"])').click()
    check_page(page, "psychologist-assessment")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/enrolments/{man['id']}")
    assert "score 2, level Medium" in page.locator("main").inner_text()

    # assessed, then started: only the moves enrollment offers
    page.click("button:has-text('Intake done: mark him assessed')")
    page.wait_for_load_state()
    assert "Assessed, not yet started" in page.locator("main").inner_text()
    page.click("button:has-text('Start him in the group')")
    page.wait_for_load_state()
    assert "Active in the programme" in page.locator("main").inner_text()
    assert page.locator("button:has-text('Start him in the group')").count() == 0
    check_page(page, "psychologist-enrolment-active")

    # the group's sessions planned from its programme
    page.goto(f"/cohorts/{cohort['id']}")
    page.click("button:has-text('Plan the sessions from the programme')")
    page.wait_for_load_state()
    assert "8 sessions are planned from the programme." in page.locator("main").inner_text()
    check_page(page, "psychologist-cohort-planned")
    planned = {s["number"]: s for s in api(PSYCHOLOGIST, "GET", "sessions", f"/cohorts/{cohort['id']}/sessions")
               .json()["items"]}
    first, second = planned[1], planned[2]

    # the first session recorded from Today (his start reaches sessions as an event: his row appears then)
    row = f"#status-{man['id']}-present"
    deadline = datetime.now().timestamp() + 30
    while True:
        page.goto("/today")
        page.click(f'a[href="/sessions/{first["id"]}/attendance"]')
        if page.locator(row).count() or datetime.now().timestamp() > deadline:
            break
        page.wait_for_timeout(300)
    page.click(f'label[for="status-{man["id"]}-present"]')
    page.click(f'details:has(label[for="participation-{man["id"]}-2"]) > summary')  # folded until opened
    page.click(f'label[for="participation-{man["id"]}-2"]')
    page.click(f'details:has(#signs-{man["id"]}-threat_to_partner) > summary')  # the signs are folded
    page.click(f'label[for="signs-{man["id"]}-threat_to_partner"]')
    page.click("form.attendance .save button[type=submit]")
    page.wait_for_url(f"**/sessions/{first['id']}/notes**")

    # the alert that raises reaches her own inbox; its link opens it there, and she acknowledges it
    waiting = page.locator("tr.waiting", has=page.locator("a", has_text=code))
    deadline = datetime.now().timestamp() + 60
    while True:
        page.click("nav a[href='/alerts']")
        if waiting.count() or datetime.now().timestamp() > deadline:
            break
        page.wait_for_timeout(500)
    assert waiting.count() >= 1, page.locator("main").inner_text()
    check_page(page, "psychologist-alerts")
    waiting.first.locator("a", has_text=code).click()
    page.wait_for_url("**/alerts/*")
    text = page.locator("main").inner_text()
    assert "You are his psychologist." in text and "This alert is waiting for you." in text
    check_page(page, "psychologist-alert")
    page.click("main button:has-text('Acknowledge')")
    page.wait_for_load_state()
    assert page.locator("tr.waiting", has=page.locator("a", has_text=code)).count() == 0

    # her pages where people use them (check_page: on a tablet and on a phone), in Uzbek and in Karakalpak
    for language in ("uz-Latn", "kaa"):
        other = open_as(browser, portal_url, PSYCHOLOGIST, language)
        for path, name in ((f"/enrolments/{man['id']}", "enrolment"), (f"/enrolments/{man['id']}/assessment",
                                                                        "assessment"),
                           (f"/cohorts/{cohort['id']}", "cohort"), ("/today", "today"),
                           (f"/cohorts/{cohort['id']}/sessions/new", "session-new"),
                           (f"/sessions/{first['id']}/fidelity", "fidelity"),
                           (f"/sessions/{second['id']}/change", "session-change")):
            other.goto(path)
            check_page(other, f"psychologist-{name}")
        other.context.close()
