"""The system as a whole: its services, in the order they start. The composition root: the kit names no service,
each service names only itself and the contracts it reads; this module is where they are put together (the
development runner, the demo seed, the generated documents and the test harness read it)."""

from __future__ import annotations

API_SERVICES = ("enrollment", "sessions", "risk", "notify")  # the JSON APIs, each with its OpenAPI document
SERVICES = (*API_SERVICES, "portal")  # portal: the web pages people use, and sign-in
