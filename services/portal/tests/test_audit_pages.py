"""The portal's own audit log (its pages, staff accounts) and the audit-log page auditors and administrators search
it and every service's log with. Real database, real services, the pages used as a browser would."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from portal.testkit import csrf_of
from qadam.audit import verify_service
from qadam.testing import wait_until

ROW = re.compile(r"<tr>\s*<td>.*?</tr>", re.S)


@pytest.fixture(scope="module")
def portal_db(portal_stack: Any) -> Iterator[sa.Engine]:
    engine = sa.create_engine(portal_stack.database_url("portal"))
    yield engine
    engine.dispose()


def rows(engine: sa.Engine, user_id: str) -> list[dict[str, Any]]:
    with engine.connect() as db:
        return [dict(r) for r in db.execute(sa.text(
            "SELECT user_id, role, action, method, route, record, status, address FROM audit_log "
            "WHERE user_id = :u ORDER BY id"), {"u": user_id}).mappings()]


def entries(page: str) -> list[str]:
    """The table's rows as plain text, one string per entry."""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in ROW.findall(page)]


def test_what_an_administrator_opens_and_changes_in_the_portal_is_in_its_audit_log(client_for, portal_db):
    admin = client_for("admin-1", "en")
    before = len(rows(portal_db, "admin-1"))
    assert admin.get("/admin/users/psy-nukus-1").status_code == 200
    page = admin.get("/admin/users/insp-nukus-1")
    assert admin.post("/admin/users/insp-nukus-1/unlock", data={"csrf_token": csrf_of(page.text)}).status_code == 302
    # the typing keepalive shows and changes nothing: it is not recorded
    assert admin.get("/account/alive").status_code == 204
    new = rows(portal_db, "admin-1")[before:]
    read = next(r for r in new if r["route"] == "/admin/users/<user_id>" and r["record"] == {"user_id": "psy-nukus-1"})
    assert (read["role"], read["action"], read["method"], read["status"]) == ("administrator", "read", "GET", 200)
    assert read["address"]
    write = next(r for r in new if r["method"] == "POST")
    assert (write["action"], write["route"], write["record"], write["status"]) == (
        "write", "/admin/users/<user_id>/unlock", {"user_id": "insp-nukus-1"}, 302)
    assert not [r for r in new if r["route"] == "/account/alive"]


def test_a_refused_page_is_recorded_with_its_refusal(client_for, portal_db):
    psychologist = client_for("psy-nukus-1", "en")
    assert psychologist.get("/audit").status_code == 403
    assert psychologist.get("/admin/users/admin-1").status_code == 403
    refused = [r for r in rows(portal_db, "psy-nukus-1") if r["status"] == 403]
    assert {r["route"] for r in refused} >= {"/audit", "/admin/users/<user_id>"}


@pytest.mark.parametrize("user", ["psy-nukus-1", "insp-nukus-1", "mgr-karakalpakstan", "inson-nukus-1",
                                  "sup-nukus"])
def test_only_auditors_and_administrators_open_the_audit_log(client_for, user):
    assert client_for(user, "en").get("/audit").status_code == 403


def test_an_auditor_starts_at_the_audit_log_and_finds_an_administrator_s_reading_of_a_staff_record(client_for):
    admin = client_for("admin-1", "en")
    assert admin.get("/admin/users/psy-nukus-1").status_code == 200
    auditor = client_for("audit-1", "en")
    home = auditor.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/audit")
    page = auditor.get("/audit?source=portal&user_id=admin-1&action=read")
    assert page.status_code == 200, page.text[:2000]
    found = entries(page.text)
    assert any("GET /admin/users/<user_id>" in e and "user_id=psy-nukus-1" in e for e in found), found[:5]
    assert all("admin-1" in e and "Read" in e for e in found)
    changes = entries(auditor.get("/audit?source=portal&user_id=admin-1&action=write").text)
    assert changes and all("Change" in e and "POST" in e for e in changes)


def test_an_auditor_searches_a_service_s_log_through_the_portal(client_for):
    """What a psychologist's pages asked of sessions, as sessions recorded it, found by an auditor in the portal."""
    psychologist = client_for("psy-nukus-1", "en")
    assert psychologist.get("/").status_code in (200, 302)
    assert psychologist.get("/today").status_code == 200
    auditor = client_for("audit-1", "en")

    def found() -> list[str]:
        return entries(auditor.get("/audit?source=sessions&user_id=psy-nukus-1").text)

    wait_until(lambda: bool(found()), timeout=10, what="sessions' audit rows of the psychologist")
    assert all("psy-nukus-1" in e and "Psychologist" in e for e in found()), found()[:3]
    assert any("Read GET /sessions " in e for e in found()), found()[:5]  # the today page asks for the sessions list
    # a day with nothing in it, and a wrong date, said beside its field
    assert entries(auditor.get("/audit?source=sessions&user_id=psy-nukus-1&to=2020-01-01").text) == []
    wrong = auditor.get("/audit?source=risk&from=01.12.2026")
    assert wrong.status_code == 200
    assert 'id="from-error"' in wrong.text and "year-month-day" in wrong.text


def test_an_administrator_pages_through_a_long_log(client_for):
    admin = client_for("admin-1", "en")
    for _ in range(55):  # more than a page of the portal's log (50)
        admin.get("/admin/areas")
    first = admin.get("/audit?source=portal&user_id=admin-1")
    assert len(entries(first.text)) == 50
    assert 'rel="next"' in first.text
    second = admin.get("/audit?source=portal&user_id=admin-1&page=2")
    assert entries(second.text) and entries(second.text) != entries(first.text)


def test_the_portal_s_chain_verifies_and_refuses_to_be_changed(client_for, portal_db, portal_stack):
    client_for("admin-1", "en").get("/admin/users")
    result = verify_service(portal_stack.database_url("portal"))
    assert result.checked > 0 and result.breaks == []
    with portal_db.connect() as db, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.execute(sa.text("UPDATE audit_log SET user_id = :u WHERE id = (SELECT max(id) FROM audit_log)"),
                   {"u": f"someone-{uuid.uuid4().hex[:6]}"})
