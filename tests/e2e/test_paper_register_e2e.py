"""A session's attendance entered days later from its paper register, over RabbitMQ: risk's flags and enrollment's
figures are dated by the day the session was held, never by the day it was entered."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from qadam.config import Settings
from qadam_testing import wait_until
from story import Story
from test_slice_e2e import record_first_session

pytestmark = pytest.mark.e2e
ZONE = Settings().zone  # the country's, in which a register's day is read


def local_day(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(ZONE).date().isoformat()


def test_a_register_entered_days_later_puts_its_flags_and_figures_on_the_day_it_was_held(system, token):
    story = Story(system.urls, token)
    group = story.set_up_group(participants=1, name="Ulugʻbek Qogʻozov")  # statutory: 2 unexcused alert, 3 exit
    [him] = (e["id"] for e in group["enrolments"])
    record_first_session(story, group, [{"enrolment_id": him, "status": "unexcused"}])  # a week ago, at the session
    second = story.schedule(group["cohort"]["id"], 2, days_ago=5)
    third = story.schedule(group["cohort"]["id"], 3, days_ago=4)
    # the second was held a day after it was planned, the third as planned; both copied from paper today
    second_held_on = (datetime.fromisoformat(second["scheduled_at"]).astimezone(ZONE) + timedelta(days=1)).date()
    for session, register, held_on in ((second, "NK-2026-002", second_held_on.isoformat()),
                                       (third, "NK-2026-003", None)):
        story.ok("POST", "sessions", f"/sessions/{session['id']}/attendance", story.psychologist, {
            "marks": [{"enrolment_id": him, "status": "unexcused"}], "register_number": register,
            "held_on": held_on})
    entered = story.ok("GET", "sessions", f"/sessions/{second['id']}", story.psychologist, status=200)
    assert entered["register_number"] == "NK-2026-002" and entered["attendance_entered_by"] == story.psychologist_id
    assert local_day(entered["held_at"]) == second_held_on.isoformat()
    assert local_day(entered["attendance_entered_at"]) == datetime.now(ZONE).date().isoformat()

    # risk: his second unexcused absence (his programme's limit) on the day the second session was held
    def flag(code: str) -> dict[str, Any] | None:
        flags = story.ok("GET", "risk", f"/flags?enrolment_id={him}", story.inspector, status=200)["items"]
        return next((r["params"] for f in flags for r in f["reason_codes"] if r.get("code") == code), None)

    in_all = wait_until(lambda: flag("unexcused_absences"), timeout=30, what="the flag of two unexcused absences")
    assert in_all["on"] == second_held_on.isoformat(), in_all
    # enrollment: the third absence passes the limit: exit proposed on the day the third session was held
    proposed = wait_until(lambda: (e := story.ok("GET", "enrollment", f"/enrolments/{him}", story.inspector,
                                                 status=200))["exit_proposed_at"] and e,
                          timeout=30, what="the exit proposal")
    assert proposed["progress"]["unexcused_absences"] == 3
    assert local_day(proposed["exit_proposed_at"]) == local_day(third["scheduled_at"]), proposed["exit_proposed_at"]
