"""The administrator in a real browser (issue 18): on the Areas page she sees Karakalpakstan's district and
mahalla, adds a district there, and creates an inspector who works in it. Her pages at tablet and phone size in
Uzbek and Karakalpak."""

from __future__ import annotations

from typing import Any

import pytest
from browsing import open_as
from each_language import see_in_languages
from portal.demo import REGION

pytestmark = pytest.mark.e2e
DISTRICT = "Xoʻjayli"
# as an English page names them (qadam_words.places); the forms send the stored names above
REGION_SHOWN, DISTRICT_SHOWN = "Republic of Karakalpakstan", "Khojeyli"


def region(page: Any) -> str:
    return str(page.locator("details", has=page.locator("summary", has_text=REGION_SHOWN)).first.inner_text())


def test_a_district_added_in_karakalpakstan_and_an_inspector_in_it(browser, portal_url):
    admin = open_as(browser, portal_url, "admin-1")
    admin.goto("/admin/areas")
    shown = region(admin)
    assert "Nukus" in shown and "Qizketken" in shown, shown  # open, not folded away

    admin.select_option("#district_region", REGION)
    admin.fill("#district_name", DISTRICT)
    admin.click("text=Add the district")
    admin.wait_for_load_state()
    assert f"District {DISTRICT_SHOWN} is added to {REGION_SHOWN}." in admin.inner_text("main")
    assert DISTRICT_SHOWN in region(admin)

    admin.goto("/admin/users/new")
    admin.fill("#id", "insp-xojayli-1")
    admin.fill("#display_name", "Ilyos Turdimuratov")
    admin.select_option("#role", "inspector")
    admin.select_option("#region", REGION)
    admin.select_option("#district", DISTRICT)
    admin.select_option("#language", "kaa")
    admin.select_option("#supervisor_id", "sup-nukus")
    admin.click("text=Create the user")
    admin.wait_for_load_state()
    assert admin.locator("#temporary-password").count() == 1, admin.inner_text("main")[:2000]
    admin.goto("/admin/users?q=insp-xojayli-1")
    row = admin.locator("tr", has=admin.locator("code", has_text="insp-xojayli-1")).first.inner_text()
    assert f"{REGION_SHOWN} / {DISTRICT_SHOWN}" in row and "Gulnora Saidova" in row, row
    admin.context.close()

    see_in_languages(browser, portal_url, "admin-1", {
        "admin-areas": "/admin/areas", "admin-users": "/admin/users", "admin-new-user": "/admin/users/new",
        "admin-programmes": "/admin/programmes"})

