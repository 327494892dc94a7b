"""The rules in force, as versioned data, and the recomputes that follow a change."""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, unit_of_work
from qadam_contracts.roles import Role

from .. import commands, queries
from ..access import EVERYONE
from ..models import Recompute, RuleSetVersion
from ..recompute import request_recompute
from ..schemas import RecomputeOut, RuleSetChange, RuleSetIn, RuleSetOut

blp = Blueprint("rules", __name__, description="Risk rules as versioned data; recomputes")


@blp.route("/rules")
class Rules(MethodView):
    @allow(*EVERYONE)
    @blp.response(200, RuleSetOut)
    def get(self) -> RuleSetVersion:
        """The rules in force: each with its id, version, kind, level, words and parameters."""
        with read_session() as s:
            return queries.rule_set(s)

    @allow(Role.ADMINISTRATOR)
    @blp.arguments(RuleSetIn)
    @blp.response(201, RuleSetOut)
    def post(self, data: RuleSetChange) -> commands.RulesPut:
        """Put a new version of the rules in force (the whole set), with a note of what changed and why. Every open
        enrolment is then re-evaluated in a batch; only what is new is raised. A changed rule keeps its id and takes
        a higher version."""
        with unit_of_work() as s:
            return commands.put_rules(s, principal=current_principal(), rules=data["rules"], note=data["note"])


@blp.route("/rules/versions/<int:version>")
class RuleSetByVersion(MethodView):
    @allow(*EVERYONE)
    @blp.response(200, RuleSetOut)
    def get(self, version: int) -> RuleSetVersion:
        """An earlier (or the current) version of the rules, as it was."""
        with read_session() as s:
            return queries.rule_set(s, version=version)


@blp.route("/recomputes")
class Recomputes(MethodView):
    @allow(Role.ADMINISTRATOR)
    @blp.response(201, RecomputeOut)
    def post(self) -> Recompute:
        """Ask for every open enrolment to be re-evaluated now under the rules in force (the worker runs it)."""
        with unit_of_work() as s:
            return request_recompute(s, reason="requested", by=current_principal().user_id)


@blp.route("/recomputes/<uuid:recompute_id>")
class RecomputeById(MethodView):
    @allow(Role.ADMINISTRATOR, Role.MANAGER, Role.AUDITOR)
    @blp.response(200, RecomputeOut)
    def get(self, recompute_id: uuid.UUID) -> Recompute:
        """How far a recompute has got: enrolments evaluated, flags raised, levels changed."""
        with read_session() as s:
            return queries.recompute(s, recompute_id=recompute_id)
