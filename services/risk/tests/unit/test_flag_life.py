"""The flag's life as a state machine (risk/domain/flag_life.py): every state against every action, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from risk.domain.flag_life import (
    ACKNOWLEDGERS,
    MOVES,
    RESOLVERS,
    UNRESOLVED,
    FlagAction,
    FlagMoveRefused,
    FlagState,
    FlagStatus,
    Via,
    acknowledge,
    allowed_actions,
    may_act,
    refusal,
    resolve,
)

AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
ROLES = ("psychologist", "inspector", "support_worker", "supervisor", "manager", "auditor", "administrator",
         "service")
# the whole table, written out: what each state does with each action (None: refused)
EXPECTED = {
    (FlagStatus.OPEN, FlagAction.ACKNOWLEDGE): FlagStatus.ACKNOWLEDGED,
    (FlagStatus.OPEN, FlagAction.RESOLVE): FlagStatus.RESOLVED,
    (FlagStatus.ACKNOWLEDGED, FlagAction.ACKNOWLEDGE): FlagStatus.ACKNOWLEDGED,
    (FlagStatus.ACKNOWLEDGED, FlagAction.RESOLVE): FlagStatus.RESOLVED,
    (FlagStatus.RESOLVED, FlagAction.ACKNOWLEDGE): None,
    (FlagStatus.RESOLVED, FlagAction.RESOLVE): None,
}


def _take(flag: FlagState, action: FlagAction, via: Via = Via.RISK):
    if action is FlagAction.ACKNOWLEDGE:
        return acknowledge(flag, by="insp-1", at=AT, via=via)
    return resolve(flag, by="insp-1", at=AT, reason="He was reached; he attends again.", via=via)


def test_the_table_names_every_state_and_every_action():
    assert {(s, a) for s in FlagStatus for a in FlagAction} == set(EXPECTED)
    assert set(MOVES) == set(FlagStatus)


@pytest.mark.parametrize(("status", "action"), list(EXPECTED))
def test_each_state_takes_or_refuses_each_action_as_the_table_says(status, action):
    flag = FlagState(status, resolved_by="psy-1" if status is FlagStatus.RESOLVED else None,
                     resolution="Seen at the session." if status is FlagStatus.RESOLVED else None)
    to = EXPECTED[status, action]
    if to is None:
        assert refusal(flag, action) is not None
        with pytest.raises(FlagMoveRefused) as refused:
            _take(flag, action)
        assert refused.value.allowed == [] and str(refused.value) == refusal(flag, action)
        assert action.value not in allowed_actions(status)
    else:
        move = _take(flag, action, Via.NOTIFY)
        assert (move.action, move.from_status, move.to_status) == (action, status, to)
        assert (move.by, move.at, move.via) == ("insp-1", AT, Via.NOTIFY)
        assert refusal(flag, action) is None and action.value in allowed_actions(status)


def test_the_first_acknowledgement_marks_the_flag_and_later_ones_are_the_persons_own():
    first = acknowledge(FlagState(FlagStatus.OPEN), by="psy-1", at=AT, via=Via.RISK)
    second = acknowledge(FlagState(FlagStatus.ACKNOWLEDGED), by="insp-1", at=AT, via=Via.NOTIFY)
    assert first.marks_the_flag and first.to_status is FlagStatus.ACKNOWLEDGED
    assert not second.marks_the_flag and second.to_status is FlagStatus.ACKNOWLEDGED


@pytest.mark.parametrize("status", [FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED])
def test_a_resolution_keeps_who_when_and_why_and_always_marks_the_flag(status):
    move = resolve(FlagState(status), by="sup-1", at=AT, reason="The order was lifted.", via=Via.SESSIONS)
    assert (move.by, move.at, move.reason, move.via) == ("sup-1", AT, "The order was lifted.", Via.SESSIONS)
    assert move.marks_the_flag and move.to_status is FlagStatus.RESOLVED


def test_a_resolved_flag_refuses_an_acknowledgement_saying_it_needs_none():
    with pytest.raises(FlagMoveRefused, match="resolved already; it needs no acknowledgement"):
        acknowledge(FlagState(FlagStatus.RESOLVED, "psy-1", "Seen."), by="insp-1", at=AT, via=Via.RISK)


def test_a_resolved_flag_refuses_a_second_resolution_saying_who_resolved_it_and_why():
    with pytest.raises(FlagMoveRefused) as refused:
        resolve(FlagState(FlagStatus.RESOLVED, "psy-1", "Seen at the session."), by="insp-1", at=AT,
                reason="Again.", via=Via.RISK)
    assert str(refused.value) == "The flag was resolved already by psy-1: Seen at the session."


def test_only_the_resolved_flags_leave_the_level():
    assert UNRESOLVED == {FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(FlagAction))
def test_only_the_people_who_answer_for_the_case_act_on_its_flags(role, action):
    answers_for_the_case = role in ("psychologist", "inspector", "supervisor", "administrator")
    assert may_act(role, action) is answers_for_the_case
    assert (role in (ACKNOWLEDGERS if action is FlagAction.ACKNOWLEDGE else RESOLVERS)) is answers_for_the_case
