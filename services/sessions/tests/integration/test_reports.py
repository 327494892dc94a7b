"""Programme fidelity and facilitators' workload on the real database: groups seeded with sessions held early, late
and on time, one or two facilitators, attendance entered at known times and modules as planned or not; every figure
is the count made by hand below, a manager sees his own region alone, and nothing names a man."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from qadam_testing import bearer, seed_sessions_cohort
from qadam_words.vocabulary import programme_text
from sessions.app import create_app

TASHKENT = ZoneInfo("Asia/Tashkent")  # the settings' default time zone: the days of the period are its days
PERIOD = {"from": "2026-10-01", "to": "2026-11-30"}


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """A local moment in Tashkent on `day` (YYYY-MM-DD)."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TASHKENT)


def add_session(c, cohort, number, *, planned, held=None, entered=None, by="psy-a1", module=None, co=(),
                status="held", kind="group", enrolment=None, marks=()):
    """A session as sessions keeps it once held: planned for `planned`, held at `held` (default: as planned), its
    attendance entered at `entered` by `by`, its delivery (module, co-facilitators) if recorded, and its marks."""
    sid = uuid.uuid4()
    held_at = (held or planned) if status == "held" else None
    c.execute(sa.text(
        "INSERT INTO group_session (id, cohort_id, number, scheduled_at, planned_at, status, module_delivered, "
        "co_facilitators, created_by, held_at, attendance_entered_at, attendance_entered_by, kind, enrolment_id) "
        "VALUES (:id, :cohort, :number, :scheduled, :planned, :status, :module, :co, 'mgr', :held, :entered, :by, "
        ":kind, :enrolment)"),
        {"id": sid, "cohort": cohort, "number": number, "scheduled": held or planned, "planned": planned,
         "status": status, "module": module, "co": list(co), "held": held_at,
         "entered": entered if status == "held" else None, "by": by if status == "held" else None, "kind": kind,
         "enrolment": enrolment})
    for enrolment_id, mark in marks:
        c.execute(sa.text("INSERT INTO attendance_mark (id, session_id, enrolment_id, status, recorded_by, recorded_at) "
                          "VALUES (:id, :s, :e, :status, :by, :at)"),
                  {"id": uuid.uuid4(), "s": sid, "e": enrolment_id, "status": mark, "by": by, "at": entered})
    return sid


