"""The victim-support worker's work in a real browser (Debian's headless Chromium) over the whole running system.

His inspector names her as the support worker of his partner on his page; she signs in, starts on the men whose
partners she supports and finds him with his level and why, reports an incident in her own words from his page, and
reads the notice Qadam sent her of the critical flag it raised. Each of her pages passes browsing.check_page (axe-core,
nothing off a 360 px screen, screenshots with `make screenshots`) in Uzbek (Latin) and Karakalpak."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from browsing import check_page, open_as, until

pytestmark = pytest.mark.e2e

SUPPORT, INSPECTOR = "inson-nukus-1", "insp-nukus-1"
HERS = 1  # the demo man whose partner she supports


def _link_her(browser: Any, portal_url: str, enrolment_id: str) -> None:
    """His inspector names her on his page (enrollment knows her once the portal's event about her reached it)."""
    inspector = open_as(browser, portal_url, INSPECTOR)

    def saved() -> bool:
        inspector.select_option("#victim_support_worker_id", SUPPORT)
        inspector.click("main form button[type=submit]")
        inspector.wait_for_load_state()
        return "/support-worker" not in inspector.url

    until(inspector, f"/participants/{enrolment_id}/support-worker", saved, "enrollment to know her")
    assert "Malika Yusupova" in inspector.locator("#support-worker").inner_text()
    inspector.context.close()


def test_she_finds_her_man_with_his_level_and_why_reports_an_incident_and_reads_her_notice(
        browser, portal_url, demo):
    man = demo["enrolments"][HERS]
    code = man["participant_code"]
    _link_her(browser, portal_url, man["id"])

    her = open_as(browser, portal_url, SUPPORT)
    her.goto("/")
    assert her.url.endswith("/support/men")
    card = her.locator(f"#case-{man['id']}")
    until(her, "/support/men", lambda: card.locator(".level").count() == 1, "risk to tell her his level")
    assert code in card.inner_text() and "In the programme" in card.inner_text()
    card.locator("h2 a").click()
    her.wait_for_load_state()
    assert her.locator("#risk-level").inner_text().startswith("Level today:")
    assert her.locator("#order").inner_text().startswith("HO-DEMO-2")

    her.click("main a.button")  # Report an incident
    her.wait_for_url(f"**/support/men/{man['id']}/incident")
    words = f"She says he waited at the bus stop, note {uuid.uuid4().hex[:6]}"
    her.select_option("#kind", "victim_fear")
    her.check("input[name=severity][value=serious]")
    her.fill("#details", words)
    her.click("main form button[type=submit]")
    her.wait_for_url(f"**/support/men/{man['id']}")
    flashed = her.locator("p.notice").all_inner_texts()
    assert any("Your report is recorded" in text for text in flashed), flashed
    assert any("It raised a flag: Critical" in text for text in flashed), flashed
    assert words in her.locator("main").inner_text()  # her words, for her side

    her.click("nav a[href='/support/notices']")
    notice = her.locator("li.card", has=her.locator(f"a[href='/support/men/{man['id']}']"),
                         has_text="A critical risk flag was raised")
    until(her, "/support/notices", lambda: notice.count() >= 1, "notify to send her the notice")
    her.context.close()


@pytest.mark.parametrize("language", ["uz-Latn", "kaa"])
def test_each_of_her_pages_works_on_a_tablet_and_a_phone(browser, portal_url, demo, language):
    man = demo["enrolments"][HERS]
    _link_her(browser, portal_url, man["id"])
    her = open_as(browser, portal_url, SUPPORT, language)
    pages = {"men": "/support/men", "man": f"/support/men/{man['id']}",
             "incident": f"/support/men/{man['id']}/incident", "notices": "/support/notices"}
    for name, path in pages.items():
        her.goto(path)
        check_page(her, f"support-{name}")
    her.context.close()
