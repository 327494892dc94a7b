"""The programme manager in a real browser (issue 18): he forms a group on its page; the inspector refers two men
to it through her referral form, and the second, the group being full, waits on its list instead of being refused;
the manager sees him there, gives the group one more place, and the man has it at once. His pages at tablet and
phone size in Uzbek and Karakalpak."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from browsing import open_as
from each_language import see_in_languages

pytestmark = pytest.mark.e2e
MANAGER, INSPECTOR = "mgr-karakalpakstan", "insp-nukus-1"
GROUP = "Nukus, group 3"
CODE = re.compile(r"P-\d{4}-\d{6}")


def form_group(page: Any) -> str:
    """The manager forms a group of one place on the page; the address of its page."""
    page.goto("/manager/cohorts")
    page.click("text=Form a new group")
    page.select_option("#programme_id", index=1)
    page.fill("#name", GROUP)
    page.select_option("#district", "Nukus")
    page.fill("#start_date", (date.today() + timedelta(days=7)).isoformat())
    page.fill("#capacity", "1")
    page.check("input[name=facilitator_ids][value=psy-nukus-1]")
    page.check("input[name=weekdays][value='2']")
    page.check("input[name=weekdays][value='5']")
    page.fill("#time", "15:00")
    page.fill("#place", "Qizketken mahalla guzari")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert f"Group {GROUP} is formed." in page.inner_text("main"), page.inner_text("main")[:2000]
    return str(page.url)


def refer(page: Any, name: str, order: str, group_id: str) -> str:
    """The inspector refers a man to the group through her form; what the page then says."""
    page.goto("/refer")
    page.fill("#full_name", name)
    page.fill("#birth_date", "1988-04-21")
    page.fill("#order_number", order)
    page.fill("#order_issued_on", (date.today() - timedelta(days=1)).isoformat())
    page.fill("#order_expires_on", (date.today() + timedelta(days=90)).isoformat())
    page.select_option("#placement", f"{group_id}|psy-nukus-1")
    page.click("main form[method=post] button[type=submit]")  # the referral, not the search above it
    page.wait_for_load_state()
    return str(page.inner_text("main"))


def test_a_group_formed_and_a_referral_to_it_when_full_waits_on_its_list(browser, portal_url):
    manager = open_as(browser, portal_url, MANAGER)
    group_page = form_group(manager)
    group_id = group_page.rstrip("/").rsplit("/", 1)[1]
    inspector = open_as(browser, portal_url, INSPECTOR)
    first = refer(inspector, "Azamat Begimbetov", "HO-BR-W1", group_id)
    assert "is referred to the programme" in first, first[:2000]
    second = refer(inspector, "Nurlan Sadiqov", "HO-BR-W2", group_id)
    assert "waits for a place, number 1 in line" in second, second[:2000]
    waiting = CODE.search(second.split("waits for a place")[0])
    assert waiting, second[:2000]
    inspector.context.close()

    manager.goto(group_page)
    line = manager.inner_text("section[aria-labelledby=waiting-heading]")
    assert waiting.group(0) in line and "Places taken: 1 of 1." in manager.inner_text("main")
    manager.goto("/manager/cohorts")
    row = manager.locator("tr", has=manager.locator("th", has_text=GROUP)).first.inner_text()
    assert "1 of 1" in row, row

    manager.goto(group_page)  # one place more: the first in line has it at once
    manager.fill("#capacity", "2")
    manager.click("section[aria-labelledby=change-heading] button[type=submit]")
    manager.wait_for_load_state()
    text = manager.inner_text("main")
    assert "The group is changed." in text and "Nobody is waiting for a place in this group." in text, text[:2000]
    assert "Places taken: 2 of 2." in text
    manager.context.close()

    see_in_languages(browser, portal_url, MANAGER, {
        "manager-groups": "/manager/cohorts", "manager-group": group_page.split(portal_url)[-1],
        "manager-new-group": "/manager/cohorts/new", "manager-programmes": "/manager/programmes"})

