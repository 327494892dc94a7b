"""Migration 0008 on a database whose skipped deliveries say why in English sentences: each sentence notify wrote
becomes its code (and leaves `last_error`), a failed sending's error stays as the far side wrote it, and the
downgrade writes the sentences back."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import command
from qadam_testing import migrated_back

# what notify wrote for a skipped delivery before 0008, and the code it stands for
SENTENCES = {
    "no e-mail address on file for this user": "no_email",
    "no phone number on file for this user": "no_phone",
    "no Telegram chat on file for this user": "no_telegram_chat",
    "sms is not set up here": "sms_not_set_up",
    "telegram is not set up here": "telegram_not_set_up",
    "no address on file for this user (the alerts stay in the in-app inbox)": "no_address",
}
FAILED = "SMTPRecipientsRefused: {'x@iiv.uz': (550, b'5.1.1 no such user')}"


def test_the_sentences_of_skipped_deliveries_become_their_codes_and_a_failures_error_stays(isolated_stack):
    config, engine = migrated_back(isolated_stack("notify"), "notify", "0007")
    ids = {sentence: uuid.uuid4() for sentence in SENTENCES}
    failed = uuid.uuid4()
    with engine.begin() as c:
        for sentence, delivery in [*ids.items(), (FAILED, failed)]:
            c.execute(sa.text("INSERT INTO delivery (id, channel, status, attempts, last_error) "
                              "VALUES (:id, 'sms', :status, 0, :error)"),
                      {"id": delivery, "status": "failed" if delivery == failed else "skipped", "error": sentence})

    command.upgrade(config, "heads")

    with engine.connect() as c:
        now = {r.id: (r.skip_reason, r.last_error) for r in c.execute(sa.text(
            "SELECT id, skip_reason, last_error FROM delivery"))}
    assert {sentence: now[delivery] for sentence, delivery in ids.items()} == {
        sentence: (code, None) for sentence, code in SENTENCES.items()}
    assert now[failed] == (None, FAILED)

    command.downgrade(config, "0007")
    with engine.connect() as c:
        columns = {col["name"] for col in sa.inspect(c).get_columns("delivery")}
        back = {r.id: r.last_error for r in c.execute(sa.text("SELECT id, last_error FROM delivery"))}
    engine.dispose()
    assert "skip_reason" not in columns
    assert back == {**{delivery: sentence for sentence, delivery in ids.items()}, failed: FAILED}
