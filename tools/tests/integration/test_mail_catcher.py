"""The development mail catcher prints what an e-mail says, decoded: a developer reads the Uzbek of an alert in the
console, not its quoted-printable or base64."""

from __future__ import annotations

import base64
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from notify.channels import send_email
from notify.settings import NotifySettings
from qadam_testing import free_port
from qadam_tools.mail_catcher import PREFIX, console_mail_catcher

UZBEK = ("IN-0042 kodli ishtirokchi boʻyicha yuqori darajadagi xavf aniqlandi: ketma-ket ikki mashgʻulotga "
         "sababsiz kelmadi. Ogohlantirishni oching va olinganini tasdiqlang.")
CYRILLIC = ("IN-0042 кодли иштирокчи бўйича юқори даражадаги хавф аниқланди: кетма-кет иккита машғулотга "
            "сабабсиз келмади. Огоҳлантиришни очинг ва олинганини тасдиқланг.")


@pytest.fixture
def catcher() -> Iterator[tuple[int, list[str]]]:
    printed: list[str] = []
    port = free_port()
    controller = console_mail_catcher("127.0.0.1", port, write=printed.append)
    try:
        yield port, printed
    finally:
        controller.stop()


def test_an_alert_sent_by_notify_is_printed_with_its_uzbek_text_and_subject_decoded(catcher):
    port, printed = catcher
    settings = NotifySettings.from_env("notify", smtp_host="127.0.0.1", smtp_port=port)
    send_email(settings, to="insp-7@iiv.uz", subject="[Qadam] IN-0042 boʻyicha yuqori xavf", body=UZBEK,
               message_id="alert-42")
    # smtplib returns once the catcher has answered 250, after it printed
    text = "".join(printed)
    assert f"{PREFIX}Subject: [Qadam] IN-0042 boʻyicha yuqori xavf" in text
    assert f"{PREFIX}To: insp-7@iiv.uz" in text
    assert "IN-0042 kodli ishtirokchi boʻyicha yuqori" in text
    assert "=?utf-8?" not in text and "=CA=BB" not in text


@pytest.mark.parametrize("encoding", ["quoted-printable", "base64"])
@pytest.mark.parametrize("words", [UZBEK, CYRILLIC], ids=["latin", "cyrillic"])
def test_a_message_in_either_transfer_encoding_is_printed_decoded(catcher, encoding, words):
    port, printed = catcher
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "alerts@qadam.local", "psy-1@inson.uz", words[:40]
    message.set_content(words, cte=encoding)
    assert words[:30].encode() not in message.as_bytes()  # what goes over the wire is encoded
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)
    text = "".join(printed)
    assert f"{PREFIX}Subject: {words[:40]}" in text
    assert f"{PREFIX}{words}\n" in text


def test_an_attachment_is_named_not_printed(catcher):
    port, printed = catcher
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "alerts@qadam.local", "psy-1@inson.uz", "Hisobot"
    message.set_content("Hisobot ilova qilindi.")
    message.add_attachment(b"\x00\x01" * 50, maintype="application", subtype="octet-stream", filename="hisobot.xlsx")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)
    text = "".join(printed)
    assert f"{PREFIX}Hisobot ilova qilindi." in text
    assert f"{PREFIX}[application/octet-stream hisobot.xlsx, 100 bytes]" in text


def test_a_text_in_a_charset_python_does_not_know_is_printed_as_utf_8(catcher):
    port, printed = catcher
    raw = (b"From: alerts@qadam.local\r\nTo: psy-1@inson.uz\r\nSubject: Eslatma\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=x-qadam-unknown\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           ) + base64.b64encode("Mashgʻulot ertaga.".encode()) + b"\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("alerts@qadam.local", ["psy-1@inson.uz"], raw)
    assert f"{PREFIX}Mashgʻulot ertaga.\n" in "".join(printed)
