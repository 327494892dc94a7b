"""A man's runs of unexcused absences, computed by sessions alone and published with every mark: over each
combination of session kinds (risk's rules choose theirs) and in the curriculum (his programme's limits)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from qadam_contracts.vocabulary import SESSION_KINDS
from sessions.domain.absence_runs import (
    KIND_COMBINATIONS,
    CurriculumRun,
    HeldMark,
    absence_runs,
    curriculum_run,
    runs_over,
)
from sessions.events import absence_runs as published

START = datetime(2026, 10, 5, 9, tzinfo=UTC)
GROUP, ALL_BUT_INTAKE = ("group",), ("group", "individual", "makeup")


def marks(*statuses: str | None, kind: str = "group", first: int = 1) -> list[HeldMark]:
    """One mark per status, a session every 3 days from session `first`; None: no mark (a cancelled session)."""
    return [HeldMark(f"s{n}", n, START + timedelta(days=3 * n), status, kind)
            for n, status in enumerate(statuses, first) if status]


def numbers(runs) -> list[list[int]]:
    return [[m.session_number for m in run] for run in runs]


def test_unexcused_absences_in_a_row_are_one_run():
    assert numbers(runs_over(marks("present", "unexcused", "unexcused"), GROUP)) == [[2, 3]]
    assert curriculum_run(marks("present", "unexcused", "unexcused")) == CurriculumRun(current=2, longest=2)


@pytest.mark.parametrize("attended", ["present", "late"])
def test_attending_ends_a_run(attended):
    ms = marks("unexcused", attended, "unexcused")
    assert numbers(runs_over(ms, GROUP)) == [[1], [3]]
    assert curriculum_run(ms) == CurriculumRun(current=1, longest=1)


def test_an_excused_absence_neither_counts_nor_ends_a_run():
    ms = marks("unexcused", "excused", "unexcused")
    assert numbers(runs_over(ms, GROUP)) == [[1, 3]]
    assert curriculum_run(ms) == CurriculumRun(current=2, longest=2)


def test_a_session_with_no_mark_ends_no_run():
    assert numbers(runs_over(marks("unexcused", None, "unexcused"), GROUP)) == [[1, 3]]


def test_the_current_run_ends_with_attendance_but_the_longest_is_kept():
    assert curriculum_run(marks("unexcused", "unexcused", "unexcused", "present")) == CurriculumRun(0, 3)


def test_runs_follow_session_dates_not_the_order_marks_were_recorded_in():
    given = marks("present", "unexcused", "excused", "unexcused", "present", "unexcused", "unexcused", "late")
    expected = absence_runs(given)
    assert numbers(expected.by_kinds[GROUP]) == [[2, 4], [6, 7]]
    for seed in range(20):
        shuffled = given[:]
        random.Random(seed).shuffle(shuffled)
        assert absence_runs(shuffled) == expected


def test_only_the_kinds_counted_extend_or_end_a_run():
    group = [HeldMark("g1", 1, START, "unexcused")]
    between = [HeldMark("i1", 1, START + timedelta(days=1), "present", "intake"),
               HeldMark("g2", 2, START + timedelta(days=3), "unexcused")]
    assert [[m.session_id for m in r] for r in runs_over(group + between, ALL_BUT_INTAKE)] == [["g1", "g2"]]
    assert numbers(runs_over(group + between, ("group", "intake"))) == [[1], [2]]  # attending intake ends it there
    intake = marks("unexcused", "unexcused", kind="intake")
    assert runs_over(intake, ALL_BUT_INTAKE) == () and numbers(runs_over(intake, ("intake",))) == [[1, 2]]


def test_a_run_mixing_session_kinds_is_one_run_in_date_order():
    ms = [HeldMark("g1", 1, START, "unexcused"), HeldMark("m1", 1, START + timedelta(days=1), "unexcused", "makeup"),
          HeldMark("i1", 1, START + timedelta(days=2), "unexcused", "individual"),
          HeldMark("g2", 2, START + timedelta(days=3), "present")]
    assert [[m.session_id for m in r] for r in runs_over(ms, ALL_BUT_INTAKE)] == [["g1", "m1", "i1"]]


def test_runs_are_published_for_the_combinations_of_session_kinds_that_have_any():
    assert len(KIND_COMBINATIONS) == 2 ** len(SESSION_KINDS) - 1
    assert all(list(c) == [k for k in SESSION_KINDS if k in c] for c in KIND_COMBINATIONS)  # one spelling each
    held = [HeldMark(uuid.uuid4(), m.session_number, m.scheduled_at, m.status) for m in marks("unexcused", "unexcused")]
    runs = published(3, absence_runs(held))
    # of the 15 combinations, the 8 counting group sessions have his runs, the same ones: published once
    [over] = runs.by_session_kinds
    assert runs.version == 3 and len(over.session_kinds) == 8 and all("group" in k for k in over.session_kinds)
    assert [[a.session_number for a in run.absences] for run in over.runs] == [[1, 2]]
    assert published(4, absence_runs([])).by_session_kinds == []


def test_each_different_set_of_runs_is_published_once_with_every_combination_it_is_over():
    """A man with group, make-up and one-to-one marks: what a consumer reads for each combination (the runs given
    with it, or none where it is left out) is what counting that combination's sessions alone gives."""
    kinds = ("group", "makeup", "individual", "intake")
    for seed in range(200):
        rng = random.Random(seed)
        statuses = ("present", "late", "excused", "unexcused", "unexcused")
        held = [HeldMark(uuid.uuid5(uuid.NAMESPACE_OID, str(n)), n, START + timedelta(days=n), rng.choice(statuses),
                         rng.choice(kinds)) for n in range(1, rng.randint(1, 25))]
        runs = published(1, absence_runs(held))
        given = {tuple(k): [[a.session_id for a in run.absences] for run in over.runs]
                 for over in runs.by_session_kinds for k in over.session_kinds}
        assert len(given) == sum(len(over.session_kinds) for over in runs.by_session_kinds)  # each once
        sets = [[[a.session_id for a in run.absences] for run in over.runs] for over in runs.by_session_kinds]
        assert all(sets.count(one) == 1 for one in sets)  # and each set of runs once
        for combination in KIND_COMBINATIONS:
            expected = [[m.session_id for m in run] for run in runs_over(held, combination)]
            assert given.get(combination, []) == expected, (seed, combination)
        # in a stable order: each set of runs where its first combination comes, its combinations in their order
        shape: dict[tuple, list[list[str]]] = {}
        for combination in KIND_COMBINATIONS:
            if over := runs_over(held, combination):
                shape.setdefault(tuple(tuple(m.session_id for m in run) for run in over), []).append(list(combination))
        assert [over.session_kinds for over in runs.by_session_kinds] == list(shape.values()), seed


