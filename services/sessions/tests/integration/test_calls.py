"""The call after an unexcused absence (DOMAIN.md: the statutory programme's 48 hours), on the real database and broker:
opened with the mark, cancelled by an amendment, recorded by his psychologist, published once when overdue."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam.events import delivered
from qadam_contracts.enrollment import EnrolmentStatusChanged
from qadam_testing import bearer, broker_channel, seed_sessions_cohort, wait_until, worker_process
from sessions.calls import publish_overdue
from sessions.handlers import handlers

URGUT = {"region": "Samarqand viloyati", "district": "Urgut"}


@pytest.fixture
def group(stack):
    engine = sa.create_engine(stack.database_url("sessions"))
    cohort, psy = uuid.uuid4(), f"psy-{uuid.uuid4().hex[:6]}"
    enrolments = [uuid.uuid4() for _ in range(3)]
    with engine.begin() as c:
        seed_sessions_cohort(c, cohort_id=cohort, **URGUT, facilitator_ids=[psy],
                             roster={e: f"P-2026-{700000 + i:06d}" for i, e in enumerate(enrolments)})
    yield {"cohort": cohort, "psy": psy, "enrolments": enrolments, "engine": engine}
    with engine.begin() as c:  # these enrolments exist nowhere else: keep their events off the shared bus
        c.execute(sa.text("DELETE FROM outbox WHERE envelope->'data'->>'cohort_id' = :c "
                          "OR envelope->'data'->>'enrolment_id' = ANY(:e)"),
                  {"c": str(cohort), "e": [str(e) for e in enrolments]})
    engine.dispose()


def psychologist(token, group):
    return bearer(token(group["psy"], "psychologist", **URGUT))


def absent(client, token, group, *, ago: timedelta = timedelta(hours=2), statuses=("unexcused", "present", "excused")):
    """A session `ago` with the group's marks; its id and start."""
    when = (datetime.now(UTC) - ago).replace(microsecond=0)
    created = client.post(f"/cohorts/{group['cohort']}/sessions", headers=psychologist(token, group),
                          json={"number": 1, "scheduled_at": when.isoformat()})
    assert created.status_code == 201, created.get_data(as_text=True)
    sid = created.get_json()["id"]
    marks = [{"enrolment_id": str(e), "status": s} for e, s in zip(group["enrolments"], statuses, strict=False)]
    for m in marks:
        if m["status"] == "excused":
            m["excuse_reason"] = "in hospital"
    recorded = client.post(f"/sessions/{sid}/attendance", headers=psychologist(token, group), json={"marks": marks})
    assert recorded.status_code == 201, recorded.get_data(as_text=True)
    return sid, when


def calls(client, headers, **query):
    r = client.get("/calls", headers=headers, query_string=query)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def outbox(group, kind):
    with group["engine"].connect() as c:
        return c.execute(sa.text("SELECT envelope FROM outbox WHERE routing_key = :k AND "
                                 "envelope->'data'->>'enrolment_id' = ANY(:e)"),
                         {"k": kind, "e": [str(e) for e in group["enrolments"]]}).scalars().all()


def test_an_unexcused_absence_gives_his_psychologist_a_call_due_48_hours_after_the_session(app_for, token, group):
    client = app_for("sessions").test_client()
    sid, when = absent(client, token, group)
    page = calls(client, psychologist(token, group))
    [call] = page["items"]
    assert page["total"] == 1 and (page["page"], page["page_size"]) == (1, 20)
    assert call["enrolment_id"] == str(group["enrolments"][0]) and call["session_id"] == sid
    assert call["state"] == "due" and call["participant_code"] == "P-2026-700000"
    assert datetime.fromisoformat(call["due_at"]) == when + timedelta(hours=48)
    assert calls(client, psychologist(token, group), status="overdue")["items"] == []
    # nobody else's list has it: a psychologist of another group, an inspector of another district
    assert calls(client, bearer(token("psy-other", "psychologist", **URGUT)))["total"] == 0
    far = bearer(token("insp-far", "inspector", region="Samarqand viloyati", district="Kattaqoʻrgʻon"))
    assert calls(client, far)["total"] == 0
    assert calls(client, bearer(token("insp-urgut", "inspector", **URGUT)))["total"] >= 1


