"""The development mail catcher: an SMTP server that prints each message it takes, readable (its headers and its text
decoded: encoded words, quoted-printable or base64, the charset applied), so that a developer sees 'boʻyicha', not
'bo=CA=BByicha'."""

from __future__ import annotations

import email
import email.policy
import sys
from collections.abc import Callable
from email.message import EmailMessage, MIMEPart
from typing import Any

PREFIX = "mail-catcher      | "


def _payload(part: MIMEPart) -> bytes:
    """A part's bytes, its transfer encoding undone."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _text(part: MIMEPart) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):  # a charset Python does not know, or bytes that are not in it
        return _payload(part).decode("utf-8", errors="replace")


def readable(content: bytes) -> str:
    """One message as a person reads it: each header decoded, a blank line, its text (the plain text if it has one,
    else its HTML), and one line for each other part it carries."""
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # what policy.default makes
    lines = [f"{name}: {value}" for name, value in message.items()]
    body = message.get_body(preferencelist=("plain", "html"))
    lines.append("")
    if body is not None:
        lines.append(_text(body).replace("\r\n", "\n").rstrip("\n"))  # quoted-printable keeps the wire's CRLF
    for part in message.walk():
        if part is body or part.is_multipart():
            continue
        size = len(_payload(part))
        name = f" {part.get_filename()}" if part.get_filename() else ""
        lines.append(f"[{part.get_content_type()}{name}, {size} bytes]")
    return "\n".join(lines)


class ConsolePrinter:
    """aiosmtpd's handler: each message taken is written readable to `write` (the console), a prefix on each line."""

    def __init__(self, write: Callable[[str], Any] | None = None) -> None:
        self.write = write or sys.stdout.write

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        text = readable(content if isinstance(content, bytes) else content.encode())
        self.write(PREFIX + text.replace("\n", "\n" + PREFIX) + "\n")
        return "250 OK"


def console_mail_catcher(host: str, port: int, write: Callable[[str], Any] | None = None) -> Any:
    """Start the catcher on `host`:`port` (stop it with its .stop())."""
    from aiosmtpd.controller import Controller

    controller = Controller(ConsolePrinter(write), hostname=host, port=port)
    controller.start()
    return controller
