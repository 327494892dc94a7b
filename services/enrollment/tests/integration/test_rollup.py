"""The national roll-up over HTTP, on a freshly migrated enrollment database seeded with plain SQL.

Men are seeded by region, month of starting and how they stand; every figure the roll-up shows is compared with a
count this file makes of the seed itself. A region and a month too small to show are hidden, and so is one more of
each table, so that neither can be worked out from the totals.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from enrollment.api.reports import ROLLUP_READERS
from enrollment.app import create_app
from qadam_testing import Stack, bearer

MIN_CELL = 5
PERIOD = {"from": "2025-01-01", "to": "2025-06-30"}
NAVOIY, XORAZM, JIZZAX, SIRDARYO = "Navoiy viloyati", "Xorazm viloyati", "Jizzax viloyati", "Sirdaryo viloyati"
# (region, men, months they started in, in turn): Jizzax too small to show; Sirdaryo the smallest shown
REGIONS = [(NAVOIY, 70, range(1, 7)), (XORAZM, 45, range(1, 7)), (SIRDARYO, 12, range(1, 6)), (JIZZAX, 3, (2,))]
STATUSES = ["completed"] * 8 + ["closed"] * 2 + ["active"] * 5 + ["assessed"] * 2 + ["suspended"] + \
           ["exited"] * 6 + ["referred"] * 2 + ["excluded"]
REASONS = ["non_compliance", "new_violence", "withdrawn", "transferred", "died", "moved_away"]
STILL_IN = {"assessed", "active", "suspended"}


def seed_men() -> list[dict[str, Any]]:
    """The men, as (region, month, status, reason, started_on, enrolled_at) rows; a few outside the period, and a
    man enrolled late on 31 January in UTC, which is 1 February in Tashkent."""
    rng = random.Random(23)
    men: list[dict[str, Any]] = []
    for region, count, months in REGIONS:
        for i in range(count):
            month = list(months)[i % len(months)]
            status = rng.choice(STATUSES)
            reason = rng.choice(REASONS) if status == "exited" else None
            day = date(2025, month, 1 + i % 27)
            begun = status not in ("referred", "excluded")
            men.append({"region": region, "status": status, "reason": reason, "started_on": day if begun else None,
                        "enrolled_at": datetime(day.year, day.month, day.day, 8, tzinfo=UTC)})
    # a month of only two starts (June, Navoiy's and Xorazm's sixth): checked below as suppressed
    men.append({"region": NAVOIY, "status": "referred", "reason": None, "started_on": None,
                "enrolled_at": datetime(2025, 1, 31, 20, 30, tzinfo=UTC)})  # 1 February in Tashkent
    men.append({"region": NAVOIY, "status": "completed", "reason": None, "started_on": date(2024, 12, 20),
                "enrolled_at": datetime(2024, 12, 13, 8, tzinfo=UTC)})  # before the period
    men.append({"region": XORAZM, "status": "active", "reason": None, "started_on": date(2025, 7, 1),
                "enrolled_at": datetime(2025, 6, 24, 8, tzinfo=UTC)})  # after it
    return men


MEN = seed_men()


def seed(url: str) -> None:
    programme, cohort = uuid.uuid4(), uuid.uuid4()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO programme (id, lineage_id, version, name, sessions_required, max_unexcused_absences, created_by) "
            "VALUES (:id, :id, 1, 'National statutory', 12, 3, 'test')"), {"id": programme})
        conn.execute(sa.text(
            "INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, status, created_by) "
            "VALUES (:id, :programme, 'Karmana A', :region, 'Karmana', ARRAY['psy-1'], DATE '2025-01-06', 'running', "
            "'test')"), {"id": cohort, "programme": programme, "region": NAVOIY})
        for number, man in enumerate(MEN, start=1):
            person = uuid.uuid4()
            conn.execute(sa.text(
                "INSERT INTO participant (id, code, full_name, birth_date, sex, region, district, preferred_language, "
                "created_by) VALUES (:id, :code, :name, DATE '1985-05-05', 'male', :region, 'Markaz', 'uz', 'test')"),
                {"id": person, "code": f"P-2025-{number:06d}", "name": f"Test participant {number}",
                 "region": man["region"]})
            conn.execute(sa.text(
                "INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, referral_source, inspector_id, "
                "psychologist_id, region, district, status, status_reason, enrolled_at, started_on, sessions_recorded, "
                "sessions_attended, excused_absences, unexcused_absences, created_by) VALUES (:id, :person, :cohort, "
                ":programme, 'protection_order', 'insp-1', 'psy-1', :region, 'Markaz', :status, :reason, :enrolled_at, "
                ":started_on, 0, 0, 0, 0, 'test')"),
                {"id": uuid.uuid4(), "person": person, "cohort": cohort, "programme": programme, **man})
    engine.dispose()


@pytest.fixture(scope="module")
def seeded(servers, jwt_keys):
    stack = Stack(f"qadam_n{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("enrollment",)).open()
    try:
        seed(stack.database_url("enrollment"))
        yield stack
    finally:
        stack.close()


@pytest.fixture(scope="module")
def client(seeded):
    return create_app(seeded.base_settings("enrollment")).test_client()


# -- the hand count ------------------------------------------------------------------------------------
def month_of(man: dict[str, Any]) -> str:
    """The month he started: his first day in the group, else the day (in Tashkent, UTC+5) he was enrolled."""
    if man["started_on"]:
        return man["started_on"].strftime("%Y-%m")
    local = man["enrolled_at"].timestamp() + 5 * 3600
    return datetime.fromtimestamp(local, UTC).strftime("%Y-%m")


def in_period(man: dict[str, Any]) -> bool:
    return "2025-01" <= month_of(man) <= "2025-06"


def hand_count(men: list[dict[str, Any]]) -> dict[str, int]:
    tally = Counter()
    for man in men:
        tally["enrolments"] += 1
        tally["active"] += man["status"] in STILL_IN
        tally["completed"] += man["status"] in ("completed", "closed")
        tally["exited"] += man["status"] == "exited"
        tally["dropouts"] += man["status"] == "exited" and man["reason"] not in ("transferred", "died")
    return {name: tally[name] for name in ("enrolments", "active", "completed", "exited", "dropouts")}


def expected(by: str, region: str | None = None) -> dict[str, dict[str, int]]:
    """{key: hand count} of the men in the period (of `region`), by region or by month, and "total"."""
    men = [m for m in MEN if in_period(m) and region in (None, m["region"])]
    keys = sorted({m["region"] if by == "region" else month_of(m) for m in men})
    out = {k: hand_count([m for m in men if (m["region"] if by == "region" else month_of(m)) == k]) for k in keys}
    return {**out, "total": hand_count(men)}


def assert_faithful(row: dict[str, Any], count: dict[str, int]) -> None:
    """Every figure shown is the hand count; a hidden one is a count the rule hides or one hidden beside it; the
    rates are of what is shown."""
    for name, value in count.items():
        assert row[name] is None or row[name] == value, (row["label"], name, row[name], value)
    if row["completed"] is not None and row["dropouts"] is not None and row["completed"] + row["dropouts"]:
        assert row["completion_rate"] == round(count["completed"] / (count["completed"] + count["dropouts"]), 4)
        assert row["dropout_rate"] == round(count["dropouts"] / (count["completed"] + count["dropouts"]), 4)


def rollup(client: Any, token: str, **query: str) -> Any:
    return client.get("/reports/rollup", headers=bearer(token), query_string={**PERIOD, **query})


# -- the tests -----------------------------------------------------------------------------------------
def test_every_figure_of_the_roll_up_by_region_and_month_equals_the_hand_count(client, token):
    body = rollup(client, token("admin-1", "administrator")).get_json()
    assert body["region"] is None and body["min_cell"] == MIN_CELL
    for table, by in (("regions", "region"), ("months", "month")):
        count = expected(by)
        rows = {r["key"]: r for r in body[table]["groups"]}
        assert set(rows) == set(count) - {"total"}
        assert_faithful(body[table]["totals"], count["total"])
        assert body[table]["totals"]["enrolments"] == count["total"]["enrolments"]
        for key, row in rows.items():
            assert_faithful(row, count[key])
            if not row["suppressed"]:
                assert row["enrolments"] == count[key]["enrolments"]
    # both tables cover the same men
    assert body["regions"]["totals"]["enrolments"] == body["months"]["totals"]["enrolments"]
    # the man enrolled at 20:30 UTC on 31 January counts in February, Tashkent's day
    assert expected("month")["2025-02"]["enrolments"] == sum(1 for m in MEN if month_of(m) == "2025-02")
    assert "2024-12" not in {r["key"] for r in body["months"]["groups"]}
    assert "2025-07" not in {r["key"] for r in body["months"]["groups"]}


def test_a_small_region_is_hidden_with_the_next_smallest_and_small_counts_are_hidden(client, token):
    body = rollup(client, token("admin-1", "administrator")).get_json()
    rows = {r["key"]: r for r in body["regions"]["groups"]}
    assert rows[JIZZAX]["suppressed"] is True and rows[JIZZAX]["enrolments"] is None
    # alone it would be the totals minus the regions shown: Sirdaryo, the next smallest, goes with it
    assert rows[SIRDARYO]["suppressed"] is True
    # quarter by quarter (a half-year less its first quarter would tell the second's): in the second quarter
    # Sirdaryo's four are hidden and Xorazm, that quarter's next smallest, with them; so over both quarters Xorazm is
    # hidden too, and shown in the first quarter's own roll-up
    assert rows[NAVOIY]["suppressed"] is False and rows[XORAZM]["suppressed"] is True
    quarter = rollup(client, token("admin-1", "administrator"), to="2025-03-31").get_json()
    first = {r["key"]: r for r in quarter["regions"]["groups"]}
    assert first[NAVOIY]["suppressed"] is False and first[XORAZM]["suppressed"] is False
    assert first[JIZZAX]["suppressed"] is True and first[SIRDARYO]["suppressed"] is True
    for row in [*body["regions"]["groups"], body["regions"]["totals"], *body["months"]["groups"]]:
        for name in ("enrolments", "active", "completed", "exited", "dropouts"):
            assert row[name] is None or row[name] == 0 or row[name] >= MIN_CELL
    # nothing is shown of a hidden cell, in either table
    hidden = [(r["key"], n) for r in body["months"]["groups"] for n in ("enrolments", "active", "completed",
                                                                        "exited", "dropouts") if r[n] is None]
    assert hidden  # the seed makes some month's counts small
    labels = {r["key"]: r["label"] for r in body["regions"]["groups"]}
    assert labels[NAVOIY] == "Navoi Region"


def test_a_manager_sees_only_his_own_region(client, token):
    manager = token("mgr-xorazm", "manager", region=XORAZM)
    body = rollup(client, manager).get_json()
    assert body["region"] == XORAZM
    assert [r["key"] for r in body["regions"]["groups"]] == [XORAZM]
    count = expected("region", XORAZM)
    assert_faithful(body["regions"]["totals"], count["total"])
    # his region's figures are hidden as the national roll-up hides them (Xorazm beside Sirdaryo in the second
    # quarter), his row and his totals alike: the nation less the regions shown would otherwise tell Sirdaryo's
    national = {r["key"]: r for r in rollup(client, token("admin-1", "administrator")).get_json()["regions"]["groups"]}
    figures = [name for name in national[XORAZM] if name not in ("key", "label", "total")]
    for row in (body["regions"]["groups"][0], body["regions"]["totals"]):
        assert {name: row[name] for name in figures} == {name: national[XORAZM][name] for name in figures}
    assert body["regions"]["totals"]["suppressed"] is True
    quarter = rollup(client, manager, to="2025-03-31").get_json()  # shown in the first quarter, as nationally
    assert quarter["regions"]["totals"]["enrolments"] == expected("region", XORAZM)["total"]["enrolments"] - sum(
        1 for m in MEN if m["region"] == XORAZM and in_period(m) and month_of(m) > "2025-03")
    months = expected("month", XORAZM)
    assert {r["key"] for r in body["months"]["groups"]} == set(months) - {"total"}
    for row in body["months"]["groups"]:
        assert_faithful(row, months[row["key"]])
    refused = rollup(client, manager, region=NAVOIY)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"


def test_only_administrators_and_managers_read_the_roll_up(client, token):
    assert set(ROLLUP_READERS) == {"administrator", "manager", "analyst"}
    for role in ("psychologist", "inspector", "support_worker", "auditor", "supervisor"):
        refused = rollup(client, token(f"{role}-1", role, region=NAVOIY, district="Karmana"))
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert client.get("/reports/rollup").status_code == 401


def test_a_bad_period_region_or_language_is_a_422_naming_the_field(client, token):
    admin = token("admin-1", "administrator")
    for query, field in (({"from": "2025-06-30", "to": "2025-01-01"}, "from"), ({"to": "2025-13-01"}, "to"),
                         ({"lang": "xx"}, "lang"), ({"region": ""}, "region"), ({"to": "9999-12-31"}, "to"),
                         ({"region": "Nukus\x1d\x0e"}, "region")):
        answer = rollup(client, admin, **query)
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json", query
        assert field in answer.get_json()["errors"], (query, answer.get_json())


def test_the_roll_up_s_own_labels_are_in_the_language_asked_for(client, token):
    body = rollup(client, token("admin-1", "administrator"), lang="ru").get_json()
    labels = {r["key"]: r["label"] for r in body["regions"]["groups"]}
    assert labels[NAVOIY] == "Навоийская область"
    assert body["regions"]["totals"]["label"] == "Итого"