def test_the_cohorts_own_hours_set_when_the_call_falls_due(app_for, token, group):
    with group["engine"].begin() as c:
        c.execute(sa.text("UPDATE cohort_view SET absence_call_hours = 24 WHERE cohort_id = :c"), {"c": group["cohort"]})
    client = app_for("sessions").test_client()
    _, when = absent(client, token, group)
    [call] = calls(client, psychologist(token, group))["items"]
    assert datetime.fromisoformat(call["due_at"]) == when + timedelta(hours=24)


def test_a_call_past_its_time_is_overdue_and_listed_first(app_for, token, group):
    client = app_for("sessions").test_client()
    absent(client, token, group, ago=timedelta(hours=50))
    [call] = calls(client, psychologist(token, group), status="overdue")["items"]
    assert call["state"] == "overdue"
    assert calls(client, psychologist(token, group), status="due")["items"] == []


def test_an_amendment_to_excused_cancels_the_call_and_one_to_unexcused_opens_one(app_for, token, group):
    client = app_for("sessions").test_client()
    sid, when = absent(client, token, group)
    first, second = group["enrolments"][:2]
    amend = f"/sessions/{sid}/attendance/{{}}/amendments"
    r = client.post(amend.format(first), headers=psychologist(token, group),
                    json={"status": "excused", "excuse_reason": "his mother called: hospital", "reason": "late news"})
    assert r.status_code == 201, r.get_data(as_text=True)
    r = client.post(amend.format(second), headers=psychologist(token, group),
                    json={"status": "unexcused", "reason": "marked the wrong man present"})
    assert r.status_code == 201, r.get_data(as_text=True)
    [call] = calls(client, psychologist(token, group))["items"]
    assert call["enrolment_id"] == str(second) and datetime.fromisoformat(call["due_at"]) == when + timedelta(hours=48)
    # back to unexcused: a call is owed again
    r = client.post(amend.format(first), headers=psychologist(token, group),
                    json={"status": "unexcused", "reason": "the excuse was not true"})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert {c["enrolment_id"] for c in calls(client, psychologist(token, group))["items"]} == {str(first), str(second)}


def test_the_outcome_is_recorded_once_published_and_the_call_is_done(app_for, token, group):
    client = app_for("sessions").test_client()
    absent(client, token, group)
    [call] = calls(client, psychologist(token, group))["items"]
    path = f"/calls/{call['id']}/outcome"
    headers = {**psychologist(token, group), "Idempotency-Key": f"call-{uuid.uuid4()}"}
    done = client.post(path, headers=headers, json={"outcome": "no_answer"})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["state"] == "done" and done.get_json()["outcome"] == "no_answer"
    again = client.post(path, headers=headers, json={"outcome": "no_answer"})  # a retry: the first answer
    assert again.status_code == 200 and again.get_json() == done.get_json()
    [event] = outbox(group, "sessions.call.recorded")
    assert event["data"] == {**event["data"], "call_id": call["id"], "outcome": "no_answer", "called_by": group["psy"]}
    assert calls(client, psychologist(token, group))["items"] == []
    assert [c["id"] for c in calls(client, psychologist(token, group), status="done")["items"]] == [call["id"]]
    refused = client.post(path, headers=psychologist(token, group), json={"outcome": "reached"})
    assert refused.status_code == 409 and "recorded already" in refused.get_json()["detail"]


