"""Each channel against a real local server that answers like the outside one: an SMTP server, an HTTP SMS gateway
and the Telegram Bot API. Sent, transient failures (try again) and permanent ones (retrying cannot help)."""

from __future__ import annotations

from typing import Any

import pytest
from notify.channels import CHANNELS, DeliveryFailed, channel, send_email
from notify.domain.templates import Message, render
from notify.settings import NotifySettings
from qadam_testing import FakeSmsGateway, FakeTelegram, MailCatcher, free_port

ACK = "http://127.0.0.1:8004/ack/0f6c2b1e.1767225600.mac"
MESSAGE = Message(
    subject="[Qadam] YUQORI xavf: P-2026-000123",
    text="P-2026-000123 kodli ishtirokchi boʻyicha yuqori darajadagi xavf aniqlandi.\n",
    short=f"Qadam: YUQORI xavf, P-2026-000123 — ketma-ket sababsiz qatnashmaslik. Tasdiqlang: {ACK}",
)


def settings(**overrides: Any) -> NotifySettings:
    return NotifySettings.from_env("notify", environ={}, **overrides)


def sms_settings(gateway: FakeSmsGateway, **overrides: Any) -> NotifySettings:
    return settings(**{"sms_gateway_url": gateway.url, "sms_gateway_token": gateway.token, **overrides})


def telegram_settings(api: FakeTelegram, **overrides: Any) -> NotifySettings:
    return settings(**{"telegram_api_url": api.api_url, "telegram_bot_token": api.token, **overrides})


def failure(send: Any) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        send()
    return caught.value


# -- e-mail ---------------------------------------------------------------------------------------------------------
def test_email_carries_the_subject_the_full_text_and_a_stable_message_id(mail: MailCatcher):
    channel(settings(smtp_port=mail.port), "email").send("inspector@ichki.uz", MESSAGE, message_id="d-1")

    [received] = mail.to("inspector@ichki.uz")
    assert received["Subject"] == MESSAGE.subject
    assert received.get_content().replace("\r\n", "\n") == MESSAGE.text
    assert received["Message-ID"] == "<d-1@qadam>"


def test_send_email_keeps_working_as_before(mail: MailCatcher):
    send_email(settings(smtp_port=mail.port), to="psy@inson.uz", subject="s", body="b\n", message_id="d-0")
    assert [m["Subject"] for m in mail.to("psy@inson.uz")] == ["s"]


def test_a_451_from_the_mail_server_is_transient_and_the_retry_goes_through(mail: MailCatcher):
    email = channel(settings(smtp_port=mail.port), "email")
    mail.fail_next = 1

    failed = failure(lambda: email.send("inspector@ichki.uz", MESSAGE, message_id="d-1"))
    assert failed.permanent is False and "451" in str(failed)
    email.send("inspector@ichki.uz", MESSAGE, message_id="d-1")
    assert len(mail.to("inspector@ichki.uz")) == 1


def test_a_550_from_the_mail_server_is_permanent(mail: MailCatcher):
    mail.fail_next, mail.fail_reply = 1, "550 5.7.1 Message rejected"

    failed = failure(lambda: channel(settings(smtp_port=mail.port), "email").send("x@ichki.uz", MESSAGE, message_id="d"))
    assert failed.permanent is True and "550" in str(failed)


def test_no_mail_server_listening_is_transient():
    failed = failure(lambda: channel(settings(smtp_port=free_port()), "email").send("x@ichki.uz", MESSAGE, message_id="d"))
    assert failed.permanent is False


def test_a_recipient_without_an_address_is_a_permanent_failure(mail: MailCatcher):
    for name in CHANNELS:
        failed = failure(lambda n=name: channel(settings(smtp_port=mail.port), n).send("", MESSAGE, message_id="d"))
        assert failed.permanent is True, name
    assert mail.messages == []


