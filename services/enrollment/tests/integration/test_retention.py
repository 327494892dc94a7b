"""Retention (enrollment.retention) on a freshly migrated enrollment database seeded with plain SQL.

Participants whose cases ended longer ago than the period are anonymised, in batches, once; those whose cases
ended recently, are still open, or have an order still running are untouched; the completion report gives the
same figures before and after; the anonymised can no longer be found by name or PINFL.
"""

from __future__ import annotations

import random
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from enrollment.app import create_app
from enrollment.domain import name_key
from enrollment.reports import GROUP_BY, completion_report
from enrollment.retention import anonymise_expired, cutoff_for
from qadam.audit import verify_chain
from qadam.db import make_engine, make_session_factory
from qadam_testing import Stack, bearer

REGION, DISTRICTS = "Qoraqalpogʻiston Respublikasi", ("Nukus", "Xoʻjayli", "Amudaryo")
TODAY = date(2026, 12, 1)
RETENTION_DAYS = 1826
CUTOFF = cutoff_for(TODAY, RETENTION_DAYS)  # 2021-12-01
PERIOD = {"from": "2019-01-01", "to": "2020-12-31"}
SESSIONS = 8
OLD_END = date(2020, 9, 1)  # well before the cut-off
RECENT_END = CUTOFF + timedelta(days=30)  # after it


def _person(n: int, kind: str) -> dict[str, Any]:
    # every script a name is spelt in: Latin with ʻ and ʼ, Cyrillic
    name = f"Qodirov Oʻtkir Maʼruf{n:03d}ovich" if n % 2 else f"Кодиров Уткир Маруф{n:03d}ович"
    return {"id": uuid.uuid4(), "code": f"P-2020-{n:06d}", "name": name, "key": name_key(name),
            "birth": date(1970 + n % 20, 1 + n % 12, 1 + n % 28), "pinfl": f"3{n:013d}", "phone": f"+99890{n:07d}",
            "district": DISTRICTS[n % 3], "kind": kind}


# (kind, status, exit reason, ended on, follow-up until, an order still active)
PLAN = [
    *[("old", "closed", None, OLD_END, OLD_END + timedelta(days=90), False)] * 12,
    *[("old", "completed", None, OLD_END, OLD_END + timedelta(days=90), False)] * 3,  # closing never ran
    *[("old", "exited", reason, OLD_END, None, False) for reason in ("non_compliance", "new_violence", "withdrawn",
                                                                     "transferred", "custody", "moved_away", "died")],
    *[("old", "exited", "non_compliance", OLD_END, None, False)] * 5,
    *[("old", "excluded", None, OLD_END, None, False)] * 3,
    *[("recent", "closed", None, CUTOFF - timedelta(days=60), RECENT_END, False)] * 4,  # follow-up ended lately
    *[("recent", "exited", "non_compliance", RECENT_END, None, False)] * 4,
    *[("active", "active", None, None, None, False)] * 4,
    *[("active", "suspended", None, None, None, False)] * 2,
    *[("order", "exited", "non_compliance", OLD_END, None, True)] * 2,  # a new order is running
]


