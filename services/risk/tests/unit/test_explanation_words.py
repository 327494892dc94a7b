"""The explanation read aloud to the staff who answer for him, worded without I/O (risk/domain/explanation.py)."""

from __future__ import annotations

from datetime import date

import pytest
from risk.domain import DISCLAIMER
from risk.domain.explanation import AssessmentLine, Attendance, FlagLine, cause_words, read_aloud

NO_MARKS = Attendance.of({})


def test_attendance_counts_late_as_attended_and_every_mark_as_recorded():
    seen = Attendance.of({"present": 5, "late": 2, "excused": 1, "unexcused": 3})
    assert seen == Attendance(recorded=11, attended=7, excused=1, unexcused=3)


def test_each_unresolved_flag_is_a_numbered_sentence_with_who_acknowledged_it_and_when():
    lines = read_aloud(participant_code="P-2026-000001", level="high", since=date(2026, 11, 30), flags=[
        FlagLine("high", date(2026, 11, 30), "insp-1", date(2026, 12, 1), ["Two absences in a row."]),
        FlagLine("medium", date(2026, 11, 2), None, None, ["A repeat order.", "Issued again."])],
        resolved=1, assessment=None, attendance=NO_MARKS)
    assert lines[0] == "P-2026-000001 is at HIGH risk today (since Nov 30, 2026)."
    assert lines[1] == "2 unresolved flags contribute; the highest sets the level:"
    assert lines[2] == "1. High, raised on Nov 30, 2026, acknowledged by insp-1 on Dec 1, 2026: Two absences in a row."
    assert lines[3] == "2. Medium, raised on Nov 2, 2026, not yet acknowledged: A repeat order. Issued again."
    assert lines[4] == "1 earlier flag was resolved with a reason and no longer counts."
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
    assert ("Latest risk assessment: Oct 1, 2026 with qadam-intake v2, score 14, band moderate, 1 item(s) unknown. "
            "It found: Prior violence; Threats.") in lines


def test_the_explanation_reads_aloud_in_the_language_asked_for_reasons_dates_and_all():
    """A Karakalpak reader hears every sentence in Karakalpak: the level, each flag's reasons rendered from their
    codes, its dates as Karakalpak writes them (day.month.year), the attendance and the disclaimer."""
    flags = [FlagLine("high", date(2026, 11, 30), None, None, [
        {"code": "order_expiring", "params": {"expires_on": "2026-12-10", "days_left": 5, "programme": True,
                                              "follow_up": False}}])]
    english = read_aloud(participant_code="P-2026-000001", level="high", since=date(2026, 11, 30), flags=flags,
                         resolved=0, assessment=None, attendance=NO_MARKS)
    karakalpak = read_aloud(participant_code="P-2026-000001", level="high", since=date(2026, 11, 30), flags=flags,
                            resolved=0, assessment=None, attendance=NO_MARKS, language="kaa")
    assert "His protection order expires on Dec 10, 2026 (5 days left)" in english[2]
    assert "qorǵaw orderiniń múddeti 10.12.2026 kúni tawsıladı (5 kún qaldı)" in karakalpak[2]
    assert karakalpak[0] == "P-2026-000001 búgin JOQARI qáwip dárejesinde (30.11.2026 kúninen baslap)."
    assert len(karakalpak) == len(english)
    for theirs, ours in zip(karakalpak, english, strict=True):
        assert theirs != ours
    assert not {"protection", "order", "risk", "flag", "raised", "acknowledged"} & set(" ".join(karakalpak).split())


def test_an_old_flags_sentence_is_quoted_as_stored_in_every_language():
    flags = [FlagLine("medium", date(2026, 11, 2), None, None, ["A sentence no form fitted."])]
    for language in ("ru", "kaa-Cyrl"):
        lines = read_aloud(participant_code="P-2026-000001", level="medium", since=None, flags=flags, resolved=0,
                           assessment=None, attendance=NO_MARKS, language=language)
        assert lines[2].endswith(": A sentence no form fitted.")


# every cause risk records when his level moves (evaluation's callers, recompute, the commands)
CAUSES = ["enrolled", "enrolment referred", "enrolment assessed", "enrolment active", "enrolment suspended",
          "enrolment completed", "exit.proposed", "order.plan_overdue", "order.expiring", "order.issued",
          "warning_sign.observed", "call.overdue", "support_worker.changed", "attendance", "call recorded",
          "intake assessment", "review assessment", "daily re-evaluation", "recompute", "flag sign.threat_to_kill resolved",
          "incident order_breach", "a safety concern reported by victim support", "rules changed (rule set v3)"]


@pytest.mark.parametrize("language", ["uz-Latn", "uz-Cyrl", "ru", "kaa", "kaa-Cyrl"])
def test_what_moved_his_level_reads_in_the_language(language):
    for cause in CAUSES:
        english, theirs = cause_words(cause, "en"), cause_words(cause, language)
        assert theirs != english and theirs != cause, (cause, theirs)
    assert cause_words("incident order_breach", "kaa") == "waqıya haqqında xabar berildi: qorǵaw orderin buzıw"
    assert cause_words("something a later release records", language) == "something a later release records"
