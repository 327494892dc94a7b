"""The first vertical slice, end to end: enrolment -> sessions -> risk -> notify, over RabbitMQ."""

from __future__ import annotations

import pytest
from qadam_testing import wait_until
from story import Story

pytestmark = pytest.mark.e2e


def notifications(story: Story, who: str) -> list[dict]:
    return story.ok("GET", "notify", "/notifications", who, status=200)["items"]


def record_first_session(story: Story, group: dict, marks: list[dict]) -> None:
    """Session 1, recorded as soon as sessions has learnt the cohort and its roster from enrollment's events."""
    cohort_id = group["cohort"]["id"]
    wait_until(lambda: story.call("GET", "sessions", f"/cohorts/{cohort_id}/sessions", story.psychologist)
               .status_code == 200, what="sessions to learn of the cohort")
    first = story.schedule(cohort_id, 1, days_ago=7)
    wait_until(lambda: story.call("POST", "sessions", f"/sessions/{first['id']}/attendance", story.psychologist,
                                  {"marks": marks}).status_code == 201, what="the roster to reach sessions")


def test_second_unexcused_absence_alerts_inspector_and_psychologist(system, system_mail, token):
    story = Story(system.urls, token)
    group = story.set_up_group(participants=2, name="Aziz Qodirovich Karimov")
    absent, present = (e["id"] for e in group["enrolments"])
    code = group["enrolments"][0]["participant_code"]
    record_first_session(story, group, [{"enrolment_id": absent, "status": "unexcused"},
                                        {"enrolment_id": present, "status": "present"}])
    second = story.schedule(group["cohort"]["id"], 2, days_ago=3)
    recorded = story.record(second["id"], [(absent, "unexcused"), (present, "late")])
    assert {m["participant_code"] for m in recorded["marks"]} == {code, group["enrolments"][1]["participant_code"]}

    # both responsible people get an in-app notification...
    for who in (story.inspector, story.psychologist):
        [alert] = wait_until(lambda w=who: notifications(story, w), timeout=20, what="the in-app notification")
        assert alert["participant_code"] == code and alert["level"] == "high"
        assert "2 unexcused absences in a row: sessions 1 and 2" in alert["reasons"][0]
    # ...and an e-mail that names nobody: a code, the reason and a link
    for user in (story.inspector_id, story.psychologist_id):
        [mail] = wait_until(lambda u=user: system_mail.to(f"{u}@mahalla.uz"), timeout=20, what="the e-mail")
        body = mail.get_content()
        assert code in mail["Subject"] and code in body
        assert "https://portal.qadam.test/alerts/" in body
        assert "Karimov" not in body and "Aziz" not in body and "Karimov" not in mail["Subject"]

    # the inspector acknowledges; it leaves his unacknowledged list, and not the psychologist's
    [alert] = notifications(story, story.inspector)
    acked = story.ok("POST", "notify", f"/notifications/{alert['id']}/acknowledge", story.inspector, status=200)
    assert acked["acknowledged_at"]
    assert story.ok("GET", "notify", "/notifications?unacknowledged=true", story.inspector, status=200)["total"] == 0
    assert story.ok("GET", "notify", "/notifications?unacknowledged=true", story.psychologist, status=200)["total"] == 1
    # another user cannot see or acknowledge it
    other = token("insp-other", "inspector", region="Buxoro viloyati", district="Gʻijduvon")
    assert story.call("POST", "notify", f"/notifications/{alert['id']}/acknowledge", other).status_code == 404

    # the flag in risk says why, and his acknowledgement in notify reached it
    def flag_now() -> dict:
        return story.ok("GET", "risk", f"/flags?enrolment_id={absent}&rule_id=consecutive_absences", story.inspector,
                        status=200)["items"][0]
    flag = wait_until(lambda: (f := flag_now())["status"] == "acknowledged" and f, timeout=20,
                      what="the acknowledgement to reach risk")
    assert flag["evidence"]["session_numbers"] == [1, 2] and flag["acknowledged_by"] == story.inspector_id

    # one correlation id, from the HTTP requests, in the log lines of all four services
    touched = {}
    for name, process in system.processes.items():
        lines = [line for line in process.log_lines() if line.get("correlation_id") == story.request_id]
        touched[name] = {line["event"] for line in lines}
    assert touched["enrollment-web"] and touched["sessions-web"]
    assert "flag_raised" in touched["risk-worker"]
    assert {"notification_created", "delivery_sent"} <= touched["notify-worker"]


def test_excused_absence_and_attendance_raise_no_alert(system, system_mail, token):
    story = Story(system.urls, token)
    group = story.set_up_group(participants=2)
    excused, control = (e["id"] for e in group["enrolments"])
    record_first_session(story, group, [{"enrolment_id": excused, "status": "unexcused"},
                                        {"enrolment_id": control, "status": "unexcused"}])
    s2 = story.schedule(group["cohort"]["id"], 2, days_ago=3)
    response = story.call("POST", "sessions", f"/sessions/{s2['id']}/attendance", story.psychologist, {"marks": [
        {"enrolment_id": excused, "status": "excused", "excuse_reason": "in hospital, certificate seen"},
        {"enrolment_id": control, "status": "unexcused"}]})
    assert response.status_code == 201, response.text
    # risk handles one queue in order: once the control's flag exists, the excused mark was evaluated too
    wait_until(lambda: story.ok("GET", "risk", f"/flags?enrolment_id={control}", story.inspector, status=200)["total"],
               timeout=20, what="the control participant's flag")
    assert story.ok("GET", "risk", f"/flags?enrolment_id={excused}", story.inspector, status=200)["total"] == 0
    alerts = wait_until(lambda: notifications(story, story.inspector), timeout=20, what="the control's alert")
    assert [a["enrolment_id"] for a in alerts] == [control]
