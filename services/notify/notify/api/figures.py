"""Figures for managers: how fast alerts reached the people responsible, and how fast they answered."""

from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from qadam.auth import allow, current_principal
from qadam.errors import unprocessable
from qadam.quarters import not_whole_quarters, quarter_end, quarter_start
from qadam.web import read_session, settings_of_app
from qadam_contracts.roles import Role

from ..queries import Figures, alert_figures
from ..schemas import Figures as FiguresOut
from ..schemas import FiguresAsked, FiguresFilter
from .blueprint import blp


@blp.route("/figures")
class FiguresView(MethodView):
    @allow(Role.MANAGER, Role.ADMINISTRATOR, Role.SUPERVISOR)
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
        today = datetime.now(settings.zone).date()
        if errors := not_whole_quarters(asked.since or quarter_start(today), asked.until or quarter_end(today),
                                        names=("since", "until")):
            raise unprocessable("A period of figures is a run of whole quarters.", errors)
        with read_session() as s:
            return alert_figures(s, region=region, since=asked.since, until=asked.until, today=today,
                                 zone=settings.zone, min_cell=settings.report_min_cell)


def region_asked(region: str | None) -> str:
    """Administrators choose the region; everyone else sees their own (and must have one)."""
    principal = current_principal()
    chosen = region if principal.role == Role.ADMINISTRATOR else principal.region
    if not chosen:
        raise unprocessable("Say which region.", {"region": ["Required."]})
    return chosen