@pytest.fixture(scope="module")
def seeded(stack):
    """Two groups of a region of their own (so no other test's sessions count), and one of another region.

    Group A (Urgut, 90-minute sessions, psychologists a1 and a2; session 6 entered by x, who has left the group):
      1 Oct 5, on time, "Responsibility for violence" as planned (English), co-facilitated, entered 47 h after its end
      2 planned Oct 7, held Oct 9 (late), the region's own topic as planned (other case and spacing), alone,
        entered 49 h after its end
      3 planned Oct 10, held Oct 9 (early), the planned shipped module in Russian, two co-facilitators, entered 30 min
        after its start
      4 Nov 2, on time, delivery not recorded, entered exactly 48 h after its end
      5 Nov 4, on time, a module where the curriculum plans none, alone, entered 100 h after its start
      6 Nov 6, on time, another module than planned, alone, entered 1 h after its start, by x
      and, not counted: a one-to-one session (Nov 10, a2: workload only), a cancelled and a scheduled session, one
      held on Sep 20 (before the period).
    Group B (Urgut too, session length not yet known to sessions, no curriculum, psychologist b):
      1 Oct 6, on time, co-facilitated, entered 47 h after its start
      2 Oct 8, on time, delivery not recorded, entered 49 h after its start (late: its end is its start)
    Group C, another region: one session held on time in the period."""
    region, other = f"Fidelity region {uuid.uuid4().hex[:6]}", f"Other region {uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(stack.database_url("sessions"))
    a, b, c_ = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    e1, e2, e3, e4, f1, f2, g1 = (uuid.uuid4() for _ in range(7))
    psy_a1, psy_a2, psy_x, psy_b = (f"psy-{n}-{uuid.uuid4().hex[:4]}" for n in ("a1", "a2", "x", "b"))
    curriculum = [{"number": 1, "topic": "Responsibility for violence"}, {"number": 2, "topic": "Our region's own topic"},
                  {"number": 3, "topic": "Power and control in the family"}, {"number": 4, "topic": "Listening"},
                  {"number": 6, "topic": "Alcohol, drugs and violence"}]
    end = timedelta(minutes=90)
    with engine.begin() as c:
        seed_sessions_cohort(c, cohort_id=a, region=region, district="Urgut", facilitator_ids=[psy_a1, psy_a2],
                             roster={e: f"P-2026-{800000 + i:06d}" for i, e in enumerate((e1, e2, e3, e4))})
        seed_sessions_cohort(c, cohort_id=b, region=region, district="Urgut", facilitator_ids=[psy_b],
                             roster={f1: "P-2026-800011", f2: "P-2026-800012"})
        seed_sessions_cohort(c, cohort_id=c_, region=other, district="Urgut", facilitator_ids=["psy-c"],
                             roster={g1: "P-2026-800021"})
        c.execute(sa.text("UPDATE cohort_view SET curriculum = CAST(:curriculum AS jsonb), session_minutes = 90 "
                          "WHERE cohort_id = :a"), {"curriculum": json.dumps(curriculum), "a": a})
        c.execute(sa.text("UPDATE cohort_view SET start_date = CAST(:day AS date) WHERE cohort_id = :id"),
                  [{"day": "2026-09-01", "id": a}, {"day": "2026-09-15", "id": b}])  # both of the third quarter
        add_session(c, a, 1, planned=at("2026-10-05"), entered=at("2026-10-05") + end + timedelta(hours=47),
                    module="Responsibility for violence", co=["Dilnoza"],
                    marks=[(e1, "present"), (e2, "late"), (e3, "unexcused")], by=psy_a1)
        add_session(c, a, 2, planned=at("2026-10-07"), held=at("2026-10-09"),
                    entered=at("2026-10-09") + end + timedelta(hours=49), module="  our REGION's   own topic ",
                    marks=[(e1, "present"), (e4, "excused")], by=psy_a1)
        add_session(c, a, 3, planned=at("2026-10-10"), held=at("2026-10-09", 14),
                    entered=at("2026-10-09", 14, 30), module=programme_text("Power and control in the family", "ru"),
                    co=["Dilnoza", "Aziza"], marks=[(e3, "present")], by=psy_a1)
        add_session(c, a, 4, planned=at("2026-11-02"), entered=at("2026-11-02") + end + timedelta(hours=48),
                    marks=[(e1, "present")], by=psy_a1)
        add_session(c, a, 5, planned=at("2026-11-04"), entered=at("2026-11-04") + timedelta(hours=100),
                    module="Something else", marks=[(e2, "unexcused")], by=psy_a1)
        add_session(c, a, 6, planned=at("2026-11-06"), entered=at("2026-11-06", 11), module="Anger and stress",
                    marks=[(e2, "present"), (e4, "present")], by=psy_x)
        add_session(c, a, 1, planned=at("2026-11-10"), entered=at("2026-11-10", 11), kind="individual", enrolment=e3,
                    marks=[(e3, "present")], by=psy_a2)
        add_session(c, a, 7, planned=at("2026-11-12"), status="cancelled")
        add_session(c, a, 8, planned=at("2026-11-20"), status="scheduled")
        add_session(c, a, 9, planned=at("2026-09-20"), entered=at("2026-09-20", 11), module="Listening",
                    marks=[(e1, "present")], by=psy_a1)
        add_session(c, b, 1, planned=at("2026-10-06"), entered=at("2026-10-06") + timedelta(hours=47), module="Intro",
                    co=["Bekzod"], marks=[(f1, "present"), (f2, "present")], by=psy_b)
        add_session(c, b, 2, planned=at("2026-10-08"), entered=at("2026-10-08") + timedelta(hours=49),
                    marks=[(f1, "unexcused")], by=psy_b)
        add_session(c, c_, 1, planned=at("2026-10-05"), entered=at("2026-10-05", 12), marks=[(g1, "present")],
                    by="psy-c")
    yield {"region": region, "other": other, "a": str(a), "b": str(b), "c": str(c_), "psy_a1": psy_a1,
           "psy_a2": psy_a2, "psy_x": psy_x, "psy_b": psy_b}
    engine.dispose()


def manager_of(token, region):
    return bearer(token("mgr-" + region[-6:], "manager", region=region))


def fidelity(client, headers, period=PERIOD, **query):
    r = client.get("/reports/fidelity", headers=headers, query_string={**period, **query})
    assert r.status_code == 200, r.get_data(as_text=True)
    report = r.get_json()
    return report, {row["cohort_id"]: row for row in report["groups"]}


