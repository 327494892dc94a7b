"""A new rule set says what changed by its rules' versions (risk/domain/rules.py: version_errors)."""

from __future__ import annotations

from risk.domain.rules import version_errors

RULE = {"id": "consecutive_absences", "version": 2, "kind": "consecutive_absences", "level": "high",
        "description": "Absences in a row.", "params": {"count": 2}}


def test_an_unchanged_rule_keeps_its_version():
    assert version_errors([RULE], [RULE]) == {}
    assert version_errors([RULE | {"version": 3}], [RULE]) == {"consecutive_absences": ["Unchanged: keep version 2."]}


def test_a_changed_rule_takes_a_higher_version():
    changed = RULE | {"params": {"count": 3}}
    assert version_errors([changed | {"version": 3}], [RULE]) == {}
    assert version_errors([changed], [RULE]) == {"consecutive_absences": ["Changed: give it a version above 2."]}
    assert version_errors([RULE | {"level": "critical", "version": 1}], [RULE]) == {
        "consecutive_absences": ["Changed: give it a version above 2."]}


def test_a_new_rule_may_start_at_any_version():
    assert version_errors([RULE | {"id": "new_rule", "version": 7}], [RULE]) == {}
