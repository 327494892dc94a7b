"""Risk's API on the real database: who sees which flags; incidents, assessments, acknowledgement, resolution,
levels and their history, rules as data and the recompute, the explanation."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from qadam_contracts.enrollment import AbsenceAlerts
from qadam_testing import bearer
from qadam_words import words
from qadam_words.reasons import DOMAIN, LEVEL_WORDS
from risk.domain.her_view import ABOUT

URGANCH = {"region": "Xorazm viloyati", "district": "Urganch"}


def outbox(engine, routing_key: str, enrolment) -> list[dict]:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT envelope->'data' FROM outbox WHERE routing_key = :k "
                                 "AND envelope->'data'->>'enrolment_id' = :e ORDER BY created_at, id"),
                         {"k": routing_key, "e": str(enrolment)}).scalars().all()


def test_flags_are_seen_by_the_district_and_the_responsible_people_only(app_for, token, risk_db, events_for, deliver):
    settings, factory, _ = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["unexcused", "unexcused"])  # Urganch, insp-r / psy-r
    deliver(settings, factory, [enrolled, *marks])
    client = app_for("risk").test_client()
    path = f"/flags?enrolment_id={enrolment}&rule_id=consecutive_absences"

    def total(t: str) -> int:
        return client.get(path, headers=bearer(t)).get_json()["total"]

    assert total(token("insp-other", "inspector", region="Xorazm viloyati", district="Urganch")) == 1
    assert total(token("psy-r", "psychologist", region="Xorazm viloyati", district="Urganch")) == 1
    assert total(token("mgr-x", "manager", region="Xorazm viloyati")) == 1
    assert total(token("insp-elsewhere", "inspector", region="Xorazm viloyati", district="Xiva")) == 0
    assert total(token("psy-other", "psychologist", region="Xorazm viloyati", district="Urganch")) == 0
    assert total(token("mgr-other", "manager", region="Buxoro viloyati")) == 0
    assert total(token("mgr-no-region", "manager")) == 0


def test_a_reported_breach_raises_a_critical_flag_and_the_level_at_once(client, who, enrol, risk_db):
    _, _, engine = risk_db
    enrolment = enrol()
    response = client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "order_breach", "occurred_on": (date.today() - timedelta(days=1)).isoformat(), "severity": "serious",
        "details": "Came to her mother's house at night."})
    assert response.status_code == 201, response.get_json()
    incident = response.get_json()
    [flag] = incident["flags"]
    assert flag["rule_id"] == "incident.order_breach" and flag["level"] == "critical"
    assert "breach of the protection order" in flag["reasons"][0]
    assert incident["details"] is None  # never in an answer (a retried request's answer is kept)...
    [listed] = client.get(f"/enrolments/{enrolment}/incidents", headers=who("inspector")).get_json()["items"]
    assert listed["details"] == "Came to her mother's house at night."  # ...the inspector reads his words with GET
    [raised] = outbox(engine, "risk.flag.raised", enrolment)
    assert raised["level"] == "critical" and raised["inspector_id"] == "insp-r"
    [moved] = outbox(engine, "risk.level.changed", enrolment)
    assert (moved["from_level"], moved["level"], moved["flag_ids"]) == ("low", "critical", [flag["id"]])
    explained = client.get(f"/enrolments/{enrolment}/risk", headers=who("psychologist")).get_json()
    assert explained["level"] == "critical"
    assert any("breach of the protection order" in line for line in explained["read_aloud"])
    # a second report of another incident is new facts; the same request retried is not
    again = client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector") | {"Idempotency-Key": "k-1"},
                        json={"kind": "police_callout", "occurred_on": date.today().isoformat(), "severity": "minor"})
    replay = client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector") | {"Idempotency-Key": "k-1"},
                         json={"kind": "police_callout", "occurred_on": date.today().isoformat(), "severity": "minor"})
    assert again.status_code == replay.status_code == 201 and again.get_json()["id"] == replay.get_json()["id"]
    assert len(outbox(engine, "risk.flag.raised", enrolment)) == 2
    with engine.connect() as c:  # the words are sealed in the database, and in no kept answer
        rows = c.execute(sa.text("SELECT details_sealed FROM incident WHERE enrolment_id = :e"), {"e": enrolment})
        assert all(b"mother" not in bytes(r[0] or b"") for r in rows)
        kept = c.execute(sa.text("SELECT response::text FROM idempotency_record")).scalars().all()
        assert kept and not any("mother" in k for k in kept)


def test_a_breach_after_he_left_the_programme_still_raises_its_flag(client, who, enrol):
    enrolment = enrol(status="exited")
    response = client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "order_breach", "occurred_on": date.today().isoformat(), "severity": "serious"})
    assert [f["level"] for f in response.get_json()["flags"]] == ["critical"]


def test_a_transferred_enrolments_flags_move_to_the_district_that_now_answers_for_him(client, who, enrol, risk_db,
                                                                                      token, deliver):
    from datetime import UTC, datetime

    from qadam.events import delivered
    from qadam_contracts.enrollment import EnrolmentTransferred

    settings, factory, _ = risk_db
    enrolment = enrol()
    client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "arrest", "occurred_on": date.today().isoformat(), "severity": "minor"})
    moved = delivered(EnrolmentTransferred(
        enrolment_id=enrolment, participant_code=client.get(f"/enrolments/{enrolment}/risk", headers=who(
            "inspector")).get_json()["participant_code"], cohort_id=uuid.uuid4(), from_cohort_id=uuid.uuid4(),
        region="Xorazm viloyati", district="Xiva", inspector_id="insp-x", psychologist_id="psy-x",
        status="active", transferred_at=datetime.now(UTC), version=3))
    deliver(settings, factory, [moved])
    assert client.get(f"/flags?enrolment_id={enrolment}", headers=who("other_inspector")).get_json()["total"] == 1
    urganch = bearer(token("insp-u2", "inspector", **URGANCH))
    assert client.get(f"/flags?enrolment_id={enrolment}", headers=urganch).get_json()["total"] == 0


def test_her_support_workers_report_never_shows_her_words_or_name_to_perpetrator_facing_staff(client, who, enrol):
    enrolment = enrol(support_worker="sw-r")
    response = client.post(f"/enrolments/{enrolment}/incidents", headers=who("support_worker"), json={
        "kind": "victim_fear", "occurred_on": tashkent_today().isoformat(), "severity": "severe",
        "details": "She is hiding at her sister's in Xonqa."})
    assert response.status_code == 201, response.get_json()
    [flag] = response.get_json()["flags"]
    today = tashkent_today().isoformat()
    said = f"A safety concern was reported by victim support on {today}, level critical."
    # she reads the flag as she reads every flag of his: its level, kind of concern, date and state
    assert (flag["level"], flag["concern"], flag["source"]) == ("critical", "incident", "victim_support")
    assert "Xonqa" not in str(flag) and "fear" not in str(flag)
    [flag] = client.get(f"/flags?enrolment_id={enrolment}", headers=who("inspector")).get_json()["items"]
    assert flag["reasons"] == [said] and flag["source"] == "victim_support"
    # as data too: a date and a level, nothing of hers; she reads no reason codes at all
    assert flag["reason_codes"] == [{"code": "concern", "params": {"on": today, "level": "critical"}}]
    [hers] = client.get(f"/flags?enrolment_id={enrolment}", headers=who("support_worker")).get_json()["items"]
    assert hers["reason_codes"] == []
    for role in ("inspector", "supervisor", "manager"):
        [seen] = client.get(f"/enrolments/{enrolment}/incidents", headers=who(role)).get_json()["items"]
        assert seen["summary"] == said, role
        assert (seen["kind"], seen["severity"], seen["occurred_on"], seen["details"], seen["reported_by"]) == (
            None, None, None, None, None), role
    # his psychologist is not told of her reports at all, only of the flag
    assert client.get(f"/enrolments/{enrolment}/incidents", headers=who("psychologist")).get_json()["total"] == 0
    for role in ("psychologist", "inspector", "supervisor", "manager"):
        for path in (f"/enrolments/{enrolment}/risk", f"/flags?enrolment_id={enrolment}", f"/flags/{flag['id']}",
                     f"/enrolments/{enrolment}/incidents"):
            text = client.get(path, headers=who(role)).get_data(as_text=True)
            assert "Xonqa" not in text and "fear" not in text and "victim_fear" not in text, (role, path)
        explained = client.get(f"/enrolments/{enrolment}/risk", headers=who(role)).get_json()
        assert [h["cause"] for h in explained["history"]] == ["a safety concern reported by victim support"]
    [hers] = client.get(f"/enrolments/{enrolment}/incidents", headers=who("support_worker")).get_json()["items"]
    assert hers["details"] == "She is hiding at her sister's in Xonqa." and hers["reported_by"] == "sw-r"
    assert hers["kind"] == "victim_fear" and hers["severity"] == "severe"
    # she sees the cases of the women she supports, not her whole district's
    unrelated = enrol(support_worker="sw-someone-else")
    assert client.get(f"/enrolments/{unrelated}/incidents", headers=who("support_worker")).status_code == 404
    assert client.get(f"/flags?enrolment_id={unrelated}", headers=who("support_worker")).get_json()["total"] == 0


def test_an_incident_is_refused_clearly_and_loses_nothing(client, who, enrol):
    enrolment = enrol()
    cases = [({"kind": "bad", "occurred_on": date.today().isoformat(), "severity": "minor"}, "kind"),
             ({"kind": "arrest", "occurred_on": (date.today() + timedelta(days=2)).isoformat(), "severity": "minor"},
              "occurred_on"),
             ({"kind": "arrest", "occurred_on": date.today().isoformat()}, "severity"),
             # a mistyped year, not a date anyone reports
             ({"kind": "arrest", "occurred_on": "1899-12-31", "severity": "minor"}, "occurred_on"),
             ({"kind": "arrest", "occurred_on": "0026-03-01", "severity": "minor"}, "occurred_on")]
    for body, field in cases:
        response = client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json=body)
        assert response.status_code == 422 and response.content_type == "application/problem+json"
        assert field in str(response.get_json()["errors"])
    assert client.post(f"/enrolments/{enrolment}/incidents", headers=who("psychologist"),
                       json=cases[0][0]).status_code == 403
    assert client.post(f"/enrolments/{enrolment}/incidents", headers=who("other_inspector"), json={
        "kind": "arrest", "occurred_on": date.today().isoformat(), "severity": "minor"}).status_code == 404
    assert client.get(f"/enrolments/{enrolment}/incidents", headers=who("inspector")).get_json()["total"] == 0


def answers(yes: int) -> dict[str, str]:
    import json
    from importlib.resources import files

    items = json.loads(files("risk").joinpath("defaults/instrument.json").read_text())["items"]
    return {item["id"]: ("yes" if n < yes else "no") for n, item in enumerate(items)}


def test_an_assessment_is_scored_banded_kept_and_a_high_band_flagged(client, who, enrol, risk_db):
    _, _, engine = risk_db
    enrolment = enrol()
    path = f"/enrolments/{enrolment}/assessments"
    first = client.post(path, headers=who("psychologist"), json={"answers": answers(5)})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["score"], body["band"], body["level"], body["instrument_id"]) == (5, "high", "high", "qadam-intake")
    assert body["next_due"] == (date.today() + timedelta(days=28)).isoformat()
    [flag] = client.get(f"/flags?enrolment_id={enrolment}", headers=who("inspector")).get_json()["items"]
    assert flag["rule_id"] == "intake.band_high" and "scored 5: band high" in flag["reasons"][0]
    review = client.post(path, headers=who("inspector"), json={"answers": answers(1), "kind": "review"})
    assert review.get_json()["band"] == "low"
    history = client.get(path, headers=who("manager")).get_json()
    assert [a["score"] for a in history["items"]] == [1, 5]  # newest first; the history stays
    # missing and unknown answers are named, nothing is stored
    partial = answers(2)
    partial.pop("prior_custody")
    refused = client.post(path, headers=who("psychologist"), json={"answers": partial})
    assert refused.status_code == 422 and "answers.prior_custody" in refused.get_json()["errors"]
    unknown = {k: "unknown" for k in answers(0)}
    refused = client.post(path, headers=who("psychologist"), json={"answers": unknown})
    assert refused.status_code == 422 and "unknown" in str(refused.get_json()["errors"])
    assert client.get(path, headers=who("psychologist")).get_json()["total"] == 2
    assert client.post(path, headers=who("other_psychologist"), json={"answers": answers(0)}).status_code == 404
    explained = client.get(f"/enrolments/{enrolment}/risk?lang=ru", headers=who("inspector")).get_json()
    assert explained["assessment"]["score"] == 1
    assert any("По учётам было насилие" in line for line in explained["read_aloud"])
    in_cyrillic = client.get(f"/enrolments/{enrolment}/risk?lang=kaa-Cyrl", headers=who("inspector")).get_json()
    assert any("Ҳүжжетлерге қарағанда, усы ордер берилген" in line for line in in_cyrillic["read_aloud"])


def test_her_support_worker_never_reads_his_assessment_answers_nor_who_assessed_him(client, who, enrol):
    enrolment = enrol(support_worker="sw-r")
    path = f"/enrolments/{enrolment}/assessments"
    scored = client.post(path, headers=who("psychologist"), json={"answers": answers(5)})
    assert scored.status_code == 201, scored.get_json()
    her = who("support_worker")
    assert client.get(path, headers=her).status_code == 403
    explained = client.get(f"/enrolments/{enrolment}/risk", headers=her)
    assert explained.status_code == 200
    body = explained.get_json()
    assert body["assessment"] is None and body["level"] == "high"  # his level she reads; his answers never
    text = json.dumps(body)
    assert "psy-r" not in text and "prior_custody" not in text and "answers" not in text
    staff = client.get(f"/enrolments/{enrolment}/risk", headers=who("inspector")).get_json()
    assert staff["assessment"]["score"] == 5  # his inspector still reads it whole


def test_a_region_loads_its_own_instrument_and_its_enrolments_are_scored_with_it(client, who, enrol, token):
    own = {"id": "xorazm-screen", "name": "Xorazm screen", "max_unknown": 0,
           "items": [{"id": "breach", "text": {"en": "Breached an order before."},
                      "answers": [{"value": "yes", "weight": 3}, {"value": "no", "weight": 0}]},
                     {"id": "fear", "text": {"en": "She fears him."},
                      "answers": [{"value": "yes", "weight": 2}, {"value": "no", "weight": 0}]}],
           "bands": [{"name": "lower", "min_score": 0, "level": "low"}, {"name": "higher", "min_score": 3,
                                                                         "level": "high"}]}
    other = bearer(token("mgr-b", "manager", region="Buxoro viloyati"))
    assert client.post("/instruments", headers=other, json={"region": "Xorazm viloyati",
                                                             "definition": own}).status_code == 403
    bad = client.post("/instruments", headers=who("manager"), json={"region": "Xorazm viloyati", "definition": {
        **own, "bands": [{"name": "x", "min_score": 1, "level": "low"}]}})
    assert bad.status_code == 422 and "bands" in str(bad.get_json()["errors"])
    loaded = client.post("/instruments", headers=who("manager"), json={"region": "Xorazm viloyati", "definition": own})
    assert loaded.status_code == 201 and loaded.get_json()["version"] == 1
    enrolment = enrol()
    scored = client.post(f"/enrolments/{enrolment}/assessments", headers=who("psychologist"),
                         json={"answers": {"breach": "yes", "fear": "no"}}).get_json()
    assert (scored["instrument_id"], scored["score"], scored["band"]) == ("xorazm-screen", 3, "higher")
    elsewhere = enrol(region="Buxoro viloyati", district="Buxoro")
    response = client.post(f"/enrolments/{elsewhere}/assessments", headers=bearer(token("adm", "administrator")),
                           json={"answers": {"breach": "yes", "fear": "no"}})
    assert response.status_code == 422 and "answers.prior_domestic_violence" in response.get_json()["errors"]


def test_a_flag_is_acknowledged_once_resolved_with_a_reason_and_the_level_falls(client, who, enrol, risk_db):
    _, _, engine = risk_db
    enrolment = enrol(support_worker="sw-r")
    client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "new_complaint", "occurred_on": date.today().isoformat(), "severity": "serious"})
    [flag] = client.get(f"/flags?enrolment_id={enrolment}", headers=who("psychologist")).get_json()["items"]
    path = f"/flags/{flag['id']}"
    assert client.post(f"{path}/acknowledge", headers=who("manager")).status_code == 403
    acked = client.post(f"{path}/acknowledge", headers=who("psychologist")).get_json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "psy-r"
    again = client.post(f"{path}/acknowledge", headers=who("inspector")).get_json()
    assert again["acknowledged_by"] == "psy-r" and again["acknowledged_at"] == acked["acknowledged_at"]
    no_reason = client.post(f"{path}/resolve", headers=who("inspector"), json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    assert client.post(f"{path}/resolve", headers=who("support_worker"), json={"reason": "x" * 5}).status_code == 403
    resolved = client.post(f"{path}/resolve", headers=who("inspector"),
                           json={"reason": "Complaint withdrawn; checked with the mahalla chair."}).get_json()
    assert resolved["status"] == "resolved" and resolved["resolution"].startswith("Complaint withdrawn")
    assert client.post(f"{path}/resolve", headers=who("inspector"), json={"reason": "again"}).status_code == 409
    # notify hears of both, once each, so the alerts stop escalating (the reason stays here)
    told = [(e["by"], "reason" in e) for e in outbox(engine, "risk.flag.acknowledged", enrolment)
            + outbox(engine, "risk.flag.resolved", enrolment)]
    assert told == [("psy-r", False), ("insp-r", False), ("insp-r", False)]  # her ack, his, his resolution
    assert client.post(f"{path}/acknowledge", headers=who("inspector")).status_code == 409
    moves = outbox(engine, "risk.level.changed", enrolment)
    assert [(m["from_level"], m["level"]) for m in moves] == [("low", "critical"), ("critical", "low")]
    assert moves[0]["victim_support_worker_id"] == "sw-r" and [m["version"] for m in moves] == [1, 2]
    explained = client.get(f"/enrolments/{enrolment}/risk", headers=who("inspector")).get_json()
    assert explained["level"] == "low" and explained["factors"] == []
    assert [(h["from_level"], h["level"]) for h in explained["history"]] == [("critical", "low"), ("low", "critical")]
    assert any("1 earlier flag was resolved" in line for line in explained["read_aloud"])


def test_rules_are_versioned_data_and_a_change_raises_only_what_is_new(client, who, risk_db, events_for, deliver,
                                                                      restore_rules):
    from qadam_testing import wait_until
    from risk import recompute

    settings, factory, engine = risk_db
    three_in_a_row, two_in_a_row = uuid.uuid4(), uuid.uuid4()
    for enrolment, statuses in ((three_in_a_row, ["unexcused"] * 3), (two_in_a_row, ["present", "unexcused", "unexcused"])):
        enrolled, marks = events_for(enrolment, statuses)
        deliver(settings, factory, [enrolled, *marks])
    rules = client.get("/rules", headers=who("psychologist")).get_json()
    current = rules["rules"]
    by_id = {r["id"]: r for r in current}
    assert by_id["consecutive_absences"]["params"]["threshold"] == 2
    # a changed rule keeps its id and takes a new version; a bad rule is named and nothing changes
    changed = [dict(r) for r in current]
    for r in changed:
        if r["id"] == "consecutive_absences":
            r["params"] = {**r["params"], "threshold": 3}
            r["level"] = "critical"
    stale = client.post("/rules", headers=who("administrator"), json={"rules": changed, "note": "three in a row"})
    assert stale.status_code == 422 and "consecutive_absences" in stale.get_json()["errors"]
    broken = [*changed, {"id": "x", "kind": "nonsense", "level": "high", "description": "?"}]
    response = client.post("/rules", headers=who("administrator"), json={"rules": broken, "note": "oops"})
    assert response.status_code == 422 and f"rules[{len(changed)}]" in response.get_json()["errors"]
    assert client.post("/rules", headers=who("manager"), json={"rules": changed, "note": "n"}).status_code == 403
    for r in changed:
        if r["id"] == "consecutive_absences":
            r["version"] = 2
    created = client.post("/rules", headers=who("administrator"),
                          json={"rules": changed, "note": "Three in a row is critical."})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["version"] == rules["version"] + 1
    job = created.get_json()["recompute_id"]
    # run it here, unless a running system's risk worker (same database) claimed it first
    while (claimed := recompute.claim(factory)) not in (None, uuid.UUID(job)):
        recompute.run(factory, settings, claimed)
    if claimed is not None:
        recompute.run(factory, settings, claimed)
    status = wait_until(lambda: (lambda b: b if b["status"] == "done" else None)(
        client.get(f"/recomputes/{job}", headers=who("manager")).get_json()), timeout=60, what="the recompute")
    assert status["evaluated"] >= 2
    with engine.connect() as c:
        fired = c.execute(sa.text("SELECT enrolment_id, rule_version, level FROM flag WHERE rule_id = "
                                  "'consecutive_absences' AND enrolment_id IN (:a, :b) ORDER BY rule_version"),
                          {"a": three_in_a_row, "b": two_in_a_row}).all()
    # the run of three was flagged under v1 already: the same facts are not raised again under v2
    # one flag each (the two rows have no order between them: compare them as a set, and count them)
    assert len(fired) == 2
    assert {(r.enrolment_id, r.rule_version) for r in fired} == {(three_in_a_row, 1), (two_in_a_row, 1)}
    again = recompute.run(factory, settings, _requested(factory))
    assert again["flags_raised"] == 0 and again["levels_changed"] == 0
    assert client.get(f"/rules/versions/{rules['version']}", headers=who("inspector")).get_json()["rules"] == current


def _requested(factory) -> uuid.UUID:
    from qadam.db import transaction
    from risk.recompute import request_recompute

    with transaction(factory) as s:
        return request_recompute(s, reason="requested", by="test", status="running").id


def test_an_alert_acknowledged_in_notify_acknowledges_its_flag_here_once(client, who, enrol, risk_db, deliver):
    from datetime import UTC, datetime

    from qadam.events import delivered
    from qadam_contracts.notify import AlertAcknowledged

    settings, factory, engine = risk_db
    enrolment = enrol()
    client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "arrest", "occurred_on": date.today().isoformat(), "severity": "minor"})
    [flag] = client.get(f"/flags?enrolment_id={enrolment}", headers=who("inspector")).get_json()["items"]

    def acknowledged(user: str) -> object:
        return delivered(AlertAcknowledged(
            notification_id=uuid.uuid4(), flag_id=flag["id"], enrolment_id=enrolment,
            participant_code=flag["participant_code"], user_id=user, responsibility="inspector",
            acknowledged_at=datetime.now(UTC), via="link"))

    deliver(settings, factory, [acknowledged("insp-r"), acknowledged("psy-r")])  # the second changes nothing
    seen = client.get(f"/flags/{flag['id']}", headers=who("inspector")).get_json()
    assert (seen["status"], seen["acknowledged_by"]) == ("acknowledged", "insp-r")
    assert outbox(engine, "risk.flag.acknowledged", enrolment) == []  # nothing echoes back to notify


def test_the_inspector_s_acknowledgement_after_the_psychologist_s_in_notify_reaches_notify(client, who, enrol,
                                                                                          risk_db, deliver):
    from datetime import UTC, datetime

    from qadam.events import delivered
    from qadam_contracts.notify import AlertAcknowledged

    settings, factory, engine = risk_db
    enrolment = enrol()
    client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "order_breach", "occurred_on": date.today().isoformat(), "severity": "serious"})
    [flag] = client.get(f"/flags?enrolment_id={enrolment}", headers=who("inspector")).get_json()["items"]
    first = datetime.now(UTC)
    # his psychologist acknowledged her alert in notify: the flag is hers, her own press here tells notify nothing new
    deliver(settings, factory, [delivered(AlertAcknowledged(
        notification_id=uuid.uuid4(), flag_id=flag["id"], enrolment_id=enrolment,
        participant_code=flag["participant_code"], user_id="psy-r", responsibility="psychologist",
        acknowledged_at=first, via="link"))])
    path = f"/flags/{flag['id']}/acknowledge"
    assert client.post(path, headers=who("psychologist")).status_code == 200
    assert outbox(engine, "risk.flag.acknowledged", enrolment) == []
    # his inspector acknowledges in risk: notify hears of it (his chain stops), the flag keeps her acknowledgement
    pressed = client.post(path, headers=who("inspector"))
    assert pressed.status_code == 200, pressed.get_json()
    seen = pressed.get_json()
    assert (seen["status"], seen["acknowledged_by"]) == ("acknowledged", "psy-r")
    [told] = outbox(engine, "risk.flag.acknowledged", enrolment)
    assert (told["flag_id"], told["by"]) == (flag["id"], "insp-r")
    assert client.post(path, headers=who("inspector")).status_code == 200  # again: nothing more goes out
    assert len(outbox(engine, "risk.flag.acknowledged", enrolment)) == 1
    with engine.connect() as c:
        people = c.execute(sa.text("SELECT user_id, via FROM flag_acknowledgement WHERE flag_id = :f "
                                   "ORDER BY acknowledged_at"), {"f": flag["id"]}).all()
    assert [tuple(p) for p in people] == [("psy-r", "notify"), ("insp-r", "risk")]


def test_a_second_person_s_acknowledgement_in_notify_is_kept_in_risk(client, who, enrol, risk_db, deliver):
    from datetime import UTC, datetime

    from qadam.events import delivered
    from qadam_contracts.notify import AlertAcknowledged

    settings, factory, engine = risk_db
    enrolment = enrol()
    client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "arrest", "occurred_on": date.today().isoformat(), "severity": "minor"})
    [flag] = client.get(f"/flags?enrolment_id={enrolment}", headers=who("inspector")).get_json()["items"]
    assert client.post(f"/flags/{flag['id']}/acknowledge", headers=who("psychologist")).status_code == 200
    late = delivered(AlertAcknowledged(
        notification_id=uuid.uuid4(), flag_id=flag["id"], enrolment_id=enrolment,
        participant_code=flag["participant_code"], user_id="insp-r", responsibility="inspector",
        acknowledged_at=datetime.now(UTC), via="api"))
    deliver(settings, factory, [late, late])
    # his own press in risk afterwards tells notify nothing it does not know
    assert client.post(f"/flags/{flag['id']}/acknowledge", headers=who("inspector")).status_code == 200
    assert [e["by"] for e in outbox(engine, "risk.flag.acknowledged", enrolment)] == ["psy-r"]
    with engine.connect() as c:
        people = c.execute(sa.text("SELECT user_id FROM flag_acknowledgement WHERE flag_id = :f "
                                   "ORDER BY acknowledged_at"), {"f": flag["id"]}).scalars().all()
    assert people == ["psy-r", "insp-r"]


def test_an_anonymised_participant_s_incident_details_are_cleared_and_the_figures_kept(client, who, enrol, risk_db,
                                                                                        deliver):
    """enrollment.participant.anonymised (retention): the sealed details of his incidents go, the incidents and
    their flags stay; another man's are untouched; delivered again, it changes nothing more."""
    from qadam.events import delivered
    from qadam_contracts.enrollment import ParticipantAnonymised

    settings, factory, engine = risk_db
    his, other = enrol(), enrol()
    for enrolment in (his, other):
        assert client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
            "kind": "order_breach", "occurred_on": date.today().isoformat(), "severity": "serious",
            "details": "Came to her sister's flat, Al-Xorazmiy 12."}).status_code == 201
    with engine.connect() as c:
        code = c.execute(sa.text("SELECT participant_code FROM enrolment_view WHERE enrolment_id = :e"),
                         {"e": his}).scalar_one()
    anonymised = delivered(ParticipantAnonymised(
        participant_code=code, enrolment_ids=[his], anonymised_at=datetime.now(UTC)))
    deliver(settings, factory, [anonymised, anonymised])  # and delivered again: nothing more changes
    [gone] = client.get(f"/enrolments/{his}/incidents", headers=who("inspector")).get_json()["items"]
    [kept] = client.get(f"/enrolments/{other}/incidents", headers=who("inspector")).get_json()["items"]
    assert gone["details"] is None and gone["kind"] == "order_breach" and gone["severity"] == "serious"
    assert kept["details"] == "Came to her sister's flat, Al-Xorazmiy 12."
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM flag WHERE enrolment_id = :e"), {"e": his}).scalar() >= 1


