"""What her support worker reads of his risk (DOMAIN.md, safety rules): everything that bears on the woman's safety,
never his attendance details nor his psychologist's notes. A flag reaches her as its level, the kind of concern, its
dates and its state: no reasons worded from the facilitator's records, no session numbers, no counts, no evidence.
Every answer risk gives her about his flags and his level is built here, so there is one place to check (beside
redaction.py, which words her own reports for perpetrator-facing staff)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

# the kind of concern of a flag, by its rule's kind (and, for what enrollment or sessions reported, the signal)
CONCERN_OF_KIND = {"consecutive_absences": "absences", "unexcused_absences": "absences", "absence_rate": "absences",
                   "warning_sign": "warning_sign", "incident": "incident", "intake_band": "assessment",
                   "assessment_due": "assessment", "repeat_order": "order", "cluster": "cluster",
                   "combination": "cluster"}
CONCERN_OF_SIGNAL = {"exit_proposed": "programme", "plan_overdue": "order", "order_expiring": "order",
                     "call_overdue": "absences"}
CONCERNS = ("absences", "warning_sign", "incident", "assessment", "order", "programme", "cluster", "other")
WORDS = {"absences": "his absences", "warning_sign": "a warning sign", "incident": "an incident",
         "assessment": "his risk assessment", "order": "his protection order", "programme": "his place in the programme",
         "cluster": "several signs together", "other": "a concern"}
# what a flag tells her: nothing else of it leaves risk for her
FIELDS = ("id", "enrolment_id", "participant_code", "level", "status", "raised_at", "acknowledged_at", "resolved_at",
          "episode_id", "source")
LEVEL_MOVED = "his level changed"
NO_ATTENDANCE = {"recorded": None, "attended": None, "excused": None, "unexcused": None}


def concern_of(rule_kind: str | None, evidence: Mapping[str, Any] | None) -> str:
    """The kind of concern of a flag: a short code, the same in every language."""
    if rule_kind == "enrollment_signal":
        return CONCERN_OF_SIGNAL.get(str((evidence or {}).get("signal")), "other")
    return CONCERN_OF_KIND.get(rule_kind or "", "other")


def concern_line(level: str, concern: str, raised_on: date) -> str:
    """A high flag about his absences, raised on DATE."""
    return f"A {level} flag about {WORDS.get(concern, WORDS['other'])}, raised on {raised_on.isoformat()}."


def flag_for_her(flag: Mapping[str, Any], concern: str, raised_on: date) -> dict[str, Any]:
    """A flag as she reads it."""
    return {k: flag.get(k) for k in FIELDS} | {"concern": concern, "reasons": [concern_line(flag["level"], concern,
                                                                                            raised_on)],
                                               "evidence": {}, "reason_codes": []}


def factor_for_her(flag: Mapping[str, Any], concern: str, raised_on: date) -> dict[str, Any]:
    """One factor behind his level, as she reads it (no rule id: a rule's name can carry its numbers)."""
    return {"flag_id": flag["id"], "level": flag["level"], "status": flag["status"], "raised_at": flag["raised_at"],
            "concern": concern, "says": [concern_line(flag["level"], concern, raised_on)], "reason_codes": []}


def read_aloud_for_her(code: str, level: str, since: date | None,
                       flags: list[tuple[str, str, date, date | None]], resolved: int, disclaimer: str) -> list[str]:
    """His level and, per open flag (level, concern, raised on, acknowledged on), its level, kind and date."""
    lines = [f"{code} is at {level.upper()} risk today" + (f" (since {since.isoformat()})." if since else ".")]
    if flags:
        lines.append(f"{len(flags)} unresolved flag{'s' if len(flags) != 1 else ''} "
                     f"{'contribute' if len(flags) != 1 else 'contributes'}; the highest sets the level:")
        for n, (lv, concern, raised_on, acknowledged_on) in enumerate(flags, 1):
            state = f"acknowledged on {acknowledged_on.isoformat()}" if acknowledged_on else "not yet acknowledged"
            lines.append(f"{n}. {lv.capitalize()}, about {WORDS.get(concern, WORDS['other'])}, raised on "
                         f"{raised_on.isoformat()}, {state}.")
    else:
        lines.append("No flag is unresolved: nothing the rules watch for is waiting on anyone.")
    if resolved:
        lines.append(f"{resolved} earlier flag{'s were' if resolved != 1 else ' was'} resolved and no longer count.")
    lines.append(disclaimer)
    return lines


def history_for_her(change: Mapping[str, Any]) -> dict[str, Any]:
    """A move of his level: when, from and to; not its cause (it can name a rule, his attendance, a call)."""
    return {"from_level": change["from_level"], "level": change["level"], "changed_at": change["changed_at"],
            "cause": LEVEL_MOVED, "said": LEVEL_MOVED, "flag_ids": []}
