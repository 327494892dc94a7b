"""The pages no scan of every page reaches, in every language: the error pages and the sign-in page, and a smoke test of
each role's main page in Karakalpak Cyrillic.

Every page each demo user can open is drawn in every language by test_no_english.py (200, its `<html lang>`, no
message left untranslated, no English word); the catalogues themselves are checked without the running system
(tests/unit/test_catalogues.py). The Karakalpak Cyrillic smoke test: each role's main page has its heading in
Karakalpak Cyrillic and no Latin Karakalpak left.
"""

from __future__ import annotations

import re

import pytest
from portal.demo import DEMO_USERS
from qadam_contracts.vocabulary import LANGUAGES

TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


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
    "analyst-1": ("Бағдарламалар көрсеткишлери", "Аналитик"),
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
