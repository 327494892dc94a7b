"""Every page, in every language, renders without a missing translation.

Each demo user (one per role) walks the portal in each of the six languages: from their start page, every link
to a page of the portal is followed (one address per page kind), and each page must answer 200 with no message
left untranslated (the app reports any in `X-Qadam-Missing-Translations`). The catalogues themselves are checked
too, without the running system: tests/unit/test_catalogues.py. Karakalpak in Cyrillic script, the newest, has a
smoke test of each role's main page of its own: its heading in Karakalpak Cyrillic, no Latin Karakalpak left.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from portal.demo import DEMO_USERS
from qadam_contracts.vocabulary import LANGUAGES

LINK = re.compile(r'href="(/[^"#]*)"')
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)
NOT_PAGES = ("/static/", "/dashboard/export.")  # files, not pages (the downloads have their own tests)
MAX_PAGES = 40


def walk(app: Any, client: Any, start: str = "/") -> dict[str, tuple[int, str | None]]:
    """{path: (status, missing-translations header)} of one page per endpoint reachable from `start`."""
    adapter = app.url_map.bind("localhost")
    seen_endpoints: set[str] = set()
    results: dict[str, tuple[int, str | None]] = {}
    queue = [start]
    while queue and len(results) < MAX_PAGES:
        path = queue.pop(0)
        if path in results or path.startswith(NOT_PAGES):
            continue
        try:
            endpoint, _args = adapter.match(urlsplit(path).path, method="GET")
        except Exception:  # noqa: BLE001 - a link to nothing is reported as a 404 below
            endpoint = path
        if endpoint in seen_endpoints or endpoint in ("auth.sign_in", "ops.jwks", "ops.metrics"):
            continue
        seen_endpoints.add(endpoint)
        response = client.get(path, follow_redirects=True)
        final = response.request.path
        results[path] = (response.status_code, response.headers.get("X-Qadam-Missing-Translations"))
        if final.startswith("/sign-in"):
            results[path] = (401, None)  # signed out by the walk: a link that signs out, or a broken page
            continue
        if response.mimetype == "text/html":
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(response.text))
    return results


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("user", [u.id for u in DEMO_USERS])
def test_every_page_renders_in_every_language_without_a_missing_translation(portal_app, client_for, user, language):
    client = client_for(user, language)
    pages = walk(portal_app, client)
    assert len(pages) >= 2, pages  # the start page and at least one more
    bad = {path: outcome for path, outcome in pages.items() if outcome != (200, None)}
    assert bad == {}, f"{user} in {language}: {bad}"
    html = client.get("/account").text
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_error_and_sign_in_pages_are_translated_too(portal_app, client_for, language):
    client = client_for("psy-nukus-1", language)
    for path, status in (("/no-such-page", 404), ("/admin/users", 403)):
        response = client.get(path)
        assert response.status_code == status
        assert response.headers.get("X-Qadam-Missing-Translations") is None, (path, language)


# each role's main page (where "/" sends it) in Karakalpak Cyrillic: its heading, and the role's name in the header
KARAKALPAK_CYRILLIC_MAIN_PAGES = {
    "psy-nukus-1": ("Бүгин", "Психолог"),
    "insp-nukus-1": ("Ескертиўлер", "Профилактика инспекторы"),
    "sup-nukus": ("Ескертиўлер", "Басшы"),
    "inson-nukus-1": ("Сиз қоллап-қуўатлап атырған ҳаялларға байланыслы еркеклер",
                      "Жәбирлениўшилерди қоллап-қуўатлаў хызметкери"),
    "mgr-karakalpakstan": ("Бағдарламалар көрсеткишлери", "Бағдарлама менеджери"),
    "admin-1": ("Пайдаланыўшылар", "Администратор"),
    "audit-1": ("Аудит журналы", "Аудитор"),
}


def test_there_is_a_karakalpak_cyrillic_smoke_test_for_every_role():
    assert {u.role for u in DEMO_USERS if u.id in KARAKALPAK_CYRILLIC_MAIN_PAGES} == {u.role for u in DEMO_USERS}


@pytest.mark.parametrize(("user", "heading", "role_name"),
                         [(user, *words) for user, words in KARAKALPAK_CYRILLIC_MAIN_PAGES.items()])
def test_each_roles_main_page_reads_in_karakalpak_cyrillic(client_for, user, heading, role_name):
    client = client_for(user, "kaa-Cyrl")
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200 and page.headers.get("X-Qadam-Missing-Translations") is None, user
    assert '<html lang="kaa-Cyrl">' in page.text
    assert f"<h1>{heading}" in page.text, user
    assert f'<span class="role">{role_name}</span>' in page.text, user
    assert '<option value="kaa-Cyrl" lang="kaa-Cyrl" selected>Қарақалпақша</option>' in page.text
    text = TAGS.sub(" ", page.text)
    assert re.findall(r"\w*[áóúıǵńÁÓÚÍǴŃ]\w*", text) == [], f"Latin Karakalpak on {user}'s page"
