"""The portal's client of enrollment, written by qadam_tools.portal_clients from its committed
services/enrollment/openapi.json. Do not edit: add an operation to OPERATIONS there and run `make docs`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict, cast
from uuid import UUID

from requests import Response

from ._service_client import ServiceClient


class ProgrammePage(TypedDict, total=False):
    items: list[ProgrammeOut]
    page: int
    page_size: int
    total: int


class ProgrammeOut(TypedDict, total=False):
    description: str | None
    curriculum: list[CurriculumItem]
    sessions_required: int
    sessions_per_week: int
    session_minutes: int
    completion_attendance_percent: int
    max_unexcused_absences: int
    max_consecutive_absences: int
    alert_unexcused_absences: int | None
    alert_consecutive_absences: int | None
    absence_call_hours: int | None
    makeup_sessions_count: bool
    follow_up_months: int
    review_at_session: int | None
    group_size_min: int
    group_size_max: int
    facilitators_per_group: int
    id: str
    lineage_id: str
    version: int
    name: str
    template: str | None
    region: str | None
    retired: bool
    created_by: str
    created_at: str


class CurriculumItem(TypedDict, total=False):
    number: int
    topic: str
    exit_review: bool


class ProgrammeIn(TypedDict, total=False):
    description: str | None
    curriculum: list[CurriculumItem]
    sessions_required: int
    sessions_per_week: int
    session_minutes: int
    completion_attendance_percent: int
    max_unexcused_absences: int
    max_consecutive_absences: int
    alert_unexcused_absences: int | None
    alert_consecutive_absences: int | None
    absence_call_hours: int | None
    makeup_sessions_count: bool
    follow_up_months: int
    review_at_session: int | None
    group_size_min: int
    group_size_max: int
    facilitators_per_group: int
    name: str
    template: str | None
    region: str | None


class CohortPage(TypedDict, total=False):
    items: list[CohortOut]
    page: int
    page_size: int
    total: int


class CohortOut(TypedDict, total=False):
    programme_id: str
    name: str
    region: str
    district: str
    mahalla: str | None
    facilitator_ids: list[str]
    capacity: int | None
    schedule: Schedule
    start_date: str
    id: str
    status: str
    enrolled: int
    waiting: int
    created_at: str


class Schedule(TypedDict, total=False):
    weekdays: list[int]
    time: str | None
    place: str | None


class ParticipantOut(TypedDict, total=False):
    full_name: str
    birth_date: str
    sex: str
    pinfl: str | None
    phone: str | None
    region: str
    district: str
    mahalla: str | None
    preferred_language: str
    id: str
    code: str
    created_at: str
    anonymised_at: str | None


class OrderPage(TypedDict, total=False):
    items: list[OrderOut]
    page: int
    page_size: int
    total: int


class OrderOut(TypedDict, total=False):
    number: str | None
    issued_by: str | None
    region: str
    district: str
    issued_on: str
    expires_on: str
    condition_codes: list[str]
    conditions: list[str] | None
    participant_id: str
    id: str
    participant_code: str
    status: str
    plan_agreed_on: str | None
    plan_agreed_with: str | None
    plan_parts: list[PlanPart]
    plan_due_on: str
    plan_overdue: bool
    days_to_expiry: int
    extensions: list[ExtensionOut]


class PlanPart(TypedDict, total=False):
    kind: str
    details: str | None


class ExtensionOut(TypedDict, total=False):
    previous_expiry: str
    new_expiry: str
    decided_by: str | None
    reason: str | None
    recorded_by: str
    recorded_at: str


class EnrolmentPage(TypedDict, total=False):
    items: list[EnrolmentOut]
    page: int
    page_size: int
    total: int


class EnrolmentOut(TypedDict, total=False):
    id: str
    participant_id: str
    participant_code: str
    cohort_id: str
    programme_id: str | None
    programme_version: int | None
    protection_order_id: str | None
    referral_source: str
    inspector_id: str
    psychologist_id: str
    victim_support_worker_id: str | None
    region: str
    district: str
    status: str
    status_reason: str | None
    allowed_actions: list[str]
    enrolled_at: str
    started_on: str | None
    finished_on: str | None
    follow_up_until: str | None
    progress: Any
    exit_proposed_at: str | None
    exit_proposal: list[str] | None
    completion_proposed_at: str | None
    completion_proposal: list[str] | None
    pending_transfer: TransferOut | None


class TransferOut(TypedDict, total=False):
    id: str
    enrolment_id: str
    participant_code: str
    region: str
    district: str
    from_cohort_id: str
    to_cohort_id: str
    to_region: str
    to_district: str
    psychologist_id: str | None
    inspector_id: str | None
    note: str | None
    status: str
    asked_by: str
    asked_at: str
    decided_by: str | None
    decided_at: str | None
    decision_note: str | None


class SupportWorkerIn(TypedDict, total=False):
    victim_support_worker_id: str | None


class TransitionOut(TypedDict, total=False):
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    note: str | None
    from_cohort_id: str | None
    to_cohort_id: str | None
    by: str
    at: str


class TransitionIn(TypedDict, total=False):
    action: str
    reason: str | None
    note: str | None


class SupportedEnrolmentPage(TypedDict, total=False):
    items: list[SupportedEnrolmentOut]
    page: int
    page_size: int
    total: int


class SupportedEnrolmentOut(TypedDict, total=False):
    id: str
    participant_code: str
    region: str
    district: str
    inspector_id: str
    status: str
    status_reason: str | None
    enrolled_at: str
    started_on: str | None
    finished_on: str | None
    follow_up_until: str | None
    order: OrderForHer | None


class OrderForHer(TypedDict, total=False):
    number: str
    issued_on: str
    expires_on: str
    status: str


class ReferralOut(TypedDict, total=False):
    participant: ParticipantOut
    registered_already: bool
    order: OrderOut
    enrolment: EnrolmentOut | None
    waiting: WaitingOut | None


class WaitingOut(TypedDict, total=False):
    id: str
    status: str
    position: int | None
    cohort_id: str
    cohort_name: str
    participant_id: str
    participant_code: str
    protection_order_id: str | None
    inspector_id: str
    psychologist_id: str
    victim_support_worker_id: str | None
    region: str
    district: str
    since: str
    asked_by: str
    enrolment_id: str | None
    placed_cohort_id: str | None
    placed_at: str | None
    placed_by: str | None
    withdrawn_reason: str | None
    withdrawn_by: str | None


class ReferralIn(TypedDict, total=False):
    participant: ParticipantIn
    order: OrderTermsIn
    enrolment: PlacementIn


class ParticipantIn(TypedDict, total=False):
    full_name: str
    birth_date: str
    sex: str
    pinfl: str | None
    phone: str | None
    region: str
    district: str
    mahalla: str | None
    preferred_language: str


class OrderTermsIn(TypedDict, total=False):
    number: str
    issued_by: str | None
    region: str
    district: str
    issued_on: str
    expires_on: str
    condition_codes: list[str]
    conditions: list[str]


class PlacementIn(TypedDict, total=False):
    cohort_id: str
    inspector_id: str
    psychologist_id: str
    victim_support_worker_id: str | None


class ParticipantPage(TypedDict, total=False):
    items: list[ParticipantOut]
    page: int
    page_size: int
    total: int
    elsewhere: list[Elsewhere]


class Elsewhere(TypedDict, total=False):
    region: str
    district: str


class TransferIn(TypedDict, total=False):
    cohort_id: str
    psychologist_id: str | None
    inspector_id: str | None
    note: str | None


class TransferPage(TypedDict, total=False):
    items: list[TransferOut]
    page: int
    page_size: int
    total: int


class TransferDecisionIn(TypedDict, total=False):
    approve: bool
    note: str | None


class CorrectionPlanIn(TypedDict, total=False):
    agreed_on: str
    agreed_with: str | None
    parts: list[PlanPart]


class OrderExtensionIn(TypedDict, total=False):
    new_expiry: str
    decided_by: str
    reason: str


class OrderStatusIn(TypedDict, total=False):
    status: str


CompletionReport = TypedDict("CompletionReport", {
    "group_by": "str",
    "region": "str | None",
    "from": "str",
    "to": "str",
    "min_cell": "int",
    "groups": "list[CompletionGroup]",
    "totals": "CompletionGroup",
}, total=False)


class CompletionGroup(TypedDict, total=False):
    key: str | None
    label: str
    total: bool
    suppressed: bool
    enrolments: int | None
    active: int | None
    completed: int | None
    exited: int | None
    dropouts: int | None
    completion_rate: float | None
    dropout_rate: float | None
    average_attendance: float | None
    median_dropout_session: float | None
    dropout_sessions: dict[str, Any] | None


NationalRollup = TypedDict("NationalRollup", {
    "region": "str | None",
    "from": "str",
    "to": "str",
    "min_cell": "int",
    "regions": "RollupTable",
    "months": "RollupTable",
}, total=False)


class RollupTable(TypedDict, total=False):
    groups: list[CompletionGroup]
    totals: CompletionGroup


OutcomeReportOut = TypedDict("OutcomeReportOut", {
    "group_by": "str",
    "region": "str | None",
    "from": "str",
    "to": "str",
    "as_of": "str",
    "min_cell": "int",
    "groups": "list[OutcomeGroup]",
    "totals": "OutcomeGroup",
    "curve": "list[CurveStep]",
}, total=False)


class OutcomeGroup(TypedDict, total=False):
    key: str | None
    label: str
    total: bool
    suppressed: bool
    men: int | None
    followed_6: int | None
    with_6: int | None
    without_6: int | None
    rate_6: float | None
    low_6: float | None
    high_6: float | None
    followed_12: int | None
    with_12: int | None
    without_12: int | None
    rate_12: float | None
    low_12: float | None
    high_12: float | None


class CurveStep(TypedDict, total=False):
    month: int
    at_risk: int
    events: int
    survival: float


class CohortIn(TypedDict, total=False):
    programme_id: str
    name: str
    region: str
    district: str
    mahalla: str | None
    facilitator_ids: list[str]
    capacity: int | None
    schedule: Schedule
    start_date: str


class CohortUpdate(TypedDict, total=False):
    status: str
    facilitator_ids: list[str]
    capacity: int
    schedule: Schedule


class ProgrammeRules(TypedDict, total=False):
    description: str | None
    curriculum: list[CurriculumItem]
    sessions_required: int
    sessions_per_week: int
    session_minutes: int
    completion_attendance_percent: int
    max_unexcused_absences: int
    max_consecutive_absences: int
    alert_unexcused_absences: int | None
    alert_consecutive_absences: int | None
    absence_call_hours: int | None
    makeup_sessions_count: bool
    follow_up_months: int
    review_at_session: int | None
    group_size_min: int
    group_size_max: int
    facilitators_per_group: int


class WaitingLine(TypedDict, total=False):
    items: list[WaitingOut]


class WaitingPlacementIn(TypedDict, total=False):
    cohort_id: str
    psychologist_id: str | None


class DocumentList(TypedDict, total=False):
    items: list[DocumentOut]
    issuable: list[str]


class DocumentOut(TypedDict, total=False):
    number: str
    kind: str
    enrolment_id: str | None
    session_id: str | None
    language: str
    replaces: str | None
    replaced_by: str | None
    check_code: str
    sha256: str
    generated_by: str
    generated_by_role: str
    generated_at: str
    purged_at: str | None


class DocumentIn(TypedDict, total=False):
    kind: str
    language: str
    replaces: str | None


class RegisterIn(TypedDict, total=False):
    language: str


class DocumentCheckOut(TypedDict, total=False):
    number: str
    genuine: bool
    kind: str | None
    issued_at: str | None
    replaced_by: str | None
    purged_at: str | None


class EnrollmentClient(ServiceClient):
    """What the portal asks enrollment, as the signed-in user."""

    service = "enrollment"

    def programmes(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        include_retired: bool | None = None,
        programme_id: Sequence[str | UUID] | None = None,
    ) -> ProgrammePage:
        """GET /programmes: Programmes in use: national ones and those of the caller's region (current versions unless
        asked).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/programmes",
            params={
                "page": page,
                "page_size": page_size,
                "include_retired": include_retired,
                "programme_id": programme_id,
            },
        )
        return cast(ProgrammePage, answer)

    def all_programmes(
        self,
        *,
        limit: int = 1000,
        include_retired: bool | None = None,
        programme_id: Sequence[str | UUID] | None = None,
    ) -> list[ProgrammeOut]:
        """Every item of GET /programmes (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/programmes",
            limit=limit,
            include_retired=include_retired,
            programme_id=programme_id,
        )
        return cast(list[ProgrammeOut], found)

    def define_programme(
        self,
        *,
        body: ProgrammeIn,
        idempotency_key: str | None = None,
    ) -> ProgrammeOut:
        """POST /programmes: Define a programme, from a shipped template (statutory, extended_group) with changes, or
        from scratch.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            "/programmes",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(ProgrammeOut, answer)

    def programme(
        self,
        *,
        programme_id: str | UUID,
    ) -> ProgrammeOut:
        """GET /programmes/{programme_id}: One programme version."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/programmes/{programme_id}",
        )
        return cast(ProgrammeOut, answer)

    def cohorts(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
    ) -> CohortPage:
        """GET /cohorts: The cohorts the caller may see (a psychologist's own, an inspector's or manager's area)."""
        answer = self._backend.call(
            "GET",
            self.service,
            "/cohorts",
            params={
                "page": page,
                "page_size": page_size,
            },
        )
        return cast(CohortPage, answer)

    def all_cohorts(
        self,
        *,
        limit: int = 1000,
    ) -> list[CohortOut]:
        """Every item of GET /cohorts (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/cohorts",
            limit=limit,
        )
        return cast(list[CohortOut], found)

    def cohort(
        self,
        *,
        cohort_id: str | UUID,
    ) -> CohortOut:
        """GET /cohorts/{cohort_id}: One cohort, with how many take part now."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/cohorts/{cohort_id}",
        )
        return cast(CohortOut, answer)

    def participant(
        self,
        *,
        participant_id: str | UUID,
    ) -> ParticipantOut:
        """GET /participants/{participant_id}: One participant's record, personal data included (need to know: area, or
        his cohort's psychologist).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/participants/{participant_id}",
        )
        return cast(ParticipantOut, answer)

    def protection_orders(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        district: str | None = None,
        expiring_within_days: int | None = None,
        plan_overdue: bool | None = None,
        status: str | None = None,
    ) -> OrderPage:
        """GET /protection-orders: Protection orders of the caller's area: those expiring soon, or with the correction
        plan overdue.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/protection-orders",
            params={
                "page": page,
                "page_size": page_size,
                "district": district,
                "expiring_within_days": expiring_within_days,
                "plan_overdue": plan_overdue,
                "status": status,
            },
        )
        return cast(OrderPage, answer)

    def all_protection_orders(
        self,
        *,
        limit: int = 1000,
        district: str | None = None,
        expiring_within_days: int | None = None,
        plan_overdue: bool | None = None,
        status: str | None = None,
    ) -> list[OrderOut]:
        """Every item of GET /protection-orders (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/protection-orders",
            limit=limit,
            district=district,
            expiring_within_days=expiring_within_days,
            plan_overdue=plan_overdue,
            status=status,
        )
        return cast(list[OrderOut], found)

    def protection_order(
        self,
        *,
        order_id: str | UUID,
    ) -> OrderOut:
        """GET /protection-orders/{order_id}: One order with its extensions and where its correction plan stands."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/protection-orders/{order_id}",
        )
        return cast(OrderOut, answer)

    def enrolments(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        cohort_id: str | UUID | None = None,
        programme_id: str | UUID | None = None,
        status: Sequence[str] | None = None,
        district: str | None = None,
        inspector_id: str | None = None,
        psychologist_id: str | None = None,
        code: str | None = None,
        exit_proposed: bool | None = None,
        order_expiring_within_days: int | None = None,
        protection_order_id: Sequence[str | UUID] | None = None,
    ) -> EnrolmentPage:
        """GET /enrolments: Enrolments the caller may see, filtered: status, district, inspector, psychologist, cohort,
        programme, code, exit proposed, protection order expiring within N days.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/enrolments",
            params={
                "page": page,
                "page_size": page_size,
                "cohort_id": cohort_id,
                "programme_id": programme_id,
                "status": status,
                "district": district,
                "inspector_id": inspector_id,
                "psychologist_id": psychologist_id,
                "code": code,
                "exit_proposed": exit_proposed,
                "order_expiring_within_days": order_expiring_within_days,
                "protection_order_id": protection_order_id,
            },
        )
        return cast(EnrolmentPage, answer)

    def all_enrolments(
        self,
        *,
        limit: int = 1000,
        cohort_id: str | UUID | None = None,
        programme_id: str | UUID | None = None,
        status: Sequence[str] | None = None,
        district: str | None = None,
        inspector_id: str | None = None,
        psychologist_id: str | None = None,
        code: str | None = None,
        exit_proposed: bool | None = None,
        order_expiring_within_days: int | None = None,
        protection_order_id: Sequence[str | UUID] | None = None,
    ) -> list[EnrolmentOut]:
        """Every item of GET /enrolments (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/enrolments",
            limit=limit,
            cohort_id=cohort_id,
            programme_id=programme_id,
            status=status,
            district=district,
            inspector_id=inspector_id,
            psychologist_id=psychologist_id,
            code=code,
            exit_proposed=exit_proposed,
            order_expiring_within_days=order_expiring_within_days,
            protection_order_id=protection_order_id,
        )
        return cast(list[EnrolmentOut], found)

    def enrolment(
        self,
        *,
        enrolment_id: str | UUID,
    ) -> EnrolmentOut:
        """GET /enrolments/{enrolment_id}: One enrolment: where it stands, its progress and the moves the caller could
        make now.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/enrolments/{enrolment_id}",
        )
        return cast(EnrolmentOut, answer)

    def set_victim_support_worker(
        self,
        *,
        enrolment_id: str | UUID,
        body: SupportWorkerIn,
    ) -> EnrolmentOut:
        """PUT /enrolments/{enrolment_id}/victim-support-worker: Link her support worker (Inson centre) to the
        enrolment, change or remove them: his inspector or a supervisor of his area. An active support worker of his
        region; published for risk and notify.
        """
        answer = self._backend.call(
            "PUT",
            self.service,
            f"/enrolments/{enrolment_id}/victim-support-worker",
            json=body,
        )
        return cast(EnrolmentOut, answer)

    def transitions(
        self,
        *,
        enrolment_id: str | UUID,
    ) -> list[TransitionOut]:
        """GET /enrolments/{enrolment_id}/transitions: The enrolment's history: every move, with who, when and why (a
        manager: without the notes).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/enrolments/{enrolment_id}/transitions",
        )
        return cast(list[TransitionOut], answer)

    def move_enrolment(
        self,
        *,
        enrolment_id: str | UUID,
        body: TransitionIn,
        idempotency_key: str | None = None,
    ) -> EnrolmentOut:
        """POST /enrolments/{enrolment_id}/transitions: Move the enrolment: assess, start, suspend, resume, complete,
        close, exclude (at intake) or exit. Exit, exclusion and suspension need a reason; an illegal move is a 409
        naming the allowed ones.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/enrolments/{enrolment_id}/transitions",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(EnrolmentOut, answer)

    def supported_enrolments(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        status: Sequence[str] | None = None,
        code: str | None = None,
    ) -> SupportedEnrolmentPage:
        """GET /supported-enrolments: The men whose partners the caller (an Inson centre's support worker) supports,
        and no others: where each stands, why he left, his order's dates and his inspector. Never his attendance,
        notes or person.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/supported-enrolments",
            params={
                "page": page,
                "page_size": page_size,
                "status": status,
                "code": code,
            },
        )
        return cast(SupportedEnrolmentPage, answer)

    def all_supported_enrolments(
        self,
        *,
        limit: int = 1000,
        status: Sequence[str] | None = None,
        code: str | None = None,
    ) -> list[SupportedEnrolmentOut]:
        """Every item of GET /supported-enrolments (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/supported-enrolments",
            limit=limit,
            status=status,
            code=code,
        )
        return cast(list[SupportedEnrolmentOut], found)

    def supported_enrolment(
        self,
        *,
        enrolment_id: str | UUID,
    ) -> SupportedEnrolmentOut:
        """GET /supported-enrolments/{enrolment_id}: One man whose partner the caller supports (404 for any other)."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/supported-enrolments/{enrolment_id}",
        )
        return cast(SupportedEnrolmentOut, answer)

    def refer(
        self,
        *,
        body: ReferralIn,
        idempotency_key: str | None = None,
    ) -> ReferralOut:
        """POST /referrals: Register the man (or find the one of the caller's area he is: never registered twice),
        record his protection order and enrol him in a cohort, in one transaction: the rules, events and refusals of
        `POST /participants`, `POST /protection-orders` and `POST /enrolments`, a refusal naming its part (`step`,
        and field errors under `participant`, `order` or `enrolment`). A refusal leaves nothing behind. A full
        cohort (or one others wait for) is no refusal: he waits in its line, `enrolment` is null and `waiting` says
        his position; the next place that frees there is his.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            "/referrals",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(ReferralOut, answer)

    def find_participants(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        q: str | None = None,
    ) -> ParticipantPage:
        """GET /participants: Find participants of the caller's area by code, PINFL, or name in any script or spelling."""
        answer = self._backend.call(
            "GET",
            self.service,
            "/participants",
            params={
                "page": page,
                "page_size": page_size,
                "q": q,
            },
        )
        return cast(ParticipantPage, answer)

    def all_find_participants(
        self,
        *,
        limit: int = 1000,
        q: str | None = None,
    ) -> list[ParticipantOut]:
        """Every item of GET /participants (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/participants",
            limit=limit,
            q=q,
        )
        return cast(list[ParticipantOut], found)

    def transfer(
        self,
        *,
        enrolment_id: str | UUID,
        body: TransferIn,
        idempotency_key: str | None = None,
    ) -> EnrolmentOut:
        """POST /enrolments/{enrolment_id}/transfer: Move him to another cohort (in another district too); his marks,
        progress and history go with him. An inspector's move out of his district is not made at once: it waits for
        a supervisor of the district's region (`pending_transfer` of the answer; `POST
        /transfers/{transfer_id}/decision`).
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/enrolments/{enrolment_id}/transfer",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(EnrolmentOut, answer)

    def transfer_options(
        self,
        *,
        enrolment_id: str | UUID,
    ) -> list[CohortOut]:
        """GET /enrolments/{enrolment_id}/transfer-options: The cohorts he could be moved to: forming or running, of
        his programme, in the caller's region (other districts too: a move out of his district waits for a
        supervisor), other than his own, with places taken.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/enrolments/{enrolment_id}/transfer-options",
        )
        return cast(list[CohortOut], answer)

    def transfers(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        status: Sequence[str] | None = None,
        enrolment_id: str | UUID | None = None,
    ) -> TransferPage:
        """GET /transfers: Moves out of a district asked from or into the caller's area (an inspector: and his own),
        those waiting first (the longest waiting on top), then the newest decided.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/transfers",
            params={
                "page": page,
                "page_size": page_size,
                "status": status,
                "enrolment_id": enrolment_id,
            },
        )
        return cast(TransferPage, answer)

    def all_transfers(
        self,
        *,
        limit: int = 1000,
        status: Sequence[str] | None = None,
        enrolment_id: str | UUID | None = None,
    ) -> list[TransferOut]:
        """Every item of GET /transfers (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/transfers",
            limit=limit,
            status=status,
            enrolment_id=enrolment_id,
        )
        return cast(list[TransferOut], found)

    def decide_transfer(
        self,
        *,
        transfer_id: str | UUID,
        body: TransferDecisionIn,
        idempotency_key: str | None = None,
    ) -> TransferOut:
        """POST /transfers/{transfer_id}/decision: Approve a waiting move out of the district (it is made then, checked
        again as things are now: a full cohort is a 409) or refuse it, saying why: a supervisor of the district's
        region, once (409 after).
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/transfers/{transfer_id}/decision",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(TransferOut, answer)

    def agree_correction_plan(
        self,
        *,
        order_id: str | UUID,
        body: CorrectionPlanIn,
    ) -> OrderOut:
        """PUT /protection-orders/{order_id}/correction-plan: Record the individual correction plan agreed with the
        Inson centre: when, with whom, and its parts (the programme, referrals for employment, health, education or
        housing); again to change it.
        """
        answer = self._backend.call(
            "PUT",
            self.service,
            f"/protection-orders/{order_id}/correction-plan",
            json=body,
        )
        return cast(OrderOut, answer)

    def extend_order(
        self,
        *,
        order_id: str | UUID,
        body: OrderExtensionIn,
        idempotency_key: str | None = None,
    ) -> OrderOut:
        """POST /protection-orders/{order_id}/extensions: Extend an order; the previous expiry and who decided stay in
        its history.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/protection-orders/{order_id}/extensions",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(OrderOut, answer)

    def end_order(
        self,
        *,
        order_id: str | UUID,
        body: OrderStatusIn,
    ) -> OrderOut:
        """PATCH /protection-orders/{order_id}: Revoke an order (or mark it expired early)."""
        answer = self._backend.call(
            "PATCH",
            self.service,
            f"/protection-orders/{order_id}",
            json=body,
        )
        return cast(OrderOut, answer)

    def completion_report(
        self,
        *,
        group_by: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        region: str | None = None,
        format: str | None = None,
        lang: str | None = None,
    ) -> CompletionReport:
        """GET /reports/completion: Completion, dropout and attendance of the enrolments that started in a period, by
        group.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/reports/completion",
            params={
                "group_by": group_by,
                "from": from_,
                "to": to,
                "region": region,
                "format": format,
                "lang": lang,
            },
        )
        return cast(CompletionReport, answer)

    def completion_report_file(
        self,
        *,
        group_by: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        region: str | None = None,
        format: str | None = None,
        lang: str | None = None,
    ) -> Response:
        """GET /reports/completion: Completion, dropout and attendance of the enrolments that started in a period, by
        group.
        """
        return self._backend.request(
            "GET",
            self.service,
            "/reports/completion",
            params={
                "group_by": group_by,
                "from": from_,
                "to": to,
                "region": region,
                "format": format,
                "lang": lang,
            },
        )

    def national_rollup(
        self,
        *,
        from_: str | None = None,
        to: str | None = None,
        region: str | None = None,
        lang: str | None = None,
    ) -> NationalRollup:
        """GET /reports/rollup: The national roll-up: enrolments started, still in, completed and dropped out, with
        their rates, by region and by month of starting, small cells suppressed.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/reports/rollup",
            params={
                "from": from_,
                "to": to,
                "region": region,
                "lang": lang,
            },
        )
        return cast(NationalRollup, answer)

    def outcome_report(
        self,
        *,
        group_by: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        as_of: str | None = None,
        region: str | None = None,
        format: str | None = None,
        lang: str | None = None,
    ) -> OutcomeReportOut:
        """GET /reports/outcomes: What became of the men who left a programme in a period: new orders and breaches
        within 6 and 12 months.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/reports/outcomes",
            params={
                "group_by": group_by,
                "from": from_,
                "to": to,
                "as_of": as_of,
                "region": region,
                "format": format,
                "lang": lang,
            },
        )
        return cast(OutcomeReportOut, answer)

    def outcome_report_file(
        self,
        *,
        group_by: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        as_of: str | None = None,
        region: str | None = None,
        format: str | None = None,
        lang: str | None = None,
    ) -> Response:
        """GET /reports/outcomes: What became of the men who left a programme in a period: new orders and breaches
        within 6 and 12 months.
        """
        return self._backend.request(
            "GET",
            self.service,
            "/reports/outcomes",
            params={
                "group_by": group_by,
                "from": from_,
                "to": to,
                "as_of": as_of,
                "region": region,
                "format": format,
                "lang": lang,
            },
        )

    def form_cohort(
        self,
        *,
        body: CohortIn,
        idempotency_key: str | None = None,
    ) -> CohortOut:
        """POST /cohorts: Form a cohort (group) of a programme in a district, with its facilitator psychologists."""
        answer = self._backend.call(
            "POST",
            self.service,
            "/cohorts",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(CohortOut, answer)

    def change_cohort(
        self,
        *,
        cohort_id: str | UUID,
        body: CohortUpdate,
    ) -> CohortOut:
        """PATCH /cohorts/{cohort_id}: Change a cohort's status, facilitators, capacity or schedule."""
        answer = self._backend.call(
            "PATCH",
            self.service,
            f"/cohorts/{cohort_id}",
            json=body,
        )
        return cast(CohortOut, answer)

    def version_programme(
        self,
        *,
        programme_id: str | UUID,
        body: ProgrammeRules,
        idempotency_key: str | None = None,
    ) -> ProgrammeOut:
        """POST /programmes/{programme_id}/versions: A new version with the changes given; new cohorts take it,
        enrolments keep the version they started under.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/programmes/{programme_id}/versions",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(ProgrammeOut, answer)

    def waiting_list(
        self,
        *,
        cohort_id: str | UUID,
    ) -> WaitingLine:
        """GET /cohorts/{cohort_id}/waiting-list: Those waiting for a place in the cohort, first in line first (the
        next place that frees is the first's).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/cohorts/{cohort_id}/waiting-list",
        )
        return cast(WaitingLine, answer)

    def place_waiting(
        self,
        *,
        waiting_id: str | UUID,
        body: WaitingPlacementIn,
        idempotency_key: str | None = None,
    ) -> WaitingOut:
        """POST /waiting-list/{waiting_id}/placement: Place a waiting referral in another group of his programme that
        has a free place (a new one, say): his enrolment is made there, `referred`, and he leaves the line
        (`placed`, `enrolment_id`).
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/waiting-list/{waiting_id}/placement",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(WaitingOut, answer)

    def documents(
        self,
        *,
        enrolment_id: str | UUID,
    ) -> DocumentList:
        """GET /enrolments/{enrolment_id}/documents: His documents the caller may read, newest first, and the kinds the
        caller may issue for him now.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/enrolments/{enrolment_id}/documents",
        )
        return cast(DocumentList, answer)

    def issue_document(
        self,
        *,
        enrolment_id: str | UUID,
        body: DocumentIn,
        idempotency_key: str | None = None,
    ) -> DocumentOut:
        """POST /enrolments/{enrolment_id}/documents: Issue a paper about him as PDF, in the language asked: kept as
        issued with its SHA-256 and check code. 409 where his standing does not allow the kind (a certificate before
        he completed).
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/enrolments/{enrolment_id}/documents",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(DocumentOut, answer)

    def document_pdf(
        self,
        *,
        number: str | UUID,
    ) -> Response:
        """GET /documents/{number}/pdf: The document's PDF, as issued (410 once purged under the retention rules)."""
        return self._backend.request(
            "GET",
            self.service,
            f"/documents/{number}/pdf",
        )

    def print_register(
        self,
        *,
        session_id: str | UUID,
        body: RegisterIn,
        idempotency_key: str | None = None,
    ) -> DocumentOut:
        """POST /sessions/{session_id}/register: Print the session's attendance register as PDF, in the language asked,
        for a psychologist who facilitates its group: blank (each man by code and initials, columns to tick and
        sign) until its attendance is recorded, then with each man's mark as recorded. Kept as issued with its
        SHA-256 and check code; 409 if cancelled.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/sessions/{session_id}/register",
            json=body,
            idempotency_key=idempotency_key,
        )
        return cast(DocumentOut, answer)

    def check_document(
        self,
        *,
        number: str | UUID,
        check: str,
    ) -> DocumentCheckOut:
        """GET /documents/{number}: Whether a printed copy is genuine, by its number and the check code printed on it;
        a genuine one's kind, issue time and the document that replaces it, if one does. Nothing about the man.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            f"/documents/{number}",
            params={
                "check": check,
            },
        )
        return cast(DocumentCheckOut, answer)
