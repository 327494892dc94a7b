"""A session's attendance register follows the session over the bus: sessions plans, moves, records and cancels;
RabbitMQ carries `sessions.session.planned` / `.changed` and the marks; enrollment prints the register from what it
was told: blank at the new place, then with each man's mark, and none for a cancelled session."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from qadam_testing import wait_until
from qadam_words import words
from story import Story

pytestmark = pytest.mark.e2e


def _scheduled(story: Story, cohort_id: str, number: int, at: datetime) -> dict:
    """A session scheduled in sessions (the cohort reaches sessions as an event: until then it answers 404)."""
    def attempt() -> dict | None:
        r = story.call("POST", "sessions", f"/cohorts/{cohort_id}/sessions", story.psychologist,
                       {"number": number, "scheduled_at": at.replace(microsecond=0).isoformat(), "place": "Eski guzar"})
        assert r.status_code in (201, 404), r.text
        return r.json() if r.status_code == 201 else None
    return wait_until(attempt, timeout=30, what="the cohort to reach sessions")


def _printed(story: Story, session_id: str, language: str = "ru") -> str:
    made = story.ok("POST", "enrollment", f"/sessions/{session_id}/register", story.psychologist, {"language": language})
    pdf = story.call("GET", "enrollment", f"/documents/{made['number']}/pdf", story.psychologist)
    assert pdf.status_code == 200, pdf.text
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())


def test_a_register_follows_its_session_as_sessions_plans_moves_records_and_cancels_it(system, token):
    story = Story(system.urls, token)
    group = story.set_up_group(participants=2, name="Oybek Rahimov")
    cohort_id = group["cohort"]["id"]
    keeps, misses = (e["id"] for e in group["enrolments"])
    codes = [e["participant_code"] for e in group["enrolments"]]
    said = words("enrollment", "ru")

    planned = system.mark()
    session = _scheduled(story, cohort_id, 1, datetime.now(UTC) - timedelta(hours=2))
    system.wait_for_handled("enrollment", "sessions.session.planned", since=planned)
    moved = system.mark()
    story.ok("PATCH", "sessions", f"/sessions/{session['id']}", story.psychologist,
             {"place": "Yangi guzar", "reason": "the old one is closed"}, status=200)
    system.wait_for_handled("enrollment", "sessions.session.changed", since=moved)
    blank = _printed(story, session["id"])
    assert said.gettext("Attendance register") in blank and "Yangi guzar" in blank and "Eski guzar" not in blank
    assert all(code in blank.replace("- ", "-") for code in codes) and "Oybek" not in blank

    recorded = system.mark()
    story.record(session["id"], [(keeps, "present"), (misses, "unexcused")])
    system.wait_for_handled("enrollment", "sessions.attendance.recorded", count=2, since=recorded)
    held = _printed(story, session["id"])
    assert said.gettext("Attendance register of a held session, as recorded") in held
    assert said.gettext("Present") in held and said.gettext("Absent without a valid reason") in held

    cancelled = system.mark()
    later = _scheduled(story, cohort_id, 2, datetime.now(UTC) + timedelta(days=3))
    story.ok("PATCH", "sessions", f"/sessions/{later['id']}", story.psychologist,
             {"cancel": True, "reason": "the facilitator is ill"}, status=200)
    system.wait_for_handled("enrollment", "sessions.session.changed", since=cancelled)
    refused = story.call("POST", "enrollment", f"/sessions/{later['id']}/register", story.psychologist,
                         json={"language": "ru"})
    assert refused.status_code == 409 and refused.json()["session_status"] == "cancelled"
