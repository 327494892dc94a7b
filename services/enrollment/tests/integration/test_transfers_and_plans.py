"""The inspector's work over HTTP on the real database. A move out of the district: his inspector asks, it waits (he
stays where he is), a supervisor of the district's region approves it (the move is made) or refuses it with a
reason, once; each call is audited, and the move, when made, published. The correction plan: recorded with whom it
was agreed and its parts, then changed; a manager reads its parts but none of its free text."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam_testing import bearer

REGION, DISTRICT, OTHER_DISTRICT = "Buxoro viloyati", "Kogon", "Gʻijduvon"


@pytest.fixture
def factory(stack):
    engine = make_engine(stack.database_url("enrollment"))
    yield make_session_factory(engine)
    engine.dispose()


class Area:
    """A region's staff: an inspector and a psychologist of one district, a psychologist of another, a manager, the
    region's supervisor, and a supervisor and an inspector elsewhere."""

    def __init__(self, app_for, token) -> None:
        self.client = app_for("enrollment").test_client()
        self.s = s = uuid.uuid4().hex[:6]
        self.inspector_id, self.supervisor_id = f"insp-{s}", f"sup-{s}"
        self.manager = bearer(token(f"mgr-{s}", "manager", region=REGION))
        self.inspector = bearer(token(self.inspector_id, "inspector", region=REGION, district=DISTRICT))
        self.supervisor = bearer(token(self.supervisor_id, "supervisor", region=REGION))
        self.stranger = bearer(token(f"sup-x-{s}", "supervisor", region="Xorazm viloyati"))
        self.colleague = bearer(token(f"insp-o-{s}", "inspector", region=REGION, district=OTHER_DISTRICT))
        self.programme = self.ok("POST", "/programmes", self.manager, {
            "name": f"statutory {s}", "template": "statutory", "region": REGION})

    def ok(self, method: str, path: str, who: dict, json=None, status: int = 201):
        response = self.client.open(path, method=method, headers=who, json=json)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.get_data(as_text=True)}"
        return response.get_json()

    def cohort(self, district: str, capacity: int = 12) -> dict:
        return self.ok("POST", "/cohorts", self.manager, {
            "programme_id": self.programme["id"], "name": f"{district} {uuid.uuid4().hex[:4]}", "region": REGION,
            "district": district, "facilitator_ids": [f"psy-{district[:3]}-{self.s}"], "start_date": "2026-11-02",
            "capacity": capacity, "schedule": {"weekdays": [1, 4], "time": "15:00", "place": "Mahalla guzari"}})

    def referred(self, cohort: dict) -> dict:
        today = date.today()
        return self.ok("POST", "/referrals", self.inspector, {
            "participant": {"full_name": f"Sardor Aliyev {uuid.uuid4().hex[:6]}", "birth_date": "1984-04-04",
                            "region": REGION, "district": DISTRICT},
            "order": {"number": f"HO-{uuid.uuid4().hex[:8]}", "region": REGION, "district": DISTRICT,
                      "issued_on": today.isoformat(), "expires_on": (today + timedelta(days=60)).isoformat(),
                      "conditions": ["No contact with the victim"]},
            "enrolment": {"cohort_id": cohort["id"], "inspector_id": self.inspector_id,
                          "psychologist_id": cohort["facilitator_ids"][0]}})["enrolment"]


@pytest.fixture
def area(app_for, token) -> Area:
    return Area(app_for, token)


def outbox_of(factory, enrolment_id: str) -> list[tuple[str, dict]]:
    with transaction(factory) as s:
        rows = s.execute(sa.text("SELECT routing_key, envelope FROM outbox ORDER BY seq")).all()
    return [(key, envelope["data"]) for key, envelope in rows if envelope["data"].get("enrolment_id") == enrolment_id]


def audited(factory, route: str) -> list[tuple[str, str, int]]:
    with transaction(factory) as s:
        return [tuple(r) for r in s.execute(sa.text(
            "SELECT user_id, action, status FROM audit_log WHERE route = :r ORDER BY id"), {"r": route})]


