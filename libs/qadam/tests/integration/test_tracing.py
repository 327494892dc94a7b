"""A service's web process with QADAM_OTEL_ENDPOINT set: one server span per request, sent over OTLP/HTTP to a
collector's receiver (qadam_testing.otlp), continuing the caller's `traceparent`; what the request writes to the
outbox carries the request's span."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask_smorest import Blueprint
from qadam import tracing
from qadam.auth import allow
from qadam.events import EventData
from qadam.outbox import enveloped
from qadam.web import build_app, read_session
from qadam_contracts.roles import ACCESS_POLICY, Role
from qadam_testing import OtlpReceiver, bearer

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@dataclass(frozen=True, kw_only=True, slots=True)
class Probed(EventData):
    TYPE = "enrollment.probe.traced"
    PRODUCER = "enrollment"
    SUMMARY = "A probe (never written: its envelope only)."

    n: int


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver().start()
    yield receiver
    tracing.shutdown_tracing()  # this process traces no other test
    receiver.stop()


@pytest.fixture
def client(stack, collector: OtlpReceiver):
    blp = Blueprint("traced", __name__)

    @blp.route("/probes/<int:n>", methods=["POST"])
    @allow(Role.MANAGER)
    def probe(n: int):
        with read_session() as s:  # the envelope as the outbox would take it (nothing written)
            (envelope,) = enveloped(s, [Probed(n=n)])
        return {"traceparent": envelope.get("traceparent")}, 201

    settings = {**stack.base_settings("enrollment"), "otel_endpoint": collector.url}
    return build_app("enrollment", [blp], settings, policy=ACCESS_POLICY).test_client()


def test_a_request_is_a_server_span_continuing_the_callers_trace_and_its_events_carry_it(client, collector, token):
    response = client.post("/probes/7", headers={**bearer(token("m-1", "manager")), "traceparent": CALLER})
    assert response.status_code == 201, response.text
    tracing.shutdown_tracing()  # what waits goes to the collector now
    span = collector.wait_for(lambda s: s.kind == "SERVER")
    assert (span.service, span.name) == ("enrollment", "POST /probes/<int:n>")
    assert span.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736" and span.parent_span_id == "00f067aa0ba902b7"
    assert span.attributes["http.route"] == "/probes/<int:n>" and span.attributes["http.response.status_code"] == 201
    _, trace_id, span_id, _ = response.json["traceparent"].split("-")
    assert (trace_id, span_id) == (span.trace_id, span.span_id)


def test_a_refused_request_is_traced_too_and_one_without_a_traceparent_starts_a_trace(client, collector):
    assert client.post("/probes/7").status_code == 401
    tracing.shutdown_tracing()
    span = collector.wait_for(lambda s: s.kind == "SERVER")
    assert span.parent_span_id is None and span.attributes["http.response.status_code"] == 401