def test_a_call_outcome_refuses_bad_times_and_outcomes(app_for, token, group):
    client = app_for("sessions").test_client()
    _, when = absent(client, token, group)
    [call] = calls(client, psychologist(token, group))["items"]
    path = f"/calls/{call['id']}/outcome"
    for body, field in [({"outcome": "reached", "called_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
                         "called_at"),
                        ({"outcome": "reached", "called_at": (when - timedelta(hours=1)).isoformat()}, "called_at"),
                        ({"outcome": "told me about his wife"}, "outcome")]:
        r = client.post(path, headers=psychologist(token, group), json=body)
        assert r.status_code == 422 and field in r.get_json()["errors"], r.get_data(as_text=True)
    assert outbox(group, "sessions.call.recorded") == []


def test_another_groups_call_is_refused_exactly_as_one_that_does_not_exist(app_for, token, group):
    client = app_for("sessions").test_client()
    absent(client, token, group)
    [call] = calls(client, psychologist(token, group))["items"]
    other, nothing = {**bearer(token("psy-other", "psychologist", **URGUT)), "X-Request-ID": "same"}, str(uuid.uuid4())
    refused = client.post(f"/calls/{call['id']}/outcome", headers=other, json={"outcome": "reached"})
    missing = client.post(f"/calls/{nothing}/outcome", headers=other, json={"outcome": "reached"})
    assert refused.status_code == missing.status_code == 404
    assert refused.get_data().replace(call["id"].encode(), nothing.encode()) == missing.get_data()
    inspector = bearer(token("insp-urgut", "inspector", **URGUT))
    assert client.post(f"/calls/{call['id']}/outcome", headers=inspector, json={"outcome": "reached"}).status_code == 403


def test_an_overdue_call_is_published_once_however_many_workers_look(app_for, token, group, stack):
    client = app_for("sessions").test_client()
    absent(client, token, group, ago=timedelta(hours=49))
    engine = make_engine(stack.database_url("sessions"))
    factory = make_session_factory(engine)
    try:
        barrier = threading.Barrier(4)

        def look() -> None:
            barrier.wait()
            publish_overdue(factory)

        lookers = [threading.Thread(target=look) for _ in range(4)]
        for t in lookers:
            t.start()
        for t in lookers:
            t.join()
        publish_overdue(factory)  # and again later
    finally:
        engine.dispose()
    [event] = outbox(group, "sessions.call.overdue")
    [call] = calls(client, psychologist(token, group), status="overdue")["items"]
    assert event["data"]["call_id"] == call["id"] and event["data"]["psychologist_id"] == group["psy"]
    assert event["data"]["absence_on"] == datetime.fromisoformat(call["session_at"]).astimezone(
        stack.settings("sessions").zone).date().isoformat()


def test_the_sessions_worker_publishes_an_overdue_call_once_and_a_recorded_one_never(isolated_stack, token, tmp_path):
    from sessions.app import create_app

    stack = isolated_stack("sessions")
    engine = sa.create_engine(stack.database_url("sessions"))
    psy, late, in_time = "psy-w", uuid.uuid4(), uuid.uuid4()
    group = {"cohort": uuid.uuid4(), "psy": psy, "enrolments": [late, in_time], "engine": engine}
    with engine.begin() as c:
        seed_sessions_cohort(c, cohort_id=group["cohort"], **URGUT, facilitator_ids=[psy],
                             roster={late: "P-2026-000501", in_time: "P-2026-000502"})
    client = create_app(stack.base_settings("sessions")).test_client()
    absent(client, token, group, ago=timedelta(hours=49), statuses=("unexcused", "unexcused"))
    answered = next(c for c in calls(client, psychologist(token, group))["items"] if c["enrolment_id"] == str(in_time))
    assert client.post(f"/calls/{answered['id']}/outcome", headers=psychologist(token, group),
                       json={"outcome": "reached"}).status_code == 200
    with broker_channel(stack.amqp_url) as ch:  # risk's side, as a queue of our own
        from qadam_testing import declare_topology
        declare_topology(stack.settings("sessions"))
        listening = ch.queue_declare("", exclusive=False, auto_delete=False).method.queue
        ch.queue_bind(listening, "sessions.events", "sessions.call.overdue")
        worker = worker_process(stack, "sessions", tmp_path, call_scan_seconds=0.2).start()
        try:
            received: list[dict] = []

            def arrived() -> bool:
                method, _, body = ch.basic_get(listening, auto_ack=True)
                if method is not None:
                    received.append(json.loads(body))
                return bool(received)

            wait_until(arrived, timeout=30, what="sessions.call.overdue from the worker")
            # ten more scans, the worker's own, with the clock an hour further on each time (no sleep for it)
            scans = make_session_factory(engine)
            for hours in range(1, 11):
                publish_overdue(scans, now=datetime.now(UTC) + timedelta(hours=hours))

            def all_sent() -> bool:
                with engine.connect() as c:
                    return c.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar_one() == 0

            wait_until(all_sent, timeout=30, what="the worker to have published whatever the scans wrote")
            arrived()
        finally:
            worker.stop()
        ch.queue_delete(listening)
    engine.dispose()
    assert [e["data"]["enrolment_id"] for e in received] == [str(late)]
    assert received[0]["type"] == "sessions.call.overdue" and received[0]["data"]["session_number"] == 1


def publish_now(stack) -> None:
    engine = make_engine(stack.database_url("sessions"))
    try:
        publish_overdue(make_session_factory(engine))
    finally:
        engine.dispose()


def test_an_overdue_call_names_the_cohorts_first_facilitator_not_whoever_recorded_the_absence(app_for, token, group,
                                                                                              stack):
    with group["engine"].begin() as c:  # a co-facilitator records the session; the cohort's lead is to call
        c.execute(sa.text("UPDATE cohort_view SET facilitator_ids = :f WHERE cohort_id = :c"),
                  {"f": ["psy-lead", group["psy"]], "c": group["cohort"]})
    client = app_for("sessions").test_client()
    absent(client, token, group, ago=timedelta(hours=49))
    publish_now(stack)
    [event] = outbox(group, "sessions.call.overdue")
    assert event["data"]["psychologist_id"] == "psy-lead"


def left(enrolment_id, cohort_id, status: str, version: int, group_psy: str = "psy-urgut"):
    return delivered(EnrolmentStatusChanged(
        enrolment_id=enrolment_id, participant_code="P-2026-700000", cohort_id=cohort_id,
        region=URGUT["region"], district=URGUT["district"], inspector_id="insp-urgut",
        psychologist_id=group_psy, status=status, version=version, action="exit", from_status="active",
        reason="moved_away", changed_by="insp-urgut", changed_at=datetime.now(UTC)))


@pytest.mark.parametrize("status", ["exited", "completed", "excluded"])
def test_a_man_who_leaves_the_programme_is_owed_no_call_and_none_is_published_overdue(app_for, token, group, stack,
                                                                                      status):
    client = app_for("sessions").test_client()
    sid, _ = absent(client, token, group, ago=timedelta(hours=49))
    [call] = calls(client, psychologist(token, group))["items"]
    engine = make_engine(stack.database_url("sessions"))
    try:
        with transaction(make_session_factory(engine)) as s:
            handlers.bind(settings=stack.settings("sessions"))[EnrolmentStatusChanged](
                s, left(group["enrolments"][0], group["cohort"], status, 5))
    finally:
        engine.dispose()
    assert calls(client, psychologist(token, group))["items"] == []
    publish_now(stack)
    assert outbox(group, "sessions.call.overdue") == []
    # a correction of another of his marks to unexcused owes him no call either
    second = client.post(f"/sessions/{sid}/attendance/{group['enrolments'][2]}/amendments",
                         headers=psychologist(token, group), json={"status": "present", "reason": "he came late"})
    assert second.status_code == 201, second.get_data(as_text=True)
    with group["engine"].begin() as c:
        c.execute(sa.text("UPDATE roster_entry SET status = :s WHERE enrolment_id = :e"),
                  {"s": status, "e": group["enrolments"][2]})
    back = client.post(f"/sessions/{sid}/attendance/{group['enrolments'][2]}/amendments",
                       headers=psychologist(token, group), json={"status": "unexcused", "reason": "he was not there"})
    assert back.status_code == 201, back.get_data(as_text=True)
    assert calls(client, psychologist(token, group))["items"] == []
    assert call["id"] not in {c["id"] for c in calls(client, psychologist(token, group), status="done")["items"]}


def test_a_call_of_a_man_the_roster_shows_gone_is_cancelled_when_its_time_passes_not_published(app_for, token, group,
                                                                                               stack):
    """His leaving may have been projected before sessions cancelled calls on it: the overdue scan settles them."""
    client = app_for("sessions").test_client()
    absent(client, token, group, ago=timedelta(hours=49))
    with group["engine"].begin() as c:
        c.execute(sa.text("UPDATE roster_entry SET status = 'exited' WHERE enrolment_id = :e"),
                  {"e": group["enrolments"][0]})
    publish_now(stack)
    assert outbox(group, "sessions.call.overdue") == []
    assert calls(client, psychologist(token, group))["items"] == []