def test_a_move_out_of_the_district_waits_for_the_supervisor_who_approves_it(area, factory):
    home, away = area.cohort(DISTRICT), area.cohort(OTHER_DISTRICT)
    enrolment = area.referred(home)
    # the groups he could go to: of his programme in the region, other districts too, not his own
    options = area.ok("GET", f"/enrolments/{enrolment['id']}/transfer-options", area.inspector, status=200)
    assert away["id"] in [c["id"] for c in options] and home["id"] not in [c["id"] for c in options]
    asked = area.ok("POST", f"/enrolments/{enrolment['id']}/transfer", area.inspector,
                    {"cohort_id": away["id"], "note": "he moved to his brother's house in Gʻijduvon"})
    # he stays where he is until a supervisor decides
    assert (asked["cohort_id"], asked["district"]) == (home["id"], DISTRICT)
    waiting = asked["pending_transfer"]
    assert (waiting["status"], waiting["to_cohort_id"], waiting["to_district"], waiting["asked_by"]) == (
        "pending", away["id"], OTHER_DISTRICT, area.inspector_id)
    assert waiting["participant_code"] == enrolment["participant_code"]
    # a second request while one waits is refused
    again = area.client.post(f"/enrolments/{enrolment['id']}/transfer", headers=area.inspector,
                             json={"cohort_id": away["id"]})
    assert again.status_code == 409
    # the region's supervisor sees it waiting; a supervisor of another region does not
    listed = area.ok("GET", "/transfers?status=pending", area.supervisor, status=200)["items"]
    assert waiting["id"] in [t["id"] for t in listed]
    assert waiting["id"] not in [t["id"] for t in area.ok("GET", "/transfers", area.stranger, status=200)["items"]]
    decision = f"/transfers/{waiting['id']}/decision"
    # his inspector, a manager, a supervisor elsewhere do not decide it
    for who, status in ((area.inspector, 403), (area.manager, 403), (area.stranger, 404)):
        assert area.client.post(decision, headers=who, json={"approve": True}).status_code == status
    approved = area.ok("POST", decision, area.supervisor, {"approve": True})
    assert (approved["status"], approved["decided_by"]) == ("approved", area.supervisor_id)
    moved = area.ok("GET", f"/enrolments/{enrolment['id']}", area.inspector, status=200)
    assert (moved["cohort_id"], moved["district"], moved["pending_transfer"]) == (away["id"], OTHER_DISTRICT, None)
    assert moved["psychologist_id"] == away["facilitator_ids"][0] and moved["inspector_id"] == area.inspector_id
    # still his inspector: he sees the group he is in now, not the district's other groups
    assert area.ok("GET", f"/cohorts/{away['id']}", area.inspector, status=200)["district"] == OTHER_DISTRICT
    other = area.cohort(OTHER_DISTRICT)
    assert area.client.get(f"/cohorts/{other['id']}", headers=area.inspector).status_code == 404
    history = area.ok("GET", f"/enrolments/{enrolment['id']}/transitions", area.supervisor, status=200)
    assert [(h["action"], h["to_cohort_id"], h["by"]) for h in history][-1] == (
        "transfer", away["id"], area.supervisor_id)
    # decided once
    assert area.client.post(decision, headers=area.supervisor, json={"approve": False, "note": "no"}).status_code == 409
    kinds = [kind for kind, _data in outbox_of(factory, enrolment["id"])]
    assert kinds.count("enrollment.transferred") == 1 and kinds[-1] == "enrollment.transferred"  # when approved
    assert dict(outbox_of(factory, enrolment["id"]))["enrollment.transferred"]["district"] == OTHER_DISTRICT
    assert (area.supervisor_id, "write", 201) in audited(factory, "/transfers/<uuid:transfer_id>/decision")