def test_in_the_curriculum_a_makeup_attended_ends_a_run_and_one_missed_does_not_extend_it():
    missed_makeup = marks("unexcused") + marks("unexcused", kind="makeup", first=2) + marks("unexcused", first=3)
    assert curriculum_run(missed_makeup) == CurriculumRun(2, 2)
    made_up = marks("unexcused") + marks("present", kind="makeup", first=2) + marks("unexcused", first=3)
    assert curriculum_run(made_up) == CurriculumRun(1, 1)


def test_in_the_curriculum_one_to_one_sessions_are_passed_over():
    ms = marks("unexcused") + marks("present", kind="individual", first=2) + marks("unexcused", kind="intake", first=3) \
        + marks("unexcused", first=4)
    assert curriculum_run(ms) == CurriculumRun(2, 2)


def test_in_the_curriculum_after_a_transfer_each_session_number_counts_once():
    first_cohort = marks("present", "present", "unexcused", "unexcused")  # sessions 1-4
    # he joined the new cohort at its session 3 and attended it: the later session 3 stands for the missed one
    later = [HeldMark("b3", 3, START + timedelta(days=40), "present")]
    assert curriculum_run(first_cohort + later) == CurriculumRun(0, 1)
    assert numbers(runs_over(first_cohort + later, GROUP)) == [[3, 4]]  # risk's rules count every session held


def test_a_man_who_missed_nothing_without_excuse_has_the_runs_the_counting_gives() -> None:
    """No unexcused absence: the answer given at once is the one counting his marks would give."""
    from itertools import product

    from sessions.domain.absence_runs import AbsenceRuns, _curriculum_in_order, _runs_in_order, in_session_order

    kinds = ("group", "makeup", "intake", "individual")
    for statuses in product(("present", "late", "excused"), repeat=3):
        for held_kinds in product(kinds, repeat=3):
            marks = [HeldMark(f"s{i}", i + 1, datetime(2026, 10, 5 + 3 * i, 9, tzinfo=UTC), st, k)
                     for i, (st, k) in enumerate(zip(statuses, held_kinds, strict=True))]
            counted = AbsenceRuns({c: _runs_in_order(in_session_order(marks), set(c)) for c in KIND_COMBINATIONS},
                                  _curriculum_in_order(in_session_order(marks)))
            assert absence_runs(marks) == counted


def test_marks_are_read_in_the_order_their_sessions_were_held_where_a_register_says_another_day():
    """Session 2, planned after session 1, was held before it (its paper register says so): he missed the later one."""
    missed, came = marks("unexcused", "present")
    assert curriculum_run([missed, came]) == CurriculumRun(current=0, longest=1)
    came_first = HeldMark(came.session_id, came.session_number, came.scheduled_at, came.status,
                          held_at=missed.scheduled_at - timedelta(days=1))
    assert curriculum_run([missed, came_first]) == CurriculumRun(current=1, longest=1)
    assert runs_over([missed, came_first], GROUP) == ((missed,),)
