"""Risk's pure rules on plain data. No I/O, no Flask, no SQLAlchemy.

The absence rule reads an enrolment's attendance in session order, whatever order the marks arrived in:
- an unexcused absence extends the current run of absences;
- attending (present or late) ends it;
- an excused absence neither counts as non-attendance nor ends the run (it is not attendance either),
  so "unexcused, excused, unexcused" is two unexcused absences in a row of the sessions he had to attend.
A run that reaches the threshold is flagged once: a later absence in the same run, or a mark that
arrives late and lengthens the run backwards, does not raise it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

CONSECUTIVE_ABSENCES = "consecutive_absences"
CONSECUTIVE_ABSENCES_VERSION = 1
DISCLAIMER = "Decision support for the responsible staff, not a prediction."


@dataclass(frozen=True)
class Mark:
    session_id: str
    session_number: int
    scheduled_at: datetime
    status: str  # present | late | excused | unexcused


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_version: int
    level: str
    fact_key: str
    reasons: list[str]
    evidence: dict[str, Any] = field(default_factory=dict)


def absence_runs(marks: Iterable[Mark]) -> list[list[Mark]]:
    """Runs of unexcused absences in session order (excused absences skipped, attendance ends a run)."""
    runs: list[list[Mark]] = []
    current: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.scheduled_at, m.session_number, m.session_id)):
        if mark.status == "unexcused":
            current.append(mark)
        elif mark.status in ("present", "late"):
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def consecutive_absence_findings(
    marks: Sequence[Mark], *, threshold: int, level: str, flagged_sessions: frozenset[str] = frozenset(),
    zone: tzinfo = UTC,
) -> list[Finding]:
    """A finding for each run of `threshold` or more unexcused absences not already flagged.

    `flagged_sessions` are the session ids named in earlier findings of this rule for the enrolment;
    a run that shares any of them is the same facts and is not raised again.
    """
    if threshold < 1:
        raise ValueError("the threshold is at least one absence")
    findings = []
    for run in absence_runs(marks):
        if len(run) < threshold or flagged_sessions.intersection(m.session_id for m in run):
            continue
        numbers = [m.session_number for m in run]
        findings.append(Finding(
            rule_id=CONSECUTIVE_ABSENCES,
            rule_version=CONSECUTIVE_ABSENCES_VERSION,
            level=level,
            fact_key=run[0].session_id,
            reasons=[
                f"{len(run)} unexcused absences in a row: sessions {_numbers(numbers)} "
                f"({_day(run[0].scheduled_at, zone)} to {_day(run[-1].scheduled_at, zone)}).",
                f"The rule flags {threshold} or more in a row; missed sessions are a warning sign of dropping out "
                "and of renewed risk to the partner.",
            ],
            evidence={
                "session_ids": [m.session_id for m in run],
                "session_numbers": numbers,
                "threshold": threshold,
            },
        ))
    return findings


def _day(moment: datetime, zone: tzinfo) -> str:
    """The date as people where the session took place read it."""
    return moment.astimezone(zone).date().isoformat()


def _numbers(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return str(numbers[0])
    return ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
