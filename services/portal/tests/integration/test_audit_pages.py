"""The portal's own audit log (its pages, staff accounts) and the audit-log page auditors and administrators search
it and every service's log with. Real database, real services, the pages used as a browser would."""

from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from portal_testkit import csrf_of
from qadam.audit import verify_service
from qadam_testing import wait_until

ROW = re.compile(r"<tr>\s*<td>.*?</tr>", re.S)


def rows(engine: sa.Engine, user_id: str) -> list[dict[str, Any]]:
    with engine.connect() as db:
        return [dict(r) for r in db.execute(sa.text(
            "SELECT user_id, role, action, method, route, record, status, address FROM audit_log "
            "WHERE user_id = :u ORDER BY id"), {"u": user_id}).mappings()]


CELL = re.compile(r"<td>(.*?)</td>", re.S)
COLUMNS = ("when", "user", "role", "action", "request", "records", "status", "address", "reason")


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def entries(page: str) -> list[str]:
    """The table's rows as plain text, one string per entry."""
    return [text(r) for r in ROW.findall(page)]


def cells(page: str) -> list[dict[str, str]]:
    """The table's rows, each {column: its text}."""
    return [dict(zip(COLUMNS, (text(c) for c in CELL.findall(r)), strict=True)) for r in ROW.findall(page)]


def test_what_an_administrator_opens_and_changes_in_the_portal_is_in_its_audit_log(client_for, database):
    admin = client_for("admin-1", "en")
    before = len(rows(database("portal"), "admin-1"))
    assert admin.get("/admin/users/psy-nukus-1").status_code == 200
    page = admin.get("/admin/users/insp-nukus-1")
    assert admin.post("/admin/users/insp-nukus-1/unlock", data={"csrf_token": csrf_of(page.text)}).status_code == 302
    # the typing keepalive shows and changes nothing: it is not recorded
    assert admin.get("/account/alive").status_code == 204
    new = rows(database("portal"), "admin-1")[before:]
    read = next(r for r in new if r["route"] == "/admin/users/<user_id>" and r["record"] == {"user_id": "psy-nukus-1"})
    assert (read["role"], read["action"], read["method"], read["status"]) == ("administrator", "read", "GET", 200)
    assert read["address"]
    write = next(r for r in new if r["method"] == "POST")
    assert (write["action"], write["route"], write["record"], write["status"]) == (
        "write", "/admin/users/<user_id>/unlock", {"user_id": "insp-nukus-1"}, 302)
    assert not [r for r in new if r["route"] == "/account/alive"]


def test_a_refused_page_or_form_is_recorded_with_its_refusal(client_for, database):
    psychologist = client_for("psy-nukus-1", "en")
    before = len(rows(database("portal"), "psy-nukus-1"))
    assert psychologist.get("/audit").status_code == 403
    assert psychologist.get("/admin/users/admin-1").status_code == 403
    # a form without its CSRF token (as a forged one would come) is refused before any access rule, and recorded
    assert psychologist.post("/admin/users/insp-nukus-1/unlock", data={}).status_code == 400
    new = [(r["method"], r["route"], r["record"], r["status"]) for r in rows(database("portal"), "psy-nukus-1")[before:]]
    assert new == [("GET", "/audit", {}, 403), ("GET", "/admin/users/<user_id>", {"user_id": "admin-1"}, 403),
                   ("POST", "/admin/users/<user_id>/unlock", {"user_id": "insp-nukus-1"}, 400)]


@pytest.mark.parametrize("user", ["psy-nukus-1", "insp-nukus-1", "mgr-karakalpakstan", "inson-nukus-1",
                                  "sup-nukus"])
def test_only_auditors_and_administrators_open_the_audit_log(client_for, user):
    assert client_for(user, "en").get("/audit").status_code == 403


