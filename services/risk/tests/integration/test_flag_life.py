"""The flag's life applied on the real database, from the API and from notify's events alike: who, when and why are
kept, and a resolved flag receives nothing more."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from qadam.events import delivered
from qadam_contracts.notify import AlertAcknowledged


def _flag(client, who, enrolment) -> dict:
    reported = client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "arrest", "occurred_on": date.today().isoformat(), "severity": "minor"})
    assert reported.status_code == 201, reported.get_json()
    [flag] = client.get(f"/flags?enrolment_id={enrolment}", headers=who("inspector")).get_json()["items"]
    return flag


def _handled(engine, flag_id: str) -> list[tuple[str, str]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(
            "SELECT routing_key, envelope->'data'->>'by' FROM outbox WHERE envelope->'data'->>'flag_id' = :f "
            "AND routing_key IN ('risk.flag.acknowledged', 'risk.flag.resolved') ORDER BY created_at, id"),
            {"f": flag_id}).all()]


def test_a_resolution_keeps_who_when_and_why_and_refuses_to_be_made_twice(client, who, enrol, risk_db):
    _, _, engine = risk_db
    flag = _flag(client, who, enrol())
    path = f"/flags/{flag['id']}/resolve"
    resolved = client.post(path, headers=who("psychologist"), json={"reason": "Seen at the session; he is working."})
    assert resolved.status_code == 200, resolved.get_json()
    seen = resolved.get_json()
    assert (seen["status"], seen["resolved_by"], seen["resolution"]) == (
        "resolved", "psy-r", "Seen at the session; he is working.")
    assert seen["resolved_at"] is not None and seen["acknowledged_by"] is None  # resolved before any acknowledgement
    again = client.post(path, headers=who("inspector"), json={"reason": "Again."})
    assert again.status_code == 409
    assert "resolved already by psy-r: Seen at the session; he is working." in again.get_json()["detail"]
    assert _handled(engine, flag["id"]) == [("risk.flag.resolved", "psy-r")]


def test_her_support_worker_reads_the_flag_but_neither_acknowledges_nor_resolves_it(client, who, enrol):
    flag = _flag(client, who, enrol())
    assert client.post(f"/flags/{flag['id']}/acknowledge", headers=who("support_worker")).status_code == 403
    assert client.post(f"/flags/{flag['id']}/resolve", headers=who("support_worker"),
                       json={"reason": "Not hers to say."}).status_code == 403


def test_an_acknowledgement_from_notify_after_the_flag_was_resolved_is_let_go(client, who, enrol, risk_db, deliver):
    settings, factory, engine = risk_db
    enrolment = enrol()
    flag = _flag(client, who, enrolment)
    assert client.post(f"/flags/{flag['id']}/resolve", headers=who("inspector"),
                       json={"reason": "The order was lifted."}).status_code == 200
    deliver(settings, factory, [delivered(AlertAcknowledged(
        notification_id=uuid.uuid4(), flag_id=flag["id"], enrolment_id=enrolment,
        participant_code=flag["participant_code"], user_id="psy-r", responsibility="psychologist",
        acknowledged_at=datetime.now(UTC), via="link"))])
    seen = client.get(f"/flags/{flag['id']}", headers=who("inspector")).get_json()
    assert (seen["status"], seen["resolved_by"], seen["acknowledged_by"]) == ("resolved", "insp-r", None)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM flag_acknowledgement WHERE flag_id = :f"),
                         {"f": flag["id"]}).scalar_one() == 0
    assert client.post(f"/flags/{flag['id']}/acknowledge", headers=who("psychologist")).status_code == 409
    assert _handled(engine, flag["id"]) == [("risk.flag.resolved", "insp-r")]
