"""The national roll-up's alert figures over HTTP: by region and level, and the alerts raised each month, on notify's
own freshly migrated database seeded with plain SQL. Every figure shown is the count this file makes of the seed;
a row or a month too small to show is hidden, with the next smallest beside it when it would be hidden alone."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from notify.api.figures import ROLLUP_READERS
from notify.app import create_app
from qadam_testing import Stack, bearer

NAVOIY, XORAZM, JIZZAX = "Navoiy viloyati", "Xorazm viloyati", "Jizzax viloyati"
PERIOD = {"since": "2025-01-01", "until": "2025-03-31"}
# (region, level, month, alerts, seconds from the event to the inbox, seconds from the inbox to acknowledgement)
SEED = [
    (NAVOIY, "critical", 1, 6, 2, 300), (NAVOIY, "critical", 2, 4, 4, 600), (NAVOIY, "high", 2, 7, 1, 3600),
    (XORAZM, "critical", 1, 5, 3, 900), (XORAZM, "high", 3, 8, 2, 1800), (XORAZM, "medium", 3, 6, 5, 7200),
    (JIZZAX, "high", 3, 2, 1, 60),  # a row too small to show
]


def seed(url: str) -> list[dict]:
    alerts = []
    for region, level, month, count, to_in_app, to_ack in SEED:
        for i in range(count):
            event_at = datetime(2025, month, 3 + i, 6, tzinfo=UTC)
            created = event_at + timedelta(seconds=to_in_app * (i + 1))
            alerts.append({"id": uuid.uuid4(), "region": region, "level": level, "event_at": event_at,
                           "created_at": created, "acknowledged_at": created + timedelta(seconds=to_ack * (i + 1)),
                           "flag_id": uuid.uuid4(), "month": f"2025-{month:02d}"})
    # outside the period, and an escalation (not an alert to the people responsible): neither counts
    alerts.append({**alerts[0], "id": uuid.uuid4(), "created_at": datetime(2024, 12, 31, 12, tzinfo=UTC)})
    # the next quarter: two more of Navoiy's critical ones, in April (a period of two quarters hides the row)
    alerts += [{**alerts[0], "id": uuid.uuid4(), "flag_id": uuid.uuid4(), "month": "2025-04",
                "event_at": datetime(2025, 4, 10 + i, 6, tzinfo=UTC), "created_at": datetime(2025, 4, 10 + i, 6, 1,
                                                                                             tzinfo=UTC),
                "acknowledged_at": datetime(2025, 4, 10 + i, 7, tzinfo=UTC)} for i in range(2)]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for a in alerts:
            conn.execute(sa.text(
                "INSERT INTO notification (id, user_id, responsibility, source_event_id, subject, flag_id, "
                "participant_code, level, summary, reasons, link, region, district, created_at, acknowledged_at, "
                "kind, event_at, chain_id) VALUES (:id, 'insp-1', 'inspector', :id, 'flag:' || :id, :flag_id, "
                "'P-2025-000001', :level, 'seeded', ARRAY[]::text[], '/x', :region, 'Markaz', :created_at, "
                ":acknowledged_at, 'alert', :event_at, :id)"), a)
        conn.execute(sa.text(
            "INSERT INTO notification (id, user_id, responsibility, source_event_id, subject, participant_code, level, "
            "summary, reasons, link, region, district, created_at, kind, event_at) VALUES (:id, 'sup-1', 'supervisor', "
            ":id, 'flag:x', 'P-2025-000001', 'critical', 'seeded', ARRAY[]::text[], '/x', :region, 'Markaz', "
            "'2025-02-10T10:00:00Z', 'escalation', '2025-02-10T09:00:00Z')"), {"id": uuid.uuid4(), "region": NAVOIY})
    engine.dispose()
    return [a for a in alerts if datetime(2025, 1, 1, tzinfo=UTC) - timedelta(hours=5) <= a["created_at"]
            < datetime(2025, 3, 31, 19, tzinfo=UTC)]  # the first quarter's, in Tashkent's days


@pytest.fixture(scope="module")
def seeded(servers, jwt_keys):
    stack = Stack(f"qadam_g{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("notify",)).open()
    try:
        alerts = seed(stack.database_url("notify"))
        yield stack, alerts
    finally:
        stack.close()


@pytest.fixture(scope="module")
def client(seeded):
    return create_app(seeded[0].base_settings("notify")).test_client()


def figures(client, token, **query):
    return client.get("/figures/regions", headers=bearer(token), query_string={**PERIOD, **query})


def test_every_region_and_level_figure_equals_the_hand_count_and_small_rows_are_hidden(client, seeded, token):
    _, alerts = seeded
    body = figures(client, token("admin-1", "administrator")).get_json()
    assert body["region"] is None and body["min_cell"] == 5
    rows = {(r["region"], r["level"]): r for r in body["rows"]}
    assert set(rows) == {(a["region"], a["level"]) for a in alerts}
    for (region, level), row in rows.items():
        mine = [a for a in alerts if (a["region"], a["level"]) == (region, level)]
        if row["suppressed"]:
            assert all(row[k] is None for k in ("alerts", "flags", "acknowledged", "ack_p50_s", "in_app_p90_s"))
            continue
        assert row["alerts"] == len(mine) and row["flags"] == len(mine) and row["acknowledged"] == len(mine)
        to_ack = [(a["acknowledged_at"] - a["created_at"]).total_seconds() for a in mine]
        to_in_app = [(a["created_at"] - a["event_at"]).total_seconds() for a in mine]
        assert row["ack_p50_s"] == round(statistics.median(to_ack), 3)
        assert row["in_app_p50_s"] == round(statistics.median(to_in_app), 3)
    # Jizzax's 2 alerts are hidden, and so is its March (the same 2); alone, they would be the nation's March less
    # the other regions' March: the nation's March goes with them (16 alerts, fewer than hiding a row of another
    # region and its March), and no region's row need be hidden beside them
    assert rows[(JIZZAX, "high")]["suppressed"] and rows[(NAVOIY, "critical")]["suppressed"] is False
    assert [key for key, r in rows.items() if r["suppressed"]] == [(JIZZAX, "high")]


def test_alerts_raised_each_month_equal_the_hand_count_with_the_rule_kept(client, seeded, token):
    _, alerts = seeded
    body = figures(client, token("admin-1", "administrator")).get_json()
    by_month = Counter(a["month"] for a in alerts)
    assert [m["month"] for m in body["months"]] == sorted(by_month)
    # 11, 11, 16: none small, but March's 16 hidden beside Jizzax's two of March (test_every_region_and_level...)
    assert {m["month"]: m["alerts"] for m in body["months"]} == {**by_month, "2025-03": None}
    few = figures(client, token("admin-1", "administrator"), region=JIZZAX).get_json()
    assert few["months"] == [{"month": "2025-03", "suppressed": True, "alerts": None}]


def test_a_manager_sees_only_his_own_region(client, seeded, token):
    _, alerts = seeded
    manager = token("mgr-x", "manager", region=XORAZM)
    refused = figures(client, manager, region=NAVOIY)  # another region: refused, as the completion report refuses it
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    body = figures(client, manager).get_json()
    assert body["region"] == XORAZM
    assert {r["region"] for r in body["rows"]} == {XORAZM}
    mine = Counter(a["month"] for a in alerts if a["region"] == XORAZM)
    assert {m["month"]: m["alerts"] for m in body["months"]} == dict(mine)
    assert set(ROLLUP_READERS) == {"manager", "administrator", "analyst"}
    for role in ("inspector", "psychologist", "supervisor", "auditor"):
        answer = figures(client, token(f"{role}-1", role, region=XORAZM, district="Urganch"))
        assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert figures(client, token("mgr-none", "manager")).status_code == 422


def test_a_bad_day_is_a_422_naming_it(client, token):
    for field, value in (("until", "2025-02-30"), ("until", "9999-12-31"), ("since", "0001-01-01")):
        answer = figures(client, token("admin-1", "administrator"), **{field: value})
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json", (field, value)
        assert field in answer.get_json()["errors"], (field, value)


def test_a_row_or_a_month_over_two_quarters_is_shown_only_where_each_quarter_shows_it(client, token):
    """Navoiy's critical alerts: 10 in the first quarter (shown), 2 in the second (hidden there). Over both, the row
    is hidden too, or the half-year less the first quarter would tell the second's two; April's two likewise."""
    admin = token("admin-1", "administrator")
    first = {(r["region"], r["level"]): r for r in figures(client, admin).get_json()["rows"]}
    assert first[(NAVOIY, "critical")]["alerts"] == 10
    both = figures(client, admin, until="2025-06-30").get_json()
    rows = {(r["region"], r["level"]): r for r in both["rows"]}
    assert rows[(NAVOIY, "critical")]["suppressed"] and rows[(NAVOIY, "critical")]["alerts"] is None
    assert rows[(NAVOIY, "high")]["alerts"] == 7  # none in the second quarter: shown as in the first
    months = {m["month"]: m for m in both["months"]}
    assert months["2025-04"]["suppressed"] and months["2025-01"]["alerts"] == 11
    days = figures(client, admin, until="2025-05-31")  # not a quarter's last day
    assert days.status_code == 422 and list(days.get_json()["errors"]) == ["until"]
