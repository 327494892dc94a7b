"""Sessions' API on the real database: a whole group in one request, refusals, one event per mark."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from qadam.config import Settings
from qadam_testing import bearer, seed_sessions_cohort

URGUT = {"region": "Samarqand viloyati", "district": "Urgut"}  # the group's area, on its psychologist's token


@pytest.fixture
def group(stack):
    """A cohort of 12 known to sessions (as enrollment's events would leave it) and a past session."""
    engine = sa.create_engine(stack.database_url("sessions"))
    cohort, psy = uuid.uuid4(), f"psy-{uuid.uuid4().hex[:6]}"
    enrolments = [uuid.uuid4() for _ in range(12)]
    with engine.begin() as c:
        seed_sessions_cohort(c, cohort_id=cohort, **URGUT, facilitator_ids=[psy], sessions_required=8,
                             roster={e: f"P-2026-{900000 + i:06d}" for i, e in enumerate(enrolments)})
    yield {"cohort": cohort, "psy": psy, "enrolments": enrolments, "engine": engine}
    with engine.begin() as c:  # these enrolments exist nowhere else: keep their events off the shared bus
        c.execute(sa.text("DELETE FROM outbox WHERE envelope->'data'->>'cohort_id' = :c"), {"c": str(cohort)})
    engine.dispose()


def schedule(client, group, token, number=1, when=None):
    when = when or datetime.now(UTC) - timedelta(hours=2)
    r = client.post(f"/cohorts/{group['cohort']}/sessions", headers=bearer(token(group["psy"], "psychologist", **URGUT)),
                    json={"number": number, "scheduled_at": when.isoformat()})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["id"]


def events_for(group, session_id, *, of_the_session: bool = False) -> list[dict]:
    """The events about a session's marks (or, `of_the_session`, about the session itself: planned, changed)."""
    kinds = "LIKE" if of_the_session else "NOT LIKE"
    with group["engine"].connect() as c:
        return c.execute(sa.text("SELECT envelope FROM outbox WHERE envelope->'data'->>'session_id' = :s "
                                 f"AND routing_key {kinds} 'sessions.session.%' ORDER BY seq"),
                         {"s": session_id}).scalars().all()


def test_group_of_twelve_in_one_request_publishes_twelve_events(app_for, token, group):
    client = app_for("sessions").test_client()
    sid = schedule(client, group, token)
    statuses = ["present"] * 8 + ["late", "unexcused", "unexcused", "excused"]
    marks = [{"enrolment_id": str(e), "status": s} for e, s in zip(group["enrolments"], statuses, strict=True)]
    marks[-1]["excuse_reason"] = "funeral in the family"
    r = client.post(f"/sessions/{sid}/attendance", headers=bearer(token(group["psy"], "psychologist", **URGUT)),
                    json={"marks": marks})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert len(r.get_json()["marks"]) == 12
    events = events_for(group, sid)
    assert len(events) == 12 and {e["type"] for e in events} == {"sessions.attendance.recorded"}
    assert sorted(e["data"]["status"] for e in events) == sorted(statuses)
    assert all(e["data"]["participant_code"].startswith("P-2026-9") for e in events)
    listed = client.get(f"/sessions/{sid}/attendance", headers=bearer(token(group["psy"], "psychologist", **URGUT)))
    assert len(listed.get_json()["marks"]) == 12


def test_participant_not_in_the_cohort_is_refused_and_nothing_is_recorded(app_for, token, group):
    client = app_for("sessions").test_client()
    sid = schedule(client, group, token)
    r = client.post(f"/sessions/{sid}/attendance", headers=bearer(token(group["psy"], "psychologist", **URGUT)), json={
        "marks": [{"enrolment_id": str(group["enrolments"][0]), "status": "present"},
                  {"enrolment_id": str(uuid.uuid4()), "status": "present"}]})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert "not enrolled in its cohort" in r.get_json()["errors"]["marks"]["1"]["enrolment_id"][0]
    assert events_for(group, sid) == []


def test_recording_the_same_mark_again_is_a_conflict(app_for, token, group):
    client = app_for("sessions").test_client()
    sid = schedule(client, group, token)
    body = {"marks": [{"enrolment_id": str(group["enrolments"][0]), "status": "unexcused"}]}
    headers = bearer(token(group["psy"], "psychologist", **URGUT))
    assert client.post(f"/sessions/{sid}/attendance", headers=headers, json=body).status_code == 201
    again = client.post(f"/sessions/{sid}/attendance", headers=headers, json=body)
    assert again.status_code == 409 and "amendment" in again.get_json()["detail"]
    assert len(events_for(group, sid)) == 1


def test_future_session_and_other_psychologists_are_refused(app_for, token, group):
    client = app_for("sessions").test_client()
    later = schedule(client, group, token, number=2, when=datetime.now(UTC) + timedelta(days=3))
    body = {"marks": [{"enrolment_id": str(group["enrolments"][0]), "status": "present"}]}
    r = client.post(f"/sessions/{later}/attendance", headers=bearer(token(group["psy"], "psychologist", **URGUT)), json=body)
    assert r.status_code == 409
    now = schedule(client, group, token, number=3)
    stranger = bearer(token("psy-elsewhere", "psychologist"))
    assert client.post(f"/sessions/{now}/attendance", headers=stranger, json=body).status_code == 404
    inspector = bearer(token("insp-x", "inspector", region="Samarqand viloyati", district="Urgut"))
    assert client.post(f"/sessions/{now}/attendance", headers=inspector, json=body).status_code == 403


def test_the_same_request_retried_with_its_idempotency_key_records_nothing_twice(app_for, token, group):
    client = app_for("sessions").test_client()
    sid = schedule(client, group, token)
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    marks = [{"enrolment_id": str(e), "status": "present"} for e in group["enrolments"]]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post(f"/sessions/{sid}/attendance", headers=psy | key, json={"marks": marks})
    again = client.post(f"/sessions/{sid}/attendance", headers=psy | key, json={"marks": marks})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(events_for(group, sid)) == 12  # one event per mark, not two
    with group["engine"].connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM attendance_mark WHERE session_id = :s"), {"s": sid}).scalar() == 12
    other = client.post(f"/sessions/{sid}/attendance", headers=psy | key, json={"marks": marks[:1]})
    assert other.status_code == 422 and "different request" in other.get_json()["detail"]
    without_key = client.post(f"/sessions/{sid}/attendance", headers=psy, json={"marks": marks})
    assert without_key.status_code == 409  # without a key, a second recording is refused, not replayed


def test_a_correction_is_an_amendment_that_keeps_the_old_value_and_is_published(app_for, token, group):
    client = app_for("sessions").test_client()
    sid = schedule(client, group, token)
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    him = group["enrolments"][0]
    assert client.post(f"/sessions/{sid}/attendance", headers=psy,
                       json={"marks": [{"enrolment_id": str(him), "status": "unexcused"}]}).status_code == 201
    path = f"/sessions/{sid}/attendance/{him}/amendments"
    no_reason = client.post(path, headers=psy, json={"status": "excused", "reason": "the family called the centre"})
    assert no_reason.status_code == 422 and "excuse_reason" in no_reason.get_json()["errors"]
    amended = client.post(path, headers=psy, json={"status": "excused", "excuse_reason": "in hospital",
                                                   "reason": "the family called the centre the same day"})
    assert amended.status_code == 201, amended.get_data(as_text=True)
    body = amended.get_json()
    assert (body["mark"]["status"], body["mark"]["excuse_reason"]) == ("excused", "in hospital")
    [kept] = body["amendments"]
    assert (kept["old_status"], kept["new_status"], kept["amended_by"]) == ("unexcused", "excused", group["psy"])
    assert kept["reason"] == "the family called the centre the same day" and kept["amended_at"]
    events = [e for e in events_for(group, sid) if e["type"] == "sessions.attendance.amended"]
    assert len(events) == 1 and events[0]["data"]["status"] == "excused" and events[0]["data"]["old_status"] == "unexcused"
    assert "reason" not in events[0]["data"]  # why it changed stays here: free text never travels
    same = client.post(path, headers=psy, json={"status": "excused", "excuse_reason": "in hospital", "reason": "again"})
    assert same.status_code == 422
    inspector = bearer(token("insp-x", "inspector", region="Samarqand viloyati", district="Urgut"))
    assert client.post(path, headers=inspector, json={"status": "present", "reason": "seen him"}).status_code == 403
    assert client.get(path, headers=inspector).get_json()["amendments"][0]["old_status"] == "unexcused"


def test_participation_homework_and_each_warning_sign_are_recorded_and_signs_published(app_for, token, group):
    client = app_for("sessions").test_client()
    sid = schedule(client, group, token)
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    talker, absent = group["enrolments"][:2]
    wrong = client.post(f"/sessions/{sid}/attendance", headers=psy, json={"marks": [
        {"enrolment_id": str(absent), "status": "unexcused", "participation": 2}]})
    assert wrong.status_code == 422 and "participation" in wrong.get_json()["errors"]["marks"]["0"]
    recorded = client.post(f"/sessions/{sid}/attendance", headers=psy, json={"marks": [
        {"enrolment_id": str(talker), "status": "present", "participation": 1, "homework_done": False,
         "warning_signs": ["blaming_the_victim", "threat_to_partner", "blaming_the_victim"]},
        {"enrolment_id": str(absent), "status": "unexcused", "warning_signs": ["contact_against_order"]}]})
    assert recorded.status_code == 201, recorded.get_data(as_text=True)
    mine = {m["enrolment_id"]: m for m in recorded.get_json()["marks"]}[str(talker)]
    assert (mine["participation"], mine["homework_done"]) == (1, False)
    assert mine["warning_signs"] == ["blaming_the_victim", "threat_to_partner"]
    signs = sorted((e["data"]["enrolment_id"], e["data"]["sign"]) for e in events_for(group, sid)
                   if e["type"] == "sessions.warning_sign.observed")
    assert signs == sorted([(str(talker), "blaming_the_victim"), (str(talker), "threat_to_partner"),
                            (str(absent), "contact_against_order")])
    marks = {e["data"]["enrolment_id"]: e["data"]["warning_signs"] for e in events_for(group, sid)
             if e["type"] == "sessions.attendance.recorded"}  # the mark carries them too (enrollment holds completion)
    assert marks == {str(talker): ["blaming_the_victim", "threat_to_partner"], str(absent): ["contact_against_order"]}
    unknown = client.post(f"/sessions/{schedule(client, group, token, number=2)}/attendance", headers=psy, json={
        "marks": [{"enrolment_id": str(talker), "status": "present", "warning_signs": ["bad mood"]}]})
    assert unknown.status_code == 422


def test_a_warning_sign_typed_in_days_later_names_when_the_session_took_place(app_for, token, group):
    client = app_for("sessions").test_client()
    held = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    sid = schedule(client, group, token, when=held)
    recorded = client.post(f"/sessions/{sid}/attendance", headers=bearer(token(group["psy"], "psychologist", **URGUT)),
                           json={"marks": [{"enrolment_id": str(group["enrolments"][0]), "status": "present",
                                            "warning_signs": ["threat_to_kill"]}]})
    assert recorded.status_code == 201, recorded.get_data(as_text=True)
    [sign] = [e["data"] for e in events_for(group, sid) if e["type"] == "sessions.warning_sign.observed"]
    assert datetime.fromisoformat(sign["session_at"]) == held
    assert datetime.fromisoformat(sign["observed_at"]) - held > timedelta(days=2)


def test_a_note_is_sealed_in_the_database_and_only_the_cohorts_psychologist_reads_it(app_for, token, group, stack):
    from qadam import sealing
    from sessions.notes import reseal_all

    client = app_for("sessions").test_client()
    sid = schedule(client, group, token)
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    text = "Oʻtkir said his wife 'will regret going to the mahalla'; he blamed her for the order."
    key = {"Idempotency-Key": str(uuid.uuid4())}  # an answer kept for retries must not hold the text either
    written = client.post(f"/sessions/{sid}/notes", headers=psy | key, json={"text": text,
                                                                            "enrolment_id": str(group["enrolments"][0])})
    assert written.status_code == 201, written.get_data(as_text=True)
    assert "text" not in written.get_json()
    with group["engine"].connect() as c:
        kept = c.execute(sa.text("SELECT response::text FROM idempotency_record WHERE key = :k"),
                         {"k": key["Idempotency-Key"]}).scalar_one()
    assert kept and "regret" not in kept
    with group["engine"].connect() as c:
        sealed = c.execute(sa.text("SELECT sealed FROM session_note WHERE session_id = :s"), {"s": sid}).scalar_one()
        outbox = c.execute(sa.text("SELECT count(*) FROM outbox WHERE envelope::text LIKE '%regret%'")).scalar()
    assert b"regret" not in bytes(sealed) and b"regret".hex() not in bytes(sealed).hex() and outbox == 0
    assert [n["text"] for n in client.get(f"/sessions/{sid}/notes", headers=psy).get_json()] == [text]
    inspector = bearer(token("insp-x", "inspector", region="Samarqand viloyati", district="Urgut"))
    manager = bearer(token("mgr-x", "manager", region="Samarqand viloyati"))
    other_psy = bearer(token("psy-elsewhere", "psychologist", region="Samarqand viloyati", district="Urgut"))
    assert client.get(f"/sessions/{sid}/notes", headers=inspector).status_code == 403
    assert client.get(f"/sessions/{sid}/notes", headers=manager).status_code == 403
    assert client.get(f"/sessions/{sid}/notes", headers=other_psy).status_code == 404
    # rotation: a new key on top, everything re-sealed, the old key dropped; the note still reads
    keys = Path(stack.settings("sessions").sealing_key_file)
    before = keys.read_text()
    sealing.add_key(keys)
    newest = [line for line in keys.read_text().splitlines() if not line.startswith("#")][0]
    try:
        assert reseal_all(stack.settings("sessions")) >= 1
        keys.write_text(newest + "\n")  # the old key is gone
        assert [n["text"] for n in client.get(f"/sessions/{sid}/notes", headers=psy).get_json()] == [text]
    finally:
        keys.write_text(before + newest + "\n")  # other tests' notes (sealed with either) stay readable


def test_lists_show_what_is_coming_what_is_missing_and_a_mans_history(app_for, token, group):
    client = app_for("sessions").test_client()
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    past = schedule(client, group, token, number=1, when=datetime.now(UTC) - timedelta(days=3))
    recorded = schedule(client, group, token, number=2, when=datetime.now(UTC) - timedelta(days=1))
    coming = schedule(client, group, token, number=3, when=datetime.now(UTC) + timedelta(days=2))
    him = str(group["enrolments"][0])
    assert client.post(f"/sessions/{recorded}/attendance", headers=psy, json={"marks": [
        {"enrolment_id": him, "status": "late", "participation": 2}]}).status_code == 201
    upcoming = [s["id"] for s in client.get("/sessions?upcoming=true&page_size=100", headers=psy).get_json()["items"]]
    unrecorded = [s["id"] for s in client.get("/sessions?unrecorded=true&page_size=100", headers=psy).get_json()["items"]]
    assert coming in upcoming and past not in upcoming and recorded not in upcoming
    assert past in unrecorded and recorded not in unrecorded and coming not in unrecorded
    stranger = bearer(token("psy-stranger", "psychologist", region="Samarqand viloyati", district="Urgut"))
    assert client.get("/sessions?unrecorded=true", headers=stranger).get_json()["total"] == 0
    [entry] = client.get(f"/enrolments/{him}/attendance", headers=psy).get_json()["items"]
    assert (entry["session_id"], entry["status"], entry["participation"]) == (recorded, "late", 2)


def test_a_session_is_rescheduled_or_cancelled_with_its_reason_and_a_cancelled_one_takes_no_marks(app_for, token, group):
    client = app_for("sessions").test_client()
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    sid = schedule(client, group, token, number=1, when=datetime.now(UTC) + timedelta(days=1))
    later = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    moved = client.patch(f"/sessions/{sid}", headers=psy, json={"scheduled_at": later.isoformat(),
                                                                 "reason": "the guzar is taken for a wedding"})
    assert moved.status_code == 200 and moved.get_json()["change_reason"] == "the guzar is taken for a wedding"
    cancelled = client.patch(f"/sessions/{sid}", headers=psy, json={"cancel": True, "reason": "facilitator ill"})
    assert cancelled.get_json()["status"] == "cancelled"
    refused = client.post(f"/sessions/{sid}/attendance", headers=psy,
                          json={"marks": [{"enrolment_id": str(group["enrolments"][0]), "status": "unexcused"}]})
    assert refused.status_code == 409 and "counts against nobody" in refused.get_json()["detail"]
    held = schedule(client, group, token, number=2)
    client.post(f"/sessions/{held}/attendance", headers=psy,
                json={"marks": [{"enrolment_id": str(group["enrolments"][0]), "status": "present"}]})
    assert client.patch(f"/sessions/{held}", headers=psy, json={"cancel": True, "reason": "x y z"}).status_code == 409
    # each move is published, for those who print the session's register: the session as it stands, no reason
    told = events_for(group, sid, of_the_session=True)
    assert [(e["type"], e["data"]["status"]) for e in told] == [
        ("sessions.session.planned", "scheduled"), ("sessions.session.changed", "scheduled"),
        ("sessions.session.changed", "cancelled")]
    assert told[1]["data"]["scheduled_at"].startswith(later.isoformat()[:19])
    assert told[0]["data"]["changed_at"] <= told[1]["data"]["changed_at"] <= told[2]["data"]["changed_at"]
    assert not any("wedding" in str(e["data"]) or "facilitator ill" in str(e["data"]) for e in told)


def test_the_whole_programme_is_scheduled_from_the_cohorts_plan_and_fidelity_is_kept(app_for, token, group):
    import json

    client = app_for("sessions").test_client()
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    curriculum = [{"number": n, "topic": f"Module {n}"} for n in range(1, 9)]
    with group["engine"].begin() as c:
        c.execute(sa.text("UPDATE cohort_view SET start_date = '2026-11-25', curriculum = CAST(:cur AS jsonb), "
                          "schedule = CAST(:sch AS jsonb) WHERE cohort_id = :c"),
                  {"c": group["cohort"], "cur": json.dumps(curriculum),
                   "sch": json.dumps({"weekdays": [1, 4], "time": "15:00", "place": "Urgut mahalla guzari"})})
    first = schedule(client, group, token, number=1, when=datetime(2026, 11, 26, 10, tzinfo=UTC))
    planned = client.post(f"/cohorts/{group['cohort']}/sessions/plan", headers=psy)
    assert planned.status_code == 201, planned.get_data(as_text=True)
    added = planned.get_json()
    assert [s["number"] for s in added] == [2, 3, 4, 5, 6, 7, 8]  # session 1 existed and kept its date
    assert added[-1]["topic"] == "Module 8" and added[-1]["place"] == "Urgut mahalla guzari"
    assert added[-1]["scheduled_at"].startswith("2026-12-21T10:00")
    assert client.post(f"/cohorts/{group['cohort']}/sessions/plan", headers=psy).get_json() == []
    told = [e for s in added for e in events_for(group, s["id"], of_the_session=True)]
    assert [(e["type"], e["data"]["number"], e["data"]["kind"], e["data"]["place"]) for e in told] == [
        ("sessions.session.planned", n, "group", "Urgut mahalla guzari") for n in range(2, 9)]
    kept = client.put(f"/sessions/{first}/fidelity", headers=psy, json={
        "module_delivered": "Module 1", "co_facilitators": ["psy-second"], "deviations": "Shortened: power cut"})
    assert kept.status_code == 200 and kept.get_json()["co_facilitators"] == ["psy-second"]


def test_a_make_up_session_is_one_mans_and_says_so_in_its_events(app_for, token, group):
    client = app_for("sessions").test_client()
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    him, other = (str(e) for e in group["enrolments"][:2])
    schedule(client, group, token, number=1, when=datetime.now(UTC) - timedelta(days=5))
    when = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    nobody = client.post(f"/cohorts/{group['cohort']}/sessions", headers=psy,
                         json={"number": 1, "kind": "makeup", "scheduled_at": when})
    assert nobody.status_code == 422 and "enrolment_id" in nobody.get_json()["errors"]
    no_such = client.post(f"/cohorts/{group['cohort']}/sessions", headers=psy,
                          json={"number": 7, "kind": "makeup", "enrolment_id": him, "scheduled_at": when})
    assert no_such.status_code == 422 and "number" in no_such.get_json()["errors"]
    makeup = client.post(f"/cohorts/{group['cohort']}/sessions", headers=psy,
                         json={"number": 1, "kind": "makeup", "enrolment_id": him, "scheduled_at": when})
    assert makeup.status_code == 201, makeup.get_data(as_text=True)
    sid = makeup.get_json()["id"]
    not_his = client.post(f"/sessions/{sid}/attendance", headers=psy, json={"marks": [
        {"enrolment_id": other, "status": "present"}]})
    assert not_his.status_code == 422
    assert client.post(f"/sessions/{sid}/attendance", headers=psy, json={"marks": [
        {"enrolment_id": him, "status": "present"}]}).status_code == 201
    [event] = [e for e in events_for(group, sid) if e["type"] == "sessions.attendance.recorded"]
    assert event["data"]["session_kind"] == "makeup" and event["data"]["session_number"] == 1


def test_only_men_taking_part_now_are_marked_at_a_group_session(app_for, token, group):
    client = app_for("sessions").test_client()
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    suspended, referred = (str(e) for e in group["enrolments"][:2])
    with group["engine"].begin() as c:  # as enrollment's status events leave the roster
        c.execute(sa.text("UPDATE roster_entry SET status = 'suspended' WHERE enrolment_id = :e"), {"e": suspended})
        c.execute(sa.text("UPDATE roster_entry SET status = 'referred' WHERE enrolment_id = :e"), {"e": referred})
    sid = schedule(client, group, token)
    refused = client.post(f"/sessions/{sid}/attendance", headers=psy, json={"marks": [
        {"enrolment_id": suspended, "status": "unexcused"}, {"enrolment_id": referred, "status": "present"}]})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]["marks"]) == {"0", "1"}
    when = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    intake = client.post(f"/cohorts/{group['cohort']}/sessions", headers=psy,
                         json={"number": 1, "kind": "intake", "enrolment_id": referred, "scheduled_at": when})
    assert client.post(f"/sessions/{intake.get_json()['id']}/attendance", headers=psy, json={"marks": [
        {"enrolment_id": referred, "status": "present"}]}).status_code == 201


