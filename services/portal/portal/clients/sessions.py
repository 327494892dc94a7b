"""The portal's client of sessions, written by qadam_tools.portal_clients from its committed
services/sessions/openapi.json. Do not edit: add an operation to OPERATIONS there and run `make docs`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict, cast
from uuid import UUID

from ._service_client import ServiceClient


class SessionPage(TypedDict, total=False):
    items: list[SessionOut]
    page: int
    page_size: int
    total: int


class SessionOut(TypedDict, total=False):
    number: int
    kind: str
    enrolment_id: str | None
    scheduled_at: str
    topic: str | None
    place: str | None
    id: str
    cohort_id: str
    status: str
    change_reason: str | None
    module_delivered: str | None
    co_facilitators: list[str]
    deviations: str | None
    held_at: str | None
    register_number: str | None
    attendance_entered_at: str | None
    attendance_entered_by: str | None


class SessionIn(TypedDict, total=False):
    number: int
    kind: str
    enrolment_id: str | None
    scheduled_at: str
    topic: str | None
    place: str | None


class SessionChange(TypedDict, total=False):
    scheduled_at: str
    place: str | None
    cancel: bool
    reason: str


class FidelityIn(TypedDict, total=False):
    module_delivered: str
    co_facilitators: list[str]
    deviations: str | None


class AttendanceOut(TypedDict, total=False):
    session_id: str
    marks: list[MarkOut]


class MarkOut(TypedDict, total=False):
    id: str
    enrolment_id: str
    participant_code: str
    status: str
    excuse_reason: str | None
    participation: int | None
    homework_done: bool | None
    warning_signs: list[str]
    recorded_by: str
    recorded_at: str


class AttendanceIn(TypedDict, total=False):
    marks: list[MarkIn]
    register_number: str | None
    held_on: str | None


class MarkIn(TypedDict, total=False):
    enrolment_id: str
    status: str
    excuse_reason: str | None
    participation: int | None
    homework_done: bool | None
    warning_signs: list[str]


class AmendedMarkOut(TypedDict, total=False):
    mark: MarkOut
    amendments: list[AmendmentOut]


class AmendmentOut(TypedDict, total=False):
    id: str
    mark_id: str
    old_status: str
    old_excuse_reason: str | None
    old_recorded_by: str
    old_recorded_at: str
    new_status: str
    new_excuse_reason: str | None
    reason: str
    amended_by: str
    amended_at: str


class AmendmentIn(TypedDict, total=False):
    status: str
    excuse_reason: str | None
    reason: str


class NoteOut(TypedDict, total=False):
    id: str
    session_id: str
    enrolment_id: str | None
    written_by: str
    written_at: str
    text: str


class NoteWritten(TypedDict, total=False):
    id: str
    session_id: str
    enrolment_id: str | None
    written_by: str
    written_at: str


class NoteIn(TypedDict, total=False):
    text: str
    enrolment_id: str | None


class HistoryPage(TypedDict, total=False):
    items: list[HistoryMark]
    page: int
    page_size: int
    total: int


class HistoryMark(TypedDict, total=False):
    id: str
    enrolment_id: str
    participant_code: str
    status: str
    excuse_reason: str | None
    participation: int | None
    homework_done: bool | None
    warning_signs: list[str]
    recorded_by: str
    recorded_at: str
    session_id: str
    session_number: int
    scheduled_at: str
    held_at: str
    session_status: str


class CallPage(TypedDict, total=False):
    items: list[CallOut]
    page: int
    page_size: int
    total: int


class CallOut(TypedDict, total=False):
    id: str
    enrolment_id: str
    participant_code: str
    cohort_id: str
    session_id: str
    session_number: int
    session_at: str
    absence_on: str
    due_at: str
    psychologist_id: str
    state: str
    outcome: str | None
    called_at: str | None
    called_by: str | None


class CallOutcomeIn(TypedDict, total=False):
    outcome: str
    called_at: str | None


FidelityReportOut = TypedDict("FidelityReportOut", {
    "region": "str | None",
    "from": "str",
    "to": "str",
    "on_time_days": "int",
    "recorded_within_hours": "int",
    "groups": "list[FidelityGroup]",
    "totals": "FidelityGroup",
}, total=False)


class FidelityGroup(TypedDict, total=False):
    cohort_id: str | None
    cohort_number: int | None
    start_quarter: str | None
    programme_id: str | None
    region: str | None
    district: str | None
    total: bool
    sessions_held: int
    held_on_time: int
    held_early: int
    held_late: int
    on_time_rate: float | None
    fidelity_recorded: int
    modules_checked: int
    modules_as_planned: int
    modules_as_planned_rate: float | None
    co_facilitated: int
    co_facilitated_rate: float | None
    recorded_in_time: int
    recorded_in_time_rate: float | None


WorkloadReportOut = TypedDict("WorkloadReportOut", {
    "region": "str | None",
    "from": "str",
    "to": "str",
    "min_cell": "int",
    "months": "list[WorkloadMonthOut]",
}, total=False)


class WorkloadMonthOut(TypedDict, total=False):
    facilitator_id: str | None
    facilitator_number: int | None
    month: str
    groups: int
    men: int | None
    sessions: int


class SessionsClient(ServiceClient):
    """What the portal asks sessions, as the signed-in user."""

    service = "sessions"

    def sessions(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        unrecorded: bool | None = None,
        upcoming: bool | None = None,
        cohort_id: Sequence[str | UUID] | None = None,
    ) -> SessionPage:
        """GET /sessions: Sessions of the cohorts the caller may see: a facilitator's own, an area's for its staff.
        `upcoming`: still to come; `unrecorded`: past their start and still without attendance.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/sessions",
            params={
                "page": page,
                "page_size": page_size,
                "unrecorded": unrecorded,
                "upcoming": upcoming,
                "cohort_id": cohort_id,
            },
        )
        return cast(SessionPage, answer)

    def all_sessions(
        self,
        *,
        limit: int = 1000,
        unrecorded: bool | None = None,
        upcoming: bool | None = None,
        cohort_id: Sequence[str | UUID] | None = None,
    ) -> list[SessionOut]:
        """Every item of GET /sessions (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/sessions",
            limit=limit,
            unrecorded=unrecorded,
            upcoming=upcoming,
            cohort_id=cohort_id,
        )
        return cast(list[SessionOut], found)

    def session(
        self,
        *,
        session_id: str | UUID,
    ) -> SessionOut:
        """GET /sessions/{session_id}: One session."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/sessions/{session_id}",
        )
        return cast(SessionOut, answer)

    def cohort_sessions(
        self,
        *,
        cohort_id: str | UUID,
        page: int | None = None,
        page_size: int | None = None,
    ) -> SessionPage:
        """GET /cohorts/{cohort_id}/sessions: A cohort's sessions, in programme order."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/cohorts/{cohort_id}/sessions",
            params={
                "page": page,
                "page_size": page_size,
            },
        )
        return cast(SessionPage, answer)

    def all_cohort_sessions(
        self,
        *,
        cohort_id: str | UUID,
        limit: int = 1000,
    ) -> list[SessionOut]:
        """Every item of GET /cohorts/{cohort_id}/sessions (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            f"/cohorts/{cohort_id}/sessions",
            limit=limit,
        )
        return cast(list[SessionOut], found)

    def schedule_session(
        self,
        *,
        cohort_id: str | UUID,
        body: SessionIn,
        idempotency_key: str | None = None,
    ) -> SessionOut:
        """POST /cohorts/{cohort_id}/sessions: Schedule a session of a cohort."""
        answer = self._backend.call(
            "POST",
            self.service,
            f"/cohorts/{cohort_id}/sessions",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(SessionOut, answer)

    def plan_sessions(
        self,
        *,
        cohort_id: str | UUID,
        idempotency_key: str | None = None,
    ) -> list[SessionOut]:
        """POST /cohorts/{cohort_id}/sessions/plan: Schedule the cohort's whole programme from its curriculum and
        schedule (weekdays, time, place), from its start date; sessions scheduled already keep their dates. Returns
        the sessions it added.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/cohorts/{cohort_id}/sessions/plan",
            idempotency_key=idempotency_key,
        )
        return cast(list[SessionOut], answer)

    def change_session(
        self,
        *,
        session_id: str | UUID,
        body: SessionChange,
    ) -> SessionOut:
        """PATCH /sessions/{session_id}: Reschedule (a new start or place) or cancel a session, with the reason. A
        cancelled session counts against nobody; one whose attendance is recorded is not cancelled (amend the marks
        instead).
        """
        answer = self._backend.call(
            "PATCH",
            self.service,
            f"/sessions/{session_id}",
            json=body,
        )
        return cast(SessionOut, answer)

    def record_fidelity(
        self,
        *,
        session_id: str | UUID,
        body: FidelityIn,
    ) -> SessionOut:
        """PUT /sessions/{session_id}/fidelity: What was delivered against the manual: the module, co-facilitators and
        any deviation.
        """
        answer = self._backend.call(
            "PUT",
            self.service,
            f"/sessions/{session_id}/fidelity",
            json=body,
        )
        return cast(SessionOut, answer)

    def attendance(
        self,
        *,
        session_id: str | UUID,
    ) -> AttendanceOut:
        """GET /sessions/{session_id}/attendance: The attendance recorded for a session."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/sessions/{session_id}/attendance",
        )
        return cast(AttendanceOut, answer)

    def record_attendance(
        self,
        *,
        session_id: str | UUID,
        body: AttendanceIn,
        idempotency_key: str | None = None,
    ) -> AttendanceOut:
        """POST /sessions/{session_id}/attendance: Record the whole group's attendance in one request: one mark per
        participant, one event per mark; entered later from its paper register, with the register's number (and the
        day it was held, if not as planned).
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/sessions/{session_id}/attendance",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(AttendanceOut, answer)

    def amendments(
        self,
        *,
        session_id: str | UUID,
        enrolment_id: str | UUID,
    ) -> AmendedMarkOut:
        """GET /sessions/{session_id}/attendance/{enrolment_id}/amendments: A participant's mark at a session with
        every amendment to it (old value, who, when, why).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/sessions/{session_id}/attendance/{enrolment_id}/amendments",
        )
        return cast(AmendedMarkOut, answer)

    def amend_mark(
        self,
        *,
        session_id: str | UUID,
        enrolment_id: str | UUID,
        body: AmendmentIn,
        idempotency_key: str | None = None,
    ) -> AmendedMarkOut:
        """POST /sessions/{session_id}/attendance/{enrolment_id}/amendments: Correct a recorded mark. It is amended,
        not overwritten: the old value, who, when and why are kept, and `sessions.attendance.amended` tells
        enrollment and risk to recompute.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/sessions/{session_id}/attendance/{enrolment_id}/amendments",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(AmendedMarkOut, answer)

    def notes(
        self,
        *,
        session_id: str | UUID,
    ) -> list[NoteOut]:
        """GET /sessions/{session_id}/notes: The session's confidential notes, for the cohort's psychologists only."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/sessions/{session_id}/notes",
        )
        return cast(list[NoteOut], answer)

    def write_note(
        self,
        *,
        session_id: str | UUID,
        body: NoteIn,
        idempotency_key: str | None = None,
    ) -> NoteWritten:
        """POST /sessions/{session_id}/notes: Write a confidential note (sealed before it reaches the database; never
        published or logged).
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/sessions/{session_id}/notes",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(NoteWritten, answer)

    def enrolment_attendance(
        self,
        *,
        enrolment_id: str | UUID,
        page: int | None = None,
        page_size: int | None = None,
    ) -> HistoryPage:
        """GET /enrolments/{enrolment_id}/attendance: A participant's attendance history, newest first (with
        participation and warning signs).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/enrolments/{enrolment_id}/attendance",
            params={
                "page": page,
                "page_size": page_size,
            },
        )
        return cast(HistoryPage, answer)

    def all_enrolment_attendance(
        self,
        *,
        enrolment_id: str | UUID,
        limit: int = 1000,
    ) -> list[HistoryMark]:
        """Every item of GET /enrolments/{enrolment_id}/attendance (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            f"/enrolments/{enrolment_id}/attendance",
            limit=limit,
        )
        return cast(list[HistoryMark], found)

    def calls(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        status: str | None = None,
    ) -> CallPage:
        """GET /calls: The calls after unexcused absences in the caller's groups or area: `due` (in time), `overdue`,
        `done`; without `status`, due and overdue together, the most urgent first.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/calls",
            params={
                "page": page,
                "page_size": page_size,
                "status": status,
            },
        )
        return cast(CallPage, answer)

    def all_calls(
        self,
        *,
        limit: int = 1000,
        status: str | None = None,
    ) -> list[CallOut]:
        """Every item of GET /calls (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/calls",
            limit=limit,
            status=status,
        )
        return cast(list[CallOut], found)

    def record_call_outcome(
        self,
        *,
        call_id: str | UUID,
        body: CallOutcomeIn,
        idempotency_key: str | None = None,
    ) -> CallOut:
        """POST /calls/{call_id}/outcome: Record the call after his absence: its outcome (never what was said), and
        when; the call is done and `sessions.call.recorded` published. Send an `Idempotency-Key` to retry safely.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/calls/{call_id}/outcome",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(CallOut, answer)

    def fidelity_report(
        self,
        *,
        from_: str | None = None,
        to: str | None = None,
        region: str | None = None,
    ) -> FidelityReportOut:
        """GET /reports/fidelity: Programme fidelity of each group that held sessions in the period, and of them all:
        group sessions held on time, modules delivered as the curriculum plans them, sessions co-facilitated,
        attendance recorded in time.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/reports/fidelity",
            params={
                "from": from_,
                "to": to,
                "region": region,
            },
        )
        return cast(FidelityReportOut, answer)

    def workload_report(
        self,
        *,
        from_: str | None = None,
        to: str | None = None,
        region: str | None = None,
    ) -> WorkloadReportOut:
        """GET /reports/workload: Each facilitator's groups, men and sessions a month, over the sessions held in the
        period.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/reports/workload",
            params={
                "from": from_,
                "to": to,
                "region": region,
            },
        )
        return cast(WorkloadReportOut, answer)