def test_her_support_worker_reads_no_session_number_or_absence_count_in_any_risk_answer(client, who, enrol, risk_db,
                                                                                        deliver, as_published):
    from datetime import UTC, datetime

    from qadam.events import delivered
    from qadam_contracts.enrollment import ExitProposed
    from qadam_contracts.sessions import AttendanceRecorded, CallOverdue, WarningSignObserved

    settings, factory, _ = risk_db
    enrolment = enrol(support_worker="sw-r", absence_alerts=AbsenceAlerts(unexcused=2, consecutive=2))
    code = client.get(f"/enrolments/{enrolment}/risk", headers=who("inspector")).get_json()["participant_code"]

    def event(kind: type, data: dict) -> object:
        return delivered(kind(**data))

    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    marks = [delivered(as_published(AttendanceRecorded(
        mark_id=uuid.uuid4(), session_id=uuid.uuid4(), cohort_id=uuid.uuid4(), enrolment_id=enrolment,
        participant_code=code, session_number=n, scheduled_at=start + timedelta(days=3 * n), status=s,
        excuse_reason=None, recorded_by="psy-r", recorded_at=datetime.now(UTC))))
        for n, s in enumerate(["present", "present", "unexcused", "unexcused", "unexcused"], 1)]
    sign = event(WarningSignObserved, {
        "observation_id": uuid.uuid4(), "session_id": uuid.uuid4(), "cohort_id": uuid.uuid4(),
        "enrolment_id": enrolment, "participant_code": code, "session_number": 7, "sign": "threat_to_kill",
        "observed_by": "psy-r", "observed_at": datetime.now(UTC)})
    overdue = event(CallOverdue, {
        "call_id": uuid.uuid4(), "enrolment_id": enrolment, "participant_code": code, "cohort_id": uuid.uuid4(),
        "session_id": uuid.uuid4(), "session_number": 4, "absence_on": date(2026, 10, 13),
        "due_at": datetime(2026, 10, 15, 9, tzinfo=UTC), "psychologist_id": "psy-r"})
    proposal = event(ExitProposed, {
        "enrolment_id": enrolment, "participant_code": code, "cohort_id": uuid.uuid4(), "region": "Xorazm viloyati",
        "district": "Urganch", "inspector_id": "insp-r", "psychologist_id": "psy-r",
        "reasons": ["3 unexcused absences in all."], "unexcused_absences": 3, "consecutive_absences": 3,
        "proposed_at": datetime.now(UTC)})
    deliver(settings, factory, [*marks, sign, overdue, proposal])
    staff = client.get(f"/flags?enrolment_id={enrolment}", headers=who("inspector")).get_json()["items"]
    assert {"consecutive_absences", "unexcused_absences", "sign.threat_to_kill", "call.overdue",
            "programme.exit_proposed"} <= {f["rule_id"] for f in staff}
    assert any("session" in r for f in staff for r in f["reasons"])  # his records, as staff read them
    # her own report: its answer carries the flags it raised (a cluster can join his absences to it)
    reported = client.post(f"/enrolments/{enrolment}/incidents", headers=who("support_worker"), json={
        "kind": "victim_fear", "occurred_on": date.today().isoformat(), "severity": "serious",
        "details": "He waits outside her work."})
    assert reported.status_code == 201, reported.get_json()
    her = who("support_worker")
    flags = client.get(f"/flags?enrolment_id={enrolment}&limit=100", headers=her)
    answers = [reported, flags, client.get(f"/enrolments/{enrolment}/risk", headers=her),
               client.get(f"/enrolments/{enrolment}/incidents", headers=her),
               *(client.get(f"/flags/{f['id']}", headers=her) for f in staff)]
    said = {r for f in staff for r in f["reasons"]}
    for answer in answers:
        assert answer.status_code in (200, 201), answer.request.path
        body = answer.get_json()
        if "attendance" in body:  # its keys stay (the portal reads them), every count empty
            assert set(body.pop("attendance").values()) == {None}
        text = json.dumps(body)
        for word in ("session", "unexcused", "in a row", "in all", "consecutive", "attended", "rule_id"):
            assert word not in text.lower(), (answer.request.path, word)
        assert not [r for r in said if r in text], answer.request.path
    # what she does hear: his level, each flag's level, its kind of concern, its date and state
    seen = {f["concern"]: f for f in flags.get_json()["items"]}
    assert {"absences", "warning_sign", "programme", "incident"} <= set(seen)
    assert seen["warning_sign"]["level"] == "critical" and seen["warning_sign"]["evidence"] == {}
    explained = client.get(f"/enrolments/{enrolment}/risk", headers=her).get_json()
    assert explained["level"] == "critical"
    assert any("Critical, about a warning sign, raised on" in line for line in explained["read_aloud"])
    # and reads it in her language (?lang=, as the portal asks): the same sentences, no English word left, and still
    # nothing of what staff read of his records, in her language either
    english_said = [*explained["read_aloud"], *(r for f in explained["factors"] for r in f["says"]),
                    *(h["said"] for h in explained["history"])]
    english_words = set(re.findall(r"[^\W\d_]+", " ".join(english_said).replace(code, " ").lower()))
    for language in ("uz-Latn", "uz-Cyrl", "ru", "kaa", "kaa-Cyrl"):
        w = words(DOMAIN, language)
        theirs = client.get(f"/enrolments/{enrolment}/risk?lang={language}", headers=her).get_json()
        assert (theirs["level"], len(theirs["read_aloud"])) == ("critical", len(explained["read_aloud"]))
        said = " ".join([*theirs["read_aloud"], *(r for f in theirs["factors"] for r in f["says"]),
                         *(h["said"] for h in theirs["history"])])
        assert theirs["history"] and len(theirs["factors"]) == len(explained["factors"])
        assert not english_words & set(re.findall(r"[^\W\d_]+", said.replace(code, " ").lower())), said
        about = ABOUT["warning_sign"]
        assert any(w.gettext(LEVEL_WORDS["critical"]).capitalize() in line
                   and w.pgettext(about.context, about.msgid) in line for line in theirs["read_aloud"]), said
        staff_said = client.get(f"/enrolments/{enrolment}/risk?lang={language}",
                                headers=who("inspector")).get_json()["factors"]
        assert not [r for f in staff_said for r in f["says"] if r.rstrip(".") in said], language
    # her own report stays hers in full
    [mine] = client.get(f"/enrolments/{enrolment}/incidents", headers=her).get_json()["items"]
    assert mine["kind"] == "victim_fear" and mine["details"] == "He waits outside her work."


