"""What her support worker reads of his risk (DOMAIN.md, safety rules): everything that bears on the woman's safety,
never his attendance details nor his psychologist's notes. A flag reaches her as its level, the kind of concern, its
dates and its state: no reasons worded from the facilitator's records, no session numbers, no counts, no evidence.
Every answer risk gives her about his flags and his level is built here, so there is one place to check (beside
redaction.py, which words her own reports for perpetrator-facing staff)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from qadam_words import N_, NP_, words
from qadam_words.reasons import DOMAIN, LEVEL_WORDS

from .explanation import FLAGS_CONTRIBUTE, LEVEL_TODAY, NO_FLAG, SAID_DISCLAIMER

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
# The read-aloud's own sentences for her (its others are the staff read-aloud's, explanation.py), in the `reasons`
# domain of qadam_words: a flag's kind of concern is said in the form "about ..." takes (its context keeps it apart)
ABOUT = {"absences": NP_("her flag is about", "his absences"),
         "warning_sign": NP_("her flag is about", "a warning sign"),
         "incident": NP_("her flag is about", "an incident"),
         "assessment": NP_("her flag is about", "his risk assessment"),
         "order": NP_("her flag is about", "his protection order"),
         "programme": NP_("her flag is about", "his place in the programme"),
         "cluster": NP_("her flag is about", "several signs together"),
         "other": NP_("her flag is about", "a concern")}
assert {k: v.msgid for k, v in ABOUT.items()} == WORDS
HER_FLAG_LINE = {True: N_("%(n)s. %(level)s, about %(concern)s, raised on %(raised_on)s, acknowledged on %(on)s."),
                 False: N_("%(n)s. %(level)s, about %(concern)s, raised on %(raised_on)s, not yet acknowledged.")}
HER_FLAG = N_("A %(level)s flag about %(concern)s, raised on %(raised_on)s.")  # a factor behind his level
SAID_LEVEL_MOVED = N_("his level changed")
assert SAID_LEVEL_MOVED == LEVEL_MOVED
HER_RESOLVED = {True: N_("1 earlier flag was resolved and no longer counts."),
                False: N_("%(n)s earlier flags were resolved and no longer count.")}
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


def factor_for_her(flag: Mapping[str, Any], concern: str, raised_on: date, language: str = "en") -> dict[str, Any]:
    """One factor behind his level, as she reads it (no rule id: a rule's name can carry its numbers), its sentence
    in `language` (the concern line's, with the language's date)."""
    w = words(DOMAIN, language)
    level = flag["level"]
    about = ABOUT.get(concern, ABOUT["other"])
    says = w.gettext(HER_FLAG, level=w.gettext(LEVEL_WORDS[level]) if level in LEVEL_WORDS else level,
                     concern=w.pgettext(about.context, about.msgid), raised_on=w.format_date(raised_on))
    return {"flag_id": flag["id"], "level": level, "status": flag["status"], "raised_at": flag["raised_at"],
            "concern": concern, "says": [says], "reason_codes": []}


def read_aloud_for_her(code: str, level: str, since: date | None,
                       flags: list[tuple[str, str, date, date | None]], resolved: int,
                       language: str = "en") -> list[str]:
    """His level and, per open flag (level, concern, raised on, acknowledged on), its level, kind and date, each in
    a sentence in `language` (its dates and numbers as the language writes them, as in every reason), and the
    disclaimer last. Nothing else: never his attendance, a reason's facts nor who acknowledged a flag."""
    w = words(DOMAIN, language)
    number, day = w.format_number, w.format_date

    def level_word(value: str) -> str:
        return w.gettext(LEVEL_WORDS[value]) if value in LEVEL_WORDS else value

    lines = [w.gettext(LEVEL_TODAY[since is not None], code=code, level=level_word(level).upper(),
                       since=day(since) if since else "")]
    if flags:
        lines.append(w.gettext(FLAGS_CONTRIBUTE[len(flags) == 1], n=number(len(flags))))
        for n, (lv, concern, raised_on, acknowledged_on) in enumerate(flags, 1):
            about = ABOUT.get(concern, ABOUT["other"])
            lines.append(w.gettext(HER_FLAG_LINE[acknowledged_on is not None], n=number(n),
                                   level=level_word(lv).capitalize(), concern=w.pgettext(about.context, about.msgid),
                                   raised_on=day(raised_on), on=day(acknowledged_on) if acknowledged_on else ""))
    else:
        lines.append(w.gettext(NO_FLAG))
    if resolved:
        lines.append(w.gettext(HER_RESOLVED[resolved == 1], n=number(resolved)))
    lines.append(w.gettext(SAID_DISCLAIMER))
    return lines


def history_for_her(change: Mapping[str, Any], language: str = "en") -> dict[str, Any]:
    """A move of his level: when, from and to; not its cause (it can name a rule, his attendance, a call): that it
    moved, in `language`."""
    return {"from_level": change["from_level"], "level": change["level"], "changed_at": change["changed_at"],
            "cause": LEVEL_MOVED, "said": words(DOMAIN, language).gettext(SAID_LEVEL_MOVED), "flag_ids": []}
