"""The escalations nobody could take, for administrators to put right."""

from __future__ import annotations

from flask.views import MethodView
from qadam.auth import allow
from qadam.pages import PageArgs
from qadam.web import read_session
from qadam_contracts.roles import Role

from ..queries import Page, unassigned_alerts
from ..schemas import UnassignedPage
from .blueprint import blp


@blp.route("/escalations/unassigned")
class Unassigned(MethodView):
    @allow(Role.ADMINISTRATOR)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, UnassignedPage)
    def get(self, args: Page) -> Page:
        """Alerts that found nobody to escalate to (no supervisor above the person who has not answered, in the
        directory or in the man's district or region), longest waiting first. Each is tried again after its wait;
        add or fix the supervisor and it goes on up."""
        with read_session() as s:
            return unassigned_alerts(s, page=args)
