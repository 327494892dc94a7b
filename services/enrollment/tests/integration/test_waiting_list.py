"""The waiting list (issue 18): a referral to a full cohort waits in its line instead of a 409, in order; the next
place that frees there (an exit, a transfer out, a larger capacity) goes to the first in line; a manager may place
him in another group; retried with its key, a referral joins the line once."""

from __future__ import annotations

import uuid
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam_testing import bearer

from .test_referrals import DISTRICT, REGION, outbox_after, referral


@pytest.fixture
def full(app_for: Any, token: Any) -> Any:
    """A cohort of two places in Gʻijduvon, both taken by referrals of insp-ref, and the people around it."""
    client = app_for("enrollment").test_client()
    manager = bearer(token("mgr-ref", "manager", region=REGION))
    inspector = bearer(token("insp-ref", "inspector", region=REGION, district=DISTRICT))
    programme = client.post("/programmes", headers=manager, json={
        "name": f"Waiting {uuid.uuid4().hex[:6]}", "sessions_required": 8, "max_unexcused_absences": 2,
        "region": REGION}).get_json()

    def cohort(name: str, capacity: int) -> dict[str, Any]:
        made = client.post("/cohorts", headers=manager, json={
            "programme_id": programme["id"], "name": name, "region": REGION, "district": DISTRICT,
            "facilitator_ids": ["psy-ref"], "capacity": capacity, "start_date": date.today().isoformat()})
        assert made.status_code == 201, made.get_data(as_text=True)
        return made.get_json()

    group = cohort("Gʻijduvon W", 2)
    taken = [client.post("/referrals", headers=inspector, json=referral(group["id"])).get_json()["enrolment"]
             for _ in range(2)]
    assert all(taken)
    return SimpleNamespace(client=client, manager=manager, inspector=inspector, cohort=group, taken=taken,
                           new_cohort=cohort, psychologist=bearer(token("psy-ref", "psychologist", region=REGION,
                                                                        district=DISTRICT)))


def wait(full: Any, **headers: str) -> dict[str, Any]:
    made = full.client.post("/referrals", headers=full.inspector | headers, json=referral(full.cohort["id"]))
    assert made.status_code == 201, made.get_data(as_text=True)
    answer = made.get_json()
    assert answer["enrolment"] is None and answer["waiting"]["status"] == "waiting"
    return answer


def line(full: Any, who: dict[str, str] | None = None) -> list[dict[str, Any]]:
    got = full.client.get(f"/cohorts/{full.cohort['id']}/waiting-list", headers=who or full.manager)
    assert got.status_code == 200, got.get_data(as_text=True)
    return list(got.get_json()["items"])


def test_a_referral_to_a_full_cohort_waits_in_its_line_in_order(full, stack):
    before = len(outbox_after(stack, 0))
    first, second = wait(full), wait(full)
    assert (first["waiting"]["position"], second["waiting"]["position"]) == (1, 2)
    assert first["waiting"]["cohort_name"] == "Gʻijduvon W" and first["order"]["id"]  # his order is recorded
    assert first["waiting"]["participant_code"] == first["participant"]["code"]
    assert [w["participant_code"] for w in line(full)] == [first["participant"]["code"], second["participant"]["code"]]
    assert [w["position"] for w in line(full)] == [1, 2]
    assert "enrollment.enrolled" not in outbox_after(stack, before)  # nothing is published of a man who waits
    shown = full.client.get(f"/cohorts/{full.cohort['id']}", headers=full.manager).get_json()
    assert (shown["enrolled"], shown["waiting"]) == (2, 2)
    # his inspector sees his entry; an inspector of another district does not
    assert full.client.get(f"/waiting-list/{first['waiting']['id']}", headers=full.inspector).status_code == 200