def figures(row):
    return {k: row[k] for k in ("sessions_held", "held_on_time", "held_early", "held_late", "fidelity_recorded",
                                "modules_checked", "modules_as_planned", "co_facilitated", "recorded_in_time")}


def test_every_fidelity_figure_of_each_group_is_the_hand_count(app_for, token, seeded):
    report, groups = fidelity(app_for("sessions").test_client(), manager_of(token, seeded["region"]))
    assert set(groups) == {seeded["a"], seeded["b"]}  # not the other region's group
    assert figures(groups[seeded["a"]]) == {
        "sessions_held": 6, "held_on_time": 4, "held_early": 1, "held_late": 1, "fidelity_recorded": 5,
        "modules_checked": 4, "modules_as_planned": 3, "co_facilitated": 2, "recorded_in_time": 4}
    assert figures(groups[seeded["b"]]) == {
        "sessions_held": 2, "held_on_time": 2, "held_early": 0, "held_late": 0, "fidelity_recorded": 1,
        "modules_checked": 0, "modules_as_planned": 0, "co_facilitated": 1, "recorded_in_time": 1}
    assert figures(report["totals"]) == {
        "sessions_held": 8, "held_on_time": 6, "held_early": 1, "held_late": 1, "fidelity_recorded": 6,
        "modules_checked": 4, "modules_as_planned": 3, "co_facilitated": 3, "recorded_in_time": 5}
    a = groups[seeded["a"]]
    assert (a["on_time_rate"], a["modules_as_planned_rate"], a["co_facilitated_rate"], a["recorded_in_time_rate"]) == (
        4 / 6, 3 / 4, 2 / 5, 4 / 6)
    assert groups[seeded["b"]]["modules_as_planned_rate"] is None  # nothing planned to check against
    assert (report["region"], report["on_time_days"], report["recorded_within_hours"]) == (seeded["region"], 0, 48)
    assert report["totals"]["total"] and report["totals"]["cohort_id"] is None


def test_the_days_a_session_may_move_and_still_be_on_time_are_a_setting(stack, token, seeded):
    app = create_app({**stack.base_settings("sessions"), "on_time_days": 1, "recorded_within_hours": 50})
    report, groups = fidelity(app.test_client(), manager_of(token, seeded["region"]))
    a = groups[seeded["a"]]
    # a day early is on time now; two days late is still late; 49 h after the end is in time, 100 h is not
    assert (a["held_on_time"], a["held_early"], a["held_late"], a["recorded_in_time"]) == (5, 0, 1, 5)
    assert groups[seeded["b"]]["recorded_in_time"] == 2
    assert (report["on_time_days"], report["recorded_within_hours"]) == (1, 50)


def workload(client, headers, **query):
    r = client.get("/reports/workload", headers=headers, query_string={**PERIOD, **query})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_each_facilitators_groups_men_and_sessions_a_month_are_the_hand_count(stack, token, seeded):
    # a smallest cell of 3, so that the hand counts of men show: 2 is hidden, 3 and 4 are shown
    app = create_app({**stack.base_settings("sessions"), "report_min_cell": 3})
    report = workload(app.test_client(), manager_of(token, seeded["region"]))
    months = {(m["facilitator_id"], m["month"]): (m["groups"], m["men"], m["sessions"]) for m in report["months"]}
    assert months == {
        (seeded["psy_a1"], "2026-10"): (1, 3, 3),  # sessions 1-3: e1, e2 (late) and e3 came
        (seeded["psy_a1"], "2026-11"): (1, 3, 3),  # sessions 4-6 of her group: e1, e2, e4
        (seeded["psy_a2"], "2026-10"): (1, 3, 3),  # her co-facilitated group's sessions
        (seeded["psy_a2"], "2026-11"): (1, 4, 4),  # and her one-to-one session with e3
        (seeded["psy_x"], "2026-11"): (1, None, 1),  # the session she entered, though no longer in the group: 2 men
        (seeded["psy_b"], "2026-10"): (1, None, 2),  # 2 men
    }
    assert report["min_cell"] == 3


def test_a_count_of_men_under_the_smallest_cell_is_hidden_as_the_other_reports_hide_it(app_for, token, seeded):
    """The default smallest cell (5): every month above has 2 to 4 men, so none is shown; groups and sessions, which
    count staff work and no man, still are."""
    report = workload(app_for("sessions").test_client(), manager_of(token, seeded["region"]))
    assert report["min_cell"] == 5
    assert [m["men"] for m in report["months"]] == [None] * 6
    assert sorted((m["groups"], m["sessions"]) for m in report["months"]) == sorted(
        [(1, 3), (1, 3), (1, 3), (1, 4), (1, 1), (1, 2)])


