"""The ways a notification leaves Qadam. E-mail over SMTP for now; SMS and Telegram join behind the same call."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from qadam.config import Settings


class DeliveryFailed(Exception):
    pass


def send_email(settings: Settings, *, to: str, subject: str, body: str, message_id: str) -> None:
    """Send one e-mail; a stable Message-ID lets mail systems drop a copy resent after a crash."""
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{message_id}@qadam>"
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
