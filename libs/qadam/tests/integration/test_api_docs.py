"""`/docs` is served by the service itself: Swagger UI's files from the image, no other host, no inline script,
under the same Content-Security-Policy as every page Qadam serves."""

from __future__ import annotations

import re

import pytest
from qadam.web import PAGE_CSP, build_app
from qadam_contracts.roles import ACCESS_POLICY

REFERENCES = re.compile(r'(?:src|href|data-spec-url)="([^"]*)"')


@pytest.fixture(scope="module")
def client(stack):
    return build_app("enrollment", [], stack.base_settings("enrollment"), policy=ACCESS_POLICY).test_client()


def test_the_docs_page_names_no_other_host_and_runs_no_inline_script(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == PAGE_CSP
    html = page.get_data(as_text=True)
    assert "cdn.jsdelivr.net" not in html and "://" not in html and "unpkg" not in html
    references = REFERENCES.findall(html)
    assert references and all(r.startswith("/") and not r.startswith("//") for r in references)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 3 and all('src="' in attrs and not body.strip() for attrs, body in scripts)


def test_every_file_the_docs_page_loads_answers_from_the_service(client):
    html = client.get("/docs").get_data(as_text=True)
    kinds = {}
    for reference in REFERENCES.findall(html):
        answer = client.get(reference)
        assert answer.status_code == 200, reference
        kinds[reference.rsplit("/", 1)[-1]] = (answer.mimetype, answer.get_data())
    assert kinds["openapi.json"][0] == "application/json"
    assert kinds["swagger-ui.css"][0] == "text/css"
    assert kinds["swagger-ui-bundle.js"][0] in ("text/javascript", "application/javascript")
    assert b"SwaggerUIBundle" in kinds["swagger-ui-bundle.js"][1]
    assert b"SwaggerUIBundle(" in kinds["api-docs.js"][1] and b"validatorUrl: null" in kinds["api-docs.js"][1]


def test_only_the_docs_files_are_served_from_there(client):
    assert client.get("/docs/index.html").status_code == 404
    assert client.get("/docs/../web.py").status_code == 404
    assert client.get("/docs/oauth2-redirect.html").status_code == 404
