"""Risk rules as versioned data, and what each kind of rule finds in a case. Pure: no I/O.

A rule is data: `{id, version, kind, level, description, params}`. The kind names the code that reads the facts
(below); the params, the level and the words are the rule's own and change without a release. A rule set is every
rule in force, with a version of its own; each flag records the rule and its version.

Every evaluation reads all the facts of the case in their own order (sessions by date, signs by when seen), never
in the order they arrived, so events arriving out of order give the same findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from qadam_contracts.reasons import Reason, reason
from qadam_contracts.vocabulary import SESSION_KINDS, WARNING_SIGNS
from qadam_words.reasons import v1_sentence

from .facts import (
    INCIDENT_KINDS,
    LEVELS,
    Case,
    Finding,
    Incident,
    Mark,
    Observation,
    OrderSignal,
)
from .redaction import concern_evidence, concern_reason, is_hers, reported_on

DISCLAIMER = "Decision support for the responsible staff, not a prediction."

INCIDENT_SOURCES = ("inspector", "victim_support")
SIGNAL_KINDS = ("exit_proposed", "plan_overdue", "order_expiring", "call_overdue")
# what enrollment or sessions asks of the staff, not something he did: never one of his signs in a cluster
STAFF_TASK_SIGNALS = ("plan_overdue", "call_overdue")


class RuleError(ValueError):
    """A rule set that cannot be used; `errors` maps each place to what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    kind: str
    level: str
    description: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSet:
    version: int
    rules: tuple[Rule, ...]

    def as_data(self) -> list[dict[str, Any]]:
        return [{"id": r.id, "version": r.version, "kind": r.kind, "level": r.level, "description": r.description,
                 "params": r.params} for r in self.rules]


@dataclass(frozen=True)
class Context:
    now: datetime
    zone: tzinfo = UTC
    earlier: tuple[Finding, ...] = ()  # what the rules before this one found (for the rules that combine others)


Evaluator = Callable[[Rule, Case, Context], list[Finding]]


