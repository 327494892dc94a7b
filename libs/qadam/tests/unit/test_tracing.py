"""Traces through the envelope (qadam.tracing): the `traceparent` an event carries, and the consumer spans that
continue it, with the SDK's in-memory exporter standing in for a collector (no I/O)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from qadam import tracing
from qadam.config import Settings
from qadam.events import Catalog, EventData, delivered, envelope_of
from qadam.log import log_context
from qadam.outbox import enveloped

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


@dataclass(frozen=True, kw_only=True, slots=True)
class Rang(EventData):
    TYPE = "bell.rang"
    PRODUCER = "bell"
    SUMMARY = "The bell rang."

    times: int


class _Session:
    """What `enveloped` reads of a session: its `info` (no database)."""

    info: dict[str, str] = {}


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing(Settings(service="bell"), exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.shutdown_tracing()


def finished(exporter: InMemorySpanExporter) -> list[object]:
    assert tracing._provider is not None
    tracing._provider.force_flush()
    return list(exporter.get_finished_spans())


def test_without_an_endpoint_tracing_is_off_and_an_envelope_carries_no_traceparent() -> None:
    assert not tracing.configure_tracing(Settings(service="bell"))
    assert not tracing.enabled()
    envelope = envelope_of(Rang(times=1), correlation_id="c", causation_id=None)
    assert "traceparent" not in envelope
    with tracing.consuming(delivered(Rang(times=1))):
        assert tracing.current_traceparent() is None
        assert "traceparent" not in envelope_of(Rang(times=2), correlation_id="c", causation_id=None)


def test_an_envelope_without_a_traceparent_still_parses_and_one_with_it_keeps_it() -> None:
    catalog = Catalog((Rang,))
    old = {"id": str(uuid.uuid4()), "type": "bell.rang", "version": 1, "occurred_at": "2026-01-01T00:00:00+00:00",
           "producer": "bell", "correlation_id": "c", "causation_id": None, "data": {"times": 3}}
    assert catalog.parse(json.dumps(old)).traceparent is None
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert catalog.parse(json.dumps({**old, "traceparent": parent})).traceparent == parent


def test_outside_any_span_an_envelope_carries_no_traceparent(spans: InMemorySpanExporter) -> None:
    assert "traceparent" not in envelope_of(Rang(times=1), correlation_id="c", causation_id=None)


def test_an_event_written_while_a_message_is_handled_carries_the_consumer_span_a_child_of_the_message(
        spans: InMemorySpanExporter) -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    received = delivered(Rang(times=1))
    received = type(received)(**{**received.__dict__, "traceparent": parent})
    with tracing.consuming(received):
        written = envelope_of(Rang(times=2), correlation_id="c", causation_id=str(received.id))
    assert TRACEPARENT.match(written["traceparent"]), written["traceparent"]
    _, trace_id, span_id, _ = written["traceparent"].split("-")
    assert trace_id == "0af7651916cd43dd8448eb211c80319c"  # the same trace
    (span,) = finished(spans)
    assert span.kind is SpanKind.CONSUMER and span.name == "bell.rang process"
    assert f"{span.context.span_id:016x}" == span_id
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "b7ad6b7169203331"
    assert span.attributes["messaging.message.id"] == str(received.id)


def test_a_message_with_no_readable_traceparent_starts_a_trace_of_its_own(spans: InMemorySpanExporter) -> None:
    received = delivered(Rang(times=1))
    received = type(received)(**{**received.__dict__, "traceparent": "not a traceparent"})
    with tracing.consuming(received):
        assert TRACEPARENT.match(tracing.current_traceparent() or "")
    (span,) = finished(spans)
    assert span.parent is None


def test_each_message_of_a_batch_taken_at_once_has_its_own_span_and_its_events_carry_it(
        spans: InMemorySpanExporter) -> None:
    parents = [f"00-{i:032x}-{i:016x}-01" for i in (1, 2)]
    batch = [delivered(Rang(times=i)) for i in (1, 2)]
    batch = [type(e)(**{**e.__dict__, "traceparent": p}) for e, p in zip(batch, parents, strict=True)]
    written = {}
    with tracing.consuming_each(batch):
        for event in batch:  # as a batch handler binds each message's correlation and causation
            with log_context(correlation_id=event.correlation_id, message_id=str(event.id)):
                (written[event.id],) = enveloped(_Session(), [Rang(times=9)])  # type: ignore[arg-type]
        (unbound,) = enveloped(_Session(), [Rang(times=9)])  # type: ignore[arg-type]
    by_message = {s.attributes["messaging.message.id"]: s for s in finished(spans)}
    for event, parent in zip(batch, parents, strict=True):
        span = by_message[str(event.id)]
        assert span.parent is not None and span.parent.span_id == int(parent.split("-")[2], 16)
        assert span.context.trace_id == int(parent.split("-")[1], 16)
        assert written[event.id]["traceparent"] == f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-01"
    # caused under no message's id: the first message's span, as it takes the first message's correlation
    assert unbound["traceparent"] == written[batch[0].id]["traceparent"]


def test_a_message_the_relay_published_in_its_span_is_handled_as_that_spans_child(spans: InMemorySpanExporter) -> None:
    written = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    received = delivered(Rang(times=1))
    received = type(received)(**{**received.__dict__, "traceparent": written})
    publish = tracing.publishing(written, exchange="bell.events", routing_key="bell.rang", message_id=str(received.id))
    publish.end()
    relayed = tracing.relayed(received, {"version": 1, "traceparent": tracing.traceparent_of(publish)})
    with tracing.consuming(relayed):
        pass
    producer, consumer = finished(spans)
    assert producer.kind is SpanKind.PRODUCER and producer.parent is not None
    assert f"{producer.parent.span_id:016x}" == "b7ad6b7169203331"
    assert consumer.parent is not None and consumer.parent.span_id == producer.context.span_id
    assert tracing.relayed(received, {"version": 1}) is received  # no header: the envelope's


def test_without_tracing_a_relay_header_changes_nothing() -> None:
    received = delivered(Rang(times=1))
    assert tracing.relayed(received, {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}) \
        is received
