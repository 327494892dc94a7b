"""risk, issue 19: a flag's reasons as data. Each flag gets `reason_codes`, its reasons as codes and parameters
(qadam_contracts.reasons), read back from the English sentences it stored by the sentence forms risk wrote them in
until now (frozen below: this migration imports no live code and no data file). A flag whose first sentence no form
fits keeps every sentence as `text` (shown as written); `reasons` stays as it was, so the downgrade only drops the
column.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BATCH = 500
DAY = r"(\d{4}-\d{2}-\d{2}|None)"
NUMBERS = r"(\d+(?:, \d+)*(?: and \d+)?)"
# Frozen: the words risk's rules wrote for each warning sign and incident kind until 0012
SIGN_WORDS = {
    "he disclosed new violence": "new_violence_disclosed",
    "a threat to kill": "threat_to_kill",
    "a threat against his partner": "threat_to_partner",
    "strangulation (choking) disclosed": "strangulation",
    "access to a weapon": "weapon_access",
    "contact with the victim against the protection order": "contact_against_order",
    "following or watching the victim": "stalking_victim",
    "he came to the session intoxicated": "intoxicated_at_session",
    "denial or minimising of the violence": "denial_or_minimisation",
    "blaming the victim": "blaming_the_victim",
    "controlling behaviour": "controlling_behaviour",
    "escalating anger or abuse": "escalation",
    "separation from his partner": "separation",
    "his partner is pregnant or they have a baby under 18 months": "partner_pregnant_or_infant",
    "alcohol or drug use": "substance_use",
    "job loss or debt": "job_loss_or_debt",
    "conflict over contact with the children": "child_contact_conflict",
    "talk of suicide": "suicidal_talk",
}
INCIDENT_WORDS = {
    "breach of the protection order": "order_breach",
    "a new complaint of violence": "new_complaint",
    "a police call-out": "police_callout",
    "an arrest": "arrest",
    "contact with the victim": "contact_with_victim",
    "stalking the victim": "stalking",
    "the victim says she is afraid of him": "victim_fear",
}
CONCERN = "a safety concern reported by victim support"
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}


def _day(value: str | None) -> str | None:
    return None if value in (None, "None") else value


def _int(value: str | None) -> int | None:
    return None if value in (None, "None") else int(value)


def _numbers(value: str) -> list[int]:
    return [int(n) for n in re.split(r", | and ", value)]


def _ordinal(value: str) -> int | None:
    found = ORDINALS.get(value) or (int(value[:-2]) if re.fullmatch(r"\d+th", value) else None)
    return found


def _sign(groups: tuple[str | None, ...]) -> dict[str, Any] | None:
    session, on, words, more, within = groups
    sign = SIGN_WORDS.get(words or "")
    if sign is None:
        return None
    return {"sign": sign, "on": on, "session": _int(session), "more": _int(more) or 0, "within_days": _int(within) or 0}


def _incident(groups: tuple[str | None, ...]) -> dict[str, Any] | None:
    words, on, severity = groups
    kind = INCIDENT_WORDS.get(words or "")
    return None if kind is None else {"kind": kind, "on": on, "severity": severity, "source": "inspector"}


def _order(groups: tuple[str | None, ...]) -> dict[str, Any]:
    expires, left, what = groups
    return {"expires_on": expires, "days_left": _int(left), "programme": "programme" in (what or ""),
            "follow_up": "follow-up" in (what or "")}


def _unexcused(groups: tuple[str | None, ...]) -> dict[str, Any] | None:
    count, sessions, nth, on = groups
    threshold = _ordinal(nth or "")
    return None if threshold is None else {"count": int(count or 0), "sessions": _numbers(sessions or ""),
                                           "threshold": threshold, "on": on}


# (the sentence's form, its code, its parameters from the form's groups); tried in order, each whole
FORMS: list[tuple[re.Pattern[str], str, Any]] = [
    (re.compile(rf"^(\d+) unexcused absences in a row: sessions {NUMBERS} \({DAY} to {DAY}\)\.$"),
     "consecutive_absences", lambda g: {"count": int(g[0]), "sessions": _numbers(g[1]), "first_on": _day(g[2]),
                                        "last_on": _day(g[3])}),
    (re.compile(rf"^(\d+) unexcused absences in all: sessions {NUMBERS} \(the (\w+) on {DAY}\)\.$"),
     "unexcused_absences", _unexcused),
    (re.compile(rf"^(\d+) of his last (\d+) sessions missed without excuse \(sessions {NUMBERS}, up to {DAY}\)\.$"),
     "absence_rate", lambda g: {"missed": int(g[0]), "window": int(g[1]), "sessions": _numbers(g[2]),
                                "up_to": _day(g[3])}),
    (re.compile(rf"^Warning sign recorded by the facilitator(?: at session (\d+))? on {DAY}: (.+?)"
                r"(?:, and (\d+) more time\(s\) within (\d+) days)?\.$"), "warning_sign", _sign),
    (re.compile(rf"^Incident reported by the prevention inspector: (.+) on {DAY} \((\w+)\)\.$"), "incident",
     _incident),
    (re.compile(rf"^A safety concern was reported by victim support on {DAY}(?:, level (\w+))?\.$"), "concern",
     lambda g: {"on": _day(g[0]), "level": g[1]}),
    (re.compile(rf"^The risk assessment of {DAY} \((.+)\) scored (\d+): band (.+)\.$"), "intake_band",
     lambda g: {"on": _day(g[0]), "instrument": g[1], "score": int(g[2]), "band": g[3]}),
    (re.compile(rf"^The correction plan of his protection order \(issued {DAY}\) was due on {DAY} and is not "
                r"agreed yet\.$"), "plan_overdue", lambda g: {"issued_on": _day(g[0]), "due_on": _day(g[1])}),
    (re.compile(rf"^His protection order expires on {DAY} \((-?\d+|None) days left\) while (his programme|his "
                r"follow-up period|his programme and his follow-up period) (?:is|are) unfinished\.$"),
     "order_expiring", _order),
    (re.compile(rf"^The psychologist's call after his unexcused absence on {DAY} \(session (\d+|None)\) was due by "
                r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) and is not recorded\.$"), "call_overdue",
     lambda g: {"absence_on": _day(g[0]), "session": _int(g[1]), "due_at": f"{g[2]}T{g[3]}"}),
    (re.compile(rf"^No risk assessment since he was enrolled on {DAY}; a new one was due by {DAY}\.$"),
     "assessment_due_first", lambda g: {"enrolled_on": _day(g[0]), "due_on": _day(g[1])}),
    (re.compile(rf"^The last risk assessment was on {DAY}; a new one was due by {DAY}\.$"), "assessment_due",
     lambda g: {"last_on": _day(g[0]), "due_on": _day(g[1])}),
    (re.compile(rf"^A new protection order was issued on {DAY}, (\d+) days after the one before \({DAY}\)\.$"),
     "repeat_order", lambda g: {"issued_on": _day(g[0]), "days": int(g[1]), "previous_on": _day(g[2])}),
]
EXIT = re.compile(r"^Exit from the programme is proposed: (.*)$", re.S)
EXIT_FORMS = [
    (re.compile(r"(\d+) unexcused absences in all; the programme allows (\d+)\."), "exit_unexcused",
     ("count", "allowed")),
    (re.compile(r"(\d+) unexcused absences in a row; the programme allows (\d+) in a row\."), "exit_consecutive",
     ("count", "allowed")),
    (re.compile(r"He can no longer attend the (\d+) of (\d+) sessions the programme needs \((\d+)%\)\."),
     "exit_attendance", ("needed", "required", "percent")),
]
CLUSTER = re.compile(r"^(\d+) signals of level (.+?) within (\d+) days: (.*)\.$", re.S)
TOGETHER = re.compile(r"^Together within (\d+) days: (.*)\.$", re.S)
DATED = re.compile(rf"^(.+) \({DAY}\)$")
RULE_FORMS = [
    (re.compile(r"^(.*) \(flags (\d+) or more in a row\)\.$", re.S), "rule_in_a_row",
     lambda g: {"description": g[0], "threshold": int(g[1])}),
    (re.compile(r"^(.*) \(flags (\d+) or more in all\)\.$", re.S), "rule_in_all",
     lambda g: {"description": g[0], "threshold": int(g[1])}),
    (re.compile(r"^(.*) \(flags (\d+)% or more of the last (\d+)\)\.$", re.S), "rule_rate",
     lambda g: {"description": g[0], "percent": int(g[1]), "window": int(g[2])}),
]


def fact_reason(sentence: str) -> dict[str, Any] | None:
    """The code and parameters of one of the sentences that say what he did or what is due (None: no form fits)."""
    for pattern, code, params in FORMS:
        found = pattern.match(sentence)
        if found:
            got = params(found.groups())
            return None if got is None else {"code": code, "params": got}
    found = EXIT.match(sentence)
    if found:
        return {"code": "exit_proposed", "params": {"details": _exit_details(found.group(1))}}
    found = CLUSTER.match(sentence)
    if found:
        items = [fact_reason(item + ".") for item in found.group(4).split("; ")]
        if any(i is None for i in items):
            return None
        return {"code": "cluster", "params": {"count": int(found.group(1)), "levels": found.group(2).split(" or "),
                                              "within_days": int(found.group(3)), "of": items}}
    found = TOGETHER.match(sentence)
    if found:
        facts = [_fact(item) for item in found.group(2).split("; ")]
        if any(f is None for f in facts):
            return None
        return {"code": "combination", "params": {"within_days": int(found.group(1)), "facts": facts}}
    return None


def _exit_details(text: str) -> list[dict[str, Any]]:
    details, rest = [], text.strip()
    while rest:
        for pattern, code, names in EXIT_FORMS:
            found = pattern.match(rest)
            if found:
                details.append({"code": code, "params": {n: int(v) for n, v in zip(names, found.groups(), strict=True)}})
                rest = rest[found.end():].strip()
                break
        else:
            details.append({"code": "text", "params": {"text": rest}})
            break
    return details


def _fact(item: str) -> dict[str, Any] | None:
    if item == CONCERN:
        return {"fact": "victim_support", "on": None}
    found = DATED.match(item)
    if not found:
        return None
    words, on = found.groups()
    if words in SIGN_WORDS:
        return {"fact": f"sign:{SIGN_WORDS[words]}", "on": _day(on)}
    if words in INCIDENT_WORDS:
        return {"fact": f"incident:{INCIDENT_WORDS[words]}", "on": _day(on)}
    return None


def rule_reason(sentence: str) -> dict[str, Any]:
    """The rule's own line: its description, with the limit it flags at where the sentence names one."""
    for pattern, code, params in RULE_FORMS:
        found = pattern.match(sentence)
        if found:
            return {"code": code, "params": params(found.groups())}
    return {"code": "rule", "params": {"description": sentence}}