def test_no_men_is_shown_as_none_not_hidden():
    from sessions.reports import shown_men
    assert [shown_men(n, 5) for n in (0, 1, 4, 5, 12)] == [0, None, None, 5, 12]


def test_nothing_in_either_report_names_a_man_or_repeats_what_was_typed(app_for, token, seeded):
    client = app_for("sessions").test_client()
    for path in ("/reports/fidelity", "/reports/workload"):
        text = client.get(path, headers=manager_of(token, seeded["region"]), query_string=PERIOD).get_data(as_text=True)
        assert "P-2026-" not in text and "enrolment" not in text
        assert not any(typed in text for typed in ("Dilnoza", "Aziza", "Something else", "Anger", "own topic"))


def test_a_manager_of_another_region_is_refused_and_sees_only_his_own(app_for, token, seeded):
    client = app_for("sessions").test_client()
    other = manager_of(token, seeded["other"])
    for path in ("/reports/fidelity", "/reports/workload"):
        refused = client.get(path, headers=other, query_string={**PERIOD, "region": seeded["region"]})
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    _report, groups = fidelity(client, other)
    assert set(groups) == {seeded["c"]}
    months = client.get("/reports/workload", headers=other, query_string=PERIOD).get_json()["months"]
    assert {m["facilitator_id"] for m in months} == {"psy-c"}


def test_an_administrator_chooses_a_region_or_sees_the_whole_country(app_for, token, seeded):
    client = app_for("sessions").test_client()
    admin = bearer(token("admin-1", "administrator"))
    _report, chosen = fidelity(client, admin, region=seeded["region"])
    assert set(chosen) == {seeded["a"], seeded["b"]}
    report, country = fidelity(client, admin)
    assert {seeded["a"], seeded["b"], seeded["c"]} <= set(country) and report["region"] is None


def without_ids(report):
    """A fidelity report's figures, places and quarters, without what names a group, in an order of their own (an
    analyst's groups come by number, a manager's by name: over the whole country, with other tests' groups in it,
    the two orders differ)."""
    rows = [{k: v for k, v in row.items() if k not in ("cohort_id", "cohort_number")}
            for row in (*report["groups"], report["totals"])]
    return sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))


def test_an_analyst_reads_what_a_manager_or_an_administrator_reads_of_the_same_area(app_for, token, seeded):
    """A national analyst (no region on his token) chooses as an administrator does; a regional one reads his own
    region as its manager does, and is refused another; the figures are the same, only no group's id."""
    client = app_for("sessions").test_client()
    admin, national = bearer(token("admin-1", "administrator")), bearer(token("ana-1", "analyst"))
    for region in (seeded["region"], None):
        assert without_ids(fidelity(client, national, region=region)[0]) == without_ids(
            fidelity(client, admin, region=region)[0])
    regional = bearer(token("ana-2", "analyst", region=seeded["other"]))
    assert without_ids(fidelity(client, regional)[0]) == without_ids(fidelity(client, manager_of(token,
                                                                                                 seeded["other"]))[0])
    for path in ("/reports/fidelity", "/reports/workload"):
        assert client.get(path, headers=national, query_string=PERIOD).status_code == 200
        refused = client.get(path, headers=regional, query_string={**PERIOD, "region": seeded["region"]})
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"


