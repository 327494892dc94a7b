"""The base of the portal's clients, written by qadam_tools.portal_clients from the committed OpenAPI
documents: the operations every service answers alike, written once. Do not edit: run `make docs`."""

from __future__ import annotations

from typing import ClassVar, cast

from ..backend import Backend
from ._shapes import AuditEntry, AuditPage


class ServiceClient:
    """What the portal asks every service alike, as the signed-in user; a service's client names the service
    and adds its own operations."""

    service: ClassVar[str]

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def audit(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        user_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        route: str | None = None,
        action: str | None = None,
        up_to_id: int | None = None,
    ) -> AuditPage:
        """GET /audit: Search the audit log by user, time, route and action."""
        answer = self._backend.call(
            "GET",
            self.service,
            "/audit",
            params={
                "page": page,
                "page_size": page_size,
                "user_id": user_id,
                "since": since,
                "until": until,
                "route": route,
                "action": action,
                "up_to_id": up_to_id,
            },
        )
        return cast(AuditPage, answer)

    def all_audit(
        self,
        *,
        limit: int = 1000,
        user_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        route: str | None = None,
        action: str | None = None,
        up_to_id: int | None = None,
    ) -> list[AuditEntry]:
        """Every item of GET /audit (up to `limit`), a page of 100 at a time."""
        found = self._backend.all_pages(
            self.service,
            "/audit",
            limit=limit,
            user_id=user_id,
            since=since,
            until=until,
            route=route,
            action=action,
            up_to_id=up_to_id,
        )
        return cast(list[AuditEntry], found)
