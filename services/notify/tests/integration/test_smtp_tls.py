"""E-mail over TLS (QADAM_SMTP_TLS), against a real local SMTP server that demands STARTTLS, with a certificate made
for the test: sent encrypted and verified; a relay whose certificate nobody trusts is not written to; and plain SMTP
is what such a relay turns away."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from email import message_from_bytes, policy
from email.message import Message as EmailMessage
from pathlib import Path
from typing import Any

import pytest
from notify.channels import DeliveryFailed, channel
from notify.domain.templates import Message
from notify.settings import NotifySettings
from qadam_testing import free_port

MESSAGE = Message(subject="[Qadam] HIGH risk: P-2026-000123", text="P-2026-000123\n", short="P-2026-000123")


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp relay of the test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "relay.pem", folder / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class TlsRelay:
    """An SMTP relay on localhost that turns away anything sent before STARTTLS; keeps what it receives, and
    whether the session was encrypted."""

    def __init__(self, cert: Path, key: Path) -> None:
        from aiosmtpd.controller import Controller

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.port = free_port()
        self.received: list[tuple[EmailMessage, bool]] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, tls_context=context,
                                      require_starttls=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self._lock:
            self.received.append((message_from_bytes(envelope.content, policy=policy.default),
                                  session.ssl is not None))
        return "250 OK"


@pytest.fixture
def relay(tmp_path):
    cert, key = self_signed(tmp_path)
    server = TlsRelay(cert, key)
    server._controller.start()
    yield server, cert
    server._controller.stop()


def settings(port: int, tls: str) -> NotifySettings:
    return NotifySettings.from_env("notify", {}, smtp_port=port, smtp_tls=tls, smtp_timeout_seconds=5.0)


def test_starttls_sends_the_e_mail_encrypted_to_a_relay_whose_certificate_is_trusted(relay, monkeypatch):
    server, cert = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the system's CAs, as an operator would add the relay's
    channel(settings(server.port, "starttls"), "email").send("inspector@iiv.uz", MESSAGE, message_id="d-1")
    [(received, encrypted)] = server.received
    assert received["Subject"] == MESSAGE.subject and encrypted


def test_a_relay_whose_certificate_nobody_trusts_is_not_written_to(relay, tmp_path, monkeypatch):
    server, _ = relay
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed(other)[0]))  # some other certificate trusted, not the relay's
    with pytest.raises(DeliveryFailed):
        channel(settings(server.port, "starttls"), "email").send("inspector@iiv.uz", MESSAGE, message_id="d-2")
    assert server.received == []


def test_plain_smtp_is_turned_away_by_a_relay_that_wants_tls(relay):
    server, _ = relay
    with pytest.raises(DeliveryFailed):
        channel(settings(server.port, "none"), "email").send("inspector@iiv.uz", MESSAGE, message_id="d-3")
    assert server.received == []