# -- parameters each kind takes: name -> (check, default) ----------------------------------------------------------
def _int(low: int, high: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _fraction(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 1


def _names(allowed: Iterable[str] | None = None) -> Callable[[Any], bool]:
    known = None if allowed is None else set(allowed)
    return lambda v: (isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v)
                      and (known is None or set(v) <= known))


REQUIRED = object()  # a parameter with no default


def _levels(v: Any) -> bool:
    return v is None or v in LEVELS


REQUIRED_SESSIONS = ["group", "individual", "makeup"]


def _signs() -> Callable[[Any], bool]:
    return _names(WARNING_SIGNS)  # the one list sessions validates against


def _facts() -> Callable[[Any], bool]:
    """What a combination can name: `sign:<sign>`, `incident:<kind>` or `incident:*` (anything else never matches)."""
    return _names({*(f"sign:{s}" for s in WARNING_SIGNS), *(f"incident:{k}" for k in INCIDENT_KINDS), "incident:*"})


PARAMS: dict[str, dict[str, tuple[Callable[[Any], bool], Any]]] = {
    "consecutive_absences": {"threshold": (_int(1, 50), 2), "session_kinds": (_names(SESSION_KINDS), REQUIRED_SESSIONS)},
    "unexcused_absences": {"threshold": (_int(1, 100), 3), "session_kinds": (_names(SESSION_KINDS), REQUIRED_SESSIONS)},
    "absence_rate": {"window": (_int(2, 100), 6), "rate": (_fraction, 0.5), "min_sessions": (_int(1, 100), 4),
                     "session_kinds": (_names(SESSION_KINDS), REQUIRED_SESSIONS)},
    "warning_sign": {"signs": (_signs(), REQUIRED), "repeat_days": (_int(0, 3650), 0)},
    "incident": {"kinds": (_names(INCIDENT_KINDS), REQUIRED), "severe_level": (_levels, None),
                 "sources": (_names(INCIDENT_SOURCES), list(INCIDENT_SOURCES))},
    "intake_band": {"levels": (_names(LEVELS), REQUIRED)},
    "enrollment_signal": {"signals": (_names(SIGNAL_KINDS), REQUIRED)},
    "cluster": {"of_levels": (_names(LEVELS), ["medium"]), "min_findings": (_int(2, 50), 3),
                "within_days": (_int(1, 3650), 42)},
    "combination": {"all_of": (_facts(), REQUIRED), "any_of": (lambda v: v == [] or _facts()(v), []),
                    "within_days": (_int(1, 3650), 90)},
    "assessment_due": {"first_within_days": (_int(0, 365), 14), "every_days": (_int(1, 3650), 28)},
    "repeat_order": {"within_days": (_int(1, 3650), 365)},
}
# the kinds that read other rules' findings run after all the others
COMBINING = ("cluster", "combination")


def parse_rules(version: int, data: Any) -> RuleSet:
    """A rule set from data (a list of rules), checked whole: every problem is named, none is fixed silently."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, list) or not data:
        raise RuleError({"rules": ["A rule set is a non-empty list of rules."]})
    rules, seen = [], set()
    for i, item in enumerate(data):
        where = f"rules[{i}]"
        if not isinstance(item, dict):
            errors[where] = ["A rule is an object."]
            continue
        problems = []
        rid, kind, level = item.get("id"), item.get("kind"), item.get("level")
        if not isinstance(rid, str) or not rid or len(rid) > 80:
            problems.append("id: a name of 1 to 80 characters.")
        elif rid in seen:
            problems.append(f"id: {rid} appears twice.")
        if isinstance(rid, str):
            seen.add(rid)
        kind = kind if isinstance(kind, str) else None  # a list or an object is no kind (and cannot be looked up)
        if kind not in PARAMS:
            problems.append(f"kind: one of {', '.join(PARAMS)}.")
        if level not in LEVELS:
            problems.append(f"level: one of {', '.join(LEVELS)}.")
        version_ = item.get("version", 1)
        if not _int(1, 10_000)(version_):
            problems.append("version: a whole number from 1.")
        description = item.get("description")
        if not isinstance(description, str) or not description.strip():
            problems.append("description: plain words saying what the rule watches and why.")
        unknown = set(item) - {"id", "version", "kind", "level", "description", "params"}
        if unknown:
            problems.append(f"unknown fields: {', '.join(sorted(unknown))}.")
        params = item.get("params", {})
        if not isinstance(params, dict):
            problems.append("params: an object.")
            params = {}
        resolved: dict[str, Any] = {}
        if kind in PARAMS:
            spec = PARAMS[kind]
            for name in sorted(set(params) - set(spec)):
                problems.append(f"params.{name}: not a parameter of {kind} (it takes {', '.join(spec)}).")
            for name, (check, default) in spec.items():
                value = params.get(name, default)
                if value is REQUIRED:
                    problems.append(f"params.{name}: required.")
                elif not check(value):
                    problems.append(f"params.{name}: {value!r} is not allowed.")
                resolved[name] = value
        if problems:
            errors[where] = problems
        else:
            rules.append(Rule(str(rid), version_, str(kind), str(level), str(description).strip(), resolved))
    if errors:
        raise RuleError(errors)
    return RuleSet(version, tuple(sorted(rules, key=lambda r: r.kind in COMBINING)))


def evaluate(case: Case, rules: RuleSet, ctx: Context) -> list[Finding]:
    """Everything the rules find in the case (flagged already or not; the caller keeps what is new)."""
    findings: list[Finding] = []
    alone = Context(ctx.now, ctx.zone)  # what the kinds that read no other rule's findings are given
    for rule in rules.rules:  # combining kinds last, reading what the others found
        given = Context(ctx.now, ctx.zone, tuple(findings)) if rule.kind in COMBINING else alone
        findings.extend(EVALUATORS[rule.kind](rule, case, given))
    return findings


# -- the kinds --------------------------------------------------------------------------------------------------------
def _required(marks: Iterable[Mark], kinds: list[str]) -> list[Mark]:
    """The marks of sessions he had to attend, in session order. A cancelled session asked nothing of him."""
    return sorted((m for m in marks if m.kind in kinds and not m.cancelled),
                  key=lambda m: (m.scheduled_at, m.session_number, m.session_id))


def consecutive_absences(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """Each run of unexcused absences as long as his programme's limit in a row (the rule's own where his programme
    sets none). The runs are those sessions published over the session kinds the rule counts."""
    threshold = case.alert_consecutive or rule.params["threshold"]
    findings = []
    for run in case.absence_runs.get(frozenset(rule.params["session_kinds"]), ()):
        if len(run) < threshold:
            continue
        numbers = [m.session_number for m in run]
        findings.append(Finding(
            rule.id, rule.version, rule.level, fact_key=run[0].session_id, occurred_at=run[threshold - 1].scheduled_at,
            fact_ids=tuple(m.session_id for m in run),
            **_why(reason("consecutive_absences", count=len(run), sessions=numbers,
                          first_on=_day(run[0].scheduled_at, ctx.zone), last_on=_day(run[-1].scheduled_at, ctx.zone)),
                   reason("rule_in_a_row", description=rule.description, threshold=threshold)),
            evidence={"session_ids": [m.session_id for m in run], "session_numbers": numbers, "threshold": threshold}))
    return findings


def unexcused_absences(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """His programme's limit of unexcused absences in all, in a row or not (the rule's own where his programme sets
    none): one finding when he reaches it, naming every unexcused absence, so that more absences are the same
    episode and no new alert."""
    threshold = case.alert_unexcused or rule.params["threshold"]
    if sum(m.status == "unexcused" for m in case.marks) < threshold:  # too few of any kind: no need to sort them
        return []
    missed = [m for m in _required(case.marks, rule.params["session_kinds"]) if m.status == "unexcused"]
    if len(missed) < threshold:
        return []
    numbers = [m.session_number for m in missed]
    return [Finding(
        rule.id, rule.version, rule.level, fact_key=f"unexcused:{missed[0].session_id}",
        occurred_at=missed[threshold - 1].scheduled_at, fact_ids=tuple(m.session_id for m in missed),
        **_why(reason("unexcused_absences", count=len(missed), sessions=numbers, threshold=threshold,
                      on=_day(missed[threshold - 1].scheduled_at, ctx.zone)),
               reason("rule_in_all", description=rule.description, threshold=threshold)),
        evidence={"session_ids": [m.session_id for m in missed], "session_numbers": numbers, "threshold": threshold})]


def absence_rate(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """An episode starts at the session where the unexcused share of the last `window` sessions he had to attend
    (excused ones left out) reaches `rate`, and lasts while it stays there."""
    p = rule.params
    if not any(m.status == "unexcused" for m in case.marks):  # no share of nothing reaches a rate above 0
        return []
    marks = [m for m in _required(case.marks, p["session_kinds"]) if m.status != "excused"]
    episodes: list[tuple[list[Mark], list[Mark], list[Mark]]] = []  # (window at the start, missed then, all missed)
    in_episode = False
    size, rate, least = p["window"], p["rate"], p["min_sessions"]
    unexcused = [m.status == "unexcused" for m in marks]
    count = 0  # unexcused in the window that ends at i, kept as the window slides
    for i in range(len(marks)):
        count += unexcused[i]
        if i >= size:
            count -= unexcused[i - size]
        length = min(i + 1, size)
        high = length >= least and count / length >= rate
        if high:
            window = marks[i + 1 - length:i + 1]
            missed = [m for m in window if m.status == "unexcused"]
            if not in_episode:
                episodes.append((window, missed, list(missed)))
            else:
                episodes[-1][2].extend(m for m in missed if m not in episodes[-1][2])
        in_episode = high
    findings = []
    for window, missed, every in episodes:
        numbers = [m.session_number for m in missed]
        findings.append(Finding(
            rule.id, rule.version, rule.level, fact_key=window[-1].session_id, occurred_at=window[-1].scheduled_at,
            fact_ids=tuple(m.session_id for m in every),
            **_why(reason("absence_rate", missed=len(missed), window=len(window), sessions=numbers,
                          up_to=_day(window[-1].scheduled_at, ctx.zone)),
                   reason("rule_rate", description=rule.description, percent=round(p["rate"] * 100),
                          window=p["window"])),
            evidence={"session_ids": [m.session_id for m in missed], "session_numbers": numbers,
                      "window": len(window), "rate": round(len(missed) / len(window), 2)}))
    return findings


def warning_sign(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """Each observation of the rule's signs; with `repeat_days`, the same sign seen again within that many days of
    the first sighting is the same episode, not a new flag."""
    if not case.observations:  # most men, most of the time: nothing to sort for each sign
        return []
    repeat = timedelta(days=rule.params["repeat_days"])
    findings = []
    for sign in rule.params["signs"]:
        seen = sorted((o for o in case.observations if o.sign == sign), key=lambda o: (o.observed_at, o.observation_id))
        while seen:
            first = seen[0]
            episode = [o for o in seen if o.observed_at - first.observed_at <= repeat] if repeat else [first]
            seen = seen[len(episode):]
            findings.append(Finding(
                rule.id, rule.version, rule.level, fact_key=first.observation_id, occurred_at=first.seen_at,
                fact_ids=tuple(o.observation_id for o in episode),
                **_why(reason("warning_sign", sign=sign, on=_day(first.seen_at, ctx.zone),
                              session=first.session_number or None, more=len(episode) - 1, within_days=repeat.days),
                       reason("rule", description=rule.description)),
                evidence={"sign": sign, "topic": f"sign:{sign}", "observation_ids": [o.observation_id for o in episode],
                          "session_numbers": [o.session_number for o in episode]}))
    return findings


def incident(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """Each incident of the rule's kinds from the rule's sources. One her support worker reported says only that
    victim support reported a safety concern, when, and its level (redaction): not its kind, not her words, not the
    rule's description (which may name the kind)."""
    findings = []
    for inc in sorted(case.incidents, key=lambda i: (i.occurred_on, i.incident_id)):
        if inc.kind not in rule.params["kinds"] or inc.source not in rule.params["sources"]:
            continue
        severe = rule.params["severe_level"] if inc.severity == "severe" else None
        level = max(rule.level, severe or rule.level, key=LEVELS.index)
        if is_hers(inc.source):
            findings.append(Finding(
                rule.id, rule.version, level, fact_key=inc.incident_id,
                occurred_at=_start_of(inc.occurred_on, ctx.zone), fact_ids=(inc.incident_id,),
                **_why(concern_reason(reported_on(inc.reported_at, inc.occurred_on, ctx.zone), level)),
                evidence=concern_evidence(inc.incident_id), source=inc.source))
            continue
        findings.append(Finding(
            rule.id, rule.version, level, fact_key=inc.incident_id, occurred_at=_start_of(inc.occurred_on, ctx.zone),
            fact_ids=(inc.incident_id,),
            **_why(reason("incident", kind=inc.kind, on=inc.occurred_on.isoformat(), severity=inc.severity,
                          source=inc.source), reason("rule", description=rule.description)),
            evidence={"incident_id": inc.incident_id, "kind": inc.kind, "severity": inc.severity, "source": inc.source,
                      "topic": f"incident:{inc.kind}"}))
    return findings