# -- SMS ------------------------------------------------------------------------------------------------------------
def test_sms_goes_to_the_gateway_with_the_short_text_the_id_and_the_bearer_token(sms_gateway: FakeSmsGateway):
    channel(sms_settings(sms_gateway), "sms").send("+998 (90) 123-45-67", MESSAGE, message_id="d-2")

    assert sms_gateway.messages == [{"to": "+998901234567", "text": MESSAGE.short, "id": "d-2",
                                     "authorization": f"Bearer {sms_gateway.token}"}]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_sms_gateway_busy_or_down_is_transient_and_the_retry_goes_through(sms_gateway: FakeSmsGateway, status: int):
    sms = channel(sms_settings(sms_gateway), "sms")
    sms_gateway.fail_next(1, status=status)

    failed = failure(lambda: sms.send("+998901234567", MESSAGE, message_id="d-3"))
    assert failed.permanent is False and str(status) in str(failed)
    sms.send("+998901234567", MESSAGE, message_id="d-3")
    assert [m["id"] for m in sms_gateway.messages] == ["d-3"]


def test_sms_gateway_refusing_the_request_is_permanent(sms_gateway: FakeSmsGateway):
    sms_gateway.fail_next(1, status=400)

    failed = failure(lambda: channel(sms_settings(sms_gateway), "sms").send("+998901234567", MESSAGE, message_id="d"))
    assert failed.permanent is True and "400" in str(failed)


def test_a_wrong_sms_token_is_refused_with_401_and_is_permanent(sms_gateway: FakeSmsGateway):
    sms = channel(settings(sms_gateway_url=sms_gateway.url, sms_gateway_token="not-the-token"), "sms")

    failed = failure(lambda: sms.send("+998901234567", MESSAGE, message_id="d"))
    assert failed.permanent is True and "401" in str(failed)
    assert "not-the-token" not in str(failed)
    assert sms_gateway.messages == []


@pytest.mark.parametrize("unset", ["sms_gateway_url", "sms_gateway_token"])
def test_sms_without_a_gateway_configured_is_permanent(sms_gateway: FakeSmsGateway, unset: str):
    failed = failure(lambda: channel(sms_settings(sms_gateway, **{unset: ""}), "sms")
                     .send("+998901234567", MESSAGE, message_id="d"))
    assert failed.permanent is True and str(failed) == "sms gateway not configured"
    assert sms_gateway.messages == []


def test_an_sms_address_that_is_not_a_phone_number_is_permanent(sms_gateway: FakeSmsGateway):
    failed = failure(lambda: channel(sms_settings(sms_gateway), "sms").send("inspector@ichki.uz", MESSAGE, message_id="d"))
    assert failed.permanent is True
    assert sms_gateway.messages == []


def test_an_sms_gateway_that_does_not_answer_in_time_is_transient(sms_gateway: FakeSmsGateway):
    sms_gateway.stall_next(1, 2.0)

    failed = failure(lambda: channel(sms_settings(sms_gateway, channel_timeout_seconds=0.3), "sms")
                     .send("+998901234567", MESSAGE, message_id="d"))
    assert failed.permanent is False and "0.3s" in str(failed)


def test_no_sms_gateway_listening_is_transient():
    gone = f"http://127.0.0.1:{free_port()}/api/sms/send"
    failed = failure(lambda: channel(settings(sms_gateway_url=gone, sms_gateway_token="t0ken-secret"), "sms")
                     .send("+998901234567", MESSAGE, message_id="d"))
    assert failed.permanent is False
    assert "t0ken-secret" not in str(failed)


# -- Telegram -------------------------------------------------------------------------------------------------------
def test_telegram_sends_the_short_text_to_the_chat_without_link_previews(telegram: FakeTelegram):
    channel(telegram_settings(telegram), "telegram").send("123456789", MESSAGE, message_id="d-4")

    assert telegram.messages == [{"token": telegram.token, "chat_id": "123456789", "text": MESSAGE.short,
                                  "disable_web_page_preview": True}]


