"""create_app for sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from qadam.auth import TokenVerifier
from qadam.web import build_app
from qadam_contracts.roles import ACCESS_POLICY

from . import SERVICE
from .api import BLUEPRINTS


def create_app(config: Mapping[str, Any] | None = None, *, verifier: TokenVerifier | None = None) -> Flask:
    """The sessions web app; `config` overrides settings read from the environment."""
    return build_app(SERVICE, BLUEPRINTS, config, policy=ACCESS_POLICY, verifier=verifier)
