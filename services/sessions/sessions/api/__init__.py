"""Sessions' HTTP routes: parse, authorise, call the rules, respond."""

from __future__ import annotations

from flask_smorest import Blueprint

from .calls import blp as calls
from .sessions import blp as sessions

BLUEPRINTS: list[Blueprint] = [sessions, calls]