def test_an_auditor_starts_at_the_audit_log_and_finds_an_administrator_s_reading_of_a_staff_record(client_for):
    admin = client_for("admin-1", "en")
    assert admin.get("/admin/users/psy-nukus-1").status_code == 200
    # a change of its own to find (the test must not lean on another test having made one before it)
    page = admin.get("/admin/users/insp-nukus-1")
    assert admin.post("/admin/users/insp-nukus-1/unlock", data={"csrf_token": csrf_of(page.text)}).status_code == 302
    auditor = client_for("audit-1", "en")
    home = auditor.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/audit")
    page = auditor.get("/audit?source=portal&user_id=admin-1&action=read")
    assert page.status_code == 200, page.text[:2000]
    found = cells(page.text)
    assert {"request": "GET /admin/users/<user_id>", "records": "user_id=psy-nukus-1"}.items() <= next(
        e for e in found if e["records"] == "user_id=psy-nukus-1").items()
    assert {(e["user"], e["role"], e["action"]) for e in found} == {("admin-1", "Administrator", "Viewed")}
    changes = cells(auditor.get("/audit?source=portal&user_id=admin-1&action=write").text)
    assert changes and {(e["user"], e["action"], e["request"].split()[0]) for e in changes} == {
        ("admin-1", "Changed", "POST")}


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
    assert any("Viewed GET /sessions " in e for e in found()), found()[:5]  # the today page asks for the sessions list
    # days are the country's (Asia/Tashkent): today's entries are in today, none in yesterday or tomorrow
    today = datetime.now(ZoneInfo("Asia/Tashkent")).date()
    for first, last, some in ((today, today, True), (today - timedelta(days=1), today - timedelta(days=1), False),
                              (today + timedelta(days=1), None, False)):
        query = f"/audit?source=sessions&user_id=psy-nukus-1&from={first}" + (f"&to={last}" if last else "")
        page = auditor.get(query)
        assert page.status_code == 200 and 'class="error"' not in page.text, query
        assert bool(entries(page.text)) is some, query
        assert some or "Entries found: 0." in page.text
    # a wrong date is said beside its field; the end of the calendar is no error
    wrong = auditor.get("/audit?source=risk&from=01.12.2026")
    assert wrong.status_code == 200
    assert 'id="from-error"' in wrong.text and "year-month-day" in wrong.text
    assert auditor.get("/audit?source=portal&to=9999-12-31&user_id=a%00b").status_code == 200


def test_an_administrator_pages_through_a_long_log_without_a_repeat_or_a_gap_at_the_seam(client_for):
    admin = client_for("admin-1", "en")
    tag = uuid.uuid4().hex[:6]
    for i in range(55):  # more than a page (50) of entries told apart by the record they name (each a 404)
        assert admin.get(f"/admin/users/nobody-{tag}-{i}").status_code == 404
    first = admin.get("/audit?source=portal&user_id=admin-1&action=read")
    # each search is itself a new entry: without holding the pages at the first one's newest entry, page 2 would
    # begin with the last entry of page 1
    up_to = re.search(r'href="[^"]*up_to=(\d+)[^"]*" rel="next"', html.unescape(first.text))
    assert up_to, "the next page's link holds the first page's newest entry"
    second = admin.get(f"/audit?source=portal&user_id=admin-1&action=read&page=2&up_to={up_to.group(1)}")
    assert "Entries added after the first page was shown" in second.text
    named = [e["records"] for e in cells(first.text) + cells(second.text) if tag in e["records"]]
    assert named == [f"user_id=nobody-{tag}-{i}" for i in reversed(range(55))]


def test_the_portal_s_chain_verifies_and_refuses_to_be_changed(client_for, database, portal_stack):
    client_for("admin-1", "en").get("/admin/users")
    result = verify_service(portal_stack.database_url("portal"))
    assert result.checked > 0 and result.breaks == []
    with database("portal").connect() as db, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.execute(sa.text("UPDATE audit_log SET user_id = :u WHERE id = (SELECT max(id) FROM audit_log)"),
                   {"u": f"someone-{uuid.uuid4().hex[:6]}"})


def test_a_page_that_cannot_be_recorded_is_not_shown_and_says_so_in_the_user_s_language(client_for, database):
    admin = client_for("admin-1", "ru")
    with database("portal").begin() as db:  # the log out of reach (as a full disk or a lost grant would put it)
        db.execute(sa.text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    try:
        page = admin.get("/admin/users/psy-nukus-1")
    finally:
        with database("portal").begin() as db:
            db.execute(sa.text("ALTER TABLE audit_log_away RENAME TO audit_log"))
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "журнал аудита" in page.text
    assert "Dilnoza" not in page.text, "nothing of the record is shown"
    assert admin.get("/admin/users/psy-nukus-1").status_code == 200
