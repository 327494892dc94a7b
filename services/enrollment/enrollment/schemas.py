"""Enrollment's request and response schemas. The events it publishes are in qadam.contracts."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate
from qadam.web import PageArgs, page_schema

from .domain import Language, Sex, pinfl_problem

NAME = validate.Length(min=1, max=200)
AREA = validate.Length(min=1, max=100)


class ProgrammeIn(ma.Schema):
    name = fields.String(required=True, validate=NAME)
    sessions_required = fields.Integer(required=True, validate=validate.Range(min=1, max=200),
                                       metadata={"description": "Sessions attended to complete the programme."})
    max_unexcused_absences = fields.Integer(required=True, validate=validate.Range(min=0, max=50))


class ProgrammeOut(ProgrammeIn):
    id = fields.UUID(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class CohortIn(ma.Schema):
    programme_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=NAME)
    region = fields.String(required=True, validate=AREA)
    district = fields.String(required=True, validate=AREA)
    mahalla = fields.String(load_default=None, allow_none=True, validate=AREA)
    facilitator_ids = fields.List(fields.String(validate=AREA), required=True, validate=validate.Length(min=1, max=4),
                                  metadata={"description": "User ids of the psychologists who facilitate the group."})
    start_date = fields.Date(required=True)


class CohortOut(CohortIn):
    id = fields.UUID(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ParticipantIn(ma.Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=300),
                              metadata={"description": "As typed, in any script; stored exactly."})
    birth_date = fields.Date(required=True)
    sex = fields.String(load_default=Sex.MALE.value, validate=validate.OneOf([s.value for s in Sex]))
    pinfl = fields.String(load_default=None, allow_none=True,
                          metadata={"description": "Personal identification number: 14 digits."})
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^\+?[0-9 ()-]{7,20}$", error="A phone number of 7 to 20 digits, e.g. +998 90 123 45 67."))
    region = fields.String(required=True, validate=AREA)
    district = fields.String(required=True, validate=AREA)
    mahalla = fields.String(load_default=None, allow_none=True, validate=AREA)
    preferred_language = fields.String(load_default=Language.UZ_LATN.value,
                                       validate=validate.OneOf([lang.value for lang in Language]))

    @ma.validates("pinfl")
    def _pinfl(self, value: str | None, **_: object) -> None:
        if value is not None and (problem := pinfl_problem(value)):
            raise ma.ValidationError(problem)


class ParticipantOut(ParticipantIn):
    id = fields.UUID(dump_only=True)
    code = fields.String(dump_only=True, metadata={"description": "Pseudonymous code used outside enrollment."})
    created_at = fields.DateTime(dump_only=True)


class EnrolmentIn(ma.Schema):
    participant_id = fields.UUID(required=True)
    cohort_id = fields.UUID(required=True)
    inspector_id = fields.String(required=True, validate=AREA,
                                 metadata={"description": "User id of the responsible prevention inspector."})
    psychologist_id = fields.String(required=True, validate=AREA,
                                    metadata={"description": "User id of the responsible psychologist (a facilitator)."})


class EnrolmentOut(EnrolmentIn):
    id = fields.UUID(dump_only=True)
    participant_code = fields.String(dump_only=True, attribute="participant.code")
    status = fields.String(dump_only=True)
    enrolled_at = fields.DateTime(dump_only=True)


class EnrolmentFilter(PageArgs):
    cohort_id = fields.UUID(load_default=None)


ProgrammePage = page_schema(ProgrammeOut, "ProgrammePage")
CohortPage = page_schema(CohortOut, "CohortPage")
EnrolmentPage = page_schema(EnrolmentOut, "EnrolmentPage")
