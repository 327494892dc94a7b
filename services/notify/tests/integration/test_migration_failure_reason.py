"""Migration 0009 on a database whose failed deliveries say why only in English (`last_error`): each error notify
wrote gets the code of its shape (anything else: `other`), the error itself stays, a delivery that did not fail gets
no code, and the downgrade drops the column."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import command
from qadam_testing import migrated_back

# errors as notify wrote them before 0009 (each channel's, and the dispatcher's), and the code each stands for
ERRORS = {
    "sms gateway not configured": "not_set_up",
    "telegram bot not configured": "not_set_up",
    "sms: the address is not a phone number in international form (+998...)": "bad_address",
    "ValueError: Header values may not contain linefeed or carriage return characters": "bad_address",
    "telegram: the recipient has no address for this channel": "no_address",
    "sms: no answer within 10s (ReadTimeout)": "no_answer",
    "telegram: ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded": "no_answer",
    "ConnectionRefusedError: [Errno 111] Connection refused": "no_answer",
    "TimeoutError: timed out": "no_answer",
    "SMTPServerDisconnected: Connection unexpectedly closed": "no_answer",
    "SMTPRecipientsRefused: {'x@iiv.uz': (550, b'5.1.1 no such user')}": "refused",
    "SMTPDataError: (451, b'4.3.0 Temporary failure, try again later')": "refused",
    "sms gateway answered 500: {\"error\": \"down\"}": "refused",
    "telegram answered 502 without the Bot API's JSON: <html>Bad Gateway</html>": "refused",
    "telegram 403: Forbidden: bot was blocked by the user": "refused",
    "the message could not be written: KeyError: 'reason'": "unwritable",
    "RuntimeError: something nobody foresaw": "other",
}


def test_the_errors_of_failed_deliveries_get_their_codes_and_stay_as_written(isolated_stack):
    config, engine = migrated_back(isolated_stack("notify"), "notify", "0008")
    failed = {error: uuid.uuid4() for error in ERRORS}
    retrying, sent, skipped = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with engine.begin() as c:
        for error, delivery in failed.items():
            c.execute(sa.text("INSERT INTO delivery (id, channel, status, attempts, last_error) "
                              "VALUES (:id, 'sms', 'failed', 1, :error)"), {"id": delivery, "error": error})
        c.execute(sa.text("INSERT INTO delivery (id, channel, status, attempts, last_error) VALUES "
                          "(:r, 'sms', 'pending', 1, 'sms gateway answered 503: busy'), "
                          "(:s, 'email', 'sent', 1, NULL), (:k, 'sms', 'skipped', 0, NULL)"),
                  {"r": retrying, "s": sent, "k": skipped})

    command.upgrade(config, "heads")

    with engine.connect() as c:
        now = {r.id: (r.failure_reason, r.last_error) for r in c.execute(sa.text(
            "SELECT id, failure_reason, last_error FROM delivery"))}
    assert {error: now[delivery] for error, delivery in failed.items()} == {
        error: (code, error) for error, code in ERRORS.items()}
    assert now[retrying] == ("refused", "sms gateway answered 503: busy")
    assert now[sent] == now[skipped] == (None, None)

    command.downgrade(config, "0008")
    with engine.connect() as c:
        columns = {col["name"] for col in sa.inspect(c).get_columns("delivery")}
        back = {r.id: r.last_error for r in c.execute(sa.text("SELECT id, last_error FROM delivery"))}
    command.upgrade(config, "heads")
    engine.dispose()
    assert "failure_reason" not in columns
    assert {back[delivery] for delivery in failed.values()} == set(ERRORS)
