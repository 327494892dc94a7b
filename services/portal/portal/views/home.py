"""The home page sends each user to the page their work starts from; the menu shows each role its pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, redirect, url_for
from qadam.auth import allow
from qadam_contracts.roles import Role

from ..i18n import lazy_gettext as _l
from .auth import EVERYONE

bp = Blueprint("home", __name__)

START = {
    "psychologist": "psychologist.today",
    "inspector": "inspector.alerts",
    "supervisor": "inspector.alerts",
    "support_worker": "support.men",
    "manager": "manager.dashboard",
    "auditor": "admin.audit_log",
    "administrator": "admin.users",
    "analyst": "manager.dashboard",
}

# (endpoint, label) per role, in menu order.
MENU: dict[str, list[tuple[str, Any]]] = {
    "psychologist": [("psychologist.today", _l("Today")), ("psychologist.cohorts", _l("My cohorts")),
                     ("inspector.alerts", _l("Alerts")), ("documents.check", _l("Check a document"))],
    "inspector": [("inspector.alerts", _l("Alerts")), ("inspector.participants", _l("My participants")),
                  ("inspector.orders", _l("Protection orders")), ("inspector.refer", _l("Refer a participant")),
                  ("documents.check", _l("Check a document"))],
    "supervisor": [("supervisor.overview", _l("Supervision")), ("supervisor.moves", _l("Moves to approve")),
                   ("inspector.alerts", _l("Alerts")), ("inspector.participants", _l("Participants")),
                   ("inspector.orders", _l("Protection orders")), ("manager.dashboard", _l("Dashboard")),
                   ("manager.outcomes", _l("Outcomes")), ("documents.check", _l("Check a document"))],
    "support_worker": [("support.men", _l("My cases")), ("support.notices", _l("Notices"))],
    "manager": [("manager.dashboard", _l("Dashboard")), ("manager.outcomes", _l("Outcomes")),
                ("national.rollup", _l("Roll-up")), ("manager.fidelity", _l("Fidelity and workload")),
                ("manager.cohorts", _l("Groups")),
                ("manager.programmes", _l("Programmes")), ("inspector.alerts", _l("Alerts"))],
    "auditor": [("admin.audit_log", _l("Audit log")), ("auth.account", _l("My account"))],
    "administrator": [("admin.users", _l("Users")), ("admin.areas", _l("Areas")),
                      ("admin.programmes", _l("Programmes")), ("manager.cohorts", _l("Groups")),
                      ("manager.dashboard", _l("Dashboard")), ("manager.outcomes", _l("Outcomes")),
                      ("national.rollup", _l("National roll-up")),
                      ("manager.fidelity", _l("Fidelity and workload")),
                      ("admin.audit_log", _l("Audit log")), ("admin.unassigned", _l("Nobody to escalate to"))],
    # aggregates only: the figures of his region or the whole country, and no page that shows a man
    "analyst": [("manager.dashboard", _l("Dashboard")), ("manager.outcomes", _l("Outcomes")),
                ("national.rollup", _l("National roll-up")), ("manager.fidelity", _l("Fidelity and workload"))],
}

ROLE_NAMES = {
    "psychologist": _l("Psychologist"),
    "inspector": _l("Prevention inspector"),
    "supervisor": _l("Supervisor"),
    "support_worker": _l("Victim-support worker"),
    "manager": _l("Programme manager"),
    "auditor": _l("Auditor"),
    "administrator": _l("Administrator"),
    "analyst": _l("Analyst"),
}


@bp.get("/")
@allow(*EVERYONE)
def index() -> Any:
    return redirect(url_for(START.get(g.user.role, "auth.account")))


def init_menu(app: Flask) -> None:
    @app.context_processor
    def _menu() -> dict[str, Any]:
        user = g.get("user")
        items = MENU.get(user.role, []) if user is not None and g.login.stage == "full" else []
        return {"menu": [(e, label) for e, label in items if e in app.view_functions], "role_names": ROLE_NAMES,
                "Role": Role}
