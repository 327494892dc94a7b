"""An OpenTelemetry collector's OTLP/HTTP trace receiver, for tests: a real HTTP server on 127.0.0.1 that takes what a
process's OTLP exporter sends (`POST /v1/traces`, an `ExportTraceServiceRequest` in protobuf, gzipped or not), read
with the `opentelemetry-proto` classes the exporter itself writes with, answers as a collector does and keeps each
span. It stands in for the collector (an outside system), not for any of Qadam's code."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Self

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from .harness import LocalHttpServer


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as the collector received it: ids in hex (as a `traceparent` writes them), its kind by its OTLP
    name without the prefix (`SERVER`, `CONSUMER`, ...), the resource's `service.name`."""

    service: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    attributes: dict[str, Any]


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    return getattr(value, which) if which in ("string_value", "bool_value", "int_value", "double_value") else None


class OtlpReceiver(LocalHttpServer):
    """`url` is what QADAM_OTEL_ENDPOINT takes; `spans` what came, in order of arrival."""

    PATH = "/v1/traces"

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[ReceivedSpan] = []
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def receive(self, body: bytes) -> None:
        request = ExportTraceServiceRequest.FromString(body)
        received = []
        for resource_spans in request.resource_spans:
            resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(ReceivedSpan(
                        service=str(resource.get("service.name")), name=span.name,
                        kind=Span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
                        trace_id=span.trace_id.hex(), span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        attributes={a.key: _value(a.value) for a in span.attributes}))
        with self._lock:
            self.spans.extend(received)
            self.requests += 1

    def received(self, predicate: Callable[[ReceivedSpan], bool] = lambda _: True) -> list[ReceivedSpan]:
        with self._lock:
            return [s for s in self.spans if predicate(s)]

    def wait_for(self, predicate: Callable[[ReceivedSpan], bool], *, timeout: float = 20.0) -> ReceivedSpan:
        """The first span that fits `predicate`, once it has come (fails the test after `timeout`)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.received(predicate)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for a span; received: "
                                     f"{[(s.service, s.name) for s in self.received()]}")
            time.sleep(0.05)

    def start(self) -> Self:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != receiver.PATH:
                    self._answer(404, b"")
                    return
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                try:
                    receiver.receive(raw)
                except Exception:  # noqa: BLE001 - not an ExportTraceServiceRequest: a collector says 400
                    self._answer(400, b"")
                    return
                self._answer(200, ExportTraceServiceResponse().SerializeToString())

            def _answer(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the test's output is its own
                pass

        self._serve(Handler)
        return self
