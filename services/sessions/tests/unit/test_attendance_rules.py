"""Sessions' attendance rules moved out of the routes: who a session marks, what an amendment leaves standing (the
latest recording wins), when a session moves, the marks a request records."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from qadam_contracts.vocabulary import AttendanceStatus
from sessions.domain.attendance import (
    Entry,
    MarkRequest,
    Recording,
    SessionStatus,
    entry_errors,
    held_at,
    latest_recording,
    markable,
    recorded_marks,
    rescheduling_refusal,
    says_already,
)
from sessions.domain.programme import schedule_time

ROSTER = {"e1": ("P-2026-000001", "active"), "e2": ("P-2026-000002", "referred"),
          "e3": ("P-2026-000003", "suspended"), "e4": ("P-2026-000004", "completed")}
T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_a_group_session_marks_only_the_men_active_in_the_cohort():
    assert markable(ROSTER, kind="group", only_for=None) == {"e1": "P-2026-000001"}
    assert markable(ROSTER, kind="makeup", only_for=None) == {"e1": "P-2026-000001"}


def test_an_intake_also_marks_the_referred_and_a_one_to_one_the_suspended():
    assert set(markable(ROSTER, kind="intake", only_for=None)) == {"e1", "e2"}
    assert set(markable(ROSTER, kind="individual", only_for=None)) == {"e1", "e3"}


def test_one_mans_session_marks_him_alone():
    assert markable(ROSTER, kind="individual", only_for="e3") == {"e3": "P-2026-000003"}
    assert markable(ROSTER, kind="individual", only_for="e4") == {}  # he has left: not even at his own session


def test_the_latest_recording_wins_with_who_made_it_and_when():
    first = Recording(AttendanceStatus.LATE, None, "psy-1", T0, participation=2, homework_done=True)
    later = T0 + timedelta(days=1)
    now = latest_recording(first, status=AttendanceStatus.PRESENT, excuse_reason=None, recorded_by="psy-2",
                           recorded_at=later)
    assert now == Recording(AttendanceStatus.PRESENT, None, "psy-2", later, participation=2, homework_done=True)


@pytest.mark.parametrize("absent", [AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED])
def test_a_man_amended_to_absent_took_no_part_and_did_no_homework(absent):
    first = Recording(AttendanceStatus.PRESENT, None, "psy-1", T0, participation=3, homework_done=False)
    now = latest_recording(first, status=absent, excuse_reason="ill" if absent is AttendanceStatus.EXCUSED else None,
                           recorded_by="psy-1", recorded_at=T0 + timedelta(hours=2))
    assert (now.status, now.participation, now.homework_done) == (absent, None, None)


def test_an_amendment_that_changes_nothing_is_recognised():
    mark = Recording(AttendanceStatus.EXCUSED, "ill", "psy-1", T0)
    assert says_already(mark, status=AttendanceStatus.EXCUSED, excuse_reason="ill")
    assert not says_already(mark, status=AttendanceStatus.EXCUSED, excuse_reason="at court")
    assert not says_already(mark, status=AttendanceStatus.UNEXCUSED, excuse_reason=None)


def test_only_a_scheduled_session_is_rescheduled_or_cancelled():
    assert rescheduling_refusal(SessionStatus.SCHEDULED) is None
    assert "cancelled already" in (rescheduling_refusal(SessionStatus.CANCELLED) or "")
    assert "amendment" in (rescheduling_refusal(SessionStatus.HELD) or "")


def test_the_marks_recorded_carry_the_mans_code_and_each_warning_sign_once():
    e1 = str(uuid.uuid4())
    session_id = uuid.uuid4()
    [mark] = recorded_marks([MarkRequest(e1, AttendanceStatus.PRESENT, None, 2, True,
                                         ("threat_to_partner", "substance_use", "threat_to_partner"))],
                            roster={e1: "P-2026-000001"}, session_id=session_id, recorded_by="psy-1", now=T0)
    assert (mark.enrolment_id, mark.participant_code, mark.session_id) == (uuid.UUID(e1), "P-2026-000001", session_id)
    assert (mark.recorded_by, mark.recorded_at, mark.participation, mark.homework_done) == ("psy-1", T0, 2, True)
    assert mark.warning_signs == ("threat_to_partner", "substance_use")


def test_a_schedule_time_is_read_as_hours_and_minutes():
    assert schedule_time("15:30") == time(15, 30)
    assert schedule_time("09:05") == time(9, 5)


# -- attendance copied later from its paper register -----------------------------------------------------------------
TASHKENT = ZoneInfo("Asia/Tashkent")


def test_a_register_gives_the_day_the_session_was_held_at_its_planned_time():
    planned = datetime(2026, 12, 1, 10, tzinfo=TASHKENT)
    assert held_at(planned, Entry(), TASHKENT) == planned
    assert held_at(planned, Entry("NK-1"), TASHKENT) == planned
    assert held_at(planned, Entry("NK-1", date(2026, 12, 2)), TASHKENT) == datetime(2026, 12, 2, 10, tzinfo=TASHKENT)


def test_another_day_than_planned_comes_from_a_register_and_is_not_a_day_to_come():
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    held = datetime(2026, 12, 2, 10, tzinfo=UTC)
    assert entry_errors(Entry(None, date(2026, 12, 2)), held, now).keys() == {"register_number"}
    to_come = datetime(2026, 12, 8, 10, tzinfo=UTC)
    assert entry_errors(Entry("NK-1", date(2026, 12, 8)), to_come, now).keys() == {"held_on"}
    assert entry_errors(Entry("NK-1", date(2026, 12, 2)), held, now) == {}
    assert entry_errors(Entry("NK-1"), held, now) == entry_errors(Entry(), held, now) == {}
