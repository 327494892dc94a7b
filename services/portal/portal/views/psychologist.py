"""The psychologist's pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("psychologist", __name__)
