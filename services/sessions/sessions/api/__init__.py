"""Sessions' HTTP routes: parse, authorise, call one command (commands.py) or query (queries.py), answer."""

from __future__ import annotations

from flask_smorest import Blueprint

from .calls import blp as calls
from .reports import blp as reports
from .sessions import blp as sessions

BLUEPRINTS: list[Blueprint] = [sessions, calls, reports]
