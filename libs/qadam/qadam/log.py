"""structlog set-up: JSON lines (or readable lines) that always carry `service` and `correlation_id`.

The correlation id lives in a context variable: it enters at HTTP (`X-Request-ID`), is written into
every event the request causes, and is bound again by the consumer that handles that event, so one
id follows a story through every service.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

_configured_service: str | None = None


def configure_logging(service: str, *, fmt: str = "json", level: str = "INFO") -> None:
    """Route structlog and the standard library's logging through one JSON (or console) renderer."""
    global _configured_service
    _configured_service = service
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_service,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer(sort_keys=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pika narrates every frame at INFO; its warnings and errors are what matter.
    logging.getLogger("pika").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _add_service(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    event_dict.setdefault("service", _configured_service)
    return event_dict


def get_logger(name: str | None = None) -> Any:
    return structlog.stdlib.get_logger(name)


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def current_correlation_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("correlation_id")


def current_causation_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("message_id")


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Bind values (correlation_id, message_id, user_id...) to every log line inside the block."""
    tokens = structlog.contextvars.bind_contextvars(**values)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
