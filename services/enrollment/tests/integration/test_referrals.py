"""A referral in one request (issue 17): the man, his protection order and his enrolment made in one transaction,
with the rules, events and refusals of the three requests it replaces; retried with its key, it makes nothing
twice; refused at any step, it leaves nothing behind."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from qadam_testing import bearer

REGION, DISTRICT = "Buxoro viloyati", "Gʻijduvon"


@pytest.fixture
def office(app_for: Any, token: Any) -> Any:
    """The enrollment app, an inspector of Gʻijduvon, and a forming cohort there facilitated by psy-ref."""
    client = app_for("enrollment").test_client()
    manager = bearer(token("mgr-ref", "manager", region=REGION))
    programme = client.post("/programmes", headers=manager, json={
        "name": f"Referrals {uuid.uuid4().hex[:6]}", "sessions_required": 12, "max_unexcused_absences": 3,
        "region": REGION}).get_json()
    cohort = client.post("/cohorts", headers=manager, json={
        "programme_id": programme["id"], "name": "Gʻijduvon R", "region": REGION, "district": DISTRICT,
        "facilitator_ids": ["psy-ref"], "start_date": date.today().isoformat()}).get_json()
    return SimpleNamespace(client=client, cohort=cohort, manager=manager,
                           inspector=bearer(token("insp-ref", "inspector", region=REGION, district=DISTRICT)))


def referral(cohort_id: str, **parts: dict[str, Any]) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    body: dict[str, Any] = {
        "participant": {"full_name": f"Jasur Qodirov {suffix}", "birth_date": "1987-03-03", "region": REGION,
                        "district": DISTRICT},
        "order": {"number": f"HO-R-{suffix}", "region": REGION, "district": DISTRICT,
                  "issued_on": (date.today() - timedelta(days=1)).isoformat(),
                  "expires_on": (date.today() + timedelta(days=60)).isoformat(), "conditions": ["No contact"]},
        "enrolment": {"cohort_id": cohort_id, "inspector_id": "insp-ref", "psychologist_id": "psy-ref"},
    }
    for part, changes in parts.items():
        body[part] = body[part] | changes
    return body


def counts(stack: Any, body: dict[str, Any]) -> tuple[int, int, int]:
    """(men of this name, orders of this number, outbox rows) in enrollment's database."""
    engine = sa.create_engine(stack.database_url("enrollment"))
    try:
        with engine.connect() as c:
            return (c.execute(sa.text("SELECT count(*) FROM participant WHERE full_name = :n"),
                              {"n": body["participant"]["full_name"]}).scalar_one(),
                    c.execute(sa.text("SELECT count(*) FROM protection_order WHERE number = :n"),
                              {"n": body["order"]["number"]}).scalar_one(),
                    c.execute(sa.text("SELECT count(*) FROM outbox")).scalar_one())
    finally:
        engine.dispose()


def outbox_after(stack: Any, before: int) -> list[str]:
    engine = sa.create_engine(stack.database_url("enrollment"))
    try:
        with engine.connect() as c:
            return list(c.execute(sa.text("SELECT routing_key FROM outbox ORDER BY seq OFFSET :n"), {"n": before})
                        .scalars())
    finally:
        engine.dispose()


