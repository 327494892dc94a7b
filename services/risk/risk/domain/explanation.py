"""Why an enrolment is at its level, worded for the staff who answer for him: sentences to read aloud at a
multi-agency meeting, in the reader's language, from plain facts (risk/domain/her_view.py words what her support
worker reads)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from qadam_contracts.reasons import Reason
from qadam_words import N_, Words, words
from qadam_words.reasons import BAND_WORDS, CONCERN, DOMAIN, INCIDENT_WORDS, LEVEL_WORDS, render

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
    """An unresolved flag as a sentence names it: its reasons as codes (an old flag's sentences where it has none)."""

    level: str
    raised_on: date
    acknowledged_by: str | None
    acknowledged_on: date | None
    reasons: Sequence[Reason | Mapping[str, Any] | str]


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


# The read-aloud's sentences, in the `reasons` domain of qadam_words beside the reasons they quote (extracted with
# `python -m qadam_words update reasons libs/words/qadam_words/reasons services/risk/risk/domain`)
LEVEL_TODAY = {True: N_("%(code)s is at %(level)s risk today (since %(since)s)."),
               False: N_("%(code)s is at %(level)s risk today.")}
FLAGS_CONTRIBUTE = {True: N_("1 unresolved flag contributes; the highest sets the level:"),
                    False: N_("%(n)s unresolved flags contribute; the highest sets the level:")}
FLAG_LINE = {True: N_("%(n)s. %(level)s, raised on %(raised_on)s, acknowledged by %(by)s on %(on)s: %(reasons)s"),
             False: N_("%(n)s. %(level)s, raised on %(raised_on)s, not yet acknowledged: %(reasons)s")}
NO_FLAG = N_("No flag is unresolved: nothing the rules watch for is waiting on anyone.")
RESOLVED = {True: N_("1 earlier flag was resolved with a reason and no longer counts."),
            False: N_("%(n)s earlier flags were resolved with a reason and no longer count.")}
ASSESSED = {True: N_("Latest risk assessment: %(on)s with %(instrument)s v%(version)s, score %(score)s, band %(band)s, "
                     "%(unknown)s item(s) unknown."),
            False: N_("Latest risk assessment: %(on)s with %(instrument)s v%(version)s, score %(score)s, band %(band)s.")}
FOUND = N_("It found: %(items)s.")
NOT_ASSESSED = N_("He has not been assessed with the risk instrument yet.")
ATTENDANCE = N_("Attendance: %(attended)s of %(recorded)s recorded sessions attended, %(excused)s excused, "
                "%(unexcused)s unexcused.")
SAID_DISCLAIMER = N_("Decision support for the responsible staff, not a prediction.")
assert SAID_DISCLAIMER == DISCLAIMER


def level_word(w: Words, value: str) -> str:
    """A level ("high") in `w`'s language."""
    return w.gettext(LEVEL_WORDS[value]) if value in LEVEL_WORDS else value


def opening(w: Words, *, code: str, level: str, since: date | None, flags: int) -> list[str]:
    """A read-aloud's first lines, the staff's and her support worker's alike: his level today, and how many
    unresolved flags contribute to it (the lines of each flag follow)."""
    lines = [w.gettext(LEVEL_TODAY[since is not None], code=code, level=level_word(w, level).upper(),
                       since=w.format_date(since) if since else "")]
    if flags:
        lines.append(w.gettext(FLAGS_CONTRIBUTE[flags == 1], n=w.format_number(flags)))
    return lines


def read_aloud(*, participant_code: str, level: str, since: date | None, flags: Sequence[FlagLine], resolved: int,
               assessment: AssessmentLine | None, attendance: Attendance, language: str = "en") -> list[str]:
    """His level and each factor behind it (the highest flag first, as given), his latest assessment and his
    attendance, each in a sentence in `language` (its dates and numbers too), and the disclaimer last. A flag's
    reasons are its codes, rendered by qadam_words.reasons (an old flag's sentence is quoted as stored)."""
    w = words(DOMAIN, language)
    number, day = w.format_number, w.format_date
    lines = opening(w, code=participant_code, level=level, since=since, flags=len(flags))
    if flags:
        for n, f in enumerate(flags, 1):
            said = " ".join(render(r, language) for r in f.reasons)
            lines.append(w.gettext(FLAG_LINE[f.acknowledged_on is not None], n=number(n),
                                   level=level_word(w, f.level).capitalize(), raised_on=day(f.raised_on),
                                   by=f.acknowledged_by or "", on=day(f.acknowledged_on) if f.acknowledged_on else "",
                                   reasons=said))
    else:
        lines.append(w.gettext(NO_FLAG))
    if resolved:
        lines.append(w.gettext(RESOLVED[resolved == 1], n=number(resolved)))
    if assessment is not None:
        a = assessment
        said = w.gettext(ASSESSED[bool(a.unknown_items)], on=day(a.assessed_on), instrument=a.instrument_id,
                         version=a.instrument_version, score=number(a.score),
                         band=w.gettext(BAND_WORDS[a.band]) if a.band in BAND_WORDS else a.band,
                         unknown=number(a.unknown_items))
        if a.found:
            said += " " + w.gettext(FOUND, items="; ".join(t.rstrip(".") for t in a.found))
        lines.append(said)
    else:
        lines.append(w.gettext(NOT_ASSESSED))
    lines.append(w.gettext(ATTENDANCE, attended=number(attendance.attended), recorded=number(attendance.recorded),
                           excused=number(attendance.excused), unexcused=number(attendance.unexcused)))
    lines.append(w.gettext(SAID_DISCLAIMER))
    return lines


# What moved his level (a level change's cause: risk's own short tokens, see evaluation's callers), in words
CAUSES = {
    "enrolled": N_("he was enrolled"),
    "enrolment referred": N_("he was referred"),
    "enrolment assessed": N_("he was assessed for the programme"),
    "enrolment active": N_("he started the programme"),
    "enrolment suspended": N_("his programme was suspended"),
    "enrolment completed": N_("he completed the programme and is in follow-up"),
    "exit.proposed": N_("an exit from the programme was proposed"),
    "order.plan_overdue": N_("his correction plan is overdue"),
    "order.expiring": N_("his protection order is expiring"),
    "order.issued": N_("a protection order was issued"),
    "warning_sign.observed": N_("a warning sign was recorded"),
    "call.overdue": N_("the psychologist's call is overdue"),
    "support_worker.changed": N_("her support worker changed"),
    "attendance": N_("attendance was recorded"),
    "call recorded": N_("the psychologist's call was recorded"),
    "intake assessment": N_("the intake risk assessment"),
    "review assessment": N_("a review risk assessment"),
    "daily re-evaluation": N_("the daily re-evaluation"),
    "recompute": N_("a re-evaluation"),
}
FLAG_RESOLVED = (re.compile(r"^flag (.+) resolved$"), N_("a flag was resolved (rule %(rule)s)"))
INCIDENT_REPORTED = (re.compile(r"^incident (\w+)$"), N_("an incident was reported: %(kind)s"))
RULES_CHANGED = (re.compile(r"^rules changed \(rule set v(\d+)\)$"), N_("the rules changed (rule set v%(version)s)"))


def cause_words(cause: str, language: str) -> str:
    """What moved his level, in `language`; a cause of another form (a later release's) as it was stored."""
    w = words(DOMAIN, language)
    if cause in CAUSES:
        return w.gettext(CAUSES[cause])
    if cause == CONCERN:  # her report: that victim support reported a safety concern, nothing more
        return w.gettext(CONCERN)
    for (pattern, msgid), name in ((FLAG_RESOLVED, "rule"), (INCIDENT_REPORTED, "kind"), (RULES_CHANGED, "version")):
        found = pattern.match(cause)
        if found:
            value = found.group(1)
            if name == "kind":
                value = w.gettext(INCIDENT_WORDS[value]) if value in INCIDENT_WORDS else value
            return w.gettext(msgid, **{name: value})
    return cause
