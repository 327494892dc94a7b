"""A worker killed between its commit and its ack, and duplicated events, still give exactly one notification."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from qadam.events import envelope_of
from qadam_contracts.enrollment import Enrolled
from qadam_contracts.risk import FlagRaised
from qadam_testing import declare_topology, publish_envelope, queue_depth, wait_until, worker_process

CODE = "P-2026-000042"


def envelopes():
    enrolment = uuid.uuid4()
    enrolled = envelope_of(Enrolled(
        enrolment_id=enrolment, participant_code=CODE, cohort_id=uuid.uuid4(), programme_id=uuid.uuid4(),
        inspector_id="insp-9", psychologist_id="psy-9", region="Buxoro viloyati", district="Kogon",
        status="active", enrolled_at=datetime.now(UTC)), correlation_id="c-1", causation_id=None)
    flag = FlagRaised(flag_id=uuid.uuid4(), enrolment_id=enrolment, participant_code=CODE,
                      rule_id="consecutive_absences", rule_version=1, level="high",
                      reasons=["2 unexcused absences in a row: sessions 3 and 4."], evidence={"session_numbers": [3, 4]},
                      region="Buxoro viloyati", district="Kogon", inspector_id="insp-9", psychologist_id="psy-9",
                      raised_at=datetime.now(UTC))
    raised = envelope_of(flag, correlation_id="c-1", causation_id=None)
    raised_again = envelope_of(flag, correlation_id="c-2", causation_id=None)
    return enrolled, raised, raised_again


def count(engine, sql: str, **params) -> int:
    with engine.connect() as c:
        return c.execute(sa.text(sql), params).scalar_one()


def test_worker_killed_between_commit_and_ack_and_duplicates_notify_once(isolated_stack, mail, tmp_path):
    stack = isolated_stack("notify")
    settings = stack.settings("notify")
    engine = sa.create_engine(settings.database_url)
    with engine.begin() as c:
        for user in ("insp-9", "psy-9"):
            c.execute(sa.text("INSERT INTO contact (user_id, email, language) VALUES (:u, :e, 'ru')"),
                      {"u": user, "e": f"{user}@iiv.uz"})
    declare_topology(settings)
    enrolled, raised, raised_again = envelopes()
    publish_envelope(settings.amqp_url, enrolled)
    publish_envelope(settings.amqp_url, raised)

    # 1. the worker commits the flag's notifications, then dies before it can ack
    crashing = worker_process(stack, "notify", tmp_path, smtp_port=mail.port,
                              fault_exit_after_commit="risk.flag.raised").start()
    assert crashing.popen.wait(60) == 75
    assert count(engine, "SELECT count(*) FROM notification") == 2
    # what the dead worker held unacked (the flag event, and the enrolment if it came in the same batch) is back
    wait_until(lambda: queue_depth(settings.amqp_url, "notify.incoming") >= 1, what="the unacked flag event back")

    # 2. a new worker gets the same message again: the inbox knows it, nothing is added
    worker = worker_process(stack, "notify", tmp_path, smtp_port=mail.port).start()
    try:
        wait_until(lambda: len(mail.messages) == 2, timeout=30, what="the two e-mails")
        # the redelivered flag event was recognised by the inbox, not merely absorbed by a unique constraint
        # (waited for: the queue's depth counts only messages ready, not one the worker is still handling)
        wait_until(lambda: any(line["event"] == "message_duplicate" and line.get("message_id") == raised["id"]
                               for line in worker.log_lines()), what="the inbox to recognise the redelivery")
        wait_until(lambda: queue_depth(settings.amqp_url, "notify.incoming") == 0, what="the redelivery acked")

        # 3. the same event delivered twice more, and the same flag in a second event
        publish_envelope(settings.amqp_url, raised)
        publish_envelope(settings.amqp_url, raised_again)
        stack.handled.wait_for_handled("notify", "risk.flag.raised", message_id=raised_again["id"])
        wait_until(lambda: queue_depth(settings.amqp_url, "notify.incoming") == 0, what="all acked")
    finally:
        worker.stop()
    assert count(engine, "SELECT count(*) FROM notification") == 2
    assert count(engine, "SELECT count(*) FROM delivery WHERE status = 'sent'") == 2
    assert sorted(m["To"] for m in mail.messages) == ["insp-9@iiv.uz", "psy-9@iiv.uz"]
    engine.dispose()


def test_failing_smtp_server_is_retried_and_every_attempt_logged(isolated_stack, mail, tmp_path):
    stack = isolated_stack("notify")
    settings = stack.settings("notify")
    engine = sa.create_engine(settings.database_url)
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO contact (user_id, email, language) VALUES ('insp-9', 'insp-9@iiv.uz', 'uz-Cyrl')"))
    declare_topology(settings)
    enrolled, raised, _ = envelopes()
    mail.fail_next = 2  # the server answers 451 twice, then accepts
    publish_envelope(settings.amqp_url, enrolled)
    publish_envelope(settings.amqp_url, raised)
    worker = worker_process(stack, "notify", tmp_path, smtp_port=mail.port, delivery_backoff_seconds=0.2).start()
    try:
        wait_until(lambda: mail.to("insp-9@iiv.uz"), timeout=30, what="the e-mail after two failures")
    finally:
        worker.stop()
    outcomes = [r for r in engine.connect().execute(sa.text(
        "SELECT a.outcome, a.error FROM delivery_attempt a JOIN delivery d ON d.id = a.delivery_id "
        "WHERE d.address = 'insp-9@iiv.uz' ORDER BY a.id"))]
    assert [o.outcome for o in outcomes] == ["error", "error", "sent"]
    assert "451" in outcomes[0].error
    # what notify has no address for is logged as skipped, not silently dropped: the psychologist has no contact at
    # all, the inspector no Telegram chat (a high flag goes by e-mail and Telegram)
    skipped = engine.connect().execute(sa.text(
        "SELECT n.user_id, d.channel, d.skip_reason, d.last_error FROM delivery d JOIN notification n "
        "ON n.id = d.notification_id WHERE d.status = 'skipped' ORDER BY 1, 2")).all()
    assert [(r.user_id, r.channel) for r in skipped] == [("insp-9", "telegram"), ("psy-9", "email"),
                                                          ("psy-9", "telegram")]
    assert (skipped[0].skip_reason, skipped[0].last_error) == ("no_telegram_chat", None)  # a code, no sentence
    engine.dispose()
