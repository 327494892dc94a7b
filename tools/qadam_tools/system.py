"""The system as a whole: its services, in the order they start. The composition root: the kit names no service,
each service names only itself and the contracts it reads; this module is where they are put together (the
development runner, the demo seed, the generated documents and the test harness read it)."""

from __future__ import annotations

from qadam.config import Settings, settings_class

API_SERVICES = ("enrollment", "sessions", "risk", "notify")  # the JSON APIs, each with its OpenAPI document
SERVICES = (*API_SERVICES, "portal")  # portal: the web pages people use, and sign-in


def service_ports(base_port: int) -> dict[str, int]:
    """Where each service listens in development: the portal on the port before the services' (8000 by default:
    the address people open), the APIs after it."""
    ports = {service: base_port + i for i, service in enumerate(API_SERVICES)}
    ports["portal"] = base_port - 1
    return ports


def settings_classes() -> dict[str, type[Settings]]:
    """The kit's settings (every service reads them) and each service's own: the README's tables, in order."""
    return {"every service": Settings, **{service: settings_class(service) for service in SERVICES}}
