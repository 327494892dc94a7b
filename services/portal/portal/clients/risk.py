"""The portal's client of risk, written by qadam_tools.portal_clients from its committed
services/risk/openapi.json. Do not edit: add an operation to OPERATIONS there and run `make docs`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict, cast
from uuid import UUID

from ._service_client import ServiceClient


class LevelsOut(TypedDict, total=False):
    items: list[EnrolmentLevelOut]


class EnrolmentLevelOut(TypedDict, total=False):
    enrolment_id: str
    participant_code: str
    status: str
    level: str
    since: str | None
    unresolved_flags: int


class ExplanationOut(TypedDict, total=False):
    enrolment_id: str
    participant_code: str
    status: str
    as_of: str
    level: str
    since: str | None
    read_aloud: list[str]
    factors: list[FactorOut]
    assessment: AssessmentOut | None
    attendance: dict[str, Any]
    history: list[LevelChangeOut]
    rule_set_version: int
    note: Any


class FactorOut(TypedDict, total=False):
    flag_id: str
    rule_id: str
    rule_version: int
    level: str
    status: str
    raised_at: str
    says: list[str]
    reason_codes: list[dict[str, Any]]
    concern: str | None


class AssessmentOut(TypedDict, total=False):
    id: str
    enrolment_id: str
    participant_code: str
    instrument_id: str
    instrument_version: int
    kind: str
    answers: dict[str, Any]
    score: int
    band: str
    level: str
    unknown_items: int
    assessed_by: str
    assessed_at: str
    next_due: str | None
    note: Any


class LevelChangeOut(TypedDict, total=False):
    from_level: str
    level: str
    changed_at: str
    cause: str
    said: str
    flag_ids: list[str]


class FlagPage(TypedDict, total=False):
    items: list[FlagOut]
    page: int
    page_size: int
    total: int


class FlagOut(TypedDict, total=False):
    id: str
    enrolment_id: str
    participant_code: str
    rule_id: str
    rule_version: int
    rule_set_version: int | None
    level: str
    reasons: list[str]
    reason_codes: list[dict[str, Any]]
    evidence: dict[str, Any]
    status: str
    raised_at: str
    acknowledged_by: str | None
    acknowledged_at: str | None
    resolved_by: str | None
    resolved_at: str | None
    resolution: str | None
    episode_id: str | None
    source: str | None
    concern: str | None
    note: Any


class IncidentPage(TypedDict, total=False):
    items: list[IncidentOut]
    page: int
    page_size: int
    total: int


class IncidentOut(TypedDict, total=False):
    id: str
    enrolment_id: str
    participant_code: str
    kind: str | None
    occurred_on: str | None
    severity: str | None
    source: str
    summary: str | None
    level: str | None
    reported_by: str | None
    reported_at: str
    details: str | None
    flags: list[FlagOut]


class IncidentIn(TypedDict, total=False):
    kind: str
    occurred_on: str
    severity: str
    details: str | None


class InstrumentOut(TypedDict, total=False):
    id: str
    version: int
    region: str | None
    definition: dict[str, Any]
    created_by: str
    created_at: str


class AssessmentPage(TypedDict, total=False):
    items: list[AssessmentOut]
    page: int
    page_size: int
    total: int


class AssessmentIn(TypedDict, total=False):
    instrument_id: str | None
    kind: str
    answers: dict[str, Any]
    assessed_on: str | None


class RiskClient(ServiceClient):
    """What the portal asks risk, as the signed-in user."""

    service = "risk"

    def levels(
        self,
        *,
        enrolment_id: Sequence[str | UUID],
    ) -> LevelsOut:
        """GET /levels: The level today of each enrolment asked for (`enrolment_id` repeated, at most 100) that the
        caller may see, with how many unresolved flags hold it; the others are absent, as if they did not exist.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/levels",
            params={
                "enrolment_id": enrolment_id,
            },
        )
        return cast(LevelsOut, answer)

    def explanation(
        self,
        *,
        enrolment_id: str | UUID,
        lang: str | None = None,
    ) -> ExplanationOut:
        """GET /enrolments/{enrolment_id}/risk: Today's level (the highest of the unresolved flags; low with none) and
        every factor behind it, each in a sentence; the latest assessment and what it found; attendance; the level's
        history.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/enrolments/{enrolment_id}/risk",
            params={
                "lang": lang,
            },
        )
        return cast(ExplanationOut, answer)

    def flags(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        enrolment_id: str | UUID | None = None,
        level: str | None = None,
        status: str | None = None,
        rule_id: str | None = None,
    ) -> FlagPage:
        """GET /flags: Flags the caller may see, newest first; filter by enrolment, level, status or rule."""
        answer = self._backend.call(
            "GET",
            self.service,
            "/flags",
            params={
                "page": page,
                "page_size": page_size,
                "enrolment_id": enrolment_id,
                "level": level,
                "status": status,
                "rule_id": rule_id,
            },
        )
        return cast(FlagPage, answer)

    def all_flags(
        self,
        *,
        limit: int = 1000,
        enrolment_id: str | UUID | None = None,
        level: str | None = None,
        status: str | None = None,
        rule_id: str | None = None,
    ) -> list[FlagOut]:
        """Every item of GET /flags (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/flags",
            limit=limit,
            enrolment_id=enrolment_id,
            level=level,
            status=status,
            rule_id=rule_id,
        )
        return cast(list[FlagOut], found)

    def incidents(
        self,
        *,
        enrolment_id: str | UUID,
        page: int | None = None,
        page_size: int | None = None,
    ) -> IncidentPage:
        """GET /enrolments/{enrolment_id}/incidents: An enrolment's incidents, newest first; details only for those who
        may read them. Her support worker's reports are a safety concern reported by victim support to perpetrator-
        facing staff, and not listed to his psychologist at all (the flag tells him).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/enrolments/{enrolment_id}/incidents",
            params={
                "page": page,
                "page_size": page_size,
            },
        )
        return cast(IncidentPage, answer)

    def all_incidents(
        self,
        *,
        enrolment_id: str | UUID,
        limit: int = 1000,
    ) -> list[IncidentOut]:
        """Every item of GET /enrolments/{enrolment_id}/incidents (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            f"/enrolments/{enrolment_id}/incidents",
            limit=limit,
        )
        return cast(list[IncidentOut], found)

    def report_incident(
        self,
        *,
        enrolment_id: str | UUID,
        body: IncidentIn,
        idempotency_key: str | None = None,
    ) -> IncidentOut:
        """POST /enrolments/{enrolment_id}/incidents: Report an incident. It is evaluated at once, whatever his status:
        the flags it raises come back with it (and go to notify). The details are sealed and not repeated in the
        answer.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/enrolments/{enrolment_id}/incidents",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(IncidentOut, answer)

    def instruments(
        self,
        *,
        region: str | None = None,
    ) -> list[InstrumentOut]:
        """GET /instruments: The newest version of each instrument: the national default and the regions' own (one
        region's with `region`).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/instruments",
            params={
                "region": region,
            },
        )
        return cast(list[InstrumentOut], answer)

    def assessments(
        self,
        *,
        enrolment_id: str | UUID,
        page: int | None = None,
        page_size: int | None = None,
    ) -> AssessmentPage:
        """GET /enrolments/{enrolment_id}/assessments: An enrolment's assessments, newest first: the history stays."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/enrolments/{enrolment_id}/assessments",
            params={
                "page": page,
                "page_size": page_size,
            },
        )
        return cast(AssessmentPage, answer)

    def all_assessments(
        self,
        *,
        enrolment_id: str | UUID,
        limit: int = 1000,
    ) -> list[AssessmentOut]:
        """Every item of GET /enrolments/{enrolment_id}/assessments (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            f"/enrolments/{enrolment_id}/assessments",
            limit=limit,
        )
        return cast(list[AssessmentOut], found)

    def record_assessment(
        self,
        *,
        enrolment_id: str | UUID,
        body: AssessmentIn,
        idempotency_key: str | None = None,
    ) -> AssessmentOut:
        """POST /enrolments/{enrolment_id}/assessments: Record an assessment: scored and banded with the instrument's
        newest version, kept for good, evaluated at once (a high band raises its flag). Every item is answered;
        `unknown` where the facts are not known.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/enrolments/{enrolment_id}/assessments",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(AssessmentOut, answer)
