"""The rules in force, as versioned data, and the recomputes that follow a change."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Role, allow, current_principal
from qadam.db import lock_keys
from qadam.errors import not_found, unprocessable
from qadam.log import get_logger
from qadam.web import read_session, unit_of_work

from ..domain import RuleError, parse_rules
from ..models import Recompute, RuleSetVersion
from ..recompute import request_recompute
from ..schemas import RecomputeOut, RuleSetIn, RuleSetOut
from .access import EVERYONE

blp = Blueprint("rules", __name__, description="Risk rules as versioned data; recomputes")
log = get_logger(__name__)


@blp.route("/rules")
class Rules(MethodView):
    @allow(*EVERYONE)
    @blp.response(200, RuleSetOut)
    def get(self) -> RuleSetVersion:
        """The rules in force: each with its id, version, kind, level, words and parameters."""
        with read_session() as s:
            return s.execute(sa.select(RuleSetVersion).order_by(RuleSetVersion.version.desc()).limit(1)).scalar_one()

    @allow(Role.ADMINISTRATOR)
    @blp.arguments(RuleSetIn)
    @blp.response(201, RuleSetOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Put a new version of the rules in force (the whole set), with a note of what changed and why. Every open
        enrolment is then re-evaluated in a batch; only what is new is raised. A changed rule keeps its id and takes
        a higher version."""
        principal = current_principal()
        with unit_of_work() as s:
            lock_keys(s, ["risk.rules"])
            current = s.execute(sa.select(RuleSetVersion).order_by(RuleSetVersion.version.desc()).limit(1)).scalar_one()
            version = current.version + 1
            try:
                rules = parse_rules(version, data["rules"])
            except RuleError as e:
                raise unprocessable("The rules cannot be used as they are; nothing changed.", e.errors) from None
            _versions_move_forward(rules.as_data(), parse_rules(current.version, current.rules).as_data())
            row = RuleSetVersion(version=version, rules=rules.as_data(), note=data["note"], created_by=principal.user_id)
            s.add(row)
            s.flush()
            job = request_recompute(s, reason="rules_changed", by=principal.user_id)
            log.info("rules_changed", version=version, rules=len(rules.rules), recompute_id=str(job.id))
            return {c: getattr(row, c) for c in ("version", "rules", "note", "created_by", "created_at")} | {
                "recompute_id": job.id}


def _versions_move_forward(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> None:
    """A rule that changed keeps its id and takes a higher version, so every flag says which rule fired it
    (both sides with their parameters' defaults filled in: leaving a default out is no change)."""
    before = {r["id"]: r for r in old}
    errors = {}
    for rule in new:
        prior = before.get(rule["id"])
        if prior is None:
            continue
        same = all(rule[k] == prior.get(k) for k in ("kind", "level", "description", "params"))
        if same and rule["version"] != prior["version"]:
            errors[rule["id"]] = [f"Unchanged: keep version {prior['version']}."]
        elif not same and rule["version"] <= prior["version"]:
            errors[rule["id"]] = [f"Changed: give it a version above {prior['version']}."]
    if errors:
        raise unprocessable("Rule versions must say what changed; nothing changed.", errors)


@blp.route("/rules/versions/<int:version>")
class RuleSetByVersion(MethodView):
    @allow(*EVERYONE)
    @blp.response(200, RuleSetOut)
    def get(self, version: int) -> RuleSetVersion:
        """An earlier (or the current) version of the rules, as it was."""
        with read_session() as s:
            row = s.get(RuleSetVersion, version)
            if row is None:
                raise not_found("rule set version", version)
            return row


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
            job = s.get(Recompute, recompute_id)
            if job is None:
                raise not_found("recompute", recompute_id)
            return job