def test_a_refused_move_needs_a_reason_and_leaves_him_where_he_is(area, factory):
    home, away = area.cohort(DISTRICT), area.cohort(OTHER_DISTRICT)
    enrolment = area.referred(home)
    waiting = area.ok("POST", f"/enrolments/{enrolment['id']}/transfer", area.inspector,
                      {"cohort_id": away["id"]})["pending_transfer"]
    decision = f"/transfers/{waiting['id']}/decision"
    unsaid = area.client.post(decision, headers=area.supervisor, json={"approve": False, "note": " "})
    assert unsaid.status_code == 422 and "note" in unsaid.get_json()["errors"]
    refused = area.ok("POST", decision, area.supervisor, {"approve": False, "note": "His court order names Kogon."})
    assert (refused["status"], refused["decision_note"]) == ("refused", "His court order names Kogon.")
    stays = area.ok("GET", f"/enrolments/{enrolment['id']}", area.inspector, status=200)
    assert (stays["cohort_id"], stays["district"], stays["pending_transfer"]) == (home["id"], DISTRICT, None)
    mine = area.ok("GET", f"/transfers?enrolment_id={enrolment['id']}", area.inspector, status=200)["items"]
    assert [(t["id"], t["status"]) for t in mine] == [(waiting["id"], "refused")]
    assert "enrollment.transferred" not in dict(outbox_of(factory, enrolment["id"]))  # he never moved
    assert (area.supervisor_id, "write", 201) in audited(factory, "/transfers/<uuid:transfer_id>/decision")
    # refused, he may be asked for again
    assert area.ok("POST", f"/enrolments/{enrolment['id']}/transfer", area.inspector,
                   {"cohort_id": away["id"]})["pending_transfer"]["status"] == "pending"


def test_within_the_district_the_move_is_made_at_once_and_approval_checks_the_group_again(area):
    home, next_door, full = area.cohort(DISTRICT), area.cohort(DISTRICT), area.cohort(OTHER_DISTRICT, capacity=1)
    enrolment = area.referred(home)
    moved = area.ok("POST", f"/enrolments/{enrolment['id']}/transfer", area.inspector, {"cohort_id": next_door["id"]})
    assert (moved["cohort_id"], moved["pending_transfer"]) == (next_door["id"], None)
    waiting = area.ok("POST", f"/enrolments/{enrolment['id']}/transfer", area.inspector,
                      {"cohort_id": full["id"]})["pending_transfer"]
    area.ok("POST", "/enrolments", area.manager, {  # the last place is taken while the move waits
        "participant_id": area.ok("POST", "/participants", area.colleague, {
            "full_name": f"Bobur Karimov {area.s}", "birth_date": "1990-01-01", "region": REGION,
            "district": OTHER_DISTRICT})["id"],
        "cohort_id": full["id"], "referral_source": "court", "protection_order_id": None,
        "inspector_id": f"insp-o-{area.s}", "psychologist_id": full["facilitator_ids"][0]})
    late = area.client.post(f"/transfers/{waiting['id']}/decision", headers=area.supervisor, json={"approve": True})
    assert late.status_code == 409 and "full" in late.get_json()["detail"]
    still = area.ok("GET", f"/transfers/{waiting['id']}", area.supervisor, status=200)
    assert still["status"] == "pending"


def test_the_correction_plan_is_recorded_with_whom_and_its_parts_then_changed(area):
    enrolment = area.referred(area.cohort(DISTRICT))
    path = f"/protection-orders/{enrolment['protection_order_id']}/correction-plan"
    today = date.today().isoformat()
    plan = area.ok("PUT", path, area.inspector, {
        "agreed_on": today, "agreed_with": "Inson centre of Kogon, M. Yusupova",
        "parts": [{"kind": "programme"}, {"kind": "employment", "details": "Kogon employment centre"}]}, status=200)
    assert (plan["plan_agreed_on"], plan["plan_agreed_with"], plan["plan_overdue"]) == (
        today, "Inson centre of Kogon, M. Yusupova", False)
    assert plan["plan_parts"] == [{"kind": "programme", "details": None},
                                  {"kind": "employment", "details": "Kogon employment centre"}]
    twice = area.client.put(path, headers=area.inspector, json={
        "agreed_on": today, "parts": [{"kind": "health"}, {"kind": "health"}]})
    assert twice.status_code == 422 and "parts" in twice.get_json()["errors"]
    changed = area.ok("PUT", path, area.inspector, {
        "agreed_on": today, "agreed_with": "Inson centre of Kogon",
        "parts": [{"kind": "programme"}, {"kind": "housing", "details": "Mahalla housing commission"}]}, status=200)
    assert [p["kind"] for p in changed["plan_parts"]] == ["programme", "housing"]
    shown = area.ok("GET", f"/protection-orders/{enrolment['protection_order_id']}", area.manager, status=200)
    assert shown["plan_agreed_with"] is None
    assert shown["plan_parts"] == [{"kind": "programme", "details": None}, {"kind": "housing", "details": None}]


