"""For one enrolment: today's level and each factor behind it, in words a practitioner can read aloud at a
multi-agency meeting, with the assessment, attendance and the level's history beside it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, settings_of_app

from .. import queries
from ..access import READERS
from ..schemas import ExplanationOut, LangArgs, LangQuery

blp = Blueprint("explanation", __name__, description="Why an enrolment is at its level, in plain words")


@blp.route("/enrolments/<uuid:enrolment_id>/risk")
class Explanation(MethodView):
    @allow(*READERS)
    @blp.arguments(LangArgs, location="query")
    @blp.response(200, ExplanationOut)
    def get(self, args: LangQuery, enrolment_id: uuid.UUID) -> queries.Explanation:
        """Today's level (the highest of the unresolved flags; low with none) and every factor behind it, each in a
        sentence; the latest assessment and what it found; attendance; the level's history."""
        with read_session() as s:
            return queries.explanation(s, principal=current_principal(), enrolment_id=enrolment_id,
                                       lang=args["lang"], zone=settings_of_app().zone, now=datetime.now(UTC))
