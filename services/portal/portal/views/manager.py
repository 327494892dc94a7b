"""The manager's pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("manager", __name__)