def seed(url: str) -> list[dict[str, Any]]:
    """The plan above plus one man with an old and a recent enrolment; each person with an order, most with a
    transition note; the people as seeded (their `kind` says what retention must do to them)."""
    rng = random.Random(9)
    programme, cohorts = uuid.uuid4(), {d: uuid.uuid4() for d in DISTRICTS}
    later_cohort = uuid.uuid4()
    people, enrolments, orders, notes, marks = [], [], [], [], []

    def enrol(person: dict[str, Any], cohort: uuid.UUID, status: str, reason: str | None, ended: date | None,
              follow_up: date | None, started: date) -> None:
        enrolment = uuid.uuid4()
        began = status != "excluded"
        came = rng.randint(0, SESSIONS) if began else 0
        statuses = ["present"] * came + ["unexcused"] * (2 if status == "exited" else 0)
        for i, mark in enumerate(statuses, start=1):
            at = datetime(started.year, started.month, started.day, 9, tzinfo=UTC) + timedelta(days=7 * (i - 1))
            marks.append({"enrolment_id": enrolment, "session_id": uuid.uuid4(), "number": i, "at": at, "status": mark})
        enrolments.append({
            "id": enrolment, "participant_id": person["id"], "cohort_id": cohort, "programme_id": programme,
            "psychologist": f"psy-{person['district']}", "district": person["district"], "status": status,
            "reason": reason, "enrolled_at": datetime(started.year, started.month, started.day, 10, tzinfo=UTC),
            "started_on": started if began else None, "finished_on": ended, "follow_up_until": follow_up,
            "recorded": len(statuses), "attended": came, "unexcused": len(statuses) - came,
            "last_session": len(statuses) or None, "last_attended": came or None})
        notes.append({"enrolment_id": enrolment, "note": f"Spoke with {person['name']} at home, tel {person['phone']}"})

    for n, (kind, status, reason, ended, follow_up, order_running) in enumerate(PLAN, start=1):
        person = _person(n, kind)
        people.append(person)
        started = date(2019, 3, 1) + timedelta(days=rng.randrange(500))
        enrol(person, cohorts[person["district"]], status, reason, ended, follow_up, started)
        issued = started - timedelta(days=10)
        orders.append({"id": uuid.uuid4(), "number": f"HO-{n:05d}", "participant_id": person["id"],
                       "district": person["district"], "issued_on": issued, "expires_on": issued + timedelta(days=60),
                       "status": "expired", "conditions": '["No contact with the victim at Amir Temur 5, Nukus"]'})
        if order_running:
            orders.append({"id": uuid.uuid4(), "number": f"HO-{n:05d}-2", "participant_id": person["id"],
                           "district": person["district"], "issued_on": TODAY - timedelta(days=5),
                           "expires_on": TODAY + timedelta(days=25), "status": "active", "conditions": "[]"})
    twice = _person(len(PLAN) + 1, "recent")  # an old case, then a new one that ended recently
    people.append(twice)
    enrol(twice, cohorts[twice["district"]], "closed", None, OLD_END, OLD_END + timedelta(days=90), date(2019, 6, 3))
    enrol(twice, later_cohort, "exited", "withdrawn", RECENT_END, None, date(2021, 9, 6))

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO programme (id, lineage_id, version, name, sessions_required, max_unexcused_absences, created_by) "
            f"VALUES (:id, :id, 1, 'Retention statutory', {SESSIONS}, 2, 'test')"), {"id": programme})
        conn.execute(sa.text(
            "INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, status, created_by) "
            "VALUES (:id, :programme, :name, :region, :district, :facilitators, DATE '2019-03-01', 'running', 'test')"),
            [{"id": cid, "programme": programme, "name": f"{d} A", "region": REGION, "district": d,
              "facilitators": [f"psy-{d}"]} for d, cid in [*cohorts.items(), ("Nukus", later_cohort)]])
        conn.execute(sa.text(
            "INSERT INTO participant (id, code, full_name, name_key, birth_date, sex, pinfl, phone, region, district, "
            "mahalla, preferred_language, created_by) VALUES (:id, :code, :name, :key, :birth, 'male', :pinfl, :phone, "
            ":region, :district, 'Oqtepa', 'kaa', 'test')"), [{**p, "region": REGION} for p in people])
        conn.execute(sa.text(
            "INSERT INTO protection_order (id, number, participant_id, issued_by, region, district, issued_on, "
            "expires_on, status, conditions) VALUES (:id, :number, :participant_id, 'insp-1', :region, :district, "
            ":issued_on, :expires_on, :status, CAST(:conditions AS jsonb))"), [{**o, "region": REGION} for o in orders])
        conn.execute(sa.text(
            "INSERT INTO order_extension (id, order_id, previous_expiry, new_expiry, decided_by, reason, recorded_by) "
            "VALUES (:id, :order_id, :previous, :new, 'Nukus district court, case 2-1234/2020', "
            "'The victim, Aygul, asked for it', 'insp-1')"),
            [{"id": uuid.uuid4(), "order_id": o["id"], "previous": o["expires_on"],
              "new": o["expires_on"] + timedelta(days=30)} for o in orders[:10]])
        conn.execute(sa.text(
            "INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, referral_source, inspector_id, "
            "psychologist_id, region, district, status, status_reason, enrolled_at, started_on, finished_on, "
            "follow_up_until, sessions_recorded, sessions_attended, excused_absences, unexcused_absences, "
            "last_session_number, last_attended_number, created_by) VALUES (:id, :participant_id, :cohort_id, "
            ":programme_id, 'protection_order', 'insp-1', :psychologist, :region, :district, :status, :reason, "
            ":enrolled_at, :started_on, :finished_on, :follow_up_until, :recorded, :attended, 0, :unexcused, "
            ":last_session, :last_attended, 'test')"), [{**e, "region": REGION} for e in enrolments])
        conn.execute(sa.text(
            "INSERT INTO enrolment_transition (enrolment_id, action, from_status, to_status, note, by) "
            "VALUES (:enrolment_id, 'exit', 'active', 'exited', :note, 'psy-1')"), notes)
        conn.execute(sa.text(
            "INSERT INTO attendance_record (enrolment_id, session_id, session_number, session_kind, scheduled_at, "
            "status, recorded_at) VALUES (:enrolment_id, :session_id, :number, 'group', :at, :status, :at)"), marks)
    engine.dispose()
    return people


