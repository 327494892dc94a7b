"""Notify's HTTP routes, one module per resource: a person's own alerts and their acknowledgement, contacts, the
escalations nobody could take, the page a signed link opens, the routing rules, and the figures for managers. Each
route parses, authorises, calls one command or query, and answers."""

from __future__ import annotations

from .blueprint import blp

# isort: off
# the routes register on import, and their order is the order of the paths in the committed OpenAPI document
from . import notifications, contacts, escalations, acknowledgement_link, routing, figures
# isort: on

__all__ = ["blp", "notifications", "contacts", "escalations", "acknowledgement_link", "routing", "figures"]
