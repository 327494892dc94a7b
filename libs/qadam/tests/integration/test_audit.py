"""The audit log: every authenticated request recorded append-only and hash-chained, verified and searchable."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
import sqlalchemy as sa
from flask_smorest import Blueprint
from qadam import audit
from qadam.auth import allow
from qadam.web import build_app
from qadam_contracts.roles import ACCESS_POLICY, Role
from qadam_tools.cli import main


@pytest.fixture
def audited(isolated_stack):
    """An app on a database of its own (its chain is broken on purpose by some tests), and that database."""
    stack = isolated_stack("enrollment")
    blp = Blueprint("things", __name__)

    @blp.route("/things")
    @allow(Role.PSYCHOLOGIST, Role.MANAGER)
    def search_things():
        return {"items": []}

    @blp.route("/things/<uuid:thing_id>", methods=["GET", "PUT"])
    @allow(Role.PSYCHOLOGIST, Role.MANAGER)
    def thing(thing_id):
        return {"id": str(thing_id)}

    app = build_app("enrollment", [blp], stack.base_settings("enrollment"), policy=ACCESS_POLICY)
    engine = sa.create_engine(stack.database_url("enrollment"), poolclass=sa.NullPool)
    yield app, engine, stack.database_url("enrollment")
    engine.dispose()


def bearer(t: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}", **more}


def audit_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("SELECT * FROM audit_log ORDER BY id")).mappings()]


def verify(monkeypatch, capsys, url: str, *more: str) -> tuple[int, str]:
    monkeypatch.setenv("QADAM_DATABASE_URL", url)
    code = main(["audit", "verify", "enrollment", *more])
    return code, capsys.readouterr().out


def test_a_read_and_a_write_are_recorded_with_who_role_route_status_and_reason(audited, token):
    app, engine, _ = audited
    client = app.test_client()
    thing = uuid.uuid4()
    read = client.get(f"/things/{thing}", headers=bearer(token("psy-1", "psychologist"), **{
        "X-Audit-Reason": "session preparation", "X-Request-ID": "req-audit-1"}))
    write = client.put(f"/things/{thing}", headers=bearer(token("mgr-1", "manager")))
    assert read.status_code == 200 and write.status_code == 200

    first, second = audit_rows(engine)
    assert first | {"at": None, "id": None, "prev_hash": None, "hash": None, "address": None} == {
        "id": None, "at": None, "user_id": "psy-1", "role": "psychologist", "action": "read", "method": "GET",
        "route": "/things/<uuid:thing_id>", "record": {"thing_id": str(thing)}, "status": 200, "address": None,
        "reason": "session preparation", "correlation_id": "req-audit-1", "prev_hash": None, "hash": None}
    assert first["address"] == "127.0.0.1" and first["prev_hash"] == audit.GENESIS
    assert (second["user_id"], second["role"], second["action"], second["method"], second["reason"]) == (
        "mgr-1", "manager", "write", "PUT", None)
    assert second["prev_hash"] == first["hash"]


def test_refusals_are_recorded_but_public_and_unauthenticated_requests_are_not(audited, token):
    app, engine, _ = audited
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/things").status_code == 401
    assert client.get("/things", headers=bearer(token("aud-1", "auditor"))).status_code == 403

    (refused,) = audit_rows(engine)
    assert (refused["user_id"], refused["role"], refused["route"], refused["status"]) == (
        "aud-1", "auditor", "/things", 403)


def test_no_query_string_ever_reaches_the_log(audited, token):
    app, engine, _ = audited
    app.test_client().get("/things?q=Alisher%20Navoiy&pinfl=31234567890123",
                          headers=bearer(token("psy-1", "psychologist")))
    (row,) = audit_rows(engine)
    text = json.dumps(row, default=str)
    assert row["route"] == "/things" and row["record"] == {}
    assert "Alisher" not in text and "31234567890123" not in text and "?" not in text


def test_an_overlong_reason_is_refused_with_what_is_allowed(audited, token):
    app, _, _ = audited
    answer = app.test_client().get("/things", headers=bearer(token("psy-1", "psychologist"),
                                                             **{"X-Audit-Reason": "x" * 501}))
    assert answer.status_code == 422 and "500 characters" in answer.get_json()["detail"]


def test_the_database_refuses_to_change_or_remove_audit_rows(audited, token):
    app, engine, _ = audited
    app.test_client().get("/things", headers=bearer(token("psy-1", "psychologist")))
    for statement in ("UPDATE audit_log SET user_id = 'someone-else'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert len(audit_rows(engine)) == 1


def test_verify_passes_an_intact_chain_and_names_the_rows_tampered_with(audited, token, monkeypatch, capsys):
    app, engine, url = audited
    client = app.test_client()
    for _ in range(5):
        client.get("/things", headers=bearer(token("psy-1", "psychologist")))
    code, out = verify(monkeypatch, capsys, url)
    assert code == 0 and "5 audit row(s) checked, the chain is intact" in out

    ids = [r["id"] for r in audit_rows(engine)]
    with engine.begin() as conn:  # a superuser switches the guard off, edits one row and removes another
        conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(sa.text("UPDATE audit_log SET user_id = 'someone-else' WHERE id = :id"), {"id": ids[1]})
        conn.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[3]})
        conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    code, out = verify(monkeypatch, capsys, url)
    assert code == 1
    assert f"audit row {ids[1]}: hash does not match" in out
    assert f"audit row {ids[4]}: prev_hash does not link to row {ids[2]}" in out
    assert "4 audit row(s) checked, 2 break(s)" in out


def test_rows_removed_from_the_end_or_a_rebuilt_chain_are_found_against_the_anchors(audited, token, monkeypatch,
                                                                                      capsys, tmp_path):
    """The chain alone cannot show its newest rows removed, nor a chain recomputed from the start by a superuser:
    the heads written outside the database at earlier verifications can."""
    app, engine, url = audited
    client, anchors = app.test_client(), tmp_path / "anchors" / "audit.jsonl"
    for _ in range(3):
        client.get("/things", headers=bearer(token("psy-1", "psychologist")))
    code, out = verify(monkeypatch, capsys, url, "--anchors", str(anchors))
    first_head = audit_rows(engine)[-1]
    assert code == 0 and f"head row {first_head['id']} hash {first_head['hash']}" in out
    assert [json.loads(line)["id"] for line in anchors.read_text().splitlines()] == [first_head["id"]]
    for _ in range(2):
        client.get("/things", headers=bearer(token("psy-1", "psychologist")))
    code, out = verify(monkeypatch, capsys, url, "--anchors", str(anchors))
    assert code == 0 and "5 audit row(s) checked against 1 anchor(s), the chain is intact" in out
    newest = audit_rows(engine)[-1]["id"]

    with engine.begin() as conn:  # a superuser removes the two newest rows: what is left still links up
        conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(sa.text("DELETE FROM audit_log WHERE id > :id"), {"id": first_head["id"]})
        conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    code, out = verify(monkeypatch, capsys, url)
    assert code == 0, "without anchors the shortened chain checks: this is what anchors are for"
    code, out = verify(monkeypatch, capsys, url, "--anchors", str(anchors))
    assert code == 1
    assert f"audit row {newest}: was the chain's head when anchored at" in out and "removed from the end" in out
    # anchored even so: what is removed after tonight must show tomorrow as well
    assert [json.loads(line)["id"] for line in anchors.read_text().splitlines()] == [first_head["id"], newest,
                                                                                     first_head["id"]]

    # the rows' user rewritten and every hash after it recomputed: a chain that links up, but not to its anchor
    rows = audit_rows(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        prev = audit.GENESIS
        for row in rows:
            row = {**row, "user_id": "someone-else"}
            row_hash = audit.chain_hash(prev, row)
            conn.execute(sa.text("UPDATE audit_log SET user_id = 'someone-else', prev_hash = :p, hash = :h "
                                 "WHERE id = :id"), {"p": prev, "h": row_hash, "id": row["id"]})
            prev = row_hash
        conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    assert verify(monkeypatch, capsys, url)[0] == 0
    code, out = verify(monkeypatch, capsys, url, "--anchors", str(anchors))
    assert code == 1 and f"audit row {first_head['id']}: differs from its anchor" in out


def test_an_anchor_cut_short_by_a_crash_is_left_out_and_the_next_starts_its_own_line(audited, token, monkeypatch,
                                                                                        capsys, tmp_path):
    app, engine, url = audited
    app.test_client().get("/things", headers=bearer(token("psy-1", "psychologist")))
    anchors = tmp_path / "audit.jsonl"
    assert verify(monkeypatch, capsys, url, "--anchors", str(anchors))[0] == 0
    anchors.write_text(anchors.read_text() + '{"service": "enrollment", "id": 99')  # the append torn mid-line
    code, out = verify(monkeypatch, capsys, url, "--anchors", str(anchors))
    assert code == 0 and "against 1 anchor(s), the chain is intact" in out
    lines = anchors.read_text().splitlines()
    assert len(lines) == 3 and lines[1].endswith("99") and json.loads(lines[2])["service"] == "enrollment"
    assert verify(monkeypatch, capsys, url, "--anchors", str(anchors))[0] == 2  # a torn line inside: said, not skipped


def test_an_unreadable_anchors_file_is_said_and_nothing_is_checked(audited, monkeypatch, capsys, tmp_path):
    _app, _engine, url = audited
    anchors = tmp_path / "audit.jsonl"
    anchors.write_text('{"service": "enrollment", "id": "seven"}\n')
    monkeypatch.setenv("QADAM_DATABASE_URL", url)
    assert main(["audit", "verify", "enrollment", "--anchors", str(anchors)]) == 2
    assert "audit.jsonl:1 is not an anchor" in capsys.readouterr().err
    assert anchors.read_text().count("\n") == 1, "nothing appended"


def test_concurrent_requests_form_one_unbroken_chain(audited, token, monkeypatch, capsys):
    app, engine, url = audited
    headers = bearer(token("psy-1", "psychologist"))

    def send() -> None:
        client = app.test_client()
        for _ in range(25):
            assert client.get(f"/things/{uuid.uuid4()}", headers=headers).status_code == 200

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    code, out = verify(monkeypatch, capsys, url)
    assert code == 0 and "200 audit row(s) checked" in out


def test_an_access_that_cannot_be_recorded_is_answered_503_not_passed(audited, token):
    app, engine, _ = audited
    with engine.begin() as conn:  # the database refuses the row (as a full disk or a revoked grant would)
        conn.execute(sa.text("CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"))
        conn.execute(sa.text("CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log "
                             "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"))
    answer = app.test_client().get(f"/things/{uuid.uuid4()}", headers=bearer(token("psy-1", "psychologist")))
    assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
    assert "id" not in answer.get_json()
    assert audit_rows(engine) == []


def test_auditors_and_administrators_search_the_log_and_a_psychologist_is_refused(audited, token):
    app, _, _ = audited
    client = app.test_client()
    thing = uuid.uuid4()
    client.get(f"/things/{thing}", headers=bearer(token("psy-1", "psychologist")))
    client.put(f"/things/{thing}", headers=bearer(token("mgr-1", "manager")))

    found = client.get("/audit?user_id=psy-1&action=read", headers=bearer(token("aud-1", "auditor")))
    assert found.status_code == 200, found.get_data(as_text=True)
    page = found.get_json()
    assert page["total"] == 1 and page["items"][0]["record"] == {"thing_id": str(thing)}
    writes = client.get("/audit?route=/things/<uuid:thing_id>&action=write&since=2000-01-01T00:00:00Z",
                        headers=bearer(token("admin-1", "administrator"))).get_json()
    assert [i["user_id"] for i in writes["items"]] == ["mgr-1"]
    assert client.get("/audit?until=2000-01-01T00:00:00Z",
                      headers=bearer(token("admin-1", "administrator"))).get_json()["total"] == 0

    refused = client.get("/audit", headers=bearer(token("psy-1", "psychologist")))
    assert refused.status_code == 403
    assert client.get("/audit?action=delete", headers=bearer(token("aud-1", "auditor"))).status_code == 422


def test_a_row_is_appended_in_a_transaction_of_its_own_in_one_round_trip_and_joins_the_chain(audited):
    """BEGIN, the chain's lock, the row and COMMIT go together: one round trip for the row every authenticated
    request writes, and the chain's lock held for none."""
    from qadam.db import make_web_engine
    from qadam_testing import round_trips

    _, reader, url = audited
    engine = make_web_engine(url)
    entry = {"at": "2026-12-07T08:00:00+00:00", "user_id": "auditor-1", "role": "auditor", "action": "read",
             "method": "GET", "route": "/audit", "record": {}, "status": 200, "address": "127.0.0.1",
             "reason": None, "correlation_id": "corr-once"}
    with engine.connect() as c:  # the connection the append takes next from the pool, traced
        raw = c.connection.driver_connection
    with round_trips(raw) as turns:
        audit.append_at_once(engine, entry)
    engine.dispose()
    assert turns == [4]
    assert [r["correlation_id"] for r in audit_rows(reader)][-1] == "corr-once"
    with reader.connect() as conn:
        assert audit.verify_chain(conn)[1] == []