def test_a_cancelled_sessions_number_is_free_for_its_replacement_and_amendments_keep_the_first_recording(
        app_for, token, group):
    client = app_for("sessions").test_client()
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    first = schedule(client, group, token, number=1, when=datetime.now(UTC) + timedelta(days=1))
    client.patch(f"/sessions/{first}", headers=psy, json={"cancel": True, "reason": "snow closed the road"})
    replacement = schedule(client, group, token, number=1)  # the same module, another day
    him = str(group["enrolments"][0])
    client.post(f"/sessions/{replacement}/attendance", headers=psy, json={"marks": [
        {"enrolment_id": him, "status": "present", "participation": 3, "homework_done": True}]})
    amended = client.post(f"/sessions/{replacement}/attendance/{him}/amendments", headers=psy,
                          json={"status": "unexcused", "reason": "marked in error: it was his brother"}).get_json()
    [kept] = amended["amendments"]
    assert kept["old_recorded_by"] == group["psy"] and kept["old_recorded_at"]
    assert amended["mark"]["participation"] is None and amended["mark"]["homework_done"] is None
    elsewhere = client.post(f"/cohorts/{group['cohort']}/sessions", headers=psy, json={
        "number": 1, "kind": "individual", "enrolment_id": str(uuid.uuid4()),
        "scheduled_at": datetime.now(UTC).isoformat()})
    assert elsewhere.status_code == 422


