"""create_app for notify."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from qadam.auth import TokenVerifier
from qadam.web import build_app
from qadam_contracts.roles import ACCESS_POLICY

from . import SERVICE
from .api import blp
from .routing_needs import refuse_unless_fit


def create_app(config: Mapping[str, Any] | None = None, *, verifier: TokenVerifier | None = None) -> Flask:
    """The notify web app; `config` overrides settings read from the environment. In production it refuses to start
    while the routing in force sends over a channel that is not set up (`routing_needs`)."""
    app = build_app(SERVICE, [blp], config, policy=ACCESS_POLICY, verifier=verifier)
    refuse_unless_fit(app.extensions["qadam_settings"])
    return app
