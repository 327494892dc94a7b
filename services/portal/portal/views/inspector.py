"""The inspector's pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inspector", __name__)
