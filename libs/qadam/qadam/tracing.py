"""Traces (OpenTelemetry) from the HTTP request through the outbox, the broker and each consumer.

With QADAM_OTEL_ENDPOINT set, `configure_tracing` makes the process's tracer: its spans go in batches, from a
thread of their own, to the collector over OTLP/HTTP (protobuf), named by the service. The trace context travels
as a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`, 55 characters) in each event's envelope: an event
written inside a request's span (or a consumer's) carries that span's; the relay publishes it in a producer span,
child of that one, and sends the producer span's `traceparent` in the message's headers (the body as written); the
consumer handles it in a span that is a child of the header's (or, without one, of the envelope's). So a request and
everything it causes in every service is one trace.

Without an endpoint there is no tracer: no provider, no exporter, no thread; every helper here returns at its
first check (`_tracer is None`), and envelopes carry no `traceparent`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .log import log_context

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

    from .config import Settings
    from .events import Event

_tracer: trace.Tracer | None = None
_provider: TracerProvider | None = None
_PROPAGATOR = TraceContextTextMapPropagator()
# the traceparent of the span handling each message of a batch that one handler takes at once (by message id):
# what `traceparent_for` gives an event that message causes (its id is the causation id the handler binds)
_HANDLING: ContextVar[dict[str, str] | None] = ContextVar("qadam_tracing_handling", default=None)


def configure_tracing(settings: Settings, *, exporter: SpanExporter | None = None) -> bool:
    """Set up this process's tracer if QADAM_OTEL_ENDPOINT names a collector (once; again is a no-op); whether
    tracing is on. `exporter`: where the spans go instead of the collector (tests: the SDK's in-memory one)."""
    global _tracer, _provider
    if _tracer is not None or not (settings.otel_endpoint or exporter is not None):
        return _tracer is not None
    # imported only when on: a process without an endpoint loads none of the SDK
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": settings.service}))
    # the SDK's BatchSpanProcessor starts its thread again in a child after a fork (gunicorn's workers)
    provider.add_span_processor(BatchSpanProcessor(
        exporter or OTLPSpanExporter(endpoint=settings.otel_endpoint.rstrip("/") + "/v1/traces")))
    _provider = provider
    _tracer = provider.get_tracer("qadam")
    return True


def shutdown_tracing() -> None:
    """Send what is still waiting and stop the exporter's thread (a worker stopping; tests)."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None


def enabled() -> bool:
    return _tracer is not None


def traceparent_of(span: trace.Span) -> str | None:
    """The W3C `traceparent` of `span` (None for an invalid one)."""
    ctx = span.get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"


def current_traceparent() -> str | None:
    """The `traceparent` of the current span; None when tracing is off or no span is current."""
    if _tracer is None:
        return None
    return traceparent_of(trace.get_current_span())


def traceparent_for(causation_id: str | None) -> str | None:
    """The `traceparent` an event caused now carries: that of the span handling the message `causation_id` in a
    batch taken at once, else the current span's; None when tracing is off."""
    if _tracer is None:
        return None
    if causation_id is not None:
        handling = _HANDLING.get()
        if handling is not None:
            found = handling.get(causation_id)
            if found is not None:
                return found
    return traceparent_of(trace.get_current_span())


def context_of(traceparent: str | None) -> Context | None:
    """The remote parent a `traceparent` names, as a context to start a span in; None if absent or not valid."""
    if not traceparent:
        return None
    ctx = _PROPAGATOR.extract({"traceparent": traceparent})
    return ctx if trace.get_current_span(ctx).get_span_context().is_valid else None


def enter_server_span(method: str, traceparent: str | None) -> tuple[trace.Span, object] | None:
    """A server span for an HTTP request, child of the caller's `traceparent` if it sent a valid one, made current
    (with its trace id bound for the log lines) until `leave_server_span`; None when tracing is off."""
    if _tracer is None:
        return None
    span = _tracer.start_span(method, context=context_of(traceparent), kind=SpanKind.SERVER,
                              attributes={"http.request.method": method})
    token = otel_context.attach(trace.set_span_in_context(span))
    structlog.contextvars.bind_contextvars(trace_id=f"{span.get_span_context().trace_id:032x}")
    return span, token


def answered(span: trace.Span, *, method: str, route: str, status: int) -> None:
    """What the request came to: its route (the URL rule, never its path) and its status."""
    if route != "unmatched":
        span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


def leave_server_span(entered: tuple[trace.Span, object], error: BaseException | None) -> None:
    span, token = entered
    if error is not None:
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, repr(error)))
    span.end()
    otel_context.detach(token)  # type: ignore[arg-type]


