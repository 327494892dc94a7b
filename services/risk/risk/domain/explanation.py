"""Why an enrolment is at its level, worded for the staff who answer for him: sentences to read aloud at a
multi-agency meeting, from plain facts (risk/domain/her_view.py words what her support worker reads)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .rules import DISCLAIMER

# the sessions his attendance counts in (an intake session is not one he attends or misses)
ATTENDED_KINDS = ("group", "individual", "makeup")


@dataclass(frozen=True)
class Attendance:
    """His recorded sessions: how many, attended (present or late), excused, unexcused."""

    recorded: int
    attended: int
    excused: int
    unexcused: int

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Attendance:
        """From the number of marks of each status."""
        return cls(recorded=sum(counts.values()), attended=counts.get("present", 0) + counts.get("late", 0),
                   excused=counts.get("excused", 0), unexcused=counts.get("unexcused", 0))


@dataclass(frozen=True)
class FlagLine:
    """An unresolved flag as a sentence names it."""

    level: str
    raised_on: date
    acknowledged_by: str | None
    acknowledged_on: date | None
    reasons: Sequence[str]


@dataclass(frozen=True)
class AssessmentLine:
    """His latest assessment as a sentence names it, with the items that counted against him (`found`)."""

    assessed_on: date
    instrument_id: str
    instrument_version: int
    score: int
    band: str
    unknown_items: int
    found: Sequence[str]


def read_aloud(*, participant_code: str, level: str, since: date | None, flags: Sequence[FlagLine], resolved: int,
               assessment: AssessmentLine | None, attendance: Attendance) -> list[str]:
    """His level today and each factor behind it (the highest flag first, as given), his latest assessment and his
    attendance, each in a sentence, and the disclaimer last."""
    lines = [f"{participant_code} is at {level.upper()} risk today" + (f" (since {since.isoformat()})." if since
                                                                        else ".")]
    if flags:
        lines.append(f"{len(flags)} unresolved flag{'s' if len(flags) != 1 else ''} "
                     f"{'contribute' if len(flags) != 1 else 'contributes'}; the highest sets the level:")
        for n, f in enumerate(flags, 1):
            state = (f"acknowledged by {f.acknowledged_by} on {f.acknowledged_on.isoformat()}" if f.acknowledged_on
                     else "not yet acknowledged")
            lines.append(f"{n}. {f.level.capitalize()}, raised on {f.raised_on.isoformat()}, {state}: "
                         + " ".join(f.reasons))
    else:
        lines.append("No flag is unresolved: nothing the rules watch for is waiting on anyone.")
    if resolved:
        lines.append(f"{resolved} earlier flag{'s were' if resolved != 1 else ' was'} resolved with a reason and "
                     "no longer count.")
    if assessment is not None:
        a = assessment
        lines.append(f"Latest risk assessment: {a.assessed_on.isoformat()} with {a.instrument_id} "
                     f"v{a.instrument_version}, score {a.score}, band {a.band}"
                     + (f", {a.unknown_items} item(s) unknown" if a.unknown_items else "") + "."
                     + (" It found: " + "; ".join(t.rstrip(".") for t in a.found) + "." if a.found else ""))
    else:
        lines.append("He has not been assessed with the risk instrument yet.")
    lines.append(f"Attendance: {attendance.attended} of {attendance.recorded} recorded sessions attended, "
                 f"{attendance.excused} excused, {attendance.unexcused} unexcused.")
    lines.append(DISCLAIMER)
    return lines