# -- many enrolments' levels in one request ------------------------------------------------------------------------
def test_levels_of_many_enrolments_come_in_one_request_scoped_like_the_single_read(app_for, token, risk_db,
                                                                                    events_for, deliver):
    settings, factory, _ = risk_db
    absent_twice, attending = uuid.uuid4(), uuid.uuid4()
    for enrolment, marks in ((absent_twice, ["unexcused", "unexcused"]), (attending, ["present"])):
        enrolled, recorded = events_for(enrolment, marks)  # Urganch, insp-r / psy-r
        deliver(settings, factory, [enrolled, *recorded])
    never_heard_of = uuid.uuid4()
    client = app_for("risk").test_client()
    asked = f"/levels?enrolment_id={attending}&enrolment_id={never_heard_of}&enrolment_id={absent_twice}"

    def levels(t: str) -> list[dict]:
        response = client.get(asked, headers=bearer(t))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["items"]

    inspector = levels(token("insp-r", "inspector", **URGANCH))
    assert [row["enrolment_id"] for row in inspector] == [str(attending), str(absent_twice)]  # asked order; unknown absent
    by_id = {row["enrolment_id"]: row for row in inspector}
    single = client.get(f"/enrolments/{absent_twice}/risk", headers=bearer(token("insp-r", "inspector", **URGANCH)))
    assert by_id[str(absent_twice)]["level"] == single.get_json()["level"] != "low"
    assert by_id[str(absent_twice)]["unresolved_flags"] == len(single.get_json()["factors"]) >= 1
    assert by_id[str(attending)] | {"since": None} == {
        "enrolment_id": str(attending), "participant_code": by_id[str(attending)]["participant_code"],
        "status": "active", "level": "low", "since": None, "unresolved_flags": 0}
    # scoped exactly like the single read: another district's inspector and another psychologist see none of them,
    # and learn nothing of their existence (a 200 with nothing, as for ids that do not exist)
    assert levels(token("insp-elsewhere", "inspector", region="Xorazm viloyati", district="Xiva")) == []
    assert levels(token("psy-other", "psychologist", **URGANCH)) == []
    assert client.get(f"/enrolments/{absent_twice}/risk", headers=bearer(
        token("psy-other", "psychologist", **URGANCH))).status_code == 404
    assert len(levels(token("mgr-x", "manager", region="Xorazm viloyati"))) == 2
    assert len(levels(token("psy-r", "psychologist", **URGANCH))) == 2