def test_an_analyst_reads_no_groups_id_nor_a_psychologists_but_numbers(app_for, token, seeded):
    """Group A started before group B (1 and 15 September), both in Urgut: numbers 1 and 2 of their quarter;
    the psychologists a1, a2, x and b numbered 1..4 in the order of their ids, each the same in all her months."""
    client = app_for("sessions").test_client()
    analyst = bearer(token("ana-3", "analyst", region=seeded["region"]))
    for path in ("/reports/fidelity", "/reports/workload"):
        text = client.get(path, headers=analyst, query_string=PERIOD).get_data(as_text=True)
        assert not any(secret in text for secret in (seeded["a"], seeded["b"], seeded["psy_a1"], seeded["psy_a2"],
                                                     seeded["psy_x"], seeded["psy_b"]))
    report, _groups = fidelity(client, analyst)
    assert [(g["district"], g["cohort_number"], g["cohort_id"]) for g in report["groups"]] == [
        ("Urgut", 1, None), ("Urgut", 2, None)]
    assert report["groups"][0]["sessions_held"] == 6 and report["groups"][1]["sessions_held"] == 2  # A, then B
    assert [g["start_quarter"] for g in report["groups"]] == ["2026-07-01", "2026-07-01"]
    months = workload(client, analyst)["months"]
    ids = sorted(seeded[p] for p in ("psy_a1", "psy_a2", "psy_x", "psy_b"))
    number = {psy: n for n, psy in enumerate(ids, start=1)}
    assert [(m["facilitator_number"], m["month"], m["sessions"]) for m in months] == sorted(
        (number[seeded[p]], month, sessions) for p, month, sessions in (
            ("psy_a1", "2026-10", 3), ("psy_a1", "2026-11", 3), ("psy_a2", "2026-10", 3), ("psy_a2", "2026-11", 4),
            ("psy_x", "2026-11", 1), ("psy_b", "2026-10", 2)))
    assert {m["facilitator_id"] for m in months} == {None}
    manager = workload(client, manager_of(token, seeded["region"]))["months"]
    assert {m["facilitator_id"] for m in manager} == set(ids) and {m["facilitator_number"] for m in manager} == {None}
    _report, groups = fidelity(client, manager_of(token, seeded["region"]))
    assert set(groups) == {seeded["a"], seeded["b"]}


@pytest.mark.parametrize("role", ["psychologist", "inspector", "supervisor", "auditor", "support_worker"])
def test_other_roles_are_refused(app_for, token, seeded, role):
    headers = bearer(token("someone", role, region=seeded["region"], district="Urgut"))
    client = app_for("sessions").test_client()
    for path in ("/reports/fidelity", "/reports/workload"):
        assert client.get(path, headers=headers, query_string=PERIOD).status_code == 403


def test_a_period_that_ends_before_it_starts_or_is_no_date_is_a_problem_not_a_crash(app_for, token, seeded):
    client = app_for("sessions").test_client()
    headers = manager_of(token, seeded["region"])
    empty = client.get("/reports/fidelity", headers=headers, query_string={"from": "2026-11-30", "to": "2026-10-01"})
    assert empty.status_code == 422 and "from" in empty.get_json()["errors"]
    wrong = client.get("/reports/workload", headers=headers, query_string={"from": "1.10.2026"})
    assert wrong.status_code == 422 and wrong.mimetype == "application/problem+json"


def test_a_rescheduled_session_is_measured_against_the_day_first_planned(app_for, token, stack):
    """Scheduled through the API for three days ago, moved to today and held: late by three days."""
    region = f"Moved region {uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(stack.database_url("sessions"))
    cohort, man, psy = uuid.uuid4(), uuid.uuid4(), f"psy-m-{uuid.uuid4().hex[:4]}"
    with engine.begin() as c:
        seed_sessions_cohort(c, cohort_id=cohort, region=region, district="Urgut", facilitator_ids=[psy],
                             roster={man: "P-2026-800031"})
    client = app_for("sessions").test_client()
    headers = bearer(token(psy, "psychologist", region=region, district="Urgut"))
    now = datetime.now(UTC)
    made = client.post(f"/cohorts/{cohort}/sessions", headers=headers,
                       json={"number": 1, "scheduled_at": (now - timedelta(days=3)).isoformat()})
    assert made.status_code == 201, made.get_data(as_text=True)
    sid = made.get_json()["id"]
    moved = client.patch(f"/sessions/{sid}", headers=headers,
                         json={"scheduled_at": (now - timedelta(hours=1)).isoformat(), "reason": "room flooded"})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    held = client.post(f"/sessions/{sid}/attendance", headers=headers,
                       json={"marks": [{"enrolment_id": str(man), "status": "present"}]})
    assert held.status_code == 201, held.get_data(as_text=True)
    _report, groups = fidelity(client, manager_of(token, region), period={})  # the 12 months to today
    assert figures(groups[str(cohort)]) == {
        "sessions_held": 1, "held_on_time": 0, "held_early": 0, "held_late": 1, "fidelity_recorded": 0,
        "modules_checked": 0, "modules_as_planned": 0, "co_facilitated": 0, "recorded_in_time": 1}
    with engine.begin() as c:  # this man exists nowhere else: keep his events off the shared bus
        c.execute(sa.text("DELETE FROM outbox WHERE envelope->'data'->>'cohort_id' = :c"), {"c": str(cohort)})
    engine.dispose()
