"""The enrolment lifecycle of DOMAIN.md, rule by rule, on plain data."""

from __future__ import annotations

from datetime import date

import pytest
from enrollment.domain.lifecycle import (
    EXCLUSION_REASONS,
    EXIT_REASONS,
    MOVES,
    SUSPENSION_REASONS,
    Action,
    Caller,
    EnrolmentStatus,
    IllegalTransition,
    Standing,
    actions_open_to,
    complete_refusal,
    transition,
)
from enrollment.domain.progress import completion_holds
from qadam.quarters import add_months

S, A = EnrolmentStatus, Action

LEGAL = [
    (S.REFERRED, A.ASSESS, None, S.ASSESSED),
    (S.REFERRED, A.EXCLUDE, "severe_mental_illness", S.EXCLUDED),
    (S.REFERRED, A.EXIT, "moved_away", S.EXITED),
    (S.ASSESSED, A.START, None, S.ACTIVE),
    (S.ASSESSED, A.EXCLUDE, "untreated_addiction", S.EXCLUDED),
    (S.ASSESSED, A.EXIT, "withdrawn", S.EXITED),
    (S.ACTIVE, A.SUSPEND, "illness", S.SUSPENDED),
    (S.ACTIVE, A.COMPLETE, None, S.COMPLETED),
    (S.ACTIVE, A.EXIT, "non_compliance", S.EXITED),
    (S.SUSPENDED, A.RESUME, None, S.ACTIVE),
    (S.SUSPENDED, A.EXIT, "custody", S.EXITED),
    (S.COMPLETED, A.CLOSE, None, S.CLOSED),
]


@pytest.mark.parametrize(("start", "action", "reason", "end"), LEGAL)
def test_each_legal_move_lands_where_domain_md_says(start, action, reason, end):
    move = transition(start, action, reason)
    assert (move.from_status, move.to_status, move.reason) == (start, end, reason)


ILLEGAL = [(status, action) for status in S for action in A if action not in MOVES[status]]


@pytest.mark.parametrize(("start", "action"), ILLEGAL)
def test_every_illegal_move_is_refused_naming_the_allowed_ones(start, action):
    with pytest.raises(IllegalTransition) as refused:
        transition(start, action, "withdrawn")
    assert refused.value.allowed == [a.value for a in MOVES[start]]
    assert start.value in str(refused.value) and action.value in str(refused.value)


def test_the_legal_table_and_the_illegal_list_cover_every_pair():
    assert len(LEGAL) + len(ILLEGAL) == len(S) * len(A)


@pytest.mark.parametrize("finished", [S.CLOSED, S.EXCLUDED, S.EXITED])
def test_a_finished_enrolment_allows_nothing(finished):
    with pytest.raises(IllegalTransition, match="nothing: the enrolment is finished"):
        transition(finished, A.RESUME)


@pytest.mark.parametrize(("action", "start", "reasons"), [
    (A.EXIT, S.ACTIVE, EXIT_REASONS), (A.EXCLUDE, S.REFERRED, EXCLUSION_REASONS), (A.SUSPEND, S.ACTIVE, SUSPENSION_REASONS)])
def test_exit_exclusion_and_suspension_need_one_of_their_reasons(action, start, reasons):
    with pytest.raises(ValueError, match="give a reason"):
        transition(start, action, None)
    with pytest.raises(ValueError, match=reasons[0]):
        transition(start, action, "felt like it")
    for reason in reasons:
        assert transition(start, action, reason).reason == reason


def test_exit_reasons_are_those_of_domain_md():
    assert set(EXIT_REASONS) == {"non_compliance", "new_violence", "withdrawn", "transferred", "custody", "moved_away",
                                 "died"}


@pytest.mark.parametrize(("day", "months", "end"), [
    (date(2026, 1, 31), 3, date(2026, 4, 30)), (date(2026, 11, 23), 3, date(2027, 2, 23)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)), (date(2026, 5, 5), 12, date(2027, 5, 5)), (date(2026, 5, 5), 0, date(2026, 5, 5))])
def test_follow_up_ends_the_same_day_months_later_or_the_months_last_day(day, months, end):
    assert add_months(day, months) == end


# -- the moves a caller is offered are the moves the rules allow (issue 16) ------------------------------------

PSYCHOLOGIST = Caller(may_move=True, may_complete_early=False)
MANAGER = Caller(may_move=True, may_complete_early=True)


def standing(**changes) -> Standing:
    return Standing(**{"status": EnrolmentStatus.ACTIVE, "curriculum_done": False, "critical_flag_open": False,
                       "started_elsewhere": False, **changes})


def test_complete_is_offered_exactly_when_the_move_would_be_allowed():
    for caller in (PSYCHOLOGIST, MANAGER):
        for facts in (standing(), standing(curriculum_done=True), standing(critical_flag_open=True),
                      standing(curriculum_done=True, critical_flag_open=True)):
            offered = "complete" in actions_open_to(caller, facts)
            assert offered == (complete_refusal(caller, facts) is None), (caller, facts)


def test_nobody_completes_while_a_critical_flag_is_open():
    for caller in (PSYCHOLOGIST, MANAGER):
        assert "critical" in (complete_refusal(caller, standing(curriculum_done=True, critical_flag_open=True)) or "")


def test_a_caller_who_may_not_move_is_offered_nothing():
    assert actions_open_to(Caller(may_move=False, may_complete_early=True), standing(curriculum_done=True)) == []


def test_start_is_not_offered_while_he_takes_part_elsewhere():
    assessed = standing(status=EnrolmentStatus.ASSESSED)
    assert "start" in actions_open_to(PSYCHOLOGIST, assessed)
    assert "start" not in actions_open_to(PSYCHOLOGIST, standing(status=EnrolmentStatus.ASSESSED, started_elsewhere=True))


def test_completion_is_held_by_an_open_critical_flag_and_by_an_exit_review_not_attended():
    assert completion_holds(exit_review_session=8, exit_review_attended=True, critical_flag_open=False) == []
    assert completion_holds(exit_review_session=None, exit_review_attended=False, critical_flag_open=False) == []
    assert completion_holds(exit_review_session=8, exit_review_attended=False, critical_flag_open=True) == [
        "critical_flag_open", "exit_review_not_attended"]


def test_her_support_worker_reads_why_he_left_and_never_why_he_was_paused_or_not_admitted():
    from enrollment.domain.lifecycle import reason_for_her

    assert reason_for_her("exited", "new_violence") == "new_violence"
    assert reason_for_her("exited", "non_compliance") == "non_compliance"
    assert reason_for_her("excluded", "severe_mental_illness") is None
    assert reason_for_her("suspended", "illness") is None
    assert reason_for_her("active", None) is None
