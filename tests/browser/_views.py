"""What the manager's and the administrator's browser tests share: each page seen at tablet and phone size in
Uzbek (Latin) and Karakalpak, a picture of each under var/screenshots/, and none wider than a phone's screen.
(The platform's tests/browser/browsing.py, with axe-core, replaces this when it lands on main.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser.test_browser import open_as, shot

SIZES = {"tablet": {"width": 768, "height": 1024}, "phone": {"width": 360, "height": 740}}
WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth - window.innerWidth"
# what sticks out past the right edge (the innermost first): said when a page scrolls sideways
STICKING_OUT = """() => Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .reverse().slice(0, 5).map(el => el.outerHTML.slice(0, 100))"""


def see_in_languages(browser: Any, portal_url: str, shots: Path, user_id: str, pages: dict[str, str]) -> None:
    """Each of `pages` ({name: path}) as `user_id` sees it in uz-Latn and kaa, at tablet and phone size: a picture
    each, every field labelled and one heading (test_browser.shot), and at 360 px no sideways scrolling."""
    for language in ("uz-Latn", "kaa"):
        page = open_as(browser, portal_url, user_id, language)
        try:
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                for name, path in pages.items():
                    answer = page.goto(path)
                    assert answer is not None and answer.status == 200, (path, language)
                    shot(page, shots, f"{name}-{language}-{size}")
                    if size == "phone":
                        assert page.evaluate(WIDER_THAN_SCREEN) <= 0, \
                            f"{path} in {language} scrolls sideways: {page.evaluate(STICKING_OUT)}"
        finally:
            page.context.close()