def test_a_record_outside_the_callers_area_is_refused_exactly_as_one_that_does_not_exist(app_for, token, group):
    """A 404 tells nobody what exists: the body for another cohort's session or man is the body for an id that names
    nothing, byte for byte, but for the id itself (it used to name the cohort, and its id, behind the session)."""
    client = app_for("sessions").test_client()
    sid = schedule(client, group, token)
    enrolment = group["enrolments"][0]
    headers = bearer(token(group["psy"], "psychologist", **URGUT))
    assert client.post(f"/sessions/{sid}/attendance", headers=headers, json={
        "marks": [{"enrolment_id": str(enrolment), "status": "present"}]}).status_code == 201
    callers = {
        "a psychologist of the district who does not run the group": token("psy-other", "psychologist", **URGUT),
        "an inspector of another district": token("insp-far", "inspector", region="Samarqand viloyati",
                                                  district="Kattaqoʻrgʻon"),
        "a manager of another region": token("mgr-far", "manager", region="Buxoro viloyati"),
    }
    reads = ["/sessions/{}", "/sessions/{}/attendance", "/enrolments/{}/attendance", "/cohorts/{}/sessions"]
    ids = {"/sessions/{}": sid, "/sessions/{}/attendance": sid, "/enrolments/{}/attendance": enrolment,
           "/cohorts/{}/sessions": group["cohort"]}
    for who, caller in callers.items():
        for path in reads:
            existing, nothing = str(ids[path]), str(uuid.uuid4())
            same = {**bearer(caller), "X-Request-ID": "same-request-id"}
            refused = client.get(path.format(existing), headers=same)
            missing = client.get(path.format(nothing), headers=same)
            assert refused.status_code == missing.status_code == 404, (who, path, refused.status_code)
            assert refused.get_data().replace(existing.encode(), nothing.encode()) == missing.get_data(), (who, path)
    # writing into another's session: the psychologist who does not run it
    other = {**bearer(callers["a psychologist of the district who does not run the group"]), "X-Request-ID": "w"}
    body = {"marks": [{"enrolment_id": str(enrolment), "status": "present"}]}
    nothing = str(uuid.uuid4())
    refused = client.post(f"/sessions/{sid}/attendance", headers=other, json=body)
    missing = client.post(f"/sessions/{nothing}/attendance", headers=other, json=body)
    assert refused.status_code == missing.status_code == 404
    assert refused.get_data().replace(sid.encode(), nothing.encode()) == missing.get_data()


