"""What an evaluation raises and how a level moves, on plain data (risk/domain/raising.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from risk.domain import Finding
from risk.domain.raising import episodes, level_moves, order_in_force_at

NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
KINDS = {"consecutive_absences": "consecutive_absences", "exit": "enrollment_signal", "breach": "incident"}


def _finding(rule_id: str, **evidence: object) -> Finding:
    return Finding(rule_id, 1, "high", f"{rule_id}:1", [f"{rule_id} fired."], NOW, evidence=dict(evidence))


def test_the_flags_of_one_evaluation_share_one_new_episode():
    joined = episodes([_finding("consecutive_absences"), _finding("breach")], KINDS, None)
    assert len(set(joined)) == 1


def test_an_exit_proposal_and_the_absence_findings_beside_it_join_his_unresolved_absence_episode():
    older = uuid.uuid4()
    joined = episodes([_finding("exit", signal="exit_proposed"), _finding("consecutive_absences"),
                       _finding("breach")], KINDS, older)
    assert joined[0] == joined[1] == older
    assert joined[2] != older  # nothing else joins an alert that may be acknowledged already


def test_without_an_exit_proposal_nothing_joins_the_older_absence_episode():
    older = uuid.uuid4()
    assert older not in episodes([_finding("consecutive_absences")], KINDS, older)


def test_the_level_moves_to_the_highest_unresolved_flag_naming_the_flags_at_it():
    enrolment, high, amber, red = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    [move] = level_moves({enrolment: [(high, "high"), (amber, "medium"), (red, "high")]}, {enrolment: "medium"},
                         cause="attendance", now=NOW)
    assert (move["from_level"], move["level"], move["cause"], move["changed_at"]) == ("medium", "high", "attendance",
                                                                                      NOW)
    assert move["flag_ids"] == [high, red] and "version" not in move


def test_a_level_already_held_does_not_move_and_no_flag_left_means_low():
    held, cleared = uuid.uuid4(), uuid.uuid4()
    moves = level_moves({held: [(uuid.uuid4(), "high")], cleared: []}, {held: "high", cleared: "critical"},
                        cause="flag resolved", now=NOW)
    assert [(m["enrolment_id"], m["from_level"], m["level"], m["flag_ids"]) for m in moves] == [
        (cleared, "critical", "low", [])]


def test_an_enrolment_with_no_level_held_starts_from_low():
    fresh = uuid.uuid4()
    assert level_moves({fresh: []}, {}, cause="enrolled", now=NOW) == []


def test_an_order_that_named_no_enrolment_is_his_while_in_force_when_he_enrolled():
    enrolled = datetime(2026, 6, 1, 10, tzinfo=UTC)
    assert order_in_force_at({"expires_on": "2026-06-01"}, enrolled)
    assert not order_in_force_at({"expires_on": "2026-05-31"}, enrolled)
    assert order_in_force_at({}, enrolled) and order_in_force_at({"expires_on": "2026-01-01"}, None)
