"""Progress from attendance marks, completion and exit proposals, on plain data."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from enrollment.domain.programmes import EXTENDED, STATUTORY
from enrollment.domain.progress import (
    AbsenceRun,
    AttendanceMark,
    Progress,
    Rules,
    attendance_needed,
    completes,
    dated_by_session,
    exit_reasons,
)
from enrollment.domain.progress import progress as progress_with
from sessions.domain.absence_runs import HeldMark, curriculum_run

START = datetime(2026, 9, 1, 9, tzinfo=UTC)


def rules_of(template: dict) -> Rules:
    return Rules(sessions_required=len(template["curriculum"]),
                 completion_attendance_percent=template["completion_attendance_percent"],
                 max_unexcused_absences=template["max_unexcused_absences"],
                 max_consecutive_absences=template["max_consecutive_absences"],
                 makeup_sessions_count=template["makeup_sessions_count"])


STATUTORY_RULES, EXTENDED_RULES = rules_of(STATUTORY), rules_of(EXTENDED)


def progress(marks: list[AttendanceMark], rules: Rules) -> Progress:
    """His progress with the run of unexcused absences sessions publishes for these marks (sessions' own code)."""
    run = curriculum_run([HeldMark(m.session_id, m.session_number, m.scheduled_at, m.status, m.session_kind)
                          for m in marks])
    return progress_with(marks, rules, AbsenceRun(run.current, run.longest))


def marks(*statuses: str, kind: str = "group", first: int = 1) -> list[AttendanceMark]:
    return [AttendanceMark(f"s{first + i}", first + i, START + timedelta(days=3 * (first + i)), status, kind)
            for i, status in enumerate(statuses)]


def test_the_templates_are_those_of_domain_md():
    assert STATUTORY_RULES.sessions_required == 8 and STATUTORY["sessions_per_week"] == 2
    assert attendance_needed(STATUTORY_RULES) == 6  # 75% of 8
    assert EXTENDED_RULES.sessions_required == 24 and EXTENDED["review_at_session"] == 12
    assert EXTENDED["group_size_min"] == 8 and EXTENDED["group_size_max"] == 12 and EXTENDED["facilitators_per_group"] == 2


def test_counts_attended_excused_unexcused_and_the_current_run():
    p = progress(marks("present", "late", "excused", "unexcused", "unexcused"), STATUTORY_RULES)
    assert (p.sessions_recorded, p.sessions_attended, p.excused_absences, p.unexcused_absences) == (5, 2, 1, 2)
    assert p.consecutive_absences == 2 and p.last_session_number == 5 and p.last_attended_number == 2
    assert p.attendance_rate == 0.5  # the excused absence is left out


def test_an_excused_absence_neither_counts_nor_breaks_a_run():
    p = progress(marks("unexcused", "excused", "unexcused"), STATUTORY_RULES)
    assert p.unexcused_absences == 2 and p.consecutive_absences == 2 and p.longest_absence_run == 2


def test_attending_ends_a_run():
    p = progress(marks("unexcused", "present", "unexcused"), STATUTORY_RULES)
    assert p.consecutive_absences == 1 and p.longest_absence_run == 1


def test_marks_arriving_in_any_order_give_the_same_progress():
    given = marks("present", "unexcused", "excused", "unexcused", "present", "late", "unexcused", "present")
    expected = progress(given, STATUTORY_RULES)
    for seed in range(20):
        shuffled = given[:]
        random.Random(seed).shuffle(shuffled)
        assert progress(shuffled, STATUTORY_RULES) == expected


def test_completes_when_the_curriculum_is_done_and_attended_enough():
    six_of_eight = marks("present", "present", "excused", "present", "present", "unexcused", "present", "late")
    assert completes(progress(six_of_eight, STATUTORY_RULES), STATUTORY_RULES)
    not_yet = marks("present", "present", "present", "present", "present", "present")  # 6 attended, 2 sessions to go
    assert not completes(progress(not_yet, STATUTORY_RULES), STATUTORY_RULES)


def test_a_makeup_session_counts_only_where_the_programme_says_so():
    five_and_makeup = marks("present", "present", "excused", "present", "present", "excused", "present", "excused") \
        + marks("present", kind="makeup", first=9)
    assert completes(progress(five_and_makeup, STATUTORY_RULES), STATUTORY_RULES)  # statutory: make-ups count
    no_makeups = Rules(8, 75, 2, 2, makeup_sessions_count=False)
    assert not completes(progress(five_and_makeup, no_makeups), no_makeups)


def test_intake_and_one_to_one_sessions_are_not_the_curriculum():
    p = progress(marks("present", kind="intake") + marks("unexcused", kind="individual", first=2), STATUTORY_RULES)
    assert p.sessions_recorded == 0 and p.unexcused_absences == 0


def test_extended_programme_proposes_exit_at_the_third_unexcused_absence_in_all():
    two = marks("unexcused", "present", "unexcused", "present")
    assert exit_reasons(progress(two, EXTENDED_RULES), EXTENDED_RULES) == []
    three = two + marks("unexcused", first=5)
    [reason] = exit_reasons(progress(three, EXTENDED_RULES), EXTENDED_RULES)
    assert "3 unexcused absences in all" in reason


def test_extended_programme_proposes_exit_at_two_unexcused_absences_in_a_row():
    [reason] = exit_reasons(progress(marks("present", "unexcused", "unexcused"), EXTENDED_RULES), EXTENDED_RULES)
    assert "2 unexcused absences in a row" in reason


def test_statutory_programme_tolerates_two_and_proposes_exit_at_the_third():
    assert exit_reasons(progress(marks("unexcused", "present", "unexcused"), STATUTORY_RULES), STATUTORY_RULES) == []
    reasons = exit_reasons(progress(marks("unexcused", "present", "unexcused", "present", "unexcused"), STATUTORY_RULES),
                           STATUTORY_RULES)
    assert reasons and "3 unexcused absences in all" in reasons[0]


def test_proposes_exit_when_completion_is_out_of_reach_through_excused_absences_alone():
    p = progress(marks("excused", "excused", "excused"), STATUTORY_RULES)  # 5 sessions left, 6 needed
    [reason] = exit_reasons(p, STATUTORY_RULES)
    assert "can no longer attend the 6 of 8" in reason


def test_after_a_transfer_each_session_of_the_curriculum_counts_once():
    first_cohort = marks("present", "present", "present", "present", "present")  # sessions 1-5
    later = [AttendanceMark(f"b{n}", n, START + timedelta(days=40 + 3 * n), "present") for n in range(3, 6)]
    p = progress(first_cohort + later, STATUTORY_RULES)  # he joined the new cohort at its session 3
    assert p.sessions_recorded == 5 and p.sessions_attended == 5
    assert not completes(p, STATUTORY_RULES)  # sessions 6-8 are still ahead of him


def test_the_statutory_exit_review_is_its_last_module_and_counts_only_when_attended():
    from enrollment.domain.progress import exit_review_session

    assert exit_review_session(STATUTORY["curriculum"]) == 8 and exit_review_session(EXTENDED["curriculum"]) is None
    rules = Rules(8, 75, 2, 2, True, exit_review_session=8)
    assert progress(marks(*["present"] * 8), rules).exit_review_attended
    assert not progress(marks(*["present"] * 7, "excused"), rules).exit_review_attended
    assert progress(marks(*["present"] * 7, "unexcused") + marks("late", kind="makeup", first=8),
                    rules).exit_review_attended  # made up at a make-up session of module 8


def test_the_run_is_the_one_sessions_published_not_counted_from_the_marks():
    p = progress_with(marks("present", "present"), EXTENDED_RULES, AbsenceRun(current=0, longest=2))
    assert (p.consecutive_absences, p.longest_absence_run, p.unexcused_absences) == (0, 2, 0)
    [reason] = exit_reasons(p, EXTENDED_RULES)
    assert "2 unexcused absences in a row" in reason


# -- marks copied later from a paper register ------------------------------------------------------------------------
@dataclass(frozen=True)
class Published:
    scheduled_at: datetime
    held_at: datetime | None = None
    register_number: str | None = None


def test_marks_copied_later_from_a_register_date_their_moves_by_the_day_the_session_was_held():
    zone = ZoneInfo("Asia/Tashkent")
    now = datetime(2026, 12, 6, 9, tzinfo=UTC)
    today = now.astimezone(zone).date()
    planned = datetime(2026, 12, 1, 10, tzinfo=zone)
    held = planned + timedelta(days=1)
    assert dated_by_session([Published(planned)], today=today, zone=zone, now=now) == (today, now)  # typed in late
    assert dated_by_session([Published(planned, held, "NK-1")], today=today, zone=zone, now=now) == (
        date(2026, 12, 2), held)
    assert dated_by_session([Published(planned, None, "NK-1"), Published(planned - timedelta(days=3))], today=today,
                            zone=zone, now=now) == (date(2026, 12, 1), planned)
    this_morning = datetime(2026, 12, 6, 8, tzinfo=zone)  # copied the day it was held: as if typed at the session
    assert dated_by_session([Published(this_morning, this_morning, "NK-2")], today=today, zone=zone,
                            now=now) == (today, now)