def test_telegram_too_many_requests_is_transient_and_says_how_long_to_wait(telegram: FakeTelegram):
    bot = channel(telegram_settings(telegram), "telegram")
    telegram.fail_next(1, status=429, retry_after=5)

    failed = failure(lambda: bot.send("123456789", MESSAGE, message_id="d"))
    assert failed.permanent is False and failed.retry_after == 5
    bot.send("123456789", MESSAGE, message_id="d")
    assert len(telegram.to("123456789")) == 1


@pytest.mark.parametrize("status", [500, 502])
def test_telegram_server_errors_are_transient(telegram: FakeTelegram, status: int):
    telegram.fail_next(1, status=status, description="Bad Gateway")

    failed = failure(lambda: channel(telegram_settings(telegram), "telegram").send("1", MESSAGE, message_id="d"))
    assert failed.permanent is False and str(status) in str(failed)


def test_telegram_chat_not_found_is_permanent(telegram: FakeTelegram):
    telegram.known_chats = {"123456789"}

    failed = failure(lambda: channel(telegram_settings(telegram), "telegram").send("987654321", MESSAGE, message_id="d"))
    assert failed.permanent is True and "chat not found" in str(failed) and "400" in str(failed)
    assert telegram.messages == []


def test_telegram_bot_blocked_by_the_user_is_permanent(telegram: FakeTelegram):
    telegram.blocked_chats = {"123456789"}

    failed = failure(lambda: channel(telegram_settings(telegram), "telegram").send("123456789", MESSAGE, message_id="d"))
    assert failed.permanent is True and "403" in str(failed)


def test_a_wrong_bot_token_is_permanent_and_never_written_into_the_error(telegram: FakeTelegram):
    wrong = "999999:WRONG-token"
    failed = failure(lambda: channel(telegram_settings(telegram, telegram_bot_token=wrong), "telegram")
                     .send("123456789", MESSAGE, message_id="d"))
    assert failed.permanent is True and "401" in str(failed)
    assert wrong not in str(failed)


def test_telegram_without_a_bot_token_is_permanent(telegram: FakeTelegram):
    failed = failure(lambda: channel(telegram_settings(telegram, telegram_bot_token=""), "telegram")
                     .send("123456789", MESSAGE, message_id="d"))
    assert failed.permanent is True and "not configured" in str(failed)
    assert telegram.messages == []


def test_telegram_unreachable_is_transient_and_the_token_stays_out_of_the_error():
    token = "424242:SECRET-bot-token"
    failed = failure(lambda: channel(settings(telegram_api_url=f"http://127.0.0.1:{free_port()}",
                                              telegram_bot_token=token), "telegram")
                     .send("123456789", MESSAGE, message_id="d"))
    assert failed.permanent is False
    assert token not in str(failed) and "SECRET" not in repr(failed)


def test_telegram_not_answering_in_time_is_transient(telegram: FakeTelegram):
    telegram.stall_next(1, 2.0)

    failed = failure(lambda: channel(telegram_settings(telegram, channel_timeout_seconds=0.3), "telegram")
                     .send("123456789", MESSAGE, message_id="d"))
    assert failed.permanent is False


# -- a rendered message over every channel ---------------------------------------------------------------------------
def test_a_rendered_alert_reaches_each_channel_in_the_recipients_language(
        mail: MailCatcher, sms_gateway: FakeSmsGateway, telegram: FakeTelegram):
    message = render("alert", "ru", participant_code="P-2026-000123", level="critical",
                     reason="Incident reported by the inspector: protection order breach.",
                     link="http://127.0.0.1:8000/alerts/7", ack_link=ACK, rule_id="incident.order_breach")
    configured = settings(smtp_port=mail.port, sms_gateway_url=sms_gateway.url, sms_gateway_token=sms_gateway.token,
                          telegram_api_url=telegram.api_url, telegram_bot_token=telegram.token)

    channel(configured, "email").send("inspector@ichki.uz", message, message_id="d-e")
    channel(configured, "sms").send("+998901234567", message, message_id="d-s")
    channel(configured, "telegram").send("123456789", message, message_id="d-t")

    [received] = mail.to("inspector@ichki.uz")
    assert received["Subject"] == "[Qadam] КРИТИЧЕСКИЙ риск: P-2026-000123"
    assert received.get_content().replace("\r\n", "\n") == message.text
    assert sms_gateway.messages[0]["text"] == telegram.messages[0]["text"] == (
        f"Qadam: КРИТИЧЕСКИЙ риск, P-2026-000123 — сообщение об инциденте. Подтвердите: {ACK}")


