"""A man's runs of unexcused absences, computed here, by the owner of attendance, and published with every mark
(issue 17: nobody computes them twice). No I/O.

Marks are read in session order (when it was held, then its number, then its id), whatever order they were
recorded or corrected in, so the runs depend only on what his marks say now:
- an unexcused absence extends the run; attending (present or late) ends it; an excused absence neither counts
  nor ends a run;
- `runs_over(marks, kinds)`: the sessions of the given kinds alone count (the others are passed over). Risk's
  rules choose the kinds (`session_kinds`), so the runs are published for every combination of kinds;
- `curriculum_run(marks)`: the run in the curriculum, as his programme's limits read it (enrollment): group sessions,
  each curriculum number once (after a transfer the later session of a number stands for it); attending a make-up
  ends a run, missing one does not extend it; one-to-one sessions (intake, individual) are passed over.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from qadam.latest import latest_of
from qadam_contracts.vocabulary import SESSION_KINDS

ATTENDED = ("present", "late")
UNEXCUSED = "unexcused"


@dataclass(frozen=True)
class HeldMark:
    """One of his marks as it stands now, with the session it is of."""

    session_id: Hashable
    session_number: int
    scheduled_at: datetime
    status: str  # present | late | excused | unexcused
    kind: str = "group"  # group | makeup | intake | individual
    held_at: datetime | None = None  # another day than planned, as its paper register says (None: as planned)

    @property
    def took_place(self) -> datetime:
        """When the session was held: where its register says, else as planned."""
        return self.held_at or self.scheduled_at


Run = tuple[HeldMark, ...]


@dataclass(frozen=True)
class CurriculumRun:
    current: int  # unexcused absences in a row up to his latest session of the curriculum
    longest: int


@dataclass(frozen=True)
class AbsenceRuns:
    """Everything published of his runs: the runs over each combination of session kinds, and the curriculum's."""

    by_kinds: dict[tuple[str, ...], tuple[Run, ...]]
    curriculum: CurriculumRun


# every non-empty combination of session kinds, each in the vocabulary's order: a rule may choose any of them
KIND_COMBINATIONS: tuple[tuple[str, ...], ...] = tuple(
    combo for size in range(1, len(SESSION_KINDS) + 1) for combo in combinations(SESSION_KINDS, size))


def in_session_order(marks: Iterable[HeldMark]) -> list[HeldMark]:
    return sorted(marks, key=lambda m: (m.took_place, m.session_number, str(m.session_id)))


def _runs_in_order(ordered: Iterable[HeldMark], counted: Collection[str]) -> tuple[Run, ...]:
    runs: list[Run] = []
    current: list[HeldMark] = []
    for mark in ordered:
        if mark.kind not in counted:
            continue
        if mark.status == UNEXCUSED:
            current.append(mark)
        elif mark.status in ATTENDED and current:
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return tuple(runs)


def runs_over(marks: Iterable[HeldMark], kinds: Iterable[str]) -> tuple[Run, ...]:
    """His runs of unexcused absences counting the sessions of `kinds` alone, in session order."""
    return _runs_in_order(in_session_order(marks), set(kinds))


def curriculum_run(marks: Iterable[HeldMark]) -> CurriculumRun:
    """The run in his curriculum now, and the longest it has been."""
    return _curriculum_in_order(in_session_order(marks))


def _curriculum_in_order(ordered: Sequence[HeldMark]) -> CurriculumRun:
    in_order = [m for m in ordered if m.kind in ("group", "makeup")]
    group = [m for m in in_order if m.kind == "group"]
    # per curriculum session, the one held last (of two at the same time, the later in session order); where no
    # number was held twice (no transfer), each stands for itself
    latest = None if len({m.session_number for m in group}) == len(group) else latest_of(
        group, key=lambda m: m.session_number, at=lambda m: m.took_place)
    run = longest = 0
    for mark in in_order:
        if latest is not None and mark.kind == "group" and latest[mark.session_number] is not mark:
            continue
        if mark.status in ATTENDED:
            run = 0
        elif mark.status == UNEXCUSED and mark.kind == "group":
            run += 1
            longest = max(longest, run)
    return CurriculumRun(run, longest)


def _counted_kinds(his_kinds: frozenset[str]) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """Each combination of kinds, with the kinds of it a man who has marks of `his_kinds` has (what its runs count)."""
    found = _COUNTED.get(his_kinds)
    if found is None:
        found = _COUNTED[his_kinds] = tuple((kinds, his_kinds.intersection(kinds)) for kinds in KIND_COMBINATIONS)
    return found


_COUNTED: dict[frozenset[str], tuple[tuple[tuple[str, ...], frozenset[str]], ...]] = {}


def absence_runs(marks: Sequence[HeldMark]) -> AbsenceRuns:
    """All his runs, from all his marks (any session, any cohort he was in). The marks are put in session order
    once, and the runs are counted once for each set of kinds he has marks of (a combination's kinds he has no
    mark of change nothing: group alone and group with make-up are the same runs for a man with no make-up)."""
    if not any(m.status == UNEXCUSED for m in marks):  # most men, most of the time: no run anywhere
        return AbsenceRuns(dict.fromkeys(KIND_COMBINATIONS, ()), CurriculumRun(0, 0))
    ordered = in_session_order(marks)
    counted: dict[frozenset[str], tuple[Run, ...]] = {}
    by_kinds = {}
    for kinds, effective in _counted_kinds(frozenset(m.kind for m in ordered)):
        if effective not in counted:
            counted[effective] = _runs_in_order(ordered, effective)
        by_kinds[kinds] = counted[effective]
    return AbsenceRuns(by_kinds, _curriculum_in_order(ordered))


def shared(runs: AbsenceRuns) -> list[tuple[list[tuple[str, ...]], tuple[Run, ...]]]:
    """His runs as published: each different set of runs once, with every combination of kinds it is the runs
    over (in KIND_COMBINATIONS' order); combinations without runs are left out."""
    # the same runs are most often the same object (counted once for each set of kinds): grouped by identity first,
    # then the few different objects that hold equal runs merged (hashing every mark of every run cost more)
    by_object: dict[int, tuple[tuple[Run, ...], list[tuple[str, ...]]]] = {}
    for combination, over in runs.by_kinds.items():
        if over:
            by_object.setdefault(id(over), (over, []))[1].append(combination)
    merged: list[tuple[tuple[Run, ...], list[tuple[str, ...]]]] = []
    for over, kinds_of in by_object.values():
        same = next((m for m in merged if m[0] == over), None)
        if same is None:
            merged.append((over, list(kinds_of)))
        else:
            same[1].extend(kinds_of)
            same[1].sort(key=_ORDER.__getitem__)
    return [(kinds, over) for over, kinds in merged]


_ORDER = {kinds: i for i, kinds in enumerate(KIND_COMBINATIONS)}
