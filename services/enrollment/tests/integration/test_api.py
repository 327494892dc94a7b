"""Enrollment's API on the real database: validation, duplicates, area scoping, events in the outbox."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from qadam_testing import bearer

REGION, DISTRICT = "Buxoro viloyati", "Gʻijduvon"


def outbox_types(stack) -> list[str]:
    engine = sa.create_engine(stack.database_url("enrollment"))
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT routing_key FROM outbox ORDER BY seq")).scalars().all()
    engine.dispose()
    return rows


def test_invalid_pinfl_is_a_422_naming_the_field_and_what_is_right(app_for, token):
    client = app_for("enrollment").test_client()
    inspector = token("insp-a", "inspector", region=REGION, district=DISTRICT)
    response = client.post("/participants", headers=bearer(inspector), json={
        "full_name": "Oʻtkir Xoʻjayev", "birth_date": "1990-01-01", "pinfl": "12345", "region": REGION,
        "district": DISTRICT})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "14 digits" in response.get_json()["errors"]["pinfl"][0]


def test_name_is_stored_exactly_and_pinfl_duplicate_is_reported_not_created(app_for, token):
    client = app_for("enrollment").test_client()
    inspector = token("insp-a", "inspector", region=REGION, district=DISTRICT)
    pinfl = "3" + str(uuid.uuid4().int)[:13]
    person = {"full_name": "Oʻtkir Xoʻjayev / Ўткир Хўжаев", "birth_date": "1990-01-01", "pinfl": pinfl,
              "region": REGION, "district": DISTRICT}
    created = client.post("/participants", headers=bearer(inspector), json=person)
    assert created.status_code == 201
    body = created.get_json()
    assert body["full_name"] == person["full_name"] and body["code"].startswith("P-")
    again = client.post("/participants", headers=bearer(inspector), json=person)
    assert again.status_code == 409 and again.get_json()["existing_code"] == body["code"]


def test_inspector_cannot_register_outside_his_district(app_for, token):
    client = app_for("enrollment").test_client()
    inspector = token("insp-b", "inspector", region=REGION, district="Kogon")
    response = client.post("/participants", headers=bearer(inspector), json={
        "full_name": "Test", "birth_date": "1985-05-05", "region": REGION, "district": DISTRICT})
    assert response.status_code == 403


def test_enrolment_writes_its_event_in_the_same_transaction(app_for, token, stack):
    client = app_for("enrollment").test_client()
    manager = token("mgr-a", "manager", region=REGION)
    inspector = token("insp-a", "inspector", region=REGION, district=DISTRICT)
    programme = client.post("/programmes", headers=bearer(manager), json={
        "name": f"Extended group {uuid.uuid4().hex[:6]}", "sessions_required": 24, "max_unexcused_absences": 3,
        "region": REGION}).get_json()
    cohort = client.post("/cohorts", headers=bearer(manager), json={
        "programme_id": programme["id"], "name": "Gʻijduvon A", "region": REGION, "district": DISTRICT,
        "facilitator_ids": ["psy-a"], "start_date": "2026-12-01"}).get_json()
    person = client.post("/participants", headers=bearer(inspector), json={
        "full_name": "Bahodir", "birth_date": "1979-02-02", "region": REGION, "district": DISTRICT}).get_json()
    before = outbox_types(stack)
    wrong = client.post("/enrolments", headers=bearer(inspector), json={
        "participant_id": person["id"], "cohort_id": cohort["id"], "inspector_id": "insp-a",
        "psychologist_id": "psy-not-a-facilitator", "referral_source": "court"})
    assert wrong.status_code == 422 and "psychologist_id" in wrong.get_json()["errors"]
    assert outbox_types(stack) == before  # refused: nothing published
    ok = client.post("/enrolments", headers=bearer(inspector), json={
        "participant_id": person["id"], "cohort_id": cohort["id"], "inspector_id": "insp-a",
        "psychologist_id": "psy-a", "referral_source": "court"})
    assert ok.status_code == 201, ok.get_data(as_text=True)
    assert outbox_types(stack)[len(before):] == ["enrollment.enrolled"]
    assert client.post("/enrolments", headers=bearer(inspector), json={
        "participant_id": person["id"], "cohort_id": cohort["id"], "inspector_id": "insp-a",
        "psychologist_id": "psy-a", "referral_source": "court"}).status_code == 409


def test_inspector_cannot_reach_another_districts_participant_by_enrolling_him(app_for, token):
    client = app_for("enrollment").test_client()
    manager = token("mgr-a", "manager", region=REGION)
    other = token("insp-kogon", "inspector", region=REGION, district="Kogon")
    mine = token("insp-a", "inspector", region=REGION, district=DISTRICT)
    person = client.post("/participants", headers=bearer(other), json={
        "full_name": "Kogon resident", "birth_date": "1980-01-01", "region": REGION, "district": "Kogon"}).get_json()
    programme = client.post("/programmes", headers=bearer(manager), json={
        "name": f"P {uuid.uuid4().hex[:6]}", "sessions_required": 8, "max_unexcused_absences": 1,
        "region": REGION}).get_json()
    cohort = client.post("/cohorts", headers=bearer(manager), json={
        "programme_id": programme["id"], "name": "G", "region": REGION, "district": DISTRICT,
        "facilitator_ids": ["psy-a"], "start_date": "2026-12-01"}).get_json()
    assert client.get(f"/participants/{person['id']}", headers=bearer(mine)).status_code == 404
    attempt = client.post("/enrolments", headers=bearer(mine), json={
        "participant_id": person["id"], "cohort_id": cohort["id"], "inspector_id": "insp-a", "psychologist_id": "psy-a",
        "referral_source": "court"})
    # as for a man who does not exist: nothing tells the inspector that he does
    assert attempt.status_code == 422 and attempt.get_json()["errors"] == {"participant_id": ["No such participant."]}
    assert client.get(f"/participants/{person['id']}", headers=bearer(mine)).status_code == 404


def test_token_without_its_area_sees_nothing(app_for, token):
    client = app_for("enrollment").test_client()
    no_area = token("insp-nowhere", "inspector")
    assert client.get("/cohorts", headers=bearer(no_area)).get_json()["total"] == 0
    assert client.get("/enrolments", headers=bearer(no_area)).get_json()["total"] == 0
    assert client.post("/participants", headers=bearer(no_area), json={
        "full_name": "X", "birth_date": "1980-01-01", "region": REGION, "district": DISTRICT}).status_code == 403


def test_a_template_whose_curriculum_is_given_empty_needs_the_sessions_it_runs(app_for, token):
    """A template's sessions are its curriculum's: given an empty curriculum, a programme has none unless they are
    said, a 422 naming them (the insert failed on the empty column and answered 500: found by schemathesis)."""
    client = app_for("enrollment").test_client()
    manager = bearer(token("mgr-a", "manager", region=REGION))
    asked = {"name": f"P {uuid.uuid4().hex[:6]}", "template": "statutory", "curriculum": [], "region": REGION}
    refused = client.post("/programmes", headers=manager, json=asked)
    assert refused.status_code == 422, refused.get_data(as_text=True)
    assert list(refused.get_json()["errors"]) == ["sessions_required"]
    made = client.post("/programmes", headers=manager, json={**asked, "sessions_required": 10})
    assert made.status_code == 201 and made.get_json()["sessions_required"] == 10
    assert made.get_json()["max_unexcused_absences"] == 2  # the rest is the template's
