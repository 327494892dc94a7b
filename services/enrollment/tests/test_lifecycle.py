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
    EnrolmentStatus,
    IllegalTransition,
    add_months,
    transition,
)

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