def test_a_batch_of_levels_is_capped_at_a_hundred_enrolments(app_for, token):
    client = app_for("risk").test_client()
    inspector = bearer(token("insp-r", "inspector", **URGANCH))
    many = "&".join(f"enrolment_id={uuid.uuid4()}" for _ in range(101))
    refused = client.get(f"/levels?{many}", headers=inspector)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert "enrolment_id" in json.dumps(refused.get_json()["errors"])  # the field named, under the query's
    hundred = "&".join(f"enrolment_id={uuid.uuid4()}" for _ in range(100))
    assert client.get(f"/levels?{hundred}", headers=inspector).get_json() == {"items": []}
    assert client.get("/levels", headers=inspector).status_code == 422  # at least one


def tashkent_today() -> date:
    """The day in Tashkent, the services' time zone: after 19:00 UTC it is already tomorrow there."""
    return datetime.now(ZoneInfo("Asia/Tashkent")).date()


def test_her_support_worker_reads_and_reports_on_the_men_whose_partners_she_supports_and_on_no_other(client, who, enrol):
    hers = enrol(support_worker="sw-r")
    another_workers = enrol(support_worker="sw-someone-else")  # her district's, another worker's
    nobodys = enrol()  # her district's, no support worker linked
    her = who("support_worker")
    levels = client.get(f"/levels?enrolment_id={hers}&enrolment_id={another_workers}&enrolment_id={nobodys}",
                        headers=her).get_json()["items"]
    assert [level["enrolment_id"] for level in levels] == [str(hers)]
    assert client.get(f"/enrolments/{hers}/risk", headers=her).status_code == 200
    for other in (another_workers, nobodys):
        for path in (f"/enrolments/{other}/risk", f"/enrolments/{other}/incidents"):
            assert client.get(path, headers=her).status_code == 404, path
        assert client.post(f"/enrolments/{other}/incidents", headers=her, json={
            "kind": "victim_fear", "occurred_on": date.today().isoformat(), "severity": "serious"}).status_code == 404
        assert client.get(f"/flags?enrolment_id={other}", headers=her).get_json()["total"] == 0


