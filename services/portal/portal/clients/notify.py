"""The portal's client of notify, written by qadam_tools.portal_clients from its committed
services/notify/openapi.json. Do not edit: add an operation to OPERATIONS there and run `make docs`."""

from __future__ import annotations

from typing import Any, TypedDict, cast
from uuid import UUID

from ._service_client import ServiceClient


class NotificationPage(TypedDict, total=False):
    items: list[NotificationOut]
    page: int
    page_size: int
    total: int


class NotificationOut(TypedDict, total=False):
    id: str
    flag_id: str | None
    flag_ids: list[str]
    enrolment_id: str | None
    participant_code: str
    responsibility: str
    kind: str
    notice: str | None
    escalation_step: int
    level: str
    summary: str
    reasons: list[str]
    reason_codes: list[dict[str, Any]]
    link: str
    created_at: str
    acknowledged_at: str | None
    acknowledged_via: str | None
    timing: str


class NotificationDetail(TypedDict, total=False):
    id: str
    flag_id: str | None
    flag_ids: list[str]
    enrolment_id: str | None
    participant_code: str
    responsibility: str
    kind: str
    notice: str | None
    escalation_step: int
    level: str
    summary: str
    reasons: list[str]
    reason_codes: list[dict[str, Any]]
    link: str
    created_at: str
    acknowledged_at: str | None
    acknowledged_via: str | None
    timing: str
    deliveries: list[DeliveryOut]


class DeliveryOut(TypedDict, total=False):
    channel: str
    purpose: str
    fallback_of: str | None
    status: str
    attempts: int
    last_error: str | None
    failure_reason: str | None
    skip_reason: str | None
    sent_at: str | None
    log: list[AttemptOut]


class AttemptOut(TypedDict, total=False):
    at: str
    outcome: str
    error: str | None


class Figures(TypedDict, total=False):
    region: str
    since: str
    until: str
    rows: list[FigureRow]


class FigureRow(TypedDict, total=False):
    district: str
    level: str
    suppressed: bool
    alerts: int | None
    flags: int | None
    in_app_p50_s: float | None
    in_app_p90_s: float | None
    messaged: int | None
    message_p50_s: float | None
    message_p90_s: float | None
    acknowledged: int | None
    ack_p50_s: float | None
    ack_p90_s: float | None
    escalated: int | None


class RegionFigures(TypedDict, total=False):
    region: str | None
    since: str
    until: str
    min_cell: int
    rows: list[RegionFigureRow]
    months: list[MonthRow]


class RegionFigureRow(TypedDict, total=False):
    level: str
    suppressed: bool
    alerts: int | None
    flags: int | None
    in_app_p50_s: float | None
    in_app_p90_s: float | None
    messaged: int | None
    message_p50_s: float | None
    message_p90_s: float | None
    acknowledged: int | None
    ack_p50_s: float | None
    ack_p90_s: float | None
    escalated: int | None
    region: str


class MonthRow(TypedDict, total=False):
    month: str
    suppressed: bool
    alerts: int | None


class UnassignedPage(TypedDict, total=False):
    items: list[UnassignedOut]
    page: int
    page_size: int
    total: int


class UnassignedOut(TypedDict, total=False):
    notification_id: str
    participant_code: str
    level: str
    region: str
    district: str
    user_id: str
    responsibility: str
    escalation_step: int
    waiting_since: str
    unassigned_since: str
    last_tried_at: str | None


class NotifyClient(ServiceClient):
    """What the portal asks notify, as the signed-in user."""

    service = "notify"

    def notifications(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        unacknowledged: bool | None = None,
    ) -> NotificationPage:
        """GET /notifications: Your alerts, newest first (`unacknowledged=true` for those still waiting on you)."""
        answer = self._backend.call(
            "GET",
            self.service,
            "/notifications",
            params={
                "page": page,
                "page_size": page_size,
                "unacknowledged": unacknowledged,
            },
        )
        return cast(NotificationPage, answer)

    def all_notifications(
        self,
        *,
        limit: int = 1000,
        unacknowledged: bool | None = None,
    ) -> list[NotificationOut]:
        """Every item of GET /notifications (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/notifications",
            limit=limit,
            unacknowledged=unacknowledged,
        )
        return cast(list[NotificationOut], found)

    def notification(
        self,
        *,
        notification_id: str | UUID,
    ) -> NotificationDetail:
        """GET /notifications/{notification_id}: One of your alerts, with how it was delivered."""
        answer = self._backend.call(
            "GET",
            self.service,
            f"/notifications/{notification_id}",
        )
        return cast(NotificationDetail, answer)

    def acknowledge(
        self,
        *,
        notification_id: str | UUID,
        idempotency_key: str | None = None,
    ) -> NotificationOut:
        """POST /notifications/{notification_id}/acknowledge: Acknowledge one of your alerts: you have seen it and are
        acting on it. Repeating it changes nothing.
        """
        answer = self._backend.call(
            "POST",
            self.service,
            f"/notifications/{notification_id}/acknowledge",
            idempotency_key=idempotency_key,
        )
        return cast(NotificationOut, answer)

    def figures(
        self,
        *,
        region: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Figures:
        """GET /figures: How fast alerts reached people and were answered, by district and level: from the event to the
        in-app inbox and to the first message, and from delivery to acknowledgement (median and 90th percentile).
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/figures",
            params={
                "region": region,
                "since": since,
                "until": until,
            },
        )
        return cast(Figures, answer)

    def region_figures(
        self,
        *,
        region: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> RegionFigures:
        """GET /figures/regions: The national roll-up's alert figures: how fast alerts reached people and were
        answered, by region and level, and how many were raised each month; of the whole country (or the region
        asked for) for whoever reaches it (an administrator, a national analyst), of their own region for the
        others.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/figures/regions",
            params={
                "region": region,
                "since": since,
                "until": until,
            },
        )
        return cast(RegionFigures, answer)

    def unassigned_escalations(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
    ) -> UnassignedPage:
        """GET /escalations/unassigned: Alerts that found nobody to escalate to (no supervisor above the person who has
        not answered, in the directory or in the man's district or region), longest waiting first. Each is tried
        again after its wait; add or fix the supervisor and it goes on up.
        """
        answer = self._backend.call(
            "GET",
            self.service,
            "/escalations/unassigned",
            params={
                "page": page,
                "page_size": page_size,
            },
        )
        return cast(UnassignedPage, answer)

    def all_unassigned_escalations(
        self,
        *,
        limit: int = 1000,
    ) -> list[UnassignedOut]:
        """Every item of GET /escalations/unassigned (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/escalations/unassigned",
            limit=limit,
        )
        return cast(list[UnassignedOut], found)