def test_a_referral_registers_the_man_records_his_order_and_enrols_him_in_one_request(office, stack):
    body = referral(office.cohort["id"])
    before = counts(stack, body)[2]
    made = office.client.post("/referrals", headers=office.inspector, json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    answer = made.get_json()
    assert answer["registered_already"] is False and answer["participant"]["code"].startswith("P-")
    assert answer["order"]["number"] == body["order"]["number"]
    assert answer["order"]["participant_id"] == answer["participant"]["id"]
    enrolment = answer["enrolment"]
    assert enrolment["status"] == "referred" and enrolment["protection_order_id"] == answer["order"]["id"]
    assert enrolment["participant_id"] == answer["participant"]["id"] and enrolment["referral_source"] == "protection_order"
    assert outbox_after(stack, before) == ["enrollment.order.issued", "enrollment.enrolled"]  # as the three calls publish
    assert counts(stack, body)[:2] == (1, 1)


def test_a_referral_retried_with_its_idempotency_key_makes_nothing_twice(office, stack):
    body = referral(office.cohort["id"])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = office.client.post("/referrals", headers=office.inspector | key, json=body)
    before = counts(stack, body)
    again = office.client.post("/referrals", headers=office.inspector | key, json=body)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert counts(stack, body) == before == (1, 1, before[2])


def test_a_refused_enrolment_leaves_neither_the_man_nor_his_order_behind(office, stack):
    body = referral(office.cohort["id"], enrolment={"psychologist_id": "psy-not-a-facilitator"})
    before = counts(stack, body)
    refused = office.client.post("/referrals", headers=office.inspector, json=body)
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["step"] == "enrolment" and "psychologist_id" in problem["errors"]["enrolment"]
    assert counts(stack, body) == before == (0, 0, before[2])  # nothing registered, recorded or published
    # corrected, it goes through: the number and the man were never taken
    assert office.client.post("/referrals", headers=office.inspector, json=referral(
        office.cohort["id"], participant=body["participant"], order=body["order"])).status_code == 201


def test_a_man_registered_already_is_found_not_registered_twice_and_a_second_place_in_his_cohort_is_refused(
        office, stack):
    body = referral(office.cohort["id"])
    registered = office.client.post("/participants", headers=office.inspector, json=body["participant"]).get_json()
    made = office.client.post("/referrals", headers=office.inspector, json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.get_json()["registered_already"] is True
    assert made.get_json()["participant"]["id"] == registered["id"]
    again = referral(office.cohort["id"], participant=body["participant"])
    refused = office.client.post("/referrals", headers=office.inspector, json=again)
    assert refused.status_code == 409 and refused.get_json()["step"] == "enrolment"
    assert "enrolled in this cohort already" in refused.get_json()["detail"]
    assert counts(stack, again)[:2] == (1, 0)  # his second order went with the refused enrolment


def test_an_order_number_recorded_already_is_a_409_of_the_order_step(office, stack):
    first = referral(office.cohort["id"])
    assert office.client.post("/referrals", headers=office.inspector, json=first).status_code == 201
    second = referral(office.cohort["id"], order={"number": first["order"]["number"]})
    refused = office.client.post("/referrals", headers=office.inspector, json=second)
    assert refused.status_code == 409 and refused.get_json()["step"] == "order"
    assert counts(stack, second)[0] == 0


def test_a_bad_field_is_named_under_its_part(office):
    refused = office.client.post("/referrals", headers=office.inspector, json=referral(
        office.cohort["id"], participant={"birth_date": "1990-02-30"}, order={"expires_on": "2000-01-01"}))
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert "birth_date" in str(errors) and "participant" in str(errors) and "order" in str(errors)


def test_an_orders_standard_conditions_are_stored_as_codes_once_each_beside_the_free_text(office):
    body = referral(office.cohort["id"], order={
        "condition_codes": ["correction_programme", "no_contact", "no_weapons", "no_contact"],
        "conditions": ["Not to drink alcohol"]})
    made = office.client.post("/referrals", headers=office.inspector, json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    order = made.get_json()["order"]
    # in the order the vocabulary lists them, each once; what the presets do not say stays as typed
    assert order["condition_codes"] == ["no_contact", "no_weapons", "correction_programme"]
    assert order["conditions"] == ["Not to drink alcohol"]
    shown = office.client.get(f"/protection-orders/{order['id']}", headers=office.inspector).get_json()
    assert shown["condition_codes"] == ["no_contact", "no_weapons", "correction_programme"]
    assert shown["conditions"] == ["Not to drink alcohol"]
    # codes are not free text: a programme manager sees them, never the conditions typed
    seen = office.client.get(f"/protection-orders/{order['id']}", headers=office.manager).get_json()
    assert seen["condition_codes"] == ["no_contact", "no_weapons", "correction_programme"]
    assert seen["conditions"] is None


def test_an_unknown_condition_code_is_refused_and_nothing_is_made(office, stack):
    body = referral(office.cohort["id"], order={"condition_codes": ["no_contact", "no_alcohol"]})
    refused = office.client.post("/referrals", headers=office.inspector, json=body)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert "condition_codes" in refused.get_json()["errors"]["order"], refused.get_json()
    assert "keep_away" in str(refused.get_json()["errors"]["order"]["condition_codes"])  # what would be right
    assert counts(stack, body)[:2] == (0, 0)


def test_only_an_inspector_of_the_area_refers_and_only_as_his_own(office, token, stack):
    body = referral(office.cohort["id"])
    for who in (office.manager, bearer(token("psy-ref", "psychologist", region=REGION, district=DISTRICT)),
                bearer(token("sup-ref", "supervisor", region=REGION)),
                bearer(token("insp-kogon", "inspector", region=REGION, district="Kogon"))):
        assert office.client.post("/referrals", headers=who, json=body).status_code == 403
    as_another = referral(office.cohort["id"], enrolment={"inspector_id": "insp-someone-else"})
    refused = office.client.post("/referrals", headers=office.inspector, json=as_another)
    assert refused.status_code == 403 and refused.get_json()["step"] == "enrolment"
    assert counts(stack, as_another)[:2] == counts(stack, body)[:2] == (0, 0)
