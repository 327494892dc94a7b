"""Which channel a name makes (no server: the channels' sending is tested against real local servers in
tests/integration/test_channels.py)."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from notify.channels import CHANNELS, _smtp_code, channel
from notify.domain.failures import FAILURE_REASONS
from qadam.config import Settings


def settings(**overrides: Any) -> Settings:
    return Settings.from_env("notify", environ={}, **overrides)


def test_every_channel_is_made_by_its_name():
    assert [channel(settings(), name).name for name in CHANNELS] == ["email", "sms", "telegram"]
    with pytest.raises(ValueError, match="email, sms, telegram"):
        channel(settings(), "pigeon")


def test_a_mail_server_that_answered_with_an_error_refused_and_one_that_never_answered_did_not_answer():
    refused = [smtplib.SMTPRecipientsRefused({"x@iiv.uz": (550, b"5.1.1 no such user")}),
               smtplib.SMTPResponseException(451, b"try again later"), smtplib.SMTPDataError(554, b"no"),
               smtplib.SMTPConnectError(421, b"too busy")]
    unanswered = [smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), ConnectionRefusedError(111, "no"),
                  TimeoutError("timed out"), OSError("Network is unreachable")]
    assert [_smtp_code(e) for e in refused] == ["refused"] * 4
    assert [_smtp_code(e) for e in unanswered] == ["no_answer"] * 4
    assert set(FAILURE_REASONS) == {"not_set_up", "bad_address", "no_address", "no_answer", "refused", "unwritable",
                                    "other"}
