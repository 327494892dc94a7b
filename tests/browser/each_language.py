"""Pages of one user seen in Uzbek (Latin) and Karakalpak, each through browsing.check_page (axe-core, nothing off a
360 px screen, screenshots with `make screenshots`)."""

from __future__ import annotations

from typing import Any

from browsing import check_page, open_as


def see_in_languages(browser: Any, portal_url: str, user_id: str, pages: dict[str, str]) -> None:
    """Each of `pages` ({`<role>-<page>`: path}) as `user_id` sees it in uz-Latn and kaa, passing check_page."""
    for language in ("uz-Latn", "kaa"):
        page = open_as(browser, portal_url, user_id, language)
        for name, path in pages.items():
            answer = page.goto(path)
            assert answer is not None and answer.status == 200, (path, language)
            check_page(page, name)
        page.context.close()
