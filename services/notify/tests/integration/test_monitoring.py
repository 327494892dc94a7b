"""notify's own metrics against the real PostgreSQL: escalations due and overdue, and deliveries by channel and
outcome, as its worker's /metrics shows them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from notify.delivery import dispatch_due
from notify.monitoring import gauges, overdue_after
from prometheus_client import REGISTRY
from qadam.db import make_engine, make_session_factory
from qadam_testing import MailCatcher, Stack


@pytest.fixture(scope="module")
def stack(servers, jwt_keys):
    """notify's own database: the escalation gauges count every waiting alert of it."""
    own = Stack(f"qadam_m{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("notify",)).open()
    yield own
    own.close()


@pytest.fixture
def mail():
    catcher = MailCatcher().start()
    yield catcher
    catcher.stop()


@pytest.fixture
def notify_db(stack, mail):
    settings = stack.settings("notify", smtp_port=mail.port, escalate_critical_seconds=60.0,
                              escalate_high_seconds=600.0, escalation_scan_seconds=15.0, delivery_max_attempts=2,
                              delivery_backoff_seconds=0.01)
    engine = make_engine(settings.database_url)
    with engine.begin() as c:
        c.execute(sa.text("TRUNCATE delivery_attempt, delivery, notification, digest"))
    yield settings, engine
    engine.dispose()


def alert(engine, *, level: str, waiting_since: datetime, **columns) -> uuid.UUID:
    notification_id = uuid.uuid4()
    values = {"id": notification_id, "user_id": "inspector-1", "responsibility": "inspector",
              "source_event_id": uuid.uuid4(), "subject": f"flag:{uuid.uuid4()}", "participant_code": "P-2026-000042",
              "level": level, "summary": "s", "reasons": ["r"], "link": "https://portal.qadam.test/alerts/x",
              "region": "Toshkent", "district": "Chilonzor", "escalate_from": waiting_since, **columns}
    with engine.begin() as c:
        c.execute(sa.text(f"INSERT INTO notification ({', '.join(values)}) VALUES "
                          f"({', '.join(':' + k for k in values)})"), values)
    return notification_id


def values(families, name: str) -> dict[tuple[str, ...], float]:
    [family] = [f for f in families if f.name == name]
    return {tuple(s.labels.values()): s.value for s in family.samples}


def test_escalations_due_and_overdue_are_counted_by_level_and_answered_ones_are_not(notify_db):
    settings, engine = notify_db
    now = datetime.now(UTC)
    wait = timedelta(seconds=settings.escalate_critical_seconds)
    alert(engine, level="critical", waiting_since=now - wait - timedelta(seconds=5))  # due, the timers will take it
    alert(engine, level="critical", waiting_since=now - wait - overdue_after(settings) - timedelta(seconds=5))  # late
    alert(engine, level="high", waiting_since=now - wait - timedelta(seconds=5))  # high waits 600 s: not due
    alert(engine, level="critical", waiting_since=now - timedelta(hours=2), acknowledged_at=now)  # answered
    alert(engine, level="critical", waiting_since=now - timedelta(hours=2), escalated_at=now)  # went up already
    with engine.connect() as conn:
        families = gauges(settings, conn, now=now)
    assert values(families, "qadam_notify_escalations_due") == {("critical",): 2.0, ("high",): 0.0}
    assert values(families, "qadam_notify_escalations_overdue") == {("critical",): 1.0, ("high",): 0.0}


def deliveries(channel: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("qadam_notify_deliveries_total", {"channel": channel, "outcome": outcome}) or 0.0


def test_deliveries_are_counted_by_channel_and_outcome_and_the_pending_ones_shown(notify_db, mail):
    settings, engine = notify_db
    factory = make_session_factory(engine)
    before = {o: deliveries("email", o) for o in ("sent", "retry", "failed")}
    now = datetime.now(UTC)
    for address in ("one@iiv.uz", "two@iiv.uz"):
        notification_id = alert(engine, level="medium", waiting_since=now)
        with engine.begin() as c:
            c.execute(sa.text("INSERT INTO delivery (id, notification_id, channel, address, status, attempts, next_attempt_at) "
                              "VALUES (:id, :n, 'email', :a, 'pending', 0, :at)"),
                      {"id": uuid.uuid4(), "n": notification_id, "a": address, "at": now - timedelta(minutes=3)})
    with engine.connect() as conn:
        families = gauges(settings, conn, now=now)
    assert values(families, "qadam_notify_deliveries_pending") == {("email",): 2.0}
    assert values(families, "qadam_notify_delivery_lateness_seconds")[("email",)] >= 180  # due three minutes ago

    mail.fail_next = 3  # the first goes on its second try; the other fails twice and is given up (2 attempts)
    later = datetime.now(UTC) + timedelta(seconds=5)
    for _ in range(3):
        while dispatch_due(settings, factory, later) == 0:
            pass
    counted = {o: deliveries("email", o) - before[o] for o in before}
    assert counted == {"sent": 1.0, "retry": 2.0, "failed": 1.0}
    with engine.connect() as conn:
        assert values(gauges(settings, conn), "qadam_notify_deliveries_pending") == {}
