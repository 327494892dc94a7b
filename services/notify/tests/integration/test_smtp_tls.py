"""E-mail over TLS (QADAM_SMTP_TLS), against a real local SMTP server that demands STARTTLS, with a certificate made
for the test: sent encrypted and verified; a relay whose certificate nobody trusts is not written to; and plain SMTP
is what such a relay turns away. A relay that wants a sign-in (SMTP AUTH, QADAM_SMTP_USER and QADAM_SMTP_PASSWORD)
takes the e-mail from notify signed in over TLS, and none without the right password."""

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

    def __init__(self, cert: Path, key: Path, login: tuple[str, str] | None = None) -> None:
        from aiosmtpd.controller import Controller

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.port = free_port()
        self.login = login
        self.received: list[tuple[EmailMessage, bool]] = []
        self.signed_in: list[str] = []
        self._lock = threading.Lock()
        # with a login, the relay wants a sign-in before MAIL FROM, and takes it only over TLS (aiosmtpd's default)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, tls_context=context,
                                      require_starttls=True, authenticator=self._authenticate if login else None,
                                      auth_required=login is not None)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        assert self.login is not None
        good = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == \
            self.login
        if good:
            with self._lock:
                self.signed_in.append(auth_data.login.decode())
        return AuthResult(success=good, handled=False)  # handled=False: the relay answers 535 itself

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


@pytest.fixture
def signing_relay(tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = TlsRelay(cert, key, login=("qadam-alerts", "relay-secret"))
    server._controller.start()
    yield server
    server._controller.stop()


def settings(port: int, tls: str, **more: str) -> NotifySettings:
    return NotifySettings.from_env("notify", {}, smtp_port=port, smtp_tls=tls, smtp_timeout_seconds=5.0, **more)


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


def test_notify_signs_in_over_starttls_and_the_relay_takes_the_e_mail(signing_relay):
    s = settings(signing_relay.port, "starttls", smtp_user="qadam-alerts", smtp_password="relay-secret")
    channel(s, "email").send("inspector@iiv.uz", MESSAGE, message_id="d-4")
    [(received, encrypted)] = signing_relay.received
    assert signing_relay.signed_in == ["qadam-alerts"]
    assert received["Subject"] == MESSAGE.subject and encrypted


def test_a_wrong_password_is_a_permanent_failure_and_nothing_is_sent(signing_relay):
    s = settings(signing_relay.port, "starttls", smtp_user="qadam-alerts", smtp_password="not-the-secret")
    with pytest.raises(DeliveryFailed) as failed:
        channel(s, "email").send("inspector@iiv.uz", MESSAGE, message_id="d-5")
    assert failed.value.permanent  # the next channel is tried at once: a retry would fail the same way
    assert signing_relay.received == [] and signing_relay.signed_in == []


def test_without_a_user_a_relay_that_wants_a_sign_in_takes_nothing(signing_relay):
    with pytest.raises(DeliveryFailed):
        channel(settings(signing_relay.port, "starttls"), "email").send("inspector@iiv.uz", MESSAGE, message_id="d-6")
    assert signing_relay.received == []