# -- why, as a code (issue 19: the portal says it in the reader's language; the error text stays for the log) --------
def test_each_channel_failure_says_why_as_a_code(mail: MailCatcher, sms_gateway: FakeSmsGateway,
                                                 telegram: FakeTelegram):
    email = channel(settings(smtp_port=mail.port), "email")
    sms = channel(sms_settings(sms_gateway, channel_timeout_seconds=0.3), "sms")
    bot = channel(telegram_settings(telegram, channel_timeout_seconds=0.3), "telegram")
    gone = f"http://127.0.0.1:{free_port()}"

    def code(send: Any) -> str:
        return str(failure(send).code)

    # not set up: no SMS gateway, no Telegram bot
    assert code(lambda: channel(sms_settings(sms_gateway, sms_gateway_token=""), "sms")
                .send("+998901234567", MESSAGE, message_id="d")) == "not_set_up"
    assert code(lambda: channel(telegram_settings(telegram, telegram_bot_token=""), "telegram")
                .send("1", MESSAGE, message_id="d")) == "not_set_up"
    # an address the channel cannot send to, or none
    assert code(lambda: sms.send("inspector@ichki.uz", MESSAGE, message_id="d")) == "bad_address"
    assert code(lambda: email.send("bad@ichki.uz\nBcc: x@y.z", MESSAGE, message_id="d")) == "bad_address"
    assert code(lambda: email.send("not an address", MESSAGE, message_id="d")) == "bad_address"
    assert [code(lambda c=c: c.send(" ", MESSAGE, message_id="d")) for c in (email, sms, bot)] == ["no_address"] * 3
    # no answer: nobody listening, or too slow
    assert code(lambda: channel(settings(smtp_port=free_port()), "email")
                .send("x@ichki.uz", MESSAGE, message_id="d")) == "no_answer"
    assert code(lambda: channel(settings(sms_gateway_url=f"{gone}/sms", sms_gateway_token="t"), "sms")
                .send("+998901234567", MESSAGE, message_id="d")) == "no_answer"
    assert code(lambda: channel(settings(telegram_api_url=gone, telegram_bot_token="1:t"), "telegram")
                .send("1", MESSAGE, message_id="d")) == "no_answer"
    sms_gateway.stall_next(1, 2.0)
    telegram.stall_next(1, 2.0)
    assert code(lambda: sms.send("+998901234567", MESSAGE, message_id="d")) == "no_answer"
    assert code(lambda: bot.send("1", MESSAGE, message_id="d")) == "no_answer"
    # refused: the mail server, the gateway or Telegram answered with an error, for good or for now
    mail.fail_next, mail.fail_reply = 1, "550 5.7.1 Message rejected"
    assert code(lambda: email.send("x@ichki.uz", MESSAGE, message_id="d")) == "refused"
    mail.fail_next, mail.fail_reply = 1, "451 4.3.0 Temporary failure, try again later"
    assert code(lambda: email.send("x@ichki.uz", MESSAGE, message_id="d")) == "refused"
    for status in (400, 503):
        sms_gateway.fail_next(1, status=status)
        assert code(lambda: sms.send("+998901234567", MESSAGE, message_id="d")) == "refused", status
    telegram.blocked_chats = {"123456789"}
    assert code(lambda: bot.send("123456789", MESSAGE, message_id="d")) == "refused"
    telegram.fail_next(1, status=429, retry_after=5)
    assert code(lambda: bot.send("1", MESSAGE, message_id="d")) == "refused"
    assert mail.messages == []
