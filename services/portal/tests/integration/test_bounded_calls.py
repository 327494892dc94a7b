"""A page makes a bounded number of calls to the services (issue 17): the participants page of 25 men asks risk
for their levels once, not once per man; and the portal's typed clients are what the committed OpenAPI documents
give (`make docs` writes them)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from portal import backend
from portal.demo import DemoUser, ensure_demo_users
from portal_testkit import csrf_of, new_client, sign_in
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_testing import wait_until

REGION, DISTRICT = "Xorazm viloyati", "Xiva"
COUNTER = DemoUser("insp-xiva-count", "inspector", "Ulugʻbek Sapayev", "Bounded-calls-2026", REGION, DISTRICT,
                   language="en")
MEN = 25


@pytest.fixture(scope="module")
def inspector_of_25(portal_app: Any, portal_stack: Any, demo: dict[str, Any], jwt_keys: tuple[Path, Path]) -> Any:
    """A client signed in as an inspector of Xiva who has referred 25 men (through enrollment's API, one
    referral each), and their enrolment ids."""
    ensure_demo_users(portal_stack.settings("portal"), (COUNTER,))
    defaults = Settings()

    def bearer(user: str, role: str, **area: str) -> dict[str, str]:
        token = issue_token(jwt_keys[0].read_bytes(), user_id=user, role=role, issuer=defaults.jwt_issuer,
                            audience=defaults.jwt_audience, ttl_seconds=600, **area)
        return {"Authorization": f"Bearer {token}"}

    def post(path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        response = requests.post(demo["urls"]["enrollment"] + path, json=body, headers=headers, timeout=10)
        assert response.status_code == 201, response.text
        return dict(response.json())

    manager = bearer("mgr-xorazm-count", "manager", region=REGION)
    programme = post("/programmes", {"name": f"Counted programme {uuid.uuid4().hex[:6]}", "template": "statutory",
                                     "region": REGION}, manager)
    cohort = post("/cohorts", {"programme_id": programme["id"], "name": f"Xiva counted {uuid.uuid4().hex[:4]}",
                               "region": REGION, "district": DISTRICT, "facilitator_ids": ["psy-xiva-count"],
                               "capacity": 30, "start_date": date.today().isoformat()}, manager)
    inspector = bearer(COUNTER.id, "inspector", region=REGION, district=DISTRICT)
    enrolments = []
    for n in range(MEN):
        suffix = f"{uuid.uuid4().hex[:6]}"
        made = post("/referrals", {
            "participant": {"full_name": f"Counted Man {suffix}", "birth_date": f"19{70 + n}-01-01", "region": REGION,
                            "district": DISTRICT},
            "order": {"number": f"HO-C-{suffix}", "region": REGION, "district": DISTRICT,
                      "issued_on": (date.today() - timedelta(days=1)).isoformat(),
                      "expires_on": (date.today() + timedelta(days=90)).isoformat()},
            "enrolment": {"cohort_id": cohort["id"], "inspector_id": COUNTER.id, "psychologist_id": "psy-xiva-count"},
        }, inspector)
        enrolments.append(made["enrolment"]["id"])
    client = new_client(portal_app)
    sign_in(client, COUNTER)
    return client, enrolments


def test_the_participants_page_of_25_men_asks_risk_for_their_levels_once(inspector_of_25, monkeypatch):
    client, enrolments = inspector_of_25
    wait_until(lambda: risk_knows(inspector_of_25), timeout=60, what="risk to hear of the 25 enrolments")
    sent: list[tuple[str, str]] = []
    real = backend._http.request

    def counted(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append((method, urlsplit(url).path))
        return real(method, url, *args, **kwargs)

    monkeypatch.setattr(backend._http, "request", counted)
    page = client.get("/participants?mine=1")
    assert page.status_code == 200
    assert page.text.count('class="level ') >= MEN  # every man's level is shown: risk answered for all 25
    to_risk = [path for method, path in sent if path == "/levels" or path.startswith("/enrolments/")
               and path.endswith("/risk")]
    assert to_risk == ["/levels"], sent  # one request for the page, not one per man
    assert len(sent) <= 3, Counter(sent)  # his enrolments, the cohorts' names, the levels


def risk_knows(context: Any) -> bool:
    client, enrolments = context
    page = client.get("/participants?mine=1")
    return page.status_code == 200 and page.text.count('class="level ') >= MEN


@pytest.mark.parametrize("module", ("_shapes", "_service_client", "enrollment", "sessions", "risk", "notify"))
def test_the_committed_clients_are_what_the_openapi_documents_give(module):
    from qadam_tools.portal_clients import OUT, render_module

    assert (OUT / f"{module}.py").read_text() == render_module(module), (
        f"services/portal/portal/clients/{module}.py is stale: run `make docs` and commit the result")


def test_the_referral_form_is_sent_to_enrollment_as_one_request(inspector_of_25, monkeypatch):
    client, _enrolments = inspector_of_25
    form = client.get("/refer").text
    placement = re.search(r'<option value="([0-9a-f-]{36}\|psy-xiva-count)"', form)
    assert placement, "the referral form offers the inspector's cohort"
    suffix = uuid.uuid4().hex[:6]
    sent: list[tuple[str, str]] = []
    real = backend._http.request

    def counted(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append((method, urlsplit(url).path))
        return real(method, url, *args, **kwargs)

    monkeypatch.setattr(backend._http, "request", counted)
    referred = client.post("/refer", data={
        "csrf_token": csrf_of(form), "idem": re.search(r'name="idem" value="([^"]+)"', form).group(1),  # type: ignore[union-attr]
        "full_name": f"Referred Once {suffix}", "birth_date": "1985-05-05", "pinfl": "", "phone": "",
        "preferred_language": "uz-Latn", "district": DISTRICT, "mahalla": "", "order_number": f"HO-O-{suffix}",
        "order_issued_on": (date.today() - timedelta(days=1)).isoformat(),
        "order_expires_on": (date.today() + timedelta(days=30)).isoformat(), "order_condition_codes": "no_contact",
        "placement": placement.group(1)})
    assert referred.status_code == 302, referred.text[:2000]
    assert [call for call in sent if call[0] != "GET"] == [("POST", "/referrals")]  # one write: the whole referral