def intake_band(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """The latest assessment only (a newer one replaces what an older one said), by the level its instrument gives
    its band, so a region's own instrument with its own band names is read the same way."""
    latest = case.latest_assessment
    if latest is None or latest.level not in rule.params["levels"]:
        return []
    return [Finding(
        rule.id, rule.version, rule.level, fact_key=latest.assessment_id, occurred_at=latest.assessed_at,
        fact_ids=(latest.assessment_id,),
        **_why(reason("intake_band", on=_day(latest.assessed_at, ctx.zone), instrument=latest.instrument,
                      score=latest.score, band=latest.band), reason("rule", description=rule.description)),
        evidence={"assessment_id": latest.assessment_id, "score": latest.score, "band": latest.band,
                  "instrument": latest.instrument})]


def enrollment_signal(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    if not case.signals:
        return []
    findings = []
    for sig in sorted(case.signals, key=lambda s: (s.occurred_at, s.signal_id)):
        if sig.kind not in rule.params["signals"]:
            continue
        key, said = _signal_reason(sig, ctx.zone)
        if key is None or said is None:
            continue
        findings.append(Finding(rule.id, rule.version, rule.level, fact_key=key, occurred_at=sig.occurred_at,
                                fact_ids=(key,), **_why(said, reason("rule", description=rule.description)),
                                evidence={"signal": sig.kind, **{k: sig.facts[k] for k in EVIDENCE_OF_SIGNAL[sig.kind]
                                                                 if k in sig.facts}},
                                staff_task=sig.kind in STAFF_TASK_SIGNALS))
    return findings


EVIDENCE_OF_SIGNAL = {"exit_proposed": ("reasons", "unexcused_absences", "consecutive_absences"),
                      "plan_overdue": ("order_id", "issued_on", "due_on"),
                      "order_expiring": ("order_id", "expires_on", "days_left", "programme_unfinished",
                                         "follow_up_unfinished"),
                      "call_overdue": ("call_id", "session_id", "session_number", "absence_on", "due_at",
                                       "psychologist_id")}


def _signal_reason(sig: OrderSignal, zone: tzinfo) -> tuple[str | None, Reason | None]:
    """The finding's key and its reason (None, None: the signal asks nothing of anyone)."""
    f = sig.facts
    if sig.kind == "exit_proposed":
        return sig.signal_id, reason("exit_proposed", details=[exit_reason(r).as_data() for r in f.get("reasons", [])])
    if sig.kind == "plan_overdue":
        return (str(f["order_id"]), reason("plan_overdue", issued_on=_iso(f.get("issued_on")),
                                           due_on=_iso(f.get("due_on"))))
    if sig.kind == "order_expiring":
        programme, follow_up = bool(f.get("programme_unfinished", True)), bool(f.get("follow_up_unfinished"))
        if not (programme or follow_up):
            return None, None
        # an extended order that comes near its new end is a new fact
        return (f"{f['order_id']}:{f['expires_on']}", reason(
            "order_expiring", expires_on=_iso(f["expires_on"]), days_left=f.get("days_left"), programme=programme,
            follow_up=follow_up))
    if sig.kind == "call_overdue":
        return (f"call:{f['call_id']}", reason("call_overdue", absence_on=_iso(f.get("absence_on")),
                                                 session=f.get("session_number"), due_at=_moment(f["due_at"], zone)))
    return None, None


# enrollment words why it proposes an exit in sentences (its v1 contract): read back into codes here
EXIT_FORMS = (
    (re.compile(r"^(\d+) unexcused absences in all; the programme allows (\d+)\.$"), "exit_unexcused",
     ("count", "allowed")),
    (re.compile(r"^(\d+) unexcused absences in a row; the programme allows (\d+) in a row\.$"), "exit_consecutive",
     ("count", "allowed")),
    (re.compile(r"^He can no longer attend the (\d+) of (\d+) sessions the programme needs \((\d+)%\)\.$"),
     "exit_attendance", ("needed", "required", "percent")),
)


def exit_reason(sentence: str) -> Reason:
    """One of enrollment's exit reasons as a code (kept as `text` in a form it does not know)."""
    for pattern, code, names in EXIT_FORMS:
        found = pattern.match(sentence.strip())
        if found:
            return reason(code, **{n: int(v) for n, v in zip(names, found.groups(), strict=True)})
    return reason("text", text=sentence)


def cluster(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """Several findings of the given levels, on different topics, within `within_days` of each other; the episode
    lasts while more keep coming within that many days of the last."""
    p = rule.params
    window = timedelta(days=p["within_days"])

    def topic(f: Finding) -> str:
        return f.evidence.get("topic", f.rule_id)

    ordered = sorted((f for f in ctx.earlier if f.level in p["of_levels"] and not f.staff_task),
                     key=lambda f: (f.occurred_at, f.rule_id, f.fact_key))
    episodes: list[list[Finding]] = []
    last: datetime | None = None  # the latest finding of the episode in progress, if one is
    for i, f in enumerate(ordered):
        if last is not None and f.occurred_at - last <= window:
            if topic(f) not in {topic(g) for g in episodes[-1]}:  # the same topic again counts once
                episodes[-1].append(f)
            last = f.occurred_at
            continue
        # the first finding of each topic within the window (not the first ever: a sign seen long ago that comes
        # back counts again)
        firsts: dict[str, Finding] = {}
        for g in ordered[:i + 1]:
            if f.occurred_at - g.occurred_at <= window:
                firsts.setdefault(topic(g), g)
        last = f.occurred_at if len(firsts) >= p["min_findings"] else None
        if last is not None:
            episodes.append(list(firsts.values()))
    findings = []
    for episode in episodes:
        keys = [f"{f.rule_id}:{f.fact_key}" for f in episode]
        start = episode[:p["min_findings"]]
        findings.append(Finding(
            rule.id, rule.version, rule.level, fact_key=keys[0], occurred_at=start[-1].occurred_at,
            fact_ids=tuple(keys),
            **_why(reason("cluster", count=len(episode), levels=list(p["of_levels"]), within_days=p["within_days"],
                          of=[f.codes[0].as_data() for f in episode if f.codes]),
                   reason("rule", description=rule.description)),
            evidence={"findings": keys}, source=_source_of(episode)))
    return findings


def combination(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """All of `all_of` and one of `any_of` (`sign:<sign>`, `incident:<kind>` or `incident:*`) within `within_days`."""
    p = rule.params
    window = timedelta(days=p["within_days"])
    facts: list[tuple[datetime, str, str]] = [
        (o.observed_at, f"sign:{o.sign}", o.observation_id) for o in case.observations]
    facts += [(_start_of(i.occurred_on, ctx.zone), f"incident:{i.kind}", i.incident_id) for i in case.incidents]
    hers = {i.incident_id for i in case.incidents if is_hers(i.source)}
    facts.sort()
    findings: list[Finding] = []
    used: set[str] = set()
    for anchor, _, _ in facts:
        recent = [f for f in facts if anchor - window <= f[0] <= anchor and f[2] not in used]
        tokens = {f[1] for f in recent}
        if not all(_present(t, tokens) for t in p["all_of"]) or (
                p["any_of"] and not any(_present(t, tokens) for t in p["any_of"])):
            continue
        wanted = set(p["all_of"]) | set(p["any_of"])
        chosen = [f for f in recent if f[1] in wanted or ("incident:*" in wanted and f[1].startswith("incident:"))]
        used.update(f[2] for f in chosen)
        # her report is named as victim support's concern, with no kind and no day (redaction)
        named = [{"fact": "victim_support", "on": None} if fid in hers else
                 {"fact": token, "on": _day(when, ctx.zone)} for when, token, fid in chosen]
        findings.append(Finding(
            rule.id, rule.version, rule.level, fact_key=chosen[0][2], occurred_at=anchor,
            fact_ids=tuple(f[2] for f in chosen),
            **_why(reason("combination", within_days=p["within_days"], facts=named),
                   reason("rule", description=rule.description)),
            evidence={"facts": [{"fact": "victim_support", "id": fid} if fid in hers else
                                {"fact": token, "id": fid, "on": _day(when, ctx.zone)} for when, token, fid in chosen]},
            source="victim_support" if hers & {f[2] for f in chosen} else None))
    return findings


def _present(wanted: str, tokens: set[str]) -> bool:
    return wanted in tokens or (wanted == "incident:*" and any(t.startswith("incident:") for t in tokens))


def assessment_due(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """No intake assessment `first_within_days` after enrolment, or none since `every_days` after the last one."""
    if case.status not in ("assessed", "active", "suspended"):
        return []
    latest = case.latest_assessment
    if latest is None:
        if case.enrolled_at is None:
            return []
        due = case.enrolled_at + timedelta(days=rule.params["first_within_days"])
        key, code, since = "intake", "assessment_due_first", {"enrolled_on": _day(case.enrolled_at, ctx.zone)}
    else:
        due = latest.assessed_at + timedelta(days=rule.params["every_days"])
        key, code, since = f"after:{latest.assessment_id}", "assessment_due", {"last_on": _day(latest.assessed_at,
                                                                                               ctx.zone)}
    if ctx.now < due:
        return []
    return [Finding(rule.id, rule.version, rule.level, fact_key=key, occurred_at=due, fact_ids=(key,),
                    **_why(reason(code, **since, due_on=_day(due, ctx.zone)),
                           reason("rule", description=rule.description)),
                    evidence={"due": _day(due, ctx.zone)}, staff_task=True)]


def repeat_order(rule: Rule, case: Case, ctx: Context) -> list[Finding]:
    """A protection order issued within `within_days` of the one before it (the one enrollment names, or an
    earlier one risk was told of): a repeat order is an amber sign."""
    window = timedelta(days=rule.params["within_days"])
    orders = sorted((s for s in case.signals if s.kind == "order_issued"),
                    key=lambda s: (str(s.facts["issued_on"]), s.signal_id))
    findings: list[Finding] = []
    seen: dict[str, Any] = {}  # order id -> issued on, of the orders before
    for sig in orders:
        issued, order_id = _date(sig.facts["issued_on"]), str(sig.facts["order_id"])
        before = [_date(d) for d in (sig.facts.get("previous_order_on"), *(
            on for oid, on in seen.items() if oid != order_id)) if d is not None and _date(d) < issued]
        seen[order_id] = sig.facts["issued_on"]
        if not before or issued - max(before) > window:
            continue
        previous = max(before)
        findings.append(Finding(
            rule.id, rule.version, rule.level, fact_key=f"order:{order_id}", occurred_at=_start_of(issued, ctx.zone),
            fact_ids=(f"order:{order_id}",),
            **_why(reason("repeat_order", issued_on=issued.isoformat(), days=(issued - previous).days,
                          previous_on=previous.isoformat()), reason("rule", description=rule.description)),
            evidence={"order_id": order_id, "issued_on": issued.isoformat(), "previous_order_on": previous.isoformat(),
                      "topic": "repeat_order"}))
    return findings


def _source_of(findings: Iterable[Finding]) -> str | None:
    """A finding that combines others rests on her report if one of them does."""
    return next((f.source for f in findings if is_hers(f.source)), None)


EVALUATORS: dict[str, Evaluator] = {
    "consecutive_absences": consecutive_absences, "absence_rate": absence_rate, "warning_sign": warning_sign,
    "incident": incident, "intake_band": intake_band, "enrollment_signal": enrollment_signal, "cluster": cluster,
    "combination": combination, "assessment_due": assessment_due, "unexcused_absences": unexcused_absences,
    "repeat_order": repeat_order,
}
assert set(EVALUATORS) == set(PARAMS)


def new_findings(findings: Iterable[Finding], flagged: dict[str, set[str]]) -> list[Finding]:
    """The findings whose facts no flag of the same rule has named yet (`flagged`: rule id -> every fact id its flags
    for this case named). A finding sharing a fact with a flagged one is the same episode: never raised twice."""
    fresh = []
    for f in findings:
        ids = f.all_ids
        seen = flagged.setdefault(f.rule_id, set())
        if ids & seen:
            continue
        seen.update(ids)
        fresh.append(f)
    return fresh


# -- reasons --------------------------------------------------------------------------------------------------------
def _why(*codes: Reason) -> dict[str, Any]:
    """A finding's reasons: as codes (what is stored and sent, and every reader renders in its language), and as the
    v1 `reasons` field's English sentences, worded by the same renderer."""
    return {"codes": list(codes), "reasons": [v1_sentence(c) for c in codes]}


def _iso(value: Any) -> str | None:
    """A day as the ISO text a reason carries (None where the signal did not say)."""
    return None if value in (None, "") else _date(value).isoformat()


def _day(moment: datetime, zone: tzinfo) -> str:
    """The date as people where it happened read it."""
    return moment.astimezone(zone).date().isoformat()


def _start_of(day: Any, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _moment(value: Any, zone: tzinfo) -> str:
    """A moment as people where it happened read it, to the minute."""
    return _aware(value).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def observation_from(facts: dict[str, Any]) -> Observation:
    session_at = facts.get("session_at")
    return Observation(str(facts["observation_id"]), facts["sign"], _aware(facts["observed_at"]),
                       facts.get("session_number"), _aware(session_at) if session_at else None)


def incident_from(row: Any) -> Incident:
    return Incident(str(row.id), row.kind, row.occurred_on, row.severity, row.source, row.reported_at)


def _aware(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def version_errors(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> dict[str, list[str]]:
    """What is wrong with the versions of a new rule set against the one in force (empty: nothing). A rule that
    changed keeps its id and takes a higher version, so every flag says which rule fired it; one that did not
    change keeps its version (both sides with their parameters' defaults filled in: leaving a default out is no
    change)."""
    before = {r["id"]: r for r in old}
    errors = {}
    for rule in new:
        prior = before.get(rule["id"])
        if prior is None:
            continue
        same = all(rule[k] == prior.get(k) for k in ("kind", "level", "description", "params"))
        if same and rule["version"] != prior["version"]:
            errors[rule["id"]] = [f"Unchanged: keep version {prior['version']}."]
        elif not same and rule["version"] <= prior["version"]:
            errors[rule["id"]] = [f"Changed: give it a version above {prior['version']}."]
    return errors
