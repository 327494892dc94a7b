"""Many enrolments' levels in one request: a list page asks for its rows' levels once, not once per row."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session

from .. import queries
from ..access import READERS
from ..schemas import LevelsArgs, LevelsOut, LevelsQuery

blp = Blueprint("levels", __name__, description="Risk levels of many enrolments at once")


@blp.route("/levels")
class Levels(MethodView):
    @allow(*READERS)
    @blp.arguments(LevelsArgs, location="query")
    @blp.response(200, LevelsOut)
    def get(self, args: LevelsQuery) -> dict[str, list[queries.EnrolmentLevel]]:
        """The level today of each enrolment asked for (`enrolment_id` repeated, at most 100) that the caller may
        see, with how many unresolved flags hold it; the others are absent, as if they did not exist."""
        with read_session() as s:
            return {"items": queries.levels_of(s, principal=current_principal(),
                                               enrolment_ids=args["enrolment_id"])}
