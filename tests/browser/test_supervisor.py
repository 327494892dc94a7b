"""The supervisor approves a transfer, through the portal's pages in Debian's headless Chromium: a Nukus inspector
asks to move a man to a group of another district on his page, the page says it waits; the supervisor finds the move
on *Moves to approve* and approves it; the man's page then shows his new group and district. Screenshots of each
page (tablet and phone size) are saved under `var/screenshots/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser.test_browser import browser, open_as, portal_url, shot, shots  # noqa: F401 - fixtures, taken by name
from moves_kit import INSPECTOR, SUPERVISOR, man_to_move

pytestmark = pytest.mark.e2e

PHONE, TABLET = {"width": 360, "height": 740}, {"width": 800, "height": 1280}
WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


def sizes(page: Any, shots: Path, name: str) -> None:  # noqa: F811 - `shots` is the fixture's value
    """The page at tablet and phone size: a screenshot of each, and nothing wider than a phone's screen."""
    for size, viewport in (("tablet", TABLET), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        shot(page, shots, f"{name}-{size}")
        assert not page.evaluate(WIDER_THAN_THE_SCREEN), f"{name} scrolls sideways at {size} size"
    page.set_viewport_size({"width": 1100, "height": 900})


def test_the_supervisor_approves_a_move_out_of_the_district(browser, portal_url, shots, demo, jwt_keys,  # noqa: F811
                                                           portal_stack):
    case = man_to_move(demo, jwt_keys, portal_stack.database_url("portal"))
    enrolment, away, code = case["enrolment"], case["away"], case["enrolment"]["participant_code"]

    inspector = open_as(browser, portal_url, INSPECTOR, "uz-Latn")
    inspector.goto(f"/participants/{enrolment['id']}")
    assert inspector.inner_text("#cohort") == case["home"]["name"]
    inspector.click(f'a[href="/participants/{enrolment["id"]}/transfer"]')
    sizes(inspector, shots, "inspector-transfer")
    inspector.check(f'input[name="cohort_id"][value="{away["id"]}"]')
    inspector.fill("#note", "Akasining uyiga koʻchib ketdi.")
    inspector.click("main form button[type=submit]")
    inspector.wait_for_selector("#pending-transfer")
    assert away["district"] in inspector.inner_text("#pending-transfer")
    assert inspector.inner_text("#cohort") == case["home"]["name"]  # he stays until the supervisor decides
    sizes(inspector, shots, "inspector-transfer-waiting")

    supervisor = open_as(browser, portal_url, SUPERVISOR, "kaa")
    supervisor.goto("/supervision")
    assert code in supervisor.inner_text("main")
    sizes(supervisor, shots, "supervisor-overview")
    supervisor.click('main a[href="/moves"]')
    card = supervisor.locator("article.move", has_text=code).first
    assert away["name"] in card.inner_text()
    sizes(supervisor, shots, "supervisor-moves")
    card.locator('button[value="approve"]').click()
    supervisor.wait_for_load_state()
    assert supervisor.locator(".notice.success", has_text=code).count() == 1
    assert supervisor.locator("article.move", has_text=code).locator(".status-approved").count() == 1

    inspector.goto(f"/participants/{enrolment['id']}")
    assert inspector.inner_text("#cohort") == away["name"]
    assert inspector.inner_text("#district").startswith(away["district"])
    assert inspector.locator("#pending-transfer").count() == 0
    sizes(inspector, shots, "inspector-transferred")
    inspector.context.close()
    supervisor.context.close()