def _consumer_span(event: Event[Any]) -> trace.Span:
    assert _tracer is not None
    return _tracer.start_span(
        f"{event.type} process", context=context_of(event.traceparent), kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "rabbitmq", "messaging.operation.type": "process",
                    "messaging.destination.name": f"{event.producer}.events", "messaging.message.id": str(event.id),
                    "messaging.rabbitmq.destination.routing_key": event.type,
                    "messaging.message.conversation_id": event.correlation_id})


def publishing(traceparent: str, *, exchange: str, routing_key: str, message_id: str) -> trace.Span:
    """A producer span for one message the relay publishes, child of the span that wrote it to the outbox (its
    envelope's `traceparent`); the caller ends it once the message is handed to the broker, and sends its
    `traceparent` in the message's headers: the consumer's span is its child. Only where tracing is on."""
    assert _tracer is not None
    return _tracer.start_span(
        f"{routing_key} publish", context=context_of(traceparent), kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "rabbitmq", "messaging.operation.type": "send",
                    "messaging.destination.name": exchange, "messaging.message.id": message_id,
                    "messaging.rabbitmq.destination.routing_key": routing_key})


def relayed(event: Event[Any], headers: Mapping[str, Any] | None) -> Event[Any]:
    """`event` as its consumer traces it: under the relay's span where the relay sent one (the `traceparent` header),
    else under its envelope's; as it is when tracing is off."""
    if _tracer is None or not headers:
        return event
    traceparent = headers.get("traceparent")
    if isinstance(traceparent, bytes):
        traceparent = traceparent.decode("ascii", "replace")
    if not isinstance(traceparent, str) or traceparent == event.traceparent:
        return event
    return dataclasses.replace(event, traceparent=traceparent)


_OFF = nullcontext()  # what `consuming` and `consuming_each` are when tracing is off: nothing made per event


def consuming(event: Event[Any]) -> AbstractContextManager[None]:
    """Handle `event` inside a consumer span, child of its envelope's `traceparent` (the current span meanwhile: what
    the handler writes to the outbox carries it), its trace id in the log lines."""
    return _OFF if _tracer is None else _consuming(event)


def consuming_each(events: Sequence[Event[Any]]) -> AbstractContextManager[None]:
    """Handle several events at once (one call of a batch handler), each in its own consumer span, child of its
    own envelope's `traceparent`: an event the handler causes under a message's causation id (bound per message,
    as the correlation is) carries that message's span (`traceparent_for`), any other the first message's."""
    return _OFF if _tracer is None or not events else _consuming_each(events)


@contextmanager
def _consuming(event: Event[Any]) -> Iterator[None]:
    span = _consumer_span(event)
    with trace.use_span(span, end_on_exit=True, record_exception=True, set_status_on_exception=True), \
            log_context(trace_id=f"{span.get_span_context().trace_id:032x}"):
        yield


@contextmanager
def _consuming_each(events: Sequence[Event[Any]]) -> Iterator[None]:
    spans = [_consumer_span(event) for event in events]
    handling = {str(event.id): tp for event, span in zip(events, spans, strict=True)
                if (tp := traceparent_of(span)) is not None}
    token = _HANDLING.set({**(_HANDLING.get() or {}), **handling})
    try:
        # what the handler causes under no message's id goes under the first message's span, as it goes under the
        # first message's correlation
        with trace.use_span(spans[0], end_on_exit=False):
            yield
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, repr(exc)))
        raise
    finally:
        _HANDLING.reset(token)
        for span in spans:
            span.end()