def test_the_place_that_frees_goes_to_the_first_in_line(full, stack):
    first, second = wait(full), wait(full)
    before = len(outbox_after(stack, 0))
    leaving = full.taken[0]
    excluded = full.client.post(f"/enrolments/{leaving['id']}/transitions", headers=full.psychologist,
                                json={"action": "exclude", "reason": "other", "note": "Moved to Tashkent"})
    assert excluded.status_code == 201, excluded.get_data(as_text=True)
    placed = full.client.get(f"/waiting-list/{first['waiting']['id']}", headers=full.manager).get_json()
    assert placed["status"] == "placed" and placed["placed_by"] == "system" and placed["position"] is None
    enrolment = full.client.get(f"/enrolments/{placed['enrolment_id']}", headers=full.inspector).get_json()
    assert enrolment["status"] == "referred" and enrolment["cohort_id"] == full.cohort["id"]
    assert enrolment["participant_code"] == first["participant"]["code"]
    assert enrolment["protection_order_id"] == first["order"]["id"] and enrolment["inspector_id"] == "insp-ref"
    history = full.client.get(f"/enrolments/{placed['enrolment_id']}/transitions", headers=full.inspector).get_json()
    assert [(h["action"], h["by"]) for h in history] == [("refer", "system")]
    assert outbox_after(stack, before) == ["enrollment.status.changed", "enrollment.enrolled"]
    assert [(w["participant_code"], w["position"]) for w in line(full)] == [(second["participant"]["code"], 1)]


def test_a_larger_capacity_and_a_transfer_out_free_places_for_the_line(full):
    waiting = [wait(full) for _ in range(3)]
    grown = full.client.patch(f"/cohorts/{full.cohort['id']}", headers=full.manager, json={"capacity": 3})
    assert grown.status_code == 200 and grown.get_json()["enrolled"] == 3 and grown.get_json()["waiting"] == 2
    other = full.new_cohort("Gʻijduvon W2", 5)
    moved = full.client.post(f"/enrolments/{full.taken[1]['id']}/transfer", headers=full.manager,
                             json={"cohort_id": other["id"]})
    assert moved.status_code == 201, moved.get_data(as_text=True)
    states = [full.client.get(f"/waiting-list/{w['waiting']['id']}", headers=full.manager).get_json()["status"]
              for w in waiting]
    assert states == ["placed", "placed", "waiting"]
    assert [w["position"] for w in line(full)] == [1]


