"""Sessions' pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from qadam_contracts.vocabulary import AttendanceStatus
from sessions.domain.attendance import MarkRequest, SessionStatus, attendance_errors, recording_refusal
from sessions.domain.calls import absence_call_due, call_change, call_state, calling_psychologist, owes_calls

ROSTER = {"e1": "P-2026-000001", "e2": "P-2026-000002"}


def test_participant_not_in_the_cohort_is_refused_by_position():
    errors = attendance_errors([MarkRequest("e1", AttendanceStatus.PRESENT, None),
                                MarkRequest("e9", AttendanceStatus.PRESENT, None)], ROSTER)
    assert list(errors) == [1] and "not enrolled in its cohort" in errors[1]["enrolment_id"][0]


def test_excused_absence_needs_a_reason_and_others_take_none():
    errors = attendance_errors([MarkRequest("e1", AttendanceStatus.EXCUSED, " "),
                                MarkRequest("e2", AttendanceStatus.UNEXCUSED, "ill")], ROSTER)
    assert "needs its reason" in errors[0]["excuse_reason"][0]
    assert "Only an excused absence" in errors[1]["excuse_reason"][0]


def test_same_participant_twice_is_refused():
    errors = attendance_errors([MarkRequest("e1", AttendanceStatus.PRESENT, None),
                                MarkRequest("e1", AttendanceStatus.LATE, None)], ROSTER)
    assert "twice" in errors[1]["enrolment_id"][0]


def test_cancelled_or_far_future_session_takes_no_attendance():
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert "cancelled" in recording_refusal(SessionStatus.CANCELLED, now, now)
    assert recording_refusal(SessionStatus.SCHEDULED, now + timedelta(days=2), now)
    assert recording_refusal(SessionStatus.SCHEDULED, now + timedelta(minutes=30), now) is None


def test_a_programme_is_planned_on_the_schedules_weekdays_with_its_topics_in_local_time():
    from datetime import UTC, date, time
    from zoneinfo import ZoneInfo

    from sessions.domain.programme import plan_sessions

    plan = plan_sessions(start=date(2026, 11, 25), weekdays=[1, 4], at=time(15, 0), count=8,
                         topics={1: "Intake and individual plan", 8: "Exit review and safety plan"},
                         zone=ZoneInfo("Asia/Tashkent"))
    assert [p.scheduled_at.date().isoformat() for p in plan] == [
        "2026-11-26", "2026-11-30", "2026-12-03", "2026-12-07", "2026-12-10", "2026-12-14", "2026-12-17", "2026-12-21"]
    assert plan[0].scheduled_at.hour == 10 and plan[0].scheduled_at.tzinfo == UTC  # 15:00 in Tashkent
    assert (plan[0].topic, plan[7].topic, plan[3].topic) == ("Intake and individual plan", "Exit review and safety plan", None)
    again = plan_sessions(start=date(2026, 11, 25), weekdays=[1, 4], at=time(15, 0), count=8, topics={},
                          zone=ZoneInfo("Asia/Tashkent"), skip={1, 2, 3})
    assert [p.number for p in again] == [4, 5, 6, 7, 8] and again[0].scheduled_at == plan[3].scheduled_at


def test_the_call_after_an_absence_falls_due_48_hours_after_the_session_unless_the_cohort_says_otherwise():
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert absence_call_due(start, None) == datetime(2026, 12, 3, 10, tzinfo=UTC)
    assert absence_call_due(start, 24) == datetime(2026, 12, 2, 10, tzinfo=UTC)


def test_a_call_is_opened_by_an_absence_without_excuse_and_cancelled_when_it_is_amended_away():
    assert call_change(None, AttendanceStatus.UNEXCUSED) == "open"
    assert call_change(AttendanceStatus.PRESENT, AttendanceStatus.UNEXCUSED) == "open"
    assert call_change(AttendanceStatus.UNEXCUSED, AttendanceStatus.EXCUSED) == "cancel"
    assert call_change(AttendanceStatus.UNEXCUSED, AttendanceStatus.LATE) == "cancel"
    assert call_change(AttendanceStatus.EXCUSED, AttendanceStatus.PRESENT) is None
    assert call_change(None, AttendanceStatus.EXCUSED) is None


def test_an_open_call_is_due_until_its_time_then_overdue():
    due = datetime(2026, 12, 3, 10, tzinfo=UTC)
    assert call_state("open", due, due) == "due"
    assert call_state("open", due, due + timedelta(seconds=1)) == "overdue"
    assert call_state("done", due, due + timedelta(days=9)) == "done"


@pytest.mark.parametrize("status", ["completed", "closed", "exited", "excluded"])
def test_a_man_who_has_left_the_programme_is_owed_no_call(status):
    assert not owes_calls(status)


@pytest.mark.parametrize("status", ["referred", "assessed", "active", "suspended", None])
def test_a_man_still_in_the_programme_or_not_yet_projected_may_be_owed_a_call(status):
    assert owes_calls(status)


def test_the_psychologist_who_was_to_call_is_the_cohorts_first_facilitator():
    assert calling_psychologist(["psy-lead", "psy-co"]) == "psy-lead"
    assert calling_psychologist([]) is None and calling_psychologist(None) is None
