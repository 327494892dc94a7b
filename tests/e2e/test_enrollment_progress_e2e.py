"""Progress driven by real attendance events: sessions records, RabbitMQ carries, enrollment moves the enrolment."""

from __future__ import annotations

import pytest
from qadam_testing import wait_until
from story import Story
from test_slice_e2e import record_first_session

pytestmark = pytest.mark.e2e


def test_attendance_over_the_bus_completes_one_man_and_proposes_exit_for_another(system, token):
    story = Story(system.urls, token)
    group = story.set_up_group(participants=2, name="Jasur Toʻraev")  # the statutory template: 8 sessions
    keeps, misses = (e["id"] for e in group["enrolments"])
    plan = {1: "unexcused", 3: "unexcused", 5: "unexcused"}  # three unexcused absences in all: past the limit of 2
    record_first_session(story, group, [{"enrolment_id": keeps, "status": "present"},
                                        {"enrolment_id": misses, "status": plan[1]}])
    for number in range(2, 9):
        session = story.schedule(group["cohort"]["id"], number, days_ago=30 - 3 * number)
        story.record(session["id"], [(keeps, "late" if number == 4 else "present"), (misses, plan.get(number, "present"))])

    def enrolment(eid: str) -> dict:
        return story.ok("GET", "enrollment", f"/enrolments/{eid}", story.inspector, status=200)

    done = wait_until(lambda: (e := enrolment(keeps))["status"] == "completed" and e, timeout=30,
                      what="the first man's enrolment to complete itself")
    assert done["progress"]["sessions_attended"] == 8 and done["follow_up_until"]
    proposed = wait_until(lambda: (e := enrolment(misses))["progress"]["sessions_recorded"] == 8 and e, timeout=30,
                          what="the second man's marks to reach enrollment")
    assert proposed["status"] == "active" and proposed["exit_proposed_at"]  # proposed, not exited silently
    assert "3 unexcused absences in all" in proposed["exit_proposal"][0]
    assert proposed["progress"]["unexcused_absences"] == 3 and proposed["progress"]["sessions_attended"] == 5
    history = story.ok("GET", "enrollment", f"/enrolments/{keeps}/transitions", story.inspector, status=200)
    assert [h["action"] for h in history][-1] == "complete" and history[-1]["by"] == "system"


def test_a_correction_in_sessions_changes_the_progress_figures_in_enrollment(system, token):
    story = Story(system.urls, token)
    group = story.set_up_group(participants=1, name="Bekzod Yoʻldoshev")
    [him] = (e["id"] for e in group["enrolments"])
    recording = system.mark()
    record_first_session(story, group, [{"enrolment_id": him, "status": "unexcused"}])
    second = story.schedule(group["cohort"]["id"], 2, days_ago=2)
    story.record(second["id"], [(him, "unexcused")])

    def progress() -> dict:
        return story.ok("GET", "enrollment", f"/enrolments/{him}", story.inspector, status=200)["progress"]

    system.wait_for_handled("enrollment", "sessions.attendance.recorded", count=2, since=recording)  # both absences
    assert progress()["unexcused_absences"] == 2
    mark = system.mark()
    story.ok("POST", "sessions", f"/sessions/{second['id']}/attendance/{him}/amendments", story.psychologist,
             {"status": "excused", "excuse_reason": "at the hospital with his father", "reason": "certificate brought"})
    system.wait_for_handled("enrollment", "sessions.attendance.amended", since=mark)  # the correction reached it
    after = progress()
    assert after["excused_absences"] == 1
    assert after["unexcused_absences"] == 1 and after["consecutive_absences"] == 1


def test_warning_signs_and_absences_recorded_in_sessions_reach_risk(system, token, stack):
    import sqlalchemy as sa

    story = Story(system.urls, token)
    group = story.set_up_group(participants=1, name="Ravshan Nazarov")
    [him] = (e["id"] for e in group["enrolments"])
    record_first_session(story, group, [{"enrolment_id": him, "status": "present",
                                         "warning_signs": ["threat_to_kill", "denial_or_minimisation"]}])
    second = story.schedule(group["cohort"]["id"], 2, days_ago=2)
    story.record(second["id"], [(him, "unexcused")])
    risk = sa.create_engine(stack.database_url("risk"))
    try:
        def seen() -> tuple[list[str], int]:
            with risk.connect() as c:
                signs = c.execute(sa.text("SELECT facts->>'sign' FROM signal WHERE kind = 'sessions.warning_sign.observed' "
                                          "AND CAST(:e AS uuid) = ANY(enrolment_ids) ORDER BY 1"), {"e": him}).scalars().all()
                marks = c.execute(sa.text("SELECT count(*) FROM attendance_fact WHERE enrolment_id = :e"), {"e": him}).scalar()
            return signs, marks

        signs, marks = wait_until(lambda: (r := seen())[1] == 2 and len(r[0]) == 2 and r, timeout=30,
                                  what="the signs and both marks in risk")
        assert signs == ["denial_or_minimisation", "threat_to_kill"]
    finally:
        risk.dispose()