def test_incidents_and_assessments_go_out_as_facts_and_her_reports_stay_on_her_side(client, who, enrol, risk_db):
    _, _, engine = risk_db
    enrolment = enrol(support_worker="sw-r")
    day = (tashkent_today() - timedelta(days=2)).isoformat()
    breach = client.post(f"/enrolments/{enrolment}/incidents", headers=who("inspector"), json={
        "kind": "order_breach", "occurred_on": day, "severity": "serious", "details": "At her door at night."})
    assert breach.status_code == 201
    hers = client.post(f"/enrolments/{enrolment}/incidents", headers=who("support_worker"), json={
        "kind": "new_complaint", "occurred_on": day, "severity": "severe", "details": "She called the police."})
    assert hers.status_code == 201
    [told] = outbox(engine, "risk.incident.recorded", enrolment)  # the inspector's alone
    assert told == {"incident_id": breach.get_json()["id"], "enrolment_id": str(enrolment),
                    "participant_code": told["participant_code"], "kind": "order_breach", "occurred_on": day,
                    "region": "Xorazm viloyati", "district": "Urganch"}
    # the national instrument by name: another test of this module gives the region one of its own
    response = client.post(f"/enrolments/{enrolment}/assessments", headers=who("psychologist"),
                           json={"answers": answers(5), "instrument_id": "qadam-intake"})
    assert response.status_code == 201, response.get_json()
    assessed = response.get_json()
    [scored] = outbox(engine, "risk.assessment.recorded", enrolment)
    assert (scored["assessment_id"], scored["kind"], scored["level"], scored["band"]) == (
        assessed["id"], "intake", "high", "high")
    assert "answers" not in scored and "score" not in scored