@pytest.fixture(scope="module")
def seeded(servers, jwt_keys):
    stack = Stack(f"qadam_ret{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("enrollment",)).open()
    try:
        yield stack, seed(stack.database_url("enrollment"))
    finally:
        stack.close()


def snapshot(url: str) -> dict[str, Any]:
    """Every row of the tables retention touches, by id."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {table: {str(row["id"]): dict(row) for row in conn.execute(sa.text(f"SELECT * FROM {table}")).mappings()}
                    for table in ("participant", "protection_order", "order_extension", "enrolment",
                                  "enrolment_transition")} | {
                "attendance": sorted(tuple(r) for r in conn.execute(sa.text("SELECT * FROM attendance_record")))}
    finally:
        engine.dispose()


def reports(url: str, client: Any, admin: str) -> dict[str, Any]:
    """The completion report by every grouping: unsuppressed (min_cell 1) from the function, and over HTTP."""
    engine = sa.create_engine(url)
    out: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            for group_by in GROUP_BY:
                out[f"raw {group_by}"] = completion_report(
                    conn, group_by=group_by, region=None, date_from=date(2019, 1, 1), date_to=date(2021, 12, 31),
                    min_cell=1)
    finally:
        engine.dispose()
    for group_by in GROUP_BY:
        response = client.get("/reports/completion", headers=bearer(admin), query_string={**PERIOD, "group_by": group_by})
        assert response.status_code == 200, response.get_data(as_text=True)
        out[f"http {group_by}"] = response.get_json()
    return out


def search(client: Any, inspector: str, q: str) -> list[str]:
    response = client.get("/participants", headers=bearer(inspector), query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [p["code"] for p in response.get_json()["items"]]


def test_retention_anonymises_only_cases_ended_before_the_period_and_keeps_the_report(seeded, token):
    stack, people = seeded
    url = stack.database_url("enrollment")
    client = create_app(stack.base_settings("enrollment")).test_client()
    admin = inspector = token("admin-1", "administrator")  # the whole country: every search finds all there is
    old = [p for p in people if p["kind"] == "old"]
    kept = [p for p in people if p["kind"] != "old"]
    assert old and kept
    for p in people[:6]:  # findable by name (another script's spelling too) and by PINFL before
        assert p["code"] in search(client, inspector, p["name"])
        assert p["code"] in search(client, inspector, p["pinfl"])
    figures_before, before = reports(url, client, admin), snapshot(url)

    engine = make_engine(url, pool_size=1)
    try:
        factory = make_session_factory(engine)
        first = anonymise_expired(factory, cutoff=CUTOFF, batch_size=7)  # batches smaller than the population
        middle = snapshot(url)
        second = anonymise_expired(factory, cutoff=CUTOFF, batch_size=7)
        with engine.connect() as conn:
            checked, breaks = verify_chain(conn)
            audit_rows = conn.execute(sa.text(
                "SELECT record FROM audit_log WHERE route = 'retention:anonymise' ORDER BY id")).scalars().all()
            events = conn.execute(sa.text("SELECT envelope FROM outbox WHERE routing_key = "
                                          "'enrollment.participant.anonymised'")).scalars().all()
    finally:
        engine.dispose()

    # the old ones, and nobody else, in batches of 7; the second run finds nothing and changes nothing
    assert (first.participants, first.enrolments, first.batches) == (len(old), len(old), -(-len(old) // 7))
    assert (second.participants, second.batches) == (0, 0)
    assert snapshot(url) == middle
    # each batch is in the audit log, the chain intact
    assert not breaks and checked > len(audit_rows) == first.batches  # the searches above are in it too
    assert sorted(i for r in audit_rows for i in r["participant_ids"]) == sorted(str(p["id"]) for p in old)

    # one event each, for sessions and risk, with his enrolments; none from the second run
    enrolments_of = {str(p["id"]): sorted(i for i, e in before["enrolment"].items() if str(e["participant_id"]) == str(p["id"]))
                     for p in old}
    assert sorted((e["data"]["participant_code"], sorted(e["data"]["enrolment_ids"])) for e in events) == \
           sorted((p["code"], enrolments_of[str(p["id"])]) for p in old)

    after = middle
    for p in old:
        row, was = after["participant"][str(p["id"])], before["participant"][str(p["id"])]
        assert (row["full_name"], row["name_key"], row["pinfl"], row["phone"], row["mahalla"]) == ("", "", None, None, None)
        assert row["birth_date"] == date(p["birth"].year, 1, 1) and row["anonymised_at"] is not None
        assert {k: row[k] for k in ("code", "sex", "region", "district", "preferred_language", "created_at")} == \
               {k: was[k] for k in ("code", "sex", "region", "district", "preferred_language", "created_at")}
        assert p["code"] in search(client, inspector, p["code"])  # the pseudonymous code stays
        assert p["code"] not in search(client, inspector, p["name"])
        assert p["code"] not in search(client, inspector, p["name"].split()[1])
        assert search(client, inspector, p["pinfl"]) == []
    for p in kept:
        assert after["participant"][str(p["id"])] == before["participant"][str(p["id"])]
        assert search(client, inspector, p["pinfl"]) == [p["code"]]
        assert p["code"] in search(client, inspector, p["name"])
    old_ids = {p["id"] for p in old}
    for order_id, order in after["protection_order"].items():
        if order["participant_id"] in old_ids:
            assert order["number"] == f"anon-{order_id}" and order["conditions"] == []
        else:
            assert order == before["protection_order"][order_id]
    old_orders = {uuid.UUID(i) for i, o in after["protection_order"].items() if o["participant_id"] in old_ids}
    for extension_id, extension in after["order_extension"].items():
        if extension["order_id"] in old_orders:
            assert "court" not in extension["decided_by"] and "Aygul" not in extension["reason"]
        else:
            assert extension == before["order_extension"][extension_id]
    old_enrolments = {uuid.UUID(i) for i, e in after["enrolment"].items() if e["participant_id"] in old_ids}
    for transition_id, transition in after["enrolment_transition"].items():
        expected = dict(before["enrolment_transition"][transition_id])
        if transition["enrolment_id"] in old_enrolments:
            expected["note"] = None
        assert transition == expected
    # every figure a report reads is untouched
    assert after["enrolment"] == before["enrolment"] and after["attendance"] == before["attendance"]
    assert reports(url, client, admin) == figures_before


def run_command(env: dict[str, str], days: int, *more: str) -> dict[str, Any]:
    """`python -m enrollment.retention --today TODAY [more]` with QADAM_RETENTION_DAYS=days, as the CronJob runs it;
    the log line that says what it did (`retention_due` for a dry run, `retention_done` otherwise)."""
    import json

    done = subprocess.run([sys.executable, "-m", "enrollment.retention", "--today", TODAY.isoformat(), *more],
                          env={**env, "QADAM_RETENTION_DAYS": str(days)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (done.stdout + done.stderr).splitlines() if line.startswith("{")]
    said = [line for line in lines if line.get("event") in ("retention_due", "retention_done")]
    assert len(said) == 1, done.stdout + done.stderr
    assert said[0]["event"] == ("retention_due" if "--dry-run" in more else "retention_done")
    assert said[0]["cutoff"] == cutoff_for(TODAY, days).isoformat()  # the period it was given, not the default
    return dict(said[0])


def anonymised_ids(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return {str(i) for i in conn.execute(sa.text(
                "SELECT id FROM participant WHERE anonymised_at IS NOT NULL")).scalars()}
    finally:
        engine.dispose()


def test_the_command_runs_from_cron_and_logs_what_it_did(isolated_stack):
    """`python -m enrollment.retention`, as the CronJob runs it, on a database of its own with men due and men not
    due: a dry run counts exactly the men due and changes nothing; a run anonymises exactly them, in batches, saying
    so in the log; run again, it finds nobody; QADAM_RETENTION_DAYS decides who is due."""
    stack = isolated_stack("enrollment")
    url = stack.database_url("enrollment")
    people = seed(url)
    old = {str(p["id"]) for p in people if p["kind"] == "old"}  # ended before the 5-year cut-off
    recent = {str(p["id"]) for p in people if p["kind"] == "recent"}  # ended after it, before a 4-year one
    never = {str(p["id"]) for p in people if p["kind"] in ("active", "order")}  # still open, or an order running
    assert old and recent and never and len(old | recent | never) == len(people)
    env = stack.environment("enrollment", retention_batch_size=7)
    longer = (TODAY - date(2020, 8, 1)).days  # cut-off before every case ended: nobody is due yet
    shorter = (TODAY - (RECENT_END + timedelta(days=1))).days  # cut-off after the recent cases ended too
    before = snapshot(url)

    # dry runs: the count for each period, and nothing changed
    assert run_command(env, RETENTION_DAYS, "--dry-run")["participants"] == len(old)
    assert run_command(env, longer, "--dry-run")["participants"] == 0
    assert run_command(env, shorter, "--dry-run")["participants"] == len(old) + len(recent)
    assert snapshot(url) == before and anonymised_ids(url) == set()

    # the run: exactly the men due, in batches of 7; again, nobody
    first = run_command(env, RETENTION_DAYS)
    assert (first["participants"], first["batches"], first["retention_days"]) == (len(old), -(-len(old) // 7),
                                                                                 RETENTION_DAYS)
    assert first["enrolments"] == len(old)  # one enrolment each
    assert anonymised_ids(url) == old
    middle = snapshot(url)
    second = run_command(env, RETENTION_DAYS)
    assert (second["participants"], second["enrolments"], second["batches"]) == (0, 0, 0)
    assert snapshot(url) == middle
    assert run_command(env, RETENTION_DAYS, "--dry-run")["participants"] == 0

    # a longer period finds nobody more; a shorter one, the recent cases too, and never the open ones
    assert run_command(env, longer)["participants"] == 0
    assert anonymised_ids(url) == old
    third = run_command(env, shorter)
    assert (third["participants"], third["retention_days"]) == (len(recent), shorter)
    assert third["enrolments"] == len(recent) + 1  # the man with an old and a recent case: both enrolments
    assert anonymised_ids(url) == old | recent
    assert not anonymised_ids(url) & never
