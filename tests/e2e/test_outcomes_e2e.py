"""Outcomes per man end to end over RabbitMQ: his intake assessment and an inspector's incident reported to risk
reach enrollment as events (risk's outbox, the broker, enrollment's worker and inbox), and when he leaves, the
outcome enrollment keeps of him carries his risk band at intake; an incident from before he left is kept, not counted
as an outcome."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib.resources import files
from zoneinfo import ZoneInfo

import pytest
from qadam_testing import wait_until
from story import Story

pytestmark = pytest.mark.e2e


def answers(yes: int) -> dict[str, str]:
    """Answers to the national intake instrument: the first `yes` items yes, the others no."""
    items = json.loads(files("risk").joinpath("defaults/instrument.json").read_text())["items"]
    return {item["id"]: ("yes" if n < yes else "no") for n, item in enumerate(items)}


def test_his_intake_band_and_incidents_reach_the_outcome_kept_when_he_leaves(system, stack, token):
    story = Story(system.urls, token)
    [enrolment] = story.set_up_group(participants=1, name="Bekzod Rahimov")["enrolments"]
    his = enrolment["id"]
    wait_until(lambda: story.call("GET", "risk", f"/enrolments/{his}/risk", story.inspector).status_code == 200,
               timeout=20, what="risk to learn of the enrolment")
    assessed = story.ok("POST", "risk", f"/enrolments/{his}/assessments", story.psychologist,
                        {"answers": answers(5), "instrument_id": "qadam-intake"})
    assert assessed["level"] == "high"
    yesterday = (datetime.now(ZoneInfo("Asia/Tashkent")).date() - timedelta(days=1)).isoformat()
    story.ok("POST", "risk", f"/enrolments/{his}/incidents", story.inspector, {
        "kind": "order_breach", "occurred_on": yesterday, "severity": "serious", "details": "Called her at night."})

    def kept() -> list:
        return stack.rows("enrollment", "SELECT kind, occurred_on FROM risk_incident WHERE enrolment_id = :e", e=his)

    [incident] = wait_until(kept, timeout=30, what="enrollment to keep the incident")
    assert (incident.kind, incident.occurred_on.isoformat()) == ("order_breach", yesterday)
    wait_until(lambda: stack.rows("enrollment", "SELECT 1 FROM risk_assessment WHERE enrolment_id = :e", e=his),
               timeout=30, what="enrollment to keep the assessment")

    story.ok("POST", "enrollment", f"/enrolments/{his}/transitions", story.psychologist,
             {"action": "exit", "reason": "withdrawn"})
    [fact] = stack.rows("enrollment", "SELECT * FROM outcome WHERE enrolment_id = :e", e=his)
    assert (fact.how, fact.intake_level, fact.region, fact.district) == ("dropout", "high", story.region,
                                                                         story.district)
    assert fact.breach_on is None and fact.new_order_on is None  # before he left: a warning, not an outcome
