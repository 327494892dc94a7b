"""Which channel a name makes (no server: the channels' sending is tested against real local servers in
tests/integration/test_channels.py)."""

from __future__ import annotations

from typing import Any

import pytest
from notify.channels import CHANNELS, channel
from qadam.config import Settings


def settings(**overrides: Any) -> Settings:
    return Settings.from_env("notify", environ={}, **overrides)


def test_every_channel_is_made_by_its_name():
    assert [channel(settings(), name).name for name in CHANNELS] == ["email", "sms", "telegram"]
    with pytest.raises(ValueError, match="email, sms, telegram"):
        channel(settings(), "pigeon")
