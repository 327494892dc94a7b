"""The answers' shapes several services share (the audit page and its entries, ...), written once by
qadam_tools.portal_clients from the committed OpenAPI documents for the clients beside this one. Do
not edit: run `make docs`."""

from __future__ import annotations

from typing import Any, TypedDict


class AuditPage(TypedDict, total=False):
    items: list[AuditEntry]
    page: int
    page_size: int
    total: int


class AuditEntry(TypedDict, total=False):
    id: int
    at: str
    user_id: str
    role: str
    action: str
    method: str
    route: str
    record: dict[str, Any]
    status: int
    address: str | None
    reason: str | None
    correlation_id: str | None
    prev_hash: str
    hash: str
