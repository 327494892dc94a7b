"""Escalation end to end: a notify worker process over RabbitMQ, with a short setting. An unacknowledged critical
alert reaches the inspector's supervisor (by the directory the portal's user events built) and reminds the
inspector; an acknowledged one does not escalate."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from notify.timers import escalate_due
from qadam.db import make_session_factory
from qadam.events import envelope_of
from qadam_contracts.portal import UserChanged
from qadam_contracts.risk import FlagRaised
from qadam_testing import declare_topology, publish_envelope, wait_until, worker_process

pytestmark = pytest.mark.e2e
REGION, DISTRICT = "Navoiy viloyati", "Karmana"


def user(user_id: str, role: str, **fields) -> dict:
    return envelope_of(UserChanged(**{
        "user_id": user_id, "role": role, "region": REGION, "district": DISTRICT, "email": f"{user_id}@iiv.uz",
        "language": "uz-Cyrl", "version": 1} | fields), correlation_id="e2e", causation_id=None)


def flag(code: str) -> dict:
    return envelope_of(FlagRaised(
        flag_id=uuid.uuid4(), enrolment_id=uuid.uuid4(), participant_code=code,
        rule_id="sign.threat_to_kill", rule_version=1, level="critical",
        reasons=["Warning sign recorded by the facilitator at session 3 on 2026-11-30: a threat to kill."],
        evidence={}, region=REGION, district=DISTRICT, inspector_id="insp-k", psychologist_id="insp-k",
        raised_at=datetime.now(UTC)), correlation_id="e2e", causation_id=None)


def test_unacknowledged_it_escalates_to_the_supervisor_after_the_set_time_and_acknowledged_it_does_not(
        isolated_stack, mail, tmp_path):
    stack = isolated_stack("notify")
    settings = stack.settings("notify")
    declare_topology(settings)
    for envelope in (user("sup-k", "supervisor"), user("insp-k", "inspector", supervisor_id="sup-k")):
        publish_envelope(settings.amqp_url, envelope)
    waiting, answered = flag("P-2026-000901"), flag("P-2026-000902")
    publish_envelope(settings.amqp_url, waiting)
    publish_envelope(settings.amqp_url, answered)
    worker = worker_process(stack, "notify", tmp_path, smtp_port=mail.port, escalate_critical_seconds=3.0,
                            escalation_scan_seconds=0.5).start()
    engine = sa.create_engine(settings.database_url)
    scan_settings = stack.settings("notify", smtp_port=mail.port, escalate_critical_seconds=3.0)
    factory = make_session_factory(engine)
    try:
        wait_until(lambda: len(mail.to("insp-k@iiv.uz")) == 2, timeout=30, what="both alerts to the inspector")
        started = time.monotonic()
        # he acknowledges one at once, through the signed link his e-mail carries
        from notify.app import create_app

        client = create_app(stack.base_settings("notify")).test_client()
        [answered_mail] = [m for m in mail.to("insp-k@iiv.uz") if "P-2026-000902" in m.get_content()]
        link = next(w for w in answered_mail.get_content().split() if "/ack/" in w)
        assert client.post("/ack/" + link.rsplit("/", 1)[1]).status_code == 200

        [to_supervisor] = wait_until(lambda: mail.to("sup-k@iiv.uz"), timeout=30, what="the escalation e-mail")
        waited = time.monotonic() - started
        assert "P-2026-000901" in to_supervisor.get_content()
        assert "Karimov" not in to_supervisor.get_content()
        reminders = wait_until(lambda: [m for m in mail.to("insp-k@iiv.uz") if "P-2026-000901" in m.get_content()][1:],
                               timeout=30, what="the reminder to the inspector")
        assert len(reminders) == 1
        # well past the setting for the acknowledged one too: the worker's own scan, run with its clock 2 s on
        escalate_due(scan_settings, factory, now=datetime.now(UTC) + timedelta(seconds=2))
        with engine.connect() as c:
            escalations = c.execute(sa.text("SELECT participant_code, user_id, escalation_step FROM notification "
                                            "WHERE kind = 'escalation'")).all()
        assert [tuple(e) for e in escalations] == [("P-2026-000901", "sup-k", 1)]
        assert all("P-2026-000902" not in m.get_content() for m in mail.to("sup-k@iiv.uz"))
        print(f"escalated {waited:.1f} s after delivery (setting: 3 s, scanned every 0.5 s)")
    finally:
        worker.stop()
        engine.dispose()


def test_psychologist_ack_does_not_stop_inspector_escalation_and_the_inspectors_ack_stops_it(
        isolated_stack, mail, tmp_path):
    stack = isolated_stack("notify")
    settings = stack.settings("notify")
    declare_topology(settings)
    for envelope in (user("chief-b", "supervisor", district=None), user("sup-b", "supervisor", supervisor_id="chief-b"),
                     user("psy-sup-b", "supervisor", supervisor_id="chief-b"),
                     user("insp-b", "inspector", supervisor_id="sup-b"),
                     user("psy-b", "psychologist", supervisor_id="psy-sup-b")):
        publish_envelope(settings.amqp_url, envelope)
    breach = envelope_of(FlagRaised(
        flag_id=uuid.uuid4(), enrolment_id=uuid.uuid4(), participant_code="P-2026-000903",
        rule_id="incident.order_breach", rule_version=1, level="critical",
        reasons=["Incident reported by the prevention inspector: breach of the protection order on 2026-12-01."],
        evidence={}, region=REGION, district=DISTRICT, inspector_id="insp-b", psychologist_id="psy-b",
        raised_at=datetime.now(UTC)), correlation_id="e2e", causation_id=None)
    publish_envelope(settings.amqp_url, breach)
    worker = worker_process(stack, "notify", tmp_path, smtp_port=mail.port, escalate_critical_seconds=3.0,
                            escalation_scan_seconds=0.5).start()
    engine = sa.create_engine(settings.database_url)
    scan_settings = stack.settings("notify", smtp_port=mail.port, escalate_critical_seconds=3.0)
    factory = make_session_factory(engine)

    def ack_link_in(address: str) -> str:
        return "/ack/" + next(w for w in mail.to(address)[0].get_content().split() if "/ack/" in w).rsplit("/", 1)[1]

    def chain() -> list[tuple[str, int]]:
        with engine.connect() as c:
            return [tuple(r) for r in c.execute(sa.text(
                "SELECT user_id, escalation_step FROM notification WHERE kind = 'escalation' ORDER BY 2, 1"))]

    try:
        wait_until(lambda: mail.to("psy-b@iiv.uz") and mail.to("insp-b@iiv.uz"), timeout=30, what="both alerts")
        started = time.monotonic()
        from notify.app import create_app

        client = create_app(stack.base_settings("notify")).test_client()
        # the psychologist acknowledges through the signed link in her e-mail, without opening Qadam
        assert client.post(ack_link_in("psy-b@iiv.uz")).status_code == 200
        [to_supervisor] = wait_until(lambda: mail.to("sup-b@iiv.uz"), timeout=30, what="the inspector's escalation")
        assert time.monotonic() - started >= 2.5 and "P-2026-000903" in to_supervisor.get_content()
        assert chain() == [("sup-b", 1)]  # his chain went up; hers, answered, did not
        assert mail.to("psy-sup-b@iiv.uz") == []
        # the inspector acknowledges now: his supervisor's alert goes no further up
        assert client.post(ack_link_in("insp-b@iiv.uz")).status_code == 200
        # past the setting for the supervisor's alert: the worker's own scan, run with its clock 5 s on
        escalate_due(scan_settings, factory, now=datetime.now(UTC) + timedelta(seconds=5))
        assert chain() == [("sup-b", 1)] and mail.to("chief-b@iiv.uz") == []
    finally:
        worker.stop()
        engine.dispose()
