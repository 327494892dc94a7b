"""Figures for managers: how fast alerts reached the people responsible, and how fast they answered; by district, and
for the national roll-up by region, with the alerts raised each month."""

from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from qadam.auth import allow, current_principal
from qadam.errors import unprocessable
from qadam.web import read_session, settings_of_app
from qadam_contracts.roles import Role

from ..queries import Figures, RegionFigures, alert_figures, region_figures
from ..schemas import Figures as FiguresOut
from ..schemas import FiguresAsked, FiguresFilter
from ..schemas import RegionFigures as RegionFiguresOut
from .blueprint import blp


@blp.route("/figures")
class FiguresView(MethodView):
    @allow(Role.MANAGER, Role.ADMINISTRATOR, Role.SUPERVISOR)
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


# Who reads the national roll-up's alert figures: an administrator the whole country, a manager their own region.
ROLLUP_READERS = (Role.MANAGER, Role.ADMINISTRATOR)


@blp.route("/figures/regions")
class RegionFiguresView(MethodView):
    @allow(*ROLLUP_READERS)
    @blp.arguments(FiguresFilter, location="query")
    @blp.response(200, RegionFiguresOut)
    def get(self, asked: FiguresAsked) -> RegionFigures:
        """The national roll-up's alert figures: how fast alerts reached people and were answered, by region and
        level, and how many were raised each month; an administrator's of the whole country (or the region asked
        for), a manager's of their own region."""
        principal = current_principal()
        region = asked.region if principal.role == Role.ADMINISTRATOR else region_asked(asked.region)
        settings = settings_of_app()
        with read_session() as s:
            return region_figures(s, region=region, since=asked.since, until=asked.until,
                                  today=datetime.now(settings.zone).date(), zone=settings.zone,
                                  min_cell=settings.report_min_cell)


def region_asked(region: str | None) -> str:
    """Administrators choose the region; everyone else sees their own (and must have one)."""
    principal = current_principal()
    chosen = region if principal.role == Role.ADMINISTRATOR else principal.region
    if not chosen:
        raise unprocessable("Say which region.", {"region": ["Required."]})
    return chosen
