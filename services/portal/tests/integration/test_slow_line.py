"""The portal on a slow line: pages, style sheets and scripts gzipped; static files named by their content and kept
by the browser a year; a favicon; the attendance page of a group of twelve under 30 KB as it travels, with all it
loads."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from portal_testkit import new_client
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_testing import wait_until
from qadam_tools.demo import DISTRICT, REGION, demo_tokens

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
ASSETS = re.compile(r'<(?:link rel="(?:stylesheet|icon)"|script)[^>]*?(?:href|src)="(/static/[^"]+)"')
GROUP = "Nukus, group of twelve (page size)"


def assets_of(html: str) -> list[str]:
    return ASSETS.findall(html)


def test_a_page_is_sent_gzipped_to_a_browser_that_takes_it(portal_app):
    client = new_client(portal_app)
    page = client.get("/sign-in", headers=GZIP)
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    html = gzip.decompress(page.data).decode()
    assert "<form" in html and len(page.data) < len(html) / 2
    plain = client.get("/sign-in", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and "<form" in plain.get_data(as_text=True)


def test_style_sheets_and_scripts_are_named_by_their_content_kept_a_year_and_gzipped(portal_app):
    client = new_client(portal_app)
    html = client.get("/sign-in").get_data(as_text=True)
    found = assets_of(html)
    assert any(re.fullmatch(r"/static/portal\.[0-9a-f]{10}\.css", a) for a in found), found
    assert any(re.fullmatch(r"/static/portal\.[0-9a-f]{10}\.js", a) for a in found), found
    folder = Path(portal_app.static_folder)
    for url in found:
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        name = url.removeprefix("/static/")
        plain_name = re.sub(r"\.[0-9a-f]{10}(\.[a-z]+)$", r"\1", name)
        content = (folder / plain_name).read_bytes()
        body = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
        assert body == content, url
        if url.endswith((".css", ".js")) and len(content) > 1024:
            assert response.headers["Content-Encoding"] == "gzip", url
    # asked for by its plain name (an old page in a cache): still served, but checked again before each use
    plain = client.get("/static/portal.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/portal.0123456789.css").status_code == 404  # a name no file has now


def test_a_favicon_is_served_and_named_by_the_pages(portal_app):
    client = new_client(portal_app)
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "public" in icon.headers["Cache-Control"] and "no-store" not in icon.headers["Cache-Control"]
    html = client.get("/sign-in").get_data(as_text=True)
    svg = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert svg and client.get(svg[1]).data.startswith(b"<svg")


# -- the attendance of a group of twelve ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def twelve(demo: dict[str, Any], jwt_keys: tuple[Path, Path]) -> dict[str, Any]:
    """A second group of the demo psychologist with twelve men taking part and a session that began 30 minutes
    ago, entered through the APIs as the demo staff would."""
    defaults = Settings()
    private = jwt_keys[0].read_bytes()
    tokens = demo_tokens(lambda user, role, region=None, district=None: issue_token(
        private, user_id=user, role=role, issuer=defaults.jwt_issuer, audience=defaults.jwt_audience,
        ttl_seconds=3600, region=region, district=district))
    urls = demo["urls"]

    def call(method: str, service: str, path: str, who: str, body: Any = None) -> Any:
        r = requests.request(method, urls[service] + path, json=body, timeout=10,
                             headers={"Authorization": f"Bearer {tokens[who]}"})
        assert r.status_code < 300, (path, r.status_code, r.text)
        return r.json()

    now = datetime.now(UTC)
    cohort = call("POST", "enrollment", "/cohorts", "MANAGER", {
        "programme_id": demo["cohort"]["programme_id"], "name": GROUP, "region": REGION, "district": DISTRICT,
        "mahalla": "Qizketken", "facilitator_ids": ["psy-nukus-1"], "capacity": 12,
        "start_date": (now - timedelta(days=1)).date().isoformat()})
    codes = []
    for i in range(12):
        person = call("POST", "enrollment", "/participants", "INSPECTOR", {
            "full_name": f"Oʻn ikki Sinov {i}", "birth_date": f"19{70 + i}-0{1 + i % 9}-1{i % 9}", "region": REGION,
            "district": DISTRICT, "preferred_language": "kaa"})
        order = call("POST", "enrollment", "/protection-orders", "INSPECTOR", {
            "number": f"HO-SIZE-{i}-{cohort['id'][:8]}", "participant_id": person["id"], "region": REGION,
            "district": DISTRICT, "issued_on": (now - timedelta(days=20)).date().isoformat(),
            "expires_on": (now + timedelta(days=60)).date().isoformat(), "condition_codes": ["no_contact"]})
        enrolment = call("POST", "enrollment", "/enrolments", "INSPECTOR", {
            "participant_id": person["id"], "cohort_id": cohort["id"], "inspector_id": "insp-nukus-1",
            "psychologist_id": "psy-nukus-1", "referral_source": "protection_order", "protection_order_id": order["id"]})
        for action in ("assess", "start"):
            call("POST", "enrollment", f"/enrolments/{enrolment['id']}/transitions", "INSPECTOR", {"action": action})
        codes.append(enrolment["participant_code"])
    def plan() -> requests.Response:
        return requests.post(f"{urls['sessions']}/cohorts/{cohort['id']}/sessions", timeout=10,
                             headers={"Authorization": f"Bearer {tokens['PSYCHOLOGIST']}"},
                             json={"number": 1, "scheduled_at": (now - timedelta(minutes=30)).replace(microsecond=0)
                                   .isoformat(), "place": "Qizketken mahalla guzari"})

    answers: list[requests.Response] = []
    wait_until(lambda: answers.append(plan()) or answers[-1].status_code != 404, timeout=30, interval=0.2,
               what="the cohort to reach sessions as an event")
    r = answers[-1]
    assert r.status_code == 201, r.text
    return {"session_id": r.json()["id"], "codes": codes}


def test_the_attendance_of_twelve_men_travels_in_under_30_kb(client_for, twelve):
    client = client_for("psy-nukus-1", "uz-Latn")
    url = f"/sessions/{twelve['session_id']}/attendance"
    seen: dict[str, Any] = {}

    def roster_complete() -> bool:
        page = seen["page"] = client.get(url, headers=GZIP)
        encoded = page.headers.get("Content-Encoding") == "gzip"
        html = seen["html"] = gzip.decompress(page.data).decode() if encoded else page.text
        return all(code in html for code in twelve["codes"])

    wait_until(roster_complete, timeout=30, interval=0.3, what="the twelve to reach the session's roster as events")
    page, html = seen["page"], seen["html"]
    assert page.status_code == 200 and all(code in html for code in twelve["codes"]), html[-3000:]
    assert page.headers["Content-Encoding"] == "gzip"
    sizes = {url: len(page.data)}
    for asset in assets_of(html):
        if asset.endswith((".css", ".js")):
            sizes[asset] = len(client.get(asset, headers=GZIP).data)
    assert any(a.endswith(".css") for a in sizes) and any(a.endswith(".js") for a in sizes), sizes
    assert sum(sizes.values()) < 30 * 1024, sizes
