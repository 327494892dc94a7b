"""The browser test kit: a window signed in as a demo user (`open_as`), and `check_page`, what every page of the
portal must pass where people use it, on a tablet in a mahalla office and on a phone:

- axe-core (npm, `package.json` at the top, installed into node_modules by `make browser`) finds no serious or
  critical violation of WCAG 2.x A/AA;
- at 360x740 nothing scrolls sideways (`scrollWidth <= innerWidth`), and every button, field and link inside the
  content lies within the screen (none cut off inside a table);
- every field labelled, every image named, one main heading;
- with QADAM_SCREENSHOTS=1 (`make screenshots`), screenshots at tablet (800x1280) and phone (360x740) size:
  var/screenshots/<role>-<page>-<lang>-<size>.png, for a person to look at. `make test` takes none: two full-page
  pictures of some 120 pages were a good part of Chromium's work, the run's largest (issue 17), and no test reads
  them.

Use: `page = open_as(browser, portal_url, "psy-nukus-1", "kaa")`, then `check_page(page, "psychologist-today")`.
The fixtures `browser` and `portal_url` are in conftest.py."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pyotp
from portal.demo import DEMO_USERS
from portal_testkit import forget_used_codes

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
SCREENSHOTS = os.environ.get("QADAM_SCREENSHOTS") == "1"  # `make screenshots`
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
USERS = {u.id: u for u in DEMO_USERS}

PHONE = {"width": 360, "height": 740}
TABLET = {"width": 800, "height": 1280}
SIZES = {"tablet": TABLET, "phone": PHONE}
# what makes a page fail: what stops someone from using it at all, or makes it very hard
BLOCKING = ("serious", "critical")


# each demo user signs in once a run: the windows opened as him after that take his session (its cookies) rather than
# signing in again, so a code of his second factor is never needed twice in one 30-second step
_SIGNED_IN: dict[tuple[str, str], Any] = {}


def open_as(browser: Any, url: str, user_id: str, language: str = "en", viewport: dict[str, int] | None = None) -> Any:
    """A new browser window (its own page, the user's session) of `viewport` size (a tablet unless told), signed in
    as a demo user (through the sign-in page the first time in a run), its language chosen in the language menu
    (`uz-Latn`, `uz-Cyrl`, `ru`, `kaa`, `kaa-Cyrl`, `en`; `uz_Latn`, `kaa_Latn` and `kaa_Cyrl` are taken too: the
    language is kept on the user, as people choose it)."""
    language = {"kaa_Latn": "kaa", "kaa-Latn": "kaa"}.get(language, language.replace("_", "-"))
    known = _SIGNED_IN.get((url, user_id))
    context = browser.new_context(base_url=url, locale="en-GB", viewport=viewport or TABLET, accept_downloads=True,
                                  storage_state=known)
    page = context.new_page()
    page.set_default_timeout(20_000)
    if known is not None:
        page.goto("/")
    if known is None or "/sign-in" in page.url:  # first time, or his session ended
        sign_in(page, USERS[user_id])
        _SIGNED_IN[(url, user_id)] = context.storage_state()
    page.select_option("#language-menu", language)
    page.click("header form.inline button[type=submit] >> nth=0")
    page.wait_for_load_state()
    return page


def sign_in(page: Any, demo: Any) -> None:
    """Through the sign-in page: the password, then (second factor on) this step's code, or the next step's when an
    earlier sign-in used this one (the portal takes a phone's clock a little ahead)."""
    page.goto("/sign-in")
    page.fill("#username", demo.id)
    page.fill("#password", demo.password)
    page.click("main form button[type=submit]")
    if demo.totp_secret:
        page.wait_for_url("**/sign-in/code**")
        totp = pyotp.TOTP(demo.totp_secret)
        for attempt in range(3):
            # under pytest-xdist the portal's page tests may have signed him in on this stack (same worker) and used
            # this step's code and the next one's: only then are the codes he used forgotten, and this step's sent
            if attempt == 2:
                forget_used_codes(demo.id)
            page.fill("#code", totp.at(datetime.now().timestamp() + (30 if attempt == 1 else 0)))
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
            if "/sign-in" not in page.url:
                break
    assert "/sign-in" not in page.url, page.content()[:2000]


UNLABELLED = """() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
    .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map(el => el.outerHTML.slice(0, 120))"""
NO_ALT = """() => Array.from(document.querySelectorAll('img:not([alt]), svg[role=img]:not([aria-labelledby]):not([aria-label])'))
    .map(el => el.outerHTML.slice(0, 120))"""
# what a thumb must reach: each visible control of the content that lies (partly) outside the screen, also when a
# scrolling box around it hides it
OFF_SCREEN = """() => Array.from(document.querySelectorAll(
        'main button, main .button, main input:not([type=hidden]), main select, main textarea'))
    .filter(el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .filter(el => { const r = el.getBoundingClientRect(); return r.left < -1 || r.right > innerWidth + 1; })
    .map(el => el.outerHTML.slice(0, 120))"""
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations'],
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                               why: n.failureSummary}))}));
}"""


def axe_violations(page: Any, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        if not AXE.exists():
            raise AssertionError(f"no axe-core at {AXE}: `make browser` installs it (npm ci)")
        # evaluated by the browser's debugger, not as a <script>: the portal's Content-Security-Policy stays on
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in impacts]


def check_page(page: Any, name: str) -> None:
    """What every page must pass (this module's doc), on the page as it is now; `name` is `<role>-<page>`. The
    screenshots are named after the page's language (`<html lang>`) too; the window is given back at its size."""
    if SCREENSHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
    language = page.locator("html").get_attribute("lang")
    before = page.viewport_size
    try:
        page.set_viewport_size(PHONE)
        if SCREENSHOTS:
            page.screenshot(path=str(SHOTS / f"{name}-{language}-phone.png"), full_page=True)
        sideways = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert sideways[0] <= sideways[1], f"{name}: at 360 px the page scrolls sideways ({sideways})"
        assert page.evaluate(OFF_SCREEN) == [], f"{name}: controls off a 360 px screen"
        page.set_viewport_size(TABLET)
        if SCREENSHOTS:
            page.screenshot(path=str(SHOTS / f"{name}-{language}-tablet.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], f"{name} ({language}): axe-core finds\n" + json.dumps(violations, indent=1,
                                                                                        ensure_ascii=False)
        assert page.evaluate(UNLABELLED) == [], name
        assert page.evaluate(NO_ALT) == [], name
        assert page.locator("h1").count() == 1, name
    finally:
        if before:
            page.set_viewport_size(before)


def until(page: Any, path: str, found: Any, what: str, seconds: float = 60) -> None:
    """Open `path` again until `found()` holds (the services tell each other by events, so a page may show a change
    a moment later), or fail saying `what` with what the page shows."""
    deadline = datetime.now().timestamp() + seconds
    while True:
        page.goto(path)
        if found():
            return
        assert datetime.now().timestamp() < deadline, f"{what}: {page.locator('main').inner_text()[:2000]}"
        page.wait_for_timeout(500)
