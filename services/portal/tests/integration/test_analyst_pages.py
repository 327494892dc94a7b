"""The analyst in the portal: an administrator makes one (national: no region; regional: a region), and he sees the
aggregates alone (the completion report and the alert response times, programme fidelity and the psychologists'
workload, of the whole country or of his region) in his menu; every other page answers with the 403 page."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import sqlalchemy as sa
from portal.demo import REGION
from portal_testkit import csrf_of, new_client
from qadam.auth import PUBLIC, access_rule
from qadam_contracts.roles import STAFF_ROLES
from qadam_testing import wait_until
from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

ANALYST = "analyst-1"  # the demo's national analyst
PASSWORD_SHOWN = re.compile(r'id="temporary-password">([^<]+)<')
MENU = re.compile(r'<nav aria-label="Main menu">(.*?)</nav>', re.S)

# aggregates only: the completion report and the alert response times, the outcomes, the national roll-up,
# programme fidelity and workload
MENU_OF_ANALYST = ["/dashboard", "/outcomes", "/national", "/manager/fidelity"]


def menu_of(page: str) -> list[str]:
    """The addresses the main menu links to."""
    found = MENU.search(page)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


def error_of(page: str, name: str) -> str:
    found = re.search(rf'<span class="error" id="{re.escape(name)}-error">([^<]*)</span>', page)
    return html.unescape(found.group(1)) if found else ""


def new_user(admin: Any, **values: str) -> Any:
    """The new-user form sent as an administrator sends it."""
    user_id = f"analyst-{uuid.uuid4().hex[:8]}"
    form = {"id": user_id, "display_name": "Nilufar Xudoyberdiyeva", "role": "analyst", "region": "", "district": "",
            "mahalla": "", "email": f"{user_id}@example.uz", "phone": "", "telegram_chat_id": "", "language": "en",
            "supervisor_id": "", "quiet_start": "", "quiet_end": "", **values}
    token = csrf_of(admin.get("/admin/users/new").text)
    return form["id"], admin.post("/admin/users/new", data={"csrf_token": token, **form})


def signed_in(portal_app: Any, user_id: str, temporary: str) -> Any:
    """A browser signed in as a new user, his temporary password changed for his own."""
    client = new_client(portal_app)
    page = client.get("/sign-in")
    assert client.post("/sign-in", data={"csrf_token": csrf_of(page.text), "username": user_id,
                                         "password": temporary}).status_code == 302
    page = client.get("/account/password")
    mine = "analyst-own-pass-2026"
    assert client.post("/account/password", data={"csrf_token": csrf_of(page.text), "current": temporary,
                                                  "new": mine, "repeat": mine}).status_code == 302
    return client


def test_the_new_user_form_offers_the_analyst_and_says_where_he_works(client_for):
    page = client_for("admin-1", "en").get("/admin/users/new").text
    assert '<option value="analyst">Analyst</option>' in page
    assert "A region, or none for the whole country: Analyst." in page


def test_an_administrator_makes_a_national_and_a_regional_analyst_and_never_one_of_a_district(portal_app, client_for,
                                                                                              database):
    admin = client_for("admin-1", "en")
    national_id, national = new_user(admin)
    assert national.status_code == 201, national.text[:3000]
    regional_id, regional = new_user(admin, region=REGION)
    assert regional.status_code == 201, regional.text[:3000]
    _, refused = new_user(admin, region=REGION, district="Nukus")
    assert refused.status_code == 422
    assert "a whole region or the whole country" in error_of(refused.text, "district")
    with database("portal").connect() as db:
        rows = dict(db.execute(sa.text("SELECT id, region FROM app_user WHERE id IN (:a, :b)"),
                               {"a": national_id, "b": regional_id}).all())
    assert rows == {national_id: None, regional_id: REGION}

    # each signs in and lands on the dashboard, his menu the dashboard alone
    for user_id, answer in ((national_id, national), (regional_id, regional)):
        temporary = html.unescape(PASSWORD_SHOWN.search(answer.text).group(1))  # type: ignore[union-attr]
        client = signed_in(portal_app, user_id, temporary)
        assert client.get("/").headers["Location"].endswith("/dashboard")
        page = client.get("/dashboard")
        assert page.status_code == 200 and menu_of(page.text) == MENU_OF_ANALYST
        assert '<span class="role">Analyst</span>' in page.text
        if user_id == regional_id:  # his region's figures, no choice of another, and its alert response times
            assert 'name="region"' not in page.text and "Whole country" not in page.text
            assert "Choose a region to see how fast alerts were answered." not in page.text
            other = client.get("/dashboard?region=Buxoro+viloyati")
            assert other.status_code == 200 and 'name="region"' not in other.text
        else:  # the whole country, and any region he chooses
            assert 'name="region"' in page.text and "Whole country" in page.text
        assert client.get("/participants").status_code == 403
    # the directory in notify knows the analysts (as any staff member), with their area
    wait_until(lambda: _contact_region(database, regional_id) == (REGION,), what="the regional analyst in notify")


def _contact_region(database: Any, user_id: str) -> tuple[Any, ...] | None:
    with database("notify").connect() as db:
        row = db.execute(sa.text("SELECT region FROM contact WHERE user_id = :id"), {"id": user_id}).first()
    return tuple(row) if row is not None else None


def test_the_demo_analyst_sees_the_whole_country_and_a_region_he_chooses(client_for):
    analyst = client_for(ANALYST, "en")
    assert analyst.get("/").headers["Location"].endswith("/dashboard")
    assert analyst.get("/account").status_code == 200  # his own account, as everyone's
    country = analyst.get("/dashboard")
    assert country.status_code == 200 and menu_of(country.text) == MENU_OF_ANALYST
    assert "Choose a region to see how fast alerts were answered." in country.text  # notify: one region at a time
    chosen = analyst.get(f"/dashboard?region={REGION}")
    assert chosen.status_code == 200
    assert "Choose a region to see how fast alerts were answered." not in chosen.text
    assert "From delivery to acknowledgement" in chosen.text or "No alerts in this period." in chosen.text
    for fmt, kind in (("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")):
        download = analyst.get(f"/dashboard/export.{fmt}?region={REGION}")
        assert download.status_code == 200 and download.headers["Content-Type"].startswith(kind)


def test_every_page_but_the_dashboard_and_his_own_account_answers_the_analyst_with_the_403_page(portal_app, client_for,
                                                                                                demo):
    """Found from the portal's routes, not from a list: every GET page not his is refused, whatever it shows."""
    analyst = client_for(ANALYST, "en")
    adapter = portal_app.url_map.bind("localhost")
    tried = []
    for rule in portal_app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        allowed = access_rule(portal_app, rule.endpoint, "GET")
        # the machine's addresses and the sign-in's steps (public); every staff member's own pages (his account, his
        # language, the start page that sends him on, checking a document's code: its kind and date, nothing of a man)
        if allowed == PUBLIC or (allowed and set(STAFF_ROLES) <= set(allowed)):
            continue
        if allowed and "analyst" in allowed:  # let in: the dashboard, its download and staff work, and nothing else
            assert rule.endpoint in ("manager.dashboard", "manager.export", "manager.fidelity", "national.rollup",
                                     "national.export", "manager.outcomes", "manager.outcomes_export"), rule.endpoint
            continue
        values: dict[str, Any] = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, UUIDConverter):
                values[name] = str(demo["enrolments"][0]["id"]) if "enrolment" in name else str(uuid.uuid4())
            elif isinstance(converter, IntegerConverter):
                values[name] = 1
            elif isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            else:
                values[name] = "psy-nukus-1" if "user" in name else "x"
        path = adapter.build(rule.endpoint, values)
        answer = analyst.get(path)
        tried.append(path)
        assert answer.status_code == 403, (rule.endpoint, path, answer.status_code)
        assert answer.mimetype == "text/html" and "<h1>" in answer.text, path
    assert len(tried) > 30  # the admin's, the manager's, the inspector's, the psychologist's, support's, supervisor's
