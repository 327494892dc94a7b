"""The supervisor approves a transfer, through the portal's pages in Debian's headless Chromium: a Nukus inspector
asks to move a man to a group of another district on his page, the page says it waits; the supervisor finds the move
on *Moves to approve* and approves it; the man's page then shows his new group and district. Each page passes
check_page (axe-core, a phone's width, screenshots with `make screenshots`) in Uzbek and Karakalpak."""

from __future__ import annotations

import pytest
from browsing import check_page, open_as
from moves_kit import INSPECTOR, SUPERVISOR, man_to_move

pytestmark = pytest.mark.e2e


def test_the_supervisor_approves_a_move_out_of_the_district(browser, portal_url, demo, jwt_keys, portal_stack):
    case = man_to_move(demo, jwt_keys, portal_stack.database_url("portal"))
    enrolment, away, code = case["enrolment"], case["away"], case["enrolment"]["participant_code"]
    his_page = f"/participants/{enrolment['id']}"

    inspector = open_as(browser, portal_url, INSPECTOR, "uz-Latn")
    inspector.goto(his_page)
    assert inspector.inner_text("#cohort") == case["home"]["name"]
    inspector.click(f'a[href="{his_page}/transfer"]')
    check_page(inspector, "inspector-transfer")
    inspector.check(f'input[name="cohort_id"][value="{away["id"]}"]')
    inspector.fill("#note", "Akasining uyiga koʻchib ketdi.")
    inspector.click("main form button[type=submit]")
    inspector.wait_for_selector("#pending-transfer")
    assert away["district"] in inspector.inner_text("#pending-transfer")
    assert inspector.inner_text("#cohort") == case["home"]["name"]  # he stays until the supervisor decides
    check_page(inspector, "inspector-transfer-waiting")

    supervisor = open_as(browser, portal_url, SUPERVISOR, "kaa")
    supervisor.goto("/supervision")
    assert code in supervisor.inner_text("main")
    check_page(supervisor, "supervisor-overview")
    supervisor.click('main a[href="/moves"]')
    card = supervisor.locator("article.move", has_text=code).first
    assert away["name"] in card.inner_text()
    check_page(supervisor, "supervisor-moves")
    card.locator('button[value="approve"]').click()
    supervisor.wait_for_load_state()
    assert supervisor.locator(".notice.success", has_text=code).count() == 1
    assert supervisor.locator("article.move", has_text=code).locator(".status-approved").count() == 1
    check_page(supervisor, "supervisor-moves-decided")

    inspector.goto(his_page)
    assert inspector.inner_text("#cohort") == away["name"]
    assert inspector.inner_text("#district").startswith(away["district"])
    assert inspector.locator("#pending-transfer").count() == 0
    check_page(inspector, "inspector-transferred")
    for name, path in (("inspector-plan", f"{his_page}/plan"), ("inspector-order", f"{his_page}/order")):
        inspector.goto(path)
        check_page(inspector, name)
    # the pages in the other language too: the supervisor's in Uzbek, the inspector's in Karakalpak
    for page, language, paths in ((supervisor, "uz-Latn", {"supervisor-overview": "/supervision",
                                                           "supervisor-moves": "/moves"}),
                                  (inspector, "kaa", {"inspector-transferred": his_page,
                                                      "inspector-transfer": f"{his_page}/transfer",
                                                      "inspector-plan": f"{his_page}/plan",
                                                      "inspector-order": f"{his_page}/order"})):
        page.select_option("#language-menu", language)
        page.click("header form.inline button[type=submit] >> nth=0")
        for name, path in paths.items():
            page.goto(path)
            check_page(page, name)
    inspector.context.close()
    supervisor.context.close()