def test_attendance_copied_later_from_its_paper_register_keeps_when_it_was_held_and_dates_its_events_by_it(
        app_for, token, group):
    client = app_for("sessions").test_client()
    zone = Settings().zone
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    planned = (datetime.now(UTC) - timedelta(days=6)).replace(microsecond=0)
    sid = schedule(client, group, token, when=planned)
    held_on = (planned.astimezone(zone) + timedelta(days=1)).date()  # held the day after it was planned
    absent, signed = (str(e) for e in group["enrolments"][:2])
    marks = [{"enrolment_id": absent, "status": "unexcused"},
             {"enrolment_id": signed, "status": "present", "warning_signs": ["threat_to_kill"]}]
    refused = [client.post(f"/sessions/{sid}/attendance", headers=psy, json={"marks": marks, **entry})
               for entry in ({"held_on": held_on.isoformat()},  # another day, but from no register
                             {"register_number": "NK-7", "held_on": (datetime.now(zone) + timedelta(days=2)).date()
                              .isoformat()})]  # a day to come
    assert [r.status_code for r in refused] == [422, 422]
    assert "register_number" in refused[0].get_json()["errors"] and "held_on" in refused[1].get_json()["errors"]
    r = client.post(f"/sessions/{sid}/attendance", headers=psy,
                    json={"marks": marks, "register_number": " NK-7 ", "held_on": held_on.isoformat()})
    assert r.status_code == 201, r.get_data(as_text=True)

    session = client.get(f"/sessions/{sid}", headers=psy).get_json()
    held = datetime.fromisoformat(session["held_at"])
    assert held.astimezone(zone).date() == held_on and held.astimezone(zone).time() == planned.astimezone(zone).time()
    assert session["register_number"] == "NK-7" and session["attendance_entered_by"] == group["psy"]
    assert datetime.fromisoformat(session["attendance_entered_at"]) - held > timedelta(days=4)
    assert datetime.fromisoformat(session["scheduled_at"]) == planned  # the plan stays as it was
    events = [e["data"] | {"type": e["type"]} for e in events_for(group, sid)]
    recorded = [e for e in events if e["type"] == "sessions.attendance.recorded"]
    assert len(recorded) == 2
    assert {(datetime.fromisoformat(e["held_at"]), e["register_number"]) for e in recorded} == {(held, "NK-7")}
    [his] = [e for e in recorded if e["status"] == "unexcused"]
    [absence] = his["absence_runs"]["by_session_kinds"][0]["runs"][0]["absences"]
    assert datetime.fromisoformat(absence["held_at"]) == held
    [sign] = [e for e in events if e["type"] == "sessions.warning_sign.observed"]
    assert datetime.fromisoformat(sign["session_at"]) == held
    with group["engine"].connect() as c:  # the call after his absence: due 48 hours after it was held
        due = c.execute(sa.text("SELECT due_at, absence_on FROM absence_call WHERE session_id = :s"), {"s": sid}).one()
    assert due.due_at == held + timedelta(hours=48) and due.absence_on == held_on


def test_sessions_planned_before_they_were_published_are_published_once_asked(app_for, token, group, stack):
    from sessions.publish import publish_all

    client = app_for("sessions").test_client()
    sid = schedule(client, group, token, number=1, when=datetime.now(UTC) + timedelta(days=1))
    with group["engine"].begin() as c:  # as if planned before sessions published its sessions
        c.execute(sa.text("DELETE FROM outbox WHERE envelope->'data'->>'session_id' = :s"), {"s": sid})
        before = c.execute(sa.text("SELECT coalesce(max(seq), 0) FROM outbox")).scalar_one()
    try:
        assert publish_all(stack.settings("sessions"), batch=2) >= 1  # batches smaller than the sessions there are
        [told] = events_for(group, sid, of_the_session=True)
        assert (told["type"], told["data"]["number"], told["data"]["status"]) == ("sessions.session.planned", 1,
                                                                                  "scheduled")
    finally:  # the other tests' sessions were published too: keep them off the bus
        with group["engine"].begin() as c:
            c.execute(sa.text("DELETE FROM outbox WHERE seq > :seq AND routing_key = 'sessions.session.planned'"),
                      {"seq": before})