def test_no_one_is_moved_into_a_finished_or_cancelled_group_nor_approved_into_one(area):
    home, finished, away = area.cohort(DISTRICT), area.cohort(DISTRICT), area.cohort(OTHER_DISTRICT)
    area.ok("PATCH", f"/cohorts/{finished['id']}", area.manager, {"status": "finished"}, status=200)
    enrolment = area.referred(home)
    into_finished = area.client.post(f"/enrolments/{enrolment['id']}/transfer", headers=area.inspector,
                                     json={"cohort_id": finished["id"]})
    assert into_finished.status_code == 409 and "finished" in into_finished.get_json()["detail"]
    waiting = area.ok("POST", f"/enrolments/{enrolment['id']}/transfer", area.inspector,
                      {"cohort_id": away["id"]})["pending_transfer"]
    area.ok("PATCH", f"/cohorts/{away['id']}", area.manager, {"status": "cancelled"}, status=200)  # while it waits
    late = area.client.post(f"/transfers/{waiting['id']}/decision", headers=area.supervisor, json={"approve": True})
    assert late.status_code == 409 and "cancelled" in late.get_json()["detail"]
    stays = area.ok("GET", f"/enrolments/{enrolment['id']}", area.inspector, status=200)
    assert (stays["cohort_id"], stays["pending_transfer"]["status"]) == (home["id"], "pending")


def test_a_move_waiting_for_a_supervisor_is_withdrawn_when_he_leaves_the_programme(area):
    home, away = area.cohort(DISTRICT), area.cohort(OTHER_DISTRICT)
    enrolment = area.referred(home)
    waiting = area.ok("POST", f"/enrolments/{enrolment['id']}/transfer", area.inspector,
                      {"cohort_id": away["id"]})["pending_transfer"]
    area.ok("POST", f"/enrolments/{enrolment['id']}/transitions", area.inspector,
            {"action": "exclude", "reason": "other", "note": "Sentenced to custody"})
    left = area.ok("GET", f"/enrolments/{enrolment['id']}", area.inspector, status=200)
    assert (left["status"], left["pending_transfer"]) == ("excluded", None)
    withdrawn = area.ok("GET", f"/transfers/{waiting['id']}", area.supervisor, status=200)
    assert withdrawn["status"] == "withdrawn" and "excluded" in withdrawn["decision_note"]
    assert [t["id"] for t in area.ok("GET", "/transfers?status=pending", area.supervisor, status=200)["items"]
            if t["enrolment_id"] == enrolment["id"]] == []
    assert area.ok("GET", f"/transfers?status=withdrawn&enrolment_id={enrolment['id']}", area.inspector,
                   status=200)["total"] == 1
    again = area.client.post(f"/transfers/{waiting['id']}/decision", headers=area.supervisor, json={"approve": True})
    assert again.status_code == 409 and "withdrawn" in again.get_json()["detail"]


def test_a_move_reads_the_capacity_as_it_is_once_the_group_is_locked(area, factory):
    from enrollment.commands import transfer_enrolment
    from enrollment.models import Cohort, Enrolment
    from qadam.auth import Principal, Reach
    from qadam.errors import Problem

    home, target = area.cohort(DISTRICT), area.cohort(DISTRICT, capacity=2)
    enrolment, already = area.referred(home), area.referred(target)
    assert already
    admin = Principal("adm", "administrator", reach=Reach.EVERYWHERE)
    with transaction(factory) as s:
        read_before = s.get(Cohort, uuid.UUID(target["id"]))  # held in this session as another request changes it
        assert read_before is not None and read_before.capacity == 2
        area.ok("PATCH", f"/cohorts/{target['id']}", area.manager, {"capacity": 1}, status=200)
        locked = s.get(Enrolment, uuid.UUID(enrolment["id"]), with_for_update={"of": Enrolment})
        with pytest.raises(Problem) as refused:
            transfer_enrolment(s, principal=admin, enrolment=locked, asked={
                "cohort_id": uuid.UUID(target["id"]), "psychologist_id": None, "inspector_id": None, "note": None})
        assert refused.value.code == 409 and "full (1 places)" in refused.value.description
        s.rollback()
