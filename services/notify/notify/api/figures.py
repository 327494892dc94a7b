"""Figures for managers and analysts: how fast alerts reached the people responsible, and how fast they answered; by
district, and for the national roll-up by region, with the alerts raised each month. Aggregates only, with small cells
suppressed."""

from __future__ import annotations

from datetime import date, datetime

from flask.views import MethodView
from qadam.auth import Reach, a_or_an, allow, current_principal
from qadam.errors import Problem, unprocessable
from qadam.names import same_place
from qadam.quarters import not_whole_quarters, quarter_end, quarter_start
from qadam.web import read_session, settings_of_app
from qadam_contracts.roles import Role

from ..queries import Figures, RegionFigures, alert_figures, region_figures
from ..schemas import Figures as FiguresOut
from ..schemas import FiguresAsked, FiguresFilter
from ..schemas import RegionFigures as RegionFiguresOut
from .blueprint import blp


@blp.route("/figures")
class FiguresView(MethodView):
    @allow(Role.MANAGER, Role.ADMINISTRATOR, Role.SUPERVISOR, Role.ANALYST)
    @blp.arguments(FiguresFilter, location="query")
    @blp.response(200, FiguresOut)
    def get(self, asked: FiguresAsked) -> Figures:
        """How fast alerts reached people and were answered, by district and level: from the event to the in-app
        inbox and to the first message, and from delivery to acknowledgement (median and 90th percentile).

        The period is a run of whole quarters (422 otherwise); a row is shown only if it is shown in each of its
        quarters, so that no two periods can be differenced into a hidden row.
        """
        region = region_asked(asked.region)
        settings = settings_of_app()
        today = whole_quarters_asked(asked, datetime.now(settings.zone).date())
        with read_session() as s:
            return alert_figures(s, region=region, since=asked.since, until=asked.until, today=today,
                                 zone=settings.zone, min_cell=settings.report_min_cell)


# Who reads the national roll-up's alert figures: an administrator or a national analyst the whole country, a manager
# or a regional analyst their own region.
ROLLUP_READERS = (Role.MANAGER, Role.ADMINISTRATOR, Role.ANALYST)


@blp.route("/figures/regions")
class RegionFiguresView(MethodView):
    @allow(*ROLLUP_READERS)
    @blp.arguments(FiguresFilter, location="query")
    @blp.response(200, RegionFiguresOut)
    def get(self, asked: FiguresAsked) -> RegionFigures:
        """The national roll-up's alert figures: how fast alerts reached people and were answered, by region and
        level, and how many were raised each month; of the whole country (or the region asked for) for whoever reaches
        it (an administrator, a national analyst), of their own region for the others."""
        region = asked.region if current_principal().reach is Reach.EVERYWHERE else region_asked(asked.region)
        settings = settings_of_app()
        today = whole_quarters_asked(asked, datetime.now(settings.zone).date())
        with read_session() as s:
            return region_figures(s, region=region, since=asked.since, until=asked.until, today=today,
                                  zone=settings.zone, min_cell=settings.report_min_cell)


def whole_quarters_asked(asked: FiguresAsked, today: date) -> date:
    """`today`, once the period asked is a run of whole quarters (422 otherwise): a row is shown only if it is shown
    in each of its quarters, so that no two periods can be differenced into a hidden one."""
    if errors := not_whole_quarters(asked.since or quarter_start(today), asked.until or quarter_end(today),
                                    names=("since", "until")):
        raise unprocessable("A period of figures is a run of whole quarters.", errors)
    return today


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
