"""Programmes (versioned, from the shipped templates or defined by a region) and cohorts."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from qadam.auth import allow, current_principal
from qadam.pages import PageArgs
from qadam.web import read_session, unit_of_work
from qadam_contracts.roles import Role

from .. import commands, queries
from ..models import Cohort, Programme
from ..schemas import CohortIn, CohortOut, CohortPage, CohortUpdate, ProgrammeIn, ProgrammeOut, ProgrammePage, ProgrammeRules

blp = Blueprint("programmes", __name__, description="Programmes (versioned) and cohorts")

STAFF = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR)
PLANNERS = (Role.MANAGER, Role.ADMINISTRATOR)


class ProgrammeFilter(PageArgs):
    include_retired = fields.Boolean(load_default=False, metadata={"description": "Older versions too."})
    programme_id = fields.List(fields.UUID(), load_default=None, validate=validate.Length(max=100), metadata={
        "description": "Only these programmes (repeated, at most 100): the names of a page's programmes at once."})


@blp.route("/programmes")
class Programmes(MethodView):
    @allow(*STAFF)
    @blp.arguments(ProgrammeFilter, location="query")
    @blp.response(200, ProgrammePage)
    def get(self, args: dict[str, Any]) -> queries.Page[Programme]:
        """Programmes in use: national ones and those of the caller's region (current versions unless asked)."""
        with read_session() as s:
            return queries.programmes_page(s, principal=current_principal(), filters=args)

    @allow(*PLANNERS)
    @blp.arguments(ProgrammeIn)
    @blp.response(201, ProgrammeOut)
    def post(self, data: commands.ProgrammeAsked) -> Programme:
        """Define a programme, from a shipped template (statutory, extended_group) with changes, or from scratch."""
        with unit_of_work() as s:
            return commands.define_programme(s, principal=current_principal(), asked=data)


@blp.route("/programmes/<uuid:programme_id>")
class ProgrammeById(MethodView):
    @allow(*STAFF)
    @blp.response(200, ProgrammeOut)
    def get(self, programme_id: uuid.UUID) -> Programme:
        """One programme version."""
        with read_session() as s:
            return queries.visible_programme(s, principal=current_principal(), programme_id=programme_id)


@blp.route("/programmes/<uuid:programme_id>/versions")
class ProgrammeVersions(MethodView):
    @allow(*STAFF)
    @blp.response(200, ProgrammeOut(many=True))
    def get(self, programme_id: uuid.UUID) -> list[Programme]:
        """Every version of this programme, oldest first."""
        with read_session() as s:
            return queries.programme_versions(s, principal=current_principal(), programme_id=programme_id)

    @allow(*PLANNERS)
    @blp.arguments(ProgrammeRules)
    @blp.response(201, ProgrammeOut)
    def post(self, data: commands.ProgrammeRulesAsked, programme_id: uuid.UUID) -> Programme:
        """A new version with the changes given; new cohorts take it, enrolments keep the version they started under."""
        principal = current_principal()
        with unit_of_work() as s:
            current = queries.visible_programme(s, principal=principal, programme_id=programme_id)
            return commands.version_programme(s, principal=principal, programme=current, changes=data)


@blp.route("/cohorts")
class Cohorts(MethodView):
    @allow(*STAFF)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, CohortPage)
    def get(self, args: dict[str, Any]) -> queries.Page[Cohort]:
        """The cohorts the caller may see (a psychologist's own, an inspector's or manager's area)."""
        with read_session() as s:
            return queries.cohorts_page(s, principal=current_principal(), page=args)

    @allow(*PLANNERS)
    @blp.arguments(CohortIn)
    @blp.response(201, CohortOut)
    def post(self, data: commands.CohortAsked) -> Cohort:
        """Form a cohort (group) of a programme in a district, with its facilitator psychologists."""
        with unit_of_work() as s:
            return queries.cohort_shown(s, commands.form_cohort(s, principal=current_principal(), asked=data))


@blp.route("/cohorts/<uuid:cohort_id>")
class CohortById(MethodView):
    @allow(*STAFF)
    @blp.response(200, CohortOut)
    def get(self, cohort_id: uuid.UUID) -> Cohort:
        """One cohort, with how many take part now."""
        with read_session() as s:
            return queries.cohort_shown(s, queries.visible_cohort(s, principal=current_principal(), cohort_id=cohort_id))

    @allow(*PLANNERS)
    @blp.arguments(CohortUpdate)
    @blp.response(200, CohortOut)
    def patch(self, data: commands.CohortChanges, cohort_id: uuid.UUID) -> Cohort:
        """Change a cohort's status, facilitators, capacity or schedule."""
        with unit_of_work() as s:
            cohort = queries.visible_cohort(s, principal=current_principal(), cohort_id=cohort_id, lock=True)
            commands.change_cohort(s, cohort=cohort, changes=data)
            return queries.cohort_shown(s, cohort)
