"""The escalations nobody could take, for administrators to put right."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from qadam.auth import Role, allow
from qadam.web import PageArgs, paginate, read_session

from ..queries import UnassignedAlert, unassigned_alerts
from ..schemas import UnassignedPage
from .blueprint import blp


@blp.route("/escalations/unassigned")
class Unassigned(MethodView):
    @allow(Role.ADMINISTRATOR)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, UnassignedPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Alerts that found nobody to escalate to (no supervisor above the person who has not answered, in the
        directory or in the man's district or region), longest waiting first. Each is tried again after its wait;
        add or fix the supervisor and it goes on up."""
        with read_session() as s:
            return paginate(s, unassigned_alerts(), args, row=lambda r: UnassignedAlert.of(r[0]))
