"""One trace from the HTTP request that records attendance, through sessions' outbox and the broker, to risk's consumer
and on through risk's outbox to notify's: the services as processes, exporting over OTLP/HTTP to a collector's
receiver (qadam_testing.otlp) at QADAM_OTEL_ENDPOINT."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qadam_testing import MailCatcher, OtlpReceiver, ReceivedSpan, RunningSystem, Stack, wait_until
from story import Story
from test_slice_e2e import notifications, record_first_session

pytestmark = pytest.mark.e2e

SERVICES = ("enrollment", "sessions", "risk", "notify")


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def traced(isolated_stack, collector: OtlpReceiver, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSystem]:
    """The four services on a stack of their own, each process sending its spans to `collector`."""
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")  # the SDK's batches leave every 0.1 s, not every 5 s
    stack: Stack = isolated_stack(*SERVICES)
    mail = MailCatcher().start()
    running = RunningSystem(stack, tmp_path)
    try:
        running.start({s: {"otel_endpoint": collector.url, **({"smtp_port": mail.port, "email_in_country": True}
                                                               if s == "notify" else {})} for s in SERVICES})
        yield running
    finally:
        running.stop()
        mail.stop()


def test_a_trace_spans_the_request_to_sessions_risk_and_notify(traced: RunningSystem, collector: OtlpReceiver,
                                                                token) -> None:
    story = Story(traced.urls, token)
    group = story.set_up_group(participants=1)
    (absent,) = (e["id"] for e in group["enrolments"])
    record_first_session(story, group, [{"enrolment_id": absent, "status": "unexcused"}])
    second = story.schedule(group["cohort"]["id"], 2, days_ago=3)
    story.record(second["id"], [(absent, "unexcused")])  # the second in a row: a flag, and an alert
    wait_until(lambda: notifications(story, story.inspector), timeout=30, what="the in-app notification")

    # notify handled risk's flag in a span whose trace began at the HTTP request to sessions
    alerted = collector.wait_for(lambda s: s.service == "notify" and s.name == "risk.flag.raised process")
    # each process sends its spans in its own batches: the request's, and risk's, may come after notify's; wait for
    # the chain from notify's span to a root to be whole (once, risk's two came after the request's)
    def whole_chain() -> dict[str, ReceivedSpan] | None:
        received = {s.span_id: s for s in collector.received(lambda s: s.trace_id == alerted.trace_id)}
        span = alerted
        while span.parent_span_id is not None:
            if span.parent_span_id not in received:
                return None
            span = received[span.parent_span_id]
        return received

    spans = wait_until(whole_chain, timeout=20, what="every span from notify's up to the trace's root")

    def parent(span: ReceivedSpan) -> ReceivedSpan:
        assert span.parent_span_id in spans, f"{span.name}'s parent is not in the trace: {list(spans.values())}"
        return spans[span.parent_span_id]

    assert alerted.kind == "CONSUMER" and alerted.attributes["messaging.rabbitmq.destination.routing_key"] == \
        "risk.flag.raised"
    chain = [alerted]
    while chain[-1].parent_span_id is not None:
        chain.append(parent(chain[-1]))
    assert [(s.service, s.kind, s.name) for s in chain] == [
        ("notify", "CONSUMER", "risk.flag.raised process"),
        ("risk", "PRODUCER", "risk.flag.raised publish"),  # risk's relay
        ("risk", "CONSUMER", "sessions.attendance.recorded process"),
        ("sessions", "PRODUCER", "sessions.attendance.recorded publish"),  # sessions' relay
        ("sessions", "SERVER", "POST /sessions/<uuid:session_id>/attendance"),  # the trace's root: no traceparent came
    ]
    request = chain[-1]
    assert request.attributes["http.route"] == "/sessions/<uuid:session_id>/attendance"
    assert request.attributes["http.response.status_code"] == 201

    # the trace id is in the log lines of the request and of both consumers
    def logged_trace(name: str) -> bool:
        return any(line.get("trace_id") == alerted.trace_id for line in traced.logs(name))
    assert wait_until(lambda: all(logged_trace(n) for n in ("sessions-web", "risk-worker", "notify-worker")),
                      timeout=10, what="the trace id in the log lines")
