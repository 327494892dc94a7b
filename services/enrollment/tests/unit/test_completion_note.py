"""A person completing him early, or without his exit review recorded as attended, says why
(domain.lifecycle.early_completion_needs_note): the rule the complete move applies before it moves."""

from __future__ import annotations

import pytest
from enrollment.domain.lifecycle import early_completion_needs_note


def test_completion_with_the_curriculum_done_and_the_exit_review_attended_needs_no_note():
    assert early_completion_needs_note(curriculum_done=True, without_review=False, note=None) is None


def test_completing_before_the_curriculum_is_done_needs_a_note_saying_why():
    assert early_completion_needs_note(curriculum_done=False, without_review=False, note=None) == (
        "Completing before the curriculum is done needs a note saying why.")


def test_completing_without_the_exit_review_needs_a_note_saying_why():
    assert early_completion_needs_note(curriculum_done=True, without_review=True, note="") == (
        "Completing without his exit review recorded as attended needs a note saying why.")


def test_before_the_curriculum_is_done_is_what_the_refusal_names_when_both_hold():
    refusal = early_completion_needs_note(curriculum_done=False, without_review=True, note=None)
    assert refusal is not None and refusal.startswith("Completing before the curriculum is done")


@pytest.mark.parametrize("note", ["   ", "\n"])
def test_a_blank_note_says_nothing(note):
    assert early_completion_needs_note(curriculum_done=False, without_review=False, note=note) is not None


def test_a_note_saying_why_lets_him_complete_early():
    assert early_completion_needs_note(curriculum_done=False, without_review=True,
                                       note="He moves abroad; the court agreed.") is None