def codes_of(reasons: list[str]) -> list[dict[str, Any]]:
    """A flag's stored sentences as codes: the first says what fired it, the others are the rule's own words; a
    flag whose first sentence fits no form keeps them all as text."""
    if not reasons:
        return []
    first = fact_reason(reasons[0])
    if first is None:
        return [{"code": "text", "params": {"text": r}} for r in reasons]
    return [first, *(rule_reason(r) for r in reasons[1:])]


def upgrade() -> None:
    op.add_column('flag', sa.Column('reason_codes', postgresql.JSONB(astext_type=sa.Text()),
                                    server_default=sa.text("'[]'::jsonb"), nullable=False))
    bind = op.get_bind()
    flag = sa.table('flag', sa.column('id'), sa.column('reasons', postgresql.ARRAY(sa.Text())),
                    sa.column('reason_codes', postgresql.JSONB()))
    last = None
    while True:
        query = sa.select(flag.c.id, flag.c.reasons).order_by(flag.c.id).limit(BATCH)
        if last is not None:
            query = query.where(flag.c.id > last)
        rows = bind.execute(query).all()
        if not rows:
            break
        for row in rows:
            bind.execute(sa.text("UPDATE flag SET reason_codes = CAST(:codes AS jsonb) WHERE id = :id"),
                         {"id": row.id, "codes": json.dumps(codes_of(list(row.reasons or [])))})
        last = rows[-1].id


def downgrade() -> None:
    op.drop_column('flag', 'reason_codes')
