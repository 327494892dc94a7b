"""The explanation read aloud to the staff who answer for him, worded without I/O (risk/domain/explanation.py)."""

from __future__ import annotations

from datetime import date

from risk.domain import DISCLAIMER
from risk.domain.explanation import AssessmentLine, Attendance, FlagLine, read_aloud

NO_MARKS = Attendance.of({})


def test_attendance_counts_late_as_attended_and_every_mark_as_recorded():
    seen = Attendance.of({"present": 5, "late": 2, "excused": 1, "unexcused": 3})
    assert seen == Attendance(recorded=11, attended=7, excused=1, unexcused=3)


def test_each_unresolved_flag_is_a_numbered_sentence_with_who_acknowledged_it_and_when():
    lines = read_aloud(participant_code="P-2026-000001", level="high", since=date(2026, 11, 30), flags=[
        FlagLine("high", date(2026, 11, 30), "insp-1", date(2026, 12, 1), ["Two absences in a row."]),
        FlagLine("medium", date(2026, 11, 2), None, None, ["A repeat order.", "Issued again."])],
        resolved=1, assessment=None, attendance=NO_MARKS)
    assert lines[0] == "P-2026-000001 is at HIGH risk today (since 2026-11-30)."
    assert lines[1] == "2 unresolved flags contribute; the highest sets the level:"
    assert lines[2] == "1. High, raised on 2026-11-30, acknowledged by insp-1 on 2026-12-01: Two absences in a row."
    assert lines[3] == "2. Medium, raised on 2026-11-02, not yet acknowledged: A repeat order. Issued again."
    assert lines[4] == "1 earlier flag was resolved with a reason and no longer count."
    assert lines[5] == "He has not been assessed with the risk instrument yet."
    assert lines[-1] == DISCLAIMER


def test_with_no_flag_and_no_level_held_he_is_low_with_nothing_waiting():
    lines = read_aloud(participant_code="P-2026-000002", level="low", since=None, flags=[], resolved=0,
                       assessment=None, attendance=Attendance(recorded=4, attended=3, excused=1, unexcused=0))
    assert lines[:2] == ["P-2026-000002 is at LOW risk today.",
                         "No flag is unresolved: nothing the rules watch for is waiting on anyone."]
    assert "Attendance: 3 of 4 recorded sessions attended, 1 excused, 0 unexcused." in lines


def test_the_latest_assessment_says_its_band_its_unknown_items_and_what_it_found():
    lines = read_aloud(participant_code="P-2026-000003", level="medium", since=None, flags=[], resolved=2,
                       assessment=AssessmentLine(date(2026, 10, 1), "qadam-intake", 2, 14, "moderate", 1,
                                                 ["Prior violence.", "Threats"]), attendance=NO_MARKS)
    assert "2 earlier flags were resolved with a reason and no longer count." in lines
    assert ("Latest risk assessment: 2026-10-01 with qadam-intake v2, score 14, band moderate, 1 item(s) unknown. "
            "It found: Prior violence; Threats.") in lines
