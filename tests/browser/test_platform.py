"""The portal where they work (issue 18): the attendance form on a tablet (six men or more on a screen, the reason
only for an excused absence, participation folded, "all present", Enter sends nothing, the focus on the error
summary after a refusal, a visible focus ring around the whole choice), and the manager's charts (labels 12 px or
more at every width, wide tables within a tablet's width). Every page passes check_page (browsing.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from browsing import PHONE, TABLET, USERS, check_page, open_as
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_testing import RunningSystem

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def session_id(portal_system: RunningSystem, demo: dict[str, Any], jwt_keys: tuple[Path, Path]) -> str:
    """A session of the demo group that began 20 minutes ago, that only this module records."""
    defaults = Settings()
    user = USERS["psy-nukus-1"]
    token = issue_token(jwt_keys[0].read_bytes(), user_id=user.id, role="psychologist", issuer=defaults.jwt_issuer,
                        audience=defaults.jwt_audience, region=user.region, district=user.district)
    at = (datetime.now(UTC) - timedelta(minutes=20)).replace(microsecond=0).isoformat()
    for number in range(60, 80):  # a number no other test of the group takes
        r = requests.post(f"{portal_system.urls['sessions']}/cohorts/{demo['cohort']['id']}/sessions", timeout=10,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"number": number, "scheduled_at": at, "place": "Qizketken mahalla guzari"})
        if r.status_code != 409:
            break
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


FULLY_ON_SCREEN = """() => {
    const save = document.querySelector('.save');
    const bottom = innerHeight - (save ? save.getBoundingClientRect().height : 0);
    return Array.from(document.querySelectorAll('.attendance .man'))
        .filter(m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= bottom; }).length;
}"""


def luminance(rgb: str) -> float:
    parts = [int(x) / 255 for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_attendance_form_on_a_tablet(browser, portal_url, demo, session_id):
    men = sorted(demo["enrolments"], key=lambda e: e["participant_code"])
    page = open_as(browser, portal_url, "psy-nukus-1", "uz-Latn", TABLET)
    page.goto(f"/sessions/{session_id}/attendance")
    # present at a glance: not the word of a participation choice
    present = page.inner_text(f'label[for="status-{men[0]["id"]}-present"]').strip(" ✓")
    participation = [page.inner_text(f'label[for="participation-{men[0]["id"]}-{n}"]') for n in range(4)]
    assert present == "Keldi" and all(present.lower() not in p.lower() for p in participation), participation
    check_page(page, "psychologist-attendance")
    page.locator(".attendance .man").first.evaluate("m => m.scrollIntoView({block: 'start'})")
    assert page.evaluate(FULLY_ON_SCREEN) >= 6

    first, second = men[0]["id"], men[1]["id"]
    reason = page.locator(f"#reason-{second}")
    assert not reason.is_visible()  # only for an excused absence
    page.click(f'label[for="status-{second}-excused"]')
    assert reason.is_visible()
    assert not page.locator(f'label[for="participation-{first}-3"]').is_visible()  # folded until opened
    page.click(f'details:has(label[for="participation-{first}-3"]) > summary')
    page.click(f'label[for="participation-{first}-3"]')

    # Enter in a field does not send the whole attendance
    page.evaluate("() => { window.sent = 0; document.querySelector('form.attendance')"
                  ".addEventListener('submit', () => { window.sent += 1; }); }")
    reason.fill("Kasalxonada")
    reason.press("Enter")
    assert page.evaluate("() => window.sent") == 0 and reason.input_value() == "Kasalxonada"

    # the focus ring goes round the whole choice, 3:1 or more against the page
    page.focus(f"#status-{first}-late")
    ring = page.evaluate(f"""() => {{ const l = document.querySelector('label[for="status-{first}-late"]');
        const s = getComputedStyle(l); return [s.outlineStyle, s.outlineWidth, s.outlineColor,
        getComputedStyle(document.body).backgroundColor]; }}""")
    assert ring[0] == "solid" and float(ring[1].rstrip("px")) >= 2 and contrast(ring[2], ring[3]) >= 3, ring

    # refused (one man without a mark): the focus is on the summary of what to correct
    page.click(f'label[for="status-{first}-present"]')
    page.click(".save button[type=submit]")  # sent by attendance.js, then the portal's answer shown (the form again)
    page.wait_for_function("() => document.activeElement && document.activeElement.hasAttribute('data-error-summary')")
    assert page.locator(f"#reason-{second}").input_value() == "Kasalxonada"
    check_page(page, "psychologist-attendance-refused")

    # "all present" marks those not marked yet, and leaves the others as they are
    page.click("[data-all-present] button")
    assert all(page.is_checked(f'#status-{m["id"]}-present') for m in men if m["id"] != second)
    assert page.is_checked(f"#status-{second}-excused")
    page.click(".save button[type=submit]")
    page.wait_for_url(f"**/sessions/{session_id}/notes**")


def test_the_attendance_form_in_karakalpak_on_a_phone(browser, portal_url, session_id):
    page = open_as(browser, portal_url, "psy-nukus-1", "kaa", PHONE)
    page.goto("/today")
    check_page(page, "psychologist-today")
    # words in another language than the page's are marked: the name Qadam, each language in the menu
    assert page.get_attribute("a.brand", "lang") == "uz-Latn"
    assert page.eval_on_selector_all("#language-menu option", "os => os.map(o => o.lang)") == [
        "uz-Latn", "uz-Cyrl", "ru", "kaa", "kaa-Cyrl", "en"]
    page.goto(f"/sessions/{session_id}/attendance")
    check_page(page, "psychologist-attendance")


CHART_TEXT = """() => Array.from(document.querySelectorAll('svg.chart text'))
    .map(t => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize))"""
WIDE_TABLES = """() => Array.from(document.querySelectorAll('main .table-wrap'))
    .filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => [w.scrollWidth, w.clientWidth, w.querySelector('table').className].concat(
        Array.from(w.querySelectorAll('*')).filter(e => e.getBoundingClientRect().right > w.getBoundingClientRect().right + 1)
            .slice(0, 3).map(e => e.outerHTML.slice(0, 160))))"""


@pytest.mark.parametrize("language", ["uz-Latn", "kaa"])
def test_the_managers_charts_are_legible_and_his_tables_fit_a_tablet(browser, portal_url, language):
    page = open_as(browser, portal_url, "mgr-karakalpakstan", language, TABLET)
    for query in ("", "?group_by=cohort"):
        page.goto(f"/dashboard{query}")
        # a chart where a figure is shown (the first test's attendance), else a sentence saying why there is none
        assert page.locator("svg.chart").count() + page.locator("p.chart-none").count() >= 2
        for size in (PHONE, TABLET, {"width": 1280, "height": 900}):
            page.set_viewport_size(size)
            sizes = page.evaluate(CHART_TEXT)
            assert min(sizes, default=12) >= 11.99, (size, min(sizes))
            if size == TABLET:
                assert page.evaluate(WIDE_TABLES) == []
        page.set_viewport_size(TABLET)
        check_page(page, "manager-dashboard" + query.replace("?group_by=", "-by-"))
