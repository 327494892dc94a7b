"""Figures for managers and analysts: how fast alerts reached the people responsible, and how fast they answered.
Aggregates only, with small cells suppressed."""

from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from qadam.auth import Reach, a_or_an, allow, current_principal
from qadam.errors import Problem, unprocessable
from qadam.names import same_place
from qadam.web import read_session, settings_of_app
from qadam_contracts.roles import Role

from ..queries import Figures, alert_figures
from ..schemas import Figures as FiguresOut
from ..schemas import FiguresAsked, FiguresFilter
from .blueprint import blp


@blp.route("/figures")
class FiguresView(MethodView):
    @allow(Role.MANAGER, Role.ADMINISTRATOR, Role.SUPERVISOR, Role.ANALYST)
    @blp.arguments(FiguresFilter, location="query")
    @blp.response(200, FiguresOut)
    def get(self, asked: FiguresAsked) -> Figures:
        """How fast alerts reached people and were answered, by district and level: from the event to the in-app
        inbox and to the first message, and from delivery to acknowledgement (median and 90th percentile)."""
        region = region_asked(asked.region)
        settings = settings_of_app()
        with read_session() as s:
            return alert_figures(s, region=region, since=asked.since, until=asked.until,
                                 today=datetime.now(settings.zone).date(), zone=settings.zone,
                                 min_cell=settings.report_min_cell)


def region_asked(region: str | None) -> str:
    """Whoever reaches the whole country (an administrator, a national analyst) chooses the region; everyone else
    sees their own (and must have one), and is refused another."""
    principal = current_principal()
    if principal.reach is Reach.EVERYWHERE:
        chosen = region
    else:
        if region and principal.region and not same_place(region, principal.region):
            raise Problem(403, f"{a_or_an(principal.role)} {principal.role} sees the figures of their own region "
                               f"({principal.region}) only; leave out `region`.")
        chosen = principal.region
    if not chosen:
        raise unprocessable("Say which region.", {"region": ["Required."]})
    return chosen
