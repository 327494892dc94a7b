"""The portal works through the services' APIs with the signed-in user's own token: each service decides what the
user may see and do, exactly as it would for any other client. A page never reads another service's database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
import structlog
from flask import current_app, g
from qadam.log import get_logger

from .settings import PortalSettings

log = get_logger(__name__)
_http = requests.Session()  # one connection pool per process: pages call the services often
_http.mount("http://", requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=16))


@dataclass
class ServiceError(Exception):
    """A service said no (4xx) or could not answer (5xx, unreachable): its problem+json, for the page to show."""

    status: int
    title: str
    detail: str = ""
    errors: dict[str, Any] = field(default_factory=dict)
    service: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)  # the problem's other members, e.g. `step`

    def __str__(self) -> str:
        return f"{self.service} {self.status}: {self.detail or self.title}"

    def field_errors(self) -> dict[str, str]:
        """The service's field errors, one message per field (nested ones joined with dots)."""
        out: dict[str, str] = {}

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), v)
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                out[prefix] = " ".join(value)
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(f"{prefix}.{i}", v)
            else:
                out[prefix] = str(value)

        walk("", self.errors)
        return out


class Backend:
    """Calls to one user's view of the services."""

    def __init__(self, settings: PortalSettings, token: str) -> None:
        self._settings = settings
        self._token = token
        self._base = {"enrollment": settings.enrollment_url, "sessions": settings.sessions_url,
                      "risk": settings.risk_url, "notify": settings.notify_url}

    def request(self, method: str, service: str, path: str, *, params: dict[str, Any] | None = None,
                json: Any = None, idempotency_key: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        correlation = structlog.contextvars.get_contextvars().get("correlation_id")
        if correlation:
            headers["X-Request-ID"] = correlation
        if method == "POST":
            # a form sent twice (a double tap, a retry on a slow line) records once
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        url = self._base[service].rstrip("/") + path
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = _http.request(method, url, params=clean, json=json, headers=headers,
                                     timeout=self._settings.portal_api_timeout_seconds)
        except requests.RequestException as exc:
            log.warning("service_unreachable", service=service, path=path, error=type(exc).__name__)
            raise ServiceError(503, "unavailable", service=service) from None
        if response.status_code >= 400:
            raise _problem(service, response)
        return response

    def call(self, method: str, service: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
             idempotency_key: str | None = None) -> Any:
        """One operation's JSON answer (None for an empty one); a write without a body sends an empty object."""
        if json is None and method in ("POST", "PUT", "PATCH"):
            json = {}
        response = self.request(method, service, path, params=params, json=json, idempotency_key=idempotency_key)
        return response.json() if response.content else None

    def all_pages(self, service: str, path: str, *, limit: int = 1000, **params: Any) -> list[Any]:
        """Every item of a paginated list (up to `limit`), a page of 100 at a time."""
        items: list[Any] = []
        page = 1
        while len(items) < limit:
            body = self.call("GET", service, path, params={**params, "page": page, "page_size": 100})
            items.extend(body["items"])
            if page * body["page_size"] >= body["total"] or not body["items"]:
                break
            page += 1
        return items[:limit]


def _problem(service: str, response: requests.Response) -> ServiceError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code >= 500:
        log.warning("service_error", service=service, status=response.status_code, detail=body.get("detail"))
    standard = ("type", "title", "status", "detail", "errors", "instance", "correlation_id")
    return ServiceError(response.status_code, str(body.get("title") or response.reason),
                        str(body.get("detail") or ""), body.get("errors") or {}, service,
                        {k: v for k, v in body.items() if k not in standard})


def api() -> Backend:
    """The signed-in user's view of the services, for this request."""
    backend = g.get("backend")
    if backend is None:
        from .websession import current_token

        backend = g.backend = Backend(current_app.extensions["qadam_settings"], current_token())
    return backend