def test_a_manager_places_a_waiting_referral_in_a_new_group(full, stack):
    first, second = wait(full), wait(full)
    new = full.new_cohort("Gʻijduvon W3", 8)
    placed = full.client.post(f"/waiting-list/{first['waiting']['id']}/placement", headers=full.manager,
                              json={"cohort_id": new["id"]})
    assert placed.status_code == 200, placed.get_data(as_text=True)
    assert placed.get_json()["status"] == "placed" and placed.get_json()["placed_cohort_id"] == new["id"]
    enrolment = full.client.get(f"/enrolments/{placed.get_json()['enrolment_id']}", headers=full.inspector).get_json()
    assert enrolment["cohort_id"] == new["id"] and enrolment["psychologist_id"] == "psy-ref"
    assert [w["participant_code"] for w in line(full)] == [second["participant"]["code"]]
    again = full.client.post(f"/waiting-list/{first['waiting']['id']}/placement", headers=full.manager,
                             json={"cohort_id": new["id"]})
    assert again.status_code == 409  # he is placed already
    # an inspector does not choose his group for him; he withdraws his own referral, saying why
    assert full.client.post(f"/waiting-list/{second['waiting']['id']}/placement", headers=full.inspector,
                            json={"cohort_id": new["id"]}).status_code == 403
    withdrawn = full.client.post(f"/waiting-list/{second['waiting']['id']}/withdrawal", headers=full.inspector,
                                 json={"reason": "He moved to Tashkent"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert line(full) == []


def test_a_referral_retried_with_its_key_joins_the_line_once(full, stack):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = referral(full.cohort["id"])
    first = full.client.post("/referrals", headers=full.inspector | key, json=body)
    again = full.client.post("/referrals", headers=full.inspector | key, json=body)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers.get("Idempotent-Replayed") == "true"
    assert len(line(full)) == 1
    # the same man referred to the same line again (a new request) is told he waits already
    twice = full.client.post("/referrals", headers=full.inspector, json=referral(
        full.cohort["id"], participant=body["participant"]))
    assert twice.status_code == 409 and twice.get_json()["step"] == "enrolment"
    assert twice.get_json()["existing_waiting_id"] == first.get_json()["waiting"]["id"]
    assert len(line(full)) == 1


def enrol_directly(full: Any) -> Any:
    """`POST /enrolments` of a new man to the cohort (no waiting line on that route): the answer."""
    body = referral(full.cohort["id"])
    man = full.client.post("/participants", headers=full.inspector, json=body["participant"]).get_json()
    return full.client.post("/enrolments", headers=full.inspector, json={
        "participant_id": man["id"], "cohort_id": full.cohort["id"], "referral_source": "inspector_initiative",
        "inspector_id": "insp-ref", "psychologist_id": "psy-ref"})


def test_post_enrolments_to_a_full_cohort_is_still_a_409(full):
    refused = enrol_directly(full)
    assert refused.status_code == 409 and "full" in refused.get_json()["detail"]


def sql(stack: Any, statement: str, **params: Any) -> None:
    """Put the database as a group left by an older release has it (what the API no longer lets happen)."""
    engine = make_engine(stack.database_url("enrollment"))
    try:
        with transaction(make_session_factory(engine)) as s:
            s.execute(sa.text(statement), params)
    finally:
        engine.dispose()


def test_a_group_is_not_closed_while_men_wait_for_it_and_reopened_it_fills_its_line(full, stack):
    first, second = wait(full), wait(full)
    for status in ("finished", "cancelled"):
        refused = full.client.patch(f"/cohorts/{full.cohort['id']}", headers=full.manager, json={"status": status})
        assert refused.status_code == 409, refused.get_data(as_text=True)
        assert "2 wait" in refused.get_json()["detail"] and "withdraw" in refused.get_json()["detail"]
    assert full.client.get(f"/cohorts/{full.cohort['id']}", headers=full.manager).get_json()["status"] == "forming"
    # a group closed with men waiting (before this rule): a place frees while it is closed, none is given
    sql(stack, "UPDATE cohort SET status = 'cancelled' WHERE id = :id", id=full.cohort["id"])
    excluded = full.client.post(f"/enrolments/{full.taken[0]['id']}/transitions", headers=full.psychologist,
                                json={"action": "exclude", "reason": "other", "note": "Moved to Tashkent"})
    assert excluded.status_code == 201, excluded.get_data(as_text=True)
    assert [w["position"] for w in line(full)] == [1, 2]
    # opened again, its free place goes to the first in line at once
    reopened = full.client.patch(f"/cohorts/{full.cohort['id']}", headers=full.manager, json={"status": "running"})
    assert reopened.status_code == 200, reopened.get_data(as_text=True)
    assert (reopened.get_json()["enrolled"], reopened.get_json()["waiting"]) == (2, 1)
    states = [full.client.get(f"/waiting-list/{w['waiting']['id']}", headers=full.manager).get_json()["status"]
              for w in (first, second)]
    assert states == ["placed", "waiting"]
    # nobody waiting any more: the group may close
    full.client.post(f"/waiting-list/{second['waiting']['id']}/withdrawal", headers=full.manager,
                     json={"reason": "He moved to Tashkent"})
    assert full.client.patch(f"/cohorts/{full.cohort['id']}", headers=full.manager,
                             json={"status": "finished"}).status_code == 200


def test_nobody_takes_a_free_place_past_those_waiting_for_it(full, stack):
    first = wait(full)
    # a place free while he still waits (left by an older release, or freed in a closed group reopened by hand)
    sql(stack, "UPDATE cohort SET capacity = 3 WHERE id = :id", id=full.cohort["id"])
    enrolled = enrol_directly(full)
    assert enrolled.status_code == 409 and "wait" in enrolled.get_json()["detail"]
    # nor a man moved in from another group, nor a man placed from another group's line
    other = full.new_cohort("Gʻijduvon W4", 1)
    elsewhere = full.client.post("/referrals", headers=full.inspector, json=referral(other["id"])).get_json()
    moved = full.client.post(f"/enrolments/{elsewhere['enrolment']['id']}/transfer", headers=full.manager,
                             json={"cohort_id": full.cohort["id"]})
    assert moved.status_code == 409 and "wait" in moved.get_json()["detail"]
    third = full.new_cohort("Gʻijduvon W5", 1)
    full.client.post("/referrals", headers=full.inspector, json=referral(third["id"]))
    waits_there = full.client.post("/referrals", headers=full.inspector, json=referral(third["id"])).get_json()
    placed = full.client.post(f"/waiting-list/{waits_there['waiting']['id']}/placement", headers=full.manager,
                              json={"cohort_id": full.cohort["id"]})
    assert placed.status_code == 409 and "wait" in placed.get_json()["detail"]
    assert [w["participant_code"] for w in line(full)] == [first["participant"]["code"]]
