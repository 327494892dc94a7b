"""The whole system through a real browser: Debian's headless Chromium, driven by Playwright, against every
service, worker and the portal running as processes.

A psychologist signs in and records two sessions of her group, one man absent without excuse from both; his
inspector signs in, sees the alert and acknowledges it with one click; the programme manager sees the cohort's
figures change and downloads the report as XLSX. Each main page, for each kind of user, passes `check_page`
(browsing.py: axe-core, no sideways scrolling at 360 px, screenshots at tablet and phone size under `var/screenshots/`)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
from browsing import USERS, check_page, open_as
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_testing import RunningSystem

pytestmark = pytest.mark.e2e


def cohort_row(page: Any, cohort_name: str) -> str:
    return str(page.locator("table").first.locator("tr", has=page.locator("th", has_text=cohort_name))
               .first.inner_text())


def new_sessions(portal_system: RunningSystem, jwt_keys: tuple[Path, Path], cohort_id: str) -> list[str]:
    """Sessions 5 and 6 of the group, held three and two hours ago: the psychologist records them in the browser."""
    defaults = Settings()
    token = issue_token(jwt_keys[0].read_bytes(), user_id="psy-nukus-1", role="psychologist",
                        issuer=defaults.jwt_issuer, audience=defaults.jwt_audience,
                        region=USERS["psy-nukus-1"].region, district=USERS["psy-nukus-1"].district)
    made = []
    for number, hours_ago in ((5, 3), (6, 2)):
        at = (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(microsecond=0).isoformat()
        response = requests.post(f"{portal_system.urls['sessions']}/cohorts/{cohort_id}/sessions", timeout=10,
                                 headers={"Authorization": f"Bearer {token}"},
                                 json={"number": number, "scheduled_at": at, "place": "Qizketken mahalla guzari"})
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    return made


def record(page: Any, session_id: str, enrolments: list[dict[str, Any]], absent: str, note: str) -> None:
    """The one-screen attendance: one tap per man (he who is `absent`: unexcused), then the session's note."""
    page.goto("/today")
    page.click(f'a[href="/sessions/{session_id}/attendance"]')
    for enrolment in enrolments:
        status = "unexcused" if enrolment["id"] == absent else "present"
        if enrolment["id"] == absent:  # by keyboard alone: the toggles are real radio buttons
            page.focus(f'#status-{enrolment["id"]}-{status}')
            page.keyboard.press("Space")
            assert page.is_checked(f'#status-{enrolment["id"]}-{status}')
            continue
        page.click(f'label[for="status-{enrolment["id"]}-{status}"]')
        if status == "present":  # participation is folded until opened
            page.click(f'details:has(label[for="participation-{enrolment["id"]}-2"]) > summary')
            page.click(f'label[for="participation-{enrolment["id"]}-2"]')
    page.click("form.attendance .save button[type=submit]")
    page.wait_for_url(f"**/sessions/{session_id}/notes**")
    page.fill("textarea", note)
    page.click("main form:has(textarea) button[type=submit]")
    page.wait_for_load_state()


def test_a_missed_session_twice_reaches_the_inspector_and_the_managers_figures(
        browser, portal_url, portal_system, demo, jwt_keys):
    cohort, men = demo["cohort"], demo["enrolments"]
    absent = men[0]
    session_ids = new_sessions(portal_system, jwt_keys, cohort["id"])

    manager = open_as(browser, portal_url, "mgr-karakalpakstan")
    manager.goto("/dashboard?group_by=cohort")
    before = cohort_row(manager, cohort["name"])

    psychologist = open_as(browser, portal_url, "psy-nukus-1")
    check_page(psychologist, "psychologist-today")
    psychologist.goto(f"/sessions/{session_ids[0]}/attendance")
    check_page(psychologist, "psychologist-attendance")
    record(psychologist, session_ids[0], men, absent["id"], "The group spoke about anger and its warning signs.")
    check_page(psychologist, "psychologist-notes")
    record(psychologist, session_ids[1], men, absent["id"], "Second week: role-play of a calm answer.")
    psychologist.goto(f"/cohorts/{cohort['id']}")
    check_page(psychologist, "psychologist-cohort")
    psychologist.goto(f"/enrolments/{absent['id']}/attendance")
    assert psychologist.locator("main").inner_text().lower().count("unexcused") >= 2
    check_page(psychologist, "psychologist-history")

    inspector = open_as(browser, portal_url, "insp-nukus-1")
    row = inspector.locator("tr.waiting", has=inspector.locator("a", has_text=absent["participant_code"]))
    deadline = datetime.now().timestamp() + 60
    while row.count() == 0 and datetime.now().timestamp() < deadline:  # risk raises the flag, notify alerts him
        inspector.goto("/alerts")
        inspector.wait_for_timeout(500)
    assert row.count() >= 1, inspector.locator("main").inner_text()
    assert "high" in row.first.inner_text().lower()
    check_page(inspector, "inspector-alerts")
    row.first.locator("button[type=submit]").click()  # one click
    inspector.wait_for_load_state()
    answered = inspector.locator("tr.answered", has=inspector.locator("a", has_text=absent["participant_code"]))
    assert answered.count() >= 1 and "Acknowledged" in answered.first.inner_text()
    assert inspector.locator("tr.waiting", has=inspector.locator("a", has_text=absent["participant_code"])).count() == 0
    inspector.goto(f"/participants/{absent['id']}")
    assert "high" in inspector.locator("main").inner_text().lower()
    check_page(inspector, "inspector-participant")
    for path, name in (("/participants", "inspector-participants"), ("/orders", "inspector-orders"),
                       ("/refer", "inspector-refer"), (f"/participants/{men[1]['id']}/incident", "inspector-incident")):
        inspector.goto(path)
        check_page(inspector, name)

    deadline = datetime.now().timestamp() + 60
    after = before
    while after == before and datetime.now().timestamp() < deadline:  # enrollment follows the marks as events
        manager.goto("/dashboard?group_by=cohort")
        after = cohort_row(manager, cohort["name"])
        if after == before:
            manager.wait_for_timeout(500)
    assert after != before, (before, after)
    check_page(manager, "manager-dashboard")
    with manager.expect_download() as download:
        manager.click('a[href*="/dashboard/export.xlsx"]')
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = [str(c.value) for sheet in workbook.worksheets for r in sheet.iter_rows() for c in r if c.value]
    assert cohort["name"] in cells
    assert "Alert response" in workbook.sheetnames

    admin = open_as(browser, portal_url, "admin-1")
    for path, name in (("/admin/users", "admin-users"), ("/admin/areas", "admin-areas"),
                       ("/admin/programmes", "admin-programmes")):
        admin.goto(path)
        check_page(admin, name)


@pytest.mark.parametrize("language", ["uz-Latn", "uz-Cyrl", "ru", "kaa", "kaa-Cyrl"])
def test_the_sign_in_and_start_pages_in_each_language(browser, portal_url, language):
    page = open_as(browser, portal_url, "insp-nukus-1", language)
    assert page.locator("html").get_attribute("lang") == language
    check_page(page, "inspector-alerts")
    context = browser.new_context(base_url=portal_url, locale={"ru": "ru-RU"}.get(language, "en-GB"))
    anonymous = context.new_page()
    anonymous.goto(f"/sign-in?lang={language}")
    assert anonymous.locator("html").get_attribute("lang") == language
    check_page(anonymous, "anonymous-sign-in")
    context.close()
