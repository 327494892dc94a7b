"""The one renderer of a flag's reasons (qadam_contracts.reasons: a code and its parameters) in every language.

    from qadam_words.reasons import render
    render({"code": "plan_overdue", "params": {"issued_on": "2026-12-01", "due_on": "2026-12-03"}}, "kaa")

Each code's sentence is a message of the `reasons` domain (English is its id) with `%(name)s` places, filled with
the language's own dates and numbers (`words(...).format_date`), and its words (a sign, an incident's kind, a level)
from the same domain. risk renders English with it for the v1 `reasons` field, notify in the recipient's language,
the portal and risk's read-aloud explanation in the reader's. An old flag's sentence that could not be read back
into a code (`text`) is shown as it was written; so is a rule's description that is not one of the default rules'
(a region's own words).

Its ids come from here and from risk's read-aloud explanation:
`python -m qadam_words update reasons libs/words/qadam_words/reasons services/risk/risk/domain`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from qadam_contracts.reasons import Reason

from .. import N_, Words, words

DOMAIN = "reasons"

# Each code's sentence; where the facts change the sentence's shape, one per shape (never glued from parts).
SENTENCES = {
    "consecutive_absences": N_("%(count)s unexcused absences in a row: sessions %(sessions)s "
                               "(%(first_on)s to %(last_on)s)."),
    "unexcused_absences": N_("%(count)s unexcused absences in all: sessions %(sessions)s "
                             "(the limit of %(threshold)s reached on %(on)s)."),
    "absence_rate": N_("%(missed)s of his last %(window)s sessions missed without excuse "
                       "(sessions %(sessions)s, up to %(up_to)s)."),
    "incident": N_("Incident reported by the prevention inspector: %(kind)s on %(on)s (%(severity)s)."),
    "intake_band": N_("The risk assessment of %(on)s (%(instrument)s) scored %(score)s: band %(band)s."),
    "exit_proposed": N_("Exit from the programme is proposed: %(details)s"),
    "exit_unexcused": N_("%(count)s unexcused absences in all; the programme allows %(allowed)s."),
    "exit_consecutive": N_("%(count)s unexcused absences in a row; the programme allows %(allowed)s in a row."),
    "exit_attendance": N_("He can no longer attend the %(needed)s of %(required)s sessions the programme needs "
                          "(%(percent)s)."),
    "plan_overdue": N_("The correction plan of his protection order (issued %(issued_on)s) was due on %(due_on)s "
                       "and is not agreed yet."),
    "call_overdue": N_("The psychologist's call after his unexcused absence on %(absence_on)s (session %(session)s) "
                       "was due by %(due_at)s and is not recorded."),
    "cluster": N_("%(count)s signals of level %(levels)s within %(within_days)s days: %(of)s."),
    "combination": N_("Together within %(within_days)s days: %(facts)s."),
    "assessment_due_first": N_("No risk assessment since he was enrolled on %(enrolled_on)s; a new one was due by "
                               "%(due_on)s."),
    "assessment_due": N_("The last risk assessment was on %(last_on)s; a new one was due by %(due_on)s."),
    "repeat_order": N_("A new protection order was issued on %(issued_on)s, %(days)s days after the one before "
                       "(%(previous_on)s)."),
    "rule_in_a_row": N_("%(description)s (flags %(threshold)s or more in a row)."),
    "rule_in_all": N_("%(description)s (flags %(threshold)s or more in all)."),
    "rule_rate": N_("%(description)s (flags %(percent)s or more of the last %(window)s)."),
    "level_rise": N_("The risk level of %(participant_code)s, whose partner you support, rose from %(from_level)s to "
                     "%(level)s. Check on her safety plan."),
}
# (session known, more sightings) -> the sentence
SIGN_SENTENCES = {
    (False, False): N_("Warning sign recorded by the facilitator on %(on)s: %(sign)s."),
    (True, False): N_("Warning sign recorded by the facilitator at session %(session)s on %(on)s: %(sign)s."),
    (False, True): N_("Warning sign recorded by the facilitator on %(on)s: %(sign)s, and %(more)s more time(s) "
                      "within %(within_days)s days."),
    (True, True): N_("Warning sign recorded by the facilitator at session %(session)s on %(on)s: %(sign)s, and "
                     "%(more)s more time(s) within %(within_days)s days."),
}
# her support worker's report, as perpetrator-facing staff read it (risk/domain/redaction.py): a date and a level
CONCERN_SENTENCES = {
    True: N_("A safety concern was reported by victim support on %(on)s, level %(level)s."),
    False: N_("A safety concern was reported by victim support on %(on)s."),
}
CONCERN = N_("a safety concern reported by victim support")
# (programme unfinished, follow-up unfinished) -> the sentence
ORDER_SENTENCES = {
    (True, False): N_("His protection order expires on %(expires_on)s (%(days_left)s days left) while his programme "
                      "is unfinished."),
    (False, True): N_("His protection order expires on %(expires_on)s (%(days_left)s days left) while his follow-up "
                      "period is unfinished."),
    (True, True): N_("His protection order expires on %(expires_on)s (%(days_left)s days left) while his programme "
                     "and his follow-up period are unfinished."),
}
DATED_FACT = N_("%(fact)s (%(on)s)")
LAST_OF_LIST = N_("%(items)s and %(last)s")
EITHER = N_("%(items)s or %(last)s")

SIGN_WORDS = {
    "new_violence_disclosed": N_("he disclosed new violence"),
    "threat_to_kill": N_("a threat to kill"),
    "threat_to_partner": N_("a threat against his partner"),
    "strangulation": N_("strangulation (choking) disclosed"),
    "weapon_access": N_("access to a weapon"),
    "contact_against_order": N_("contact with the victim against the protection order"),
    "stalking_victim": N_("following or watching the victim"),
    "intoxicated_at_session": N_("he came to the session intoxicated"),
    "denial_or_minimisation": N_("denial or minimising of the violence"),
    "blaming_the_victim": N_("blaming the victim"),
    "controlling_behaviour": N_("controlling behaviour"),
    "escalation": N_("escalating anger or abuse"),
    "separation": N_("separation from his partner"),
    "partner_pregnant_or_infant": N_("his partner is pregnant or they have a baby under 18 months"),
    "substance_use": N_("alcohol or drug use"),
    "job_loss_or_debt": N_("job loss or debt"),
    "child_contact_conflict": N_("conflict over contact with the children"),
    "suicidal_talk": N_("talk of suicide"),
}
INCIDENT_WORDS = {
    "order_breach": N_("breach of the protection order"),
    "new_complaint": N_("a new complaint of violence"),
    "police_callout": N_("a police call-out"),
    "arrest": N_("an arrest"),
    "contact_with_victim": N_("contact with the victim"),
    "stalking": N_("stalking the victim"),
    "victim_fear": N_("the victim says she is afraid of him"),
}
SEVERITY_WORDS = {"minor": N_("minor"), "serious": N_("serious"), "severe": N_("severe")}
LEVEL_WORDS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"), "critical": N_("critical")}
# the default instrument's bands (a region's own instrument's band names are shown as it wrote them)
BAND_WORDS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"), "very high": N_("very high")}


# The default rules' own words (risk/defaults/rules.json; risk's unit tests hold them equal): a region's own rules
# are shown in the words their authors wrote.
RULE_DESCRIPTIONS = (
    N_("Unexcused absences in a row: he may be dropping out, and missed sessions are a warning sign of "
       "renewed risk to his partner."),
    N_("Unexcused absences in all, in a row or not, up to his programme's limit: his inspector is alerted "
       "(the statutory programme: at the second)."),
    N_("He misses many of the sessions he has to attend, even if not in a row."),
    N_("New violence disclosed during the programme: a red sign; the inspector acts at once."),
    N_("A threat to kill is one of the strongest warning signs of lethal violence."),
    N_("Strangulation greatly raises the risk of lethal violence."),
    N_("Contact with or following the victim against the protection order: a red sign and possibly a breach."),
    N_("Threats against his partner: a red sign; the inspector acts at once."),
    N_("Access to a weapon makes any violence more dangerous: a red sign; the order can restrict weapons."),
    N_("Coming to a session intoxicated: substance use is an amber sign."),
    N_("An amber sign: a change in his life or behaviour that raises risk; several together make red."),
    N_("Denying, minimising or blaming the victim: work for the group sessions, worth watching."),
    N_("A breach of the protection order is the strongest warning sign the system can see."),
    N_("Contact with or stalking of the victim: a red sign."),
    N_("A new complaint, police call-out or arrest during the programme: a red sign; the inspector acts at once."),
    N_("Her fear, as the inspector heard of it: a red sign; the inspector acts at once."),
    N_("A safety concern reported by victim support: a red sign; the inspector acts at once."),
    N_("The risk assessment places him in a band of medium risk."),
    N_("The risk assessment places him in a band of high risk."),
    N_("The risk assessment places him in a band of very high risk: consider a multi-agency meeting."),
    N_("When the order ends, so does the duty to attend and the ban on contact: decide on an extension."),
    N_("The individual correction plan is due within two working days of the order."),
    N_("He has passed his programme's absence limits; non-completers reoffend far more than completers."),
    N_("After an unexcused absence the psychologist calls him within the set hours (statutory: 48); the "
       "call is not recorded."),
    N_("A second protection order within twelve months: an amber sign; several together make red."),
    N_("Several of his amber signs together make red: the inspector acts at once (staff tasks, such as a "
       "plan, a call or an assessment overdue, are not his signs)."),
    N_("Separation, controlling behaviour and violence together are a red cluster."),
    N_("Risk changes during a programme: assess at intake and again at intervals."),
)


def render(reason: Reason | Mapping[str, Any] | str, language: str) -> str:
    """The reason as a sentence in `language` (one of the contracts' LANGUAGES). A stored `{"code", "params"}` and
    a bare old sentence are taken as well (the sentence shown as written)."""
    if not isinstance(reason, Reason):
        reason = Reason.of(reason)
    return one_full_stop(_Renderer(words(DOMAIN, language)).sentence(reason))


# a sentence ending on a day that its language writes with an abbreviation's point ("29 сент. 2026 г.") ends there
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?=\s|$)")


def one_full_stop(text: str) -> str:
    """The sentence with one full stop where a value ending in a point closes it ("… 2026 г.", not "… 2026 г..")."""
    return _DOUBLE_STOP.sub(".", text)


def v1_sentence(reason: Reason | Mapping[str, Any] | str) -> str:
    """The reason as the v1 `reasons` field has always worded it: English, days as ISO dates (`2026-12-10`), a
    moment as `2026-12-10 14:00`, plain numbers; what risk stores and sends beside the codes for v1 readers."""
    if not isinstance(reason, Reason):
        reason = Reason.of(reason)
    return _Renderer(words(DOMAIN, "en"), v1=True).sentence(reason)


def render_all(reasons: Iterable[Reason | Mapping[str, Any] | str], language: str) -> list[str]:
    return [render(r, language) for r in reasons]


def joined(reasons: Iterable[Reason | Mapping[str, Any] | str], language: str) -> str:
    """Several reasons in one line (a message's `{reason}`): each sentence, `; ` between them, one full stop."""
    said = render_all(reasons, language)
    if len(said) <= 1:
        return said[0] if said else ""
    return one_full_stop("; ".join(_ABBREVIATION_KEPT.sub("", s) for s in said) + ".")


# a sentence's own full stop, unless it is an abbreviation's point ("2026 г.": Russian writes a year so)
_ABBREVIATION_KEPT = re.compile(r"(?<!\s\w)\.$")


# the parameters written otherwise than as a day or a number: name -> the renderer's method
BY_NAME = {"sessions": "numbers", "kind": "incident_kind", "severity": "severity", "band": "band", "levels": "levels",
           "of": "inner", "details": "details", "facts": "facts", "description": "description", "due_at": "moment",
           "percent": "percent", "instrument": "text", "source": "text", "participant_code": "text",
           "from_level": "level", "level": "level"}


class _Renderer:
    def __init__(self, w: Words, *, v1: bool = False):
        self.w, self.v1 = w, v1

    def sentence(self, reason: Reason) -> str:
        p, code, w = reason.params, reason.code, self.w
        if code == "text":
            return str(p.get("text", ""))
        if code == "rule":
            return self.description(p.get("description"))
        if code == "warning_sign":
            more = int(p.get("more") or 0)
            return w.gettext(SIGN_SENTENCES[(bool(p.get("session")), more > 0)], session=self.number(p.get("session")),
                             on=self.day(p.get("on")), sign=self.word(SIGN_WORDS, p.get("sign")),
                             more=self.number(more), within_days=self.number(p.get("within_days")))
        if code == "concern":
            return w.gettext(CONCERN_SENTENCES[bool(p.get("level"))], on=self.day(p.get("on")),
                             level=self.word(LEVEL_WORDS, p.get("level")))
        if code == "order_expiring":
            shape = (bool(p.get("programme", True)), bool(p.get("follow_up")))
            return w.gettext(ORDER_SENTENCES.get(shape, ORDER_SENTENCES[(True, False)]),
                             expires_on=self.day(p.get("expires_on")), days_left=self.number(p.get("days_left")))
        template = SENTENCES[code]
        return w.gettext(template, **{name: self.value(code, name, value) for name, value in p.items()})

    # -- each parameter as the language writes it (a day by its name's ending, a number by default)
    def value(self, code: str, name: str, value: Any) -> str:
        method = BY_NAME.get(name)
        if method is not None:
            return str(getattr(self, method)(value))
        if name.endswith("_on") or name in ("on", "up_to"):
            return self.day(value)
        return self.number(value)

    def text(self, value: Any) -> str:
        return str(value)

    def incident_kind(self, value: Any) -> str:
        return self.word(INCIDENT_WORDS, value)

    def severity(self, value: Any) -> str:
        return self.word(SEVERITY_WORDS, value)

    def band(self, value: Any) -> str:
        return self.word(BAND_WORDS, value)

    def level(self, value: Any) -> str:
        return self.word(LEVEL_WORDS, value)

    def day(self, value: Any) -> str:
        if value in (None, ""):
            return "None" if self.v1 else "?"
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return day.isoformat() if self.v1 else self.w.format_date(day)

    def moment(self, value: Any) -> str:
        try:
            at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if self.v1:
            return at.strftime("%Y-%m-%d %H:%M")
        return f"{self.w.format_date(at.date())} {self.w.format_datetime(at, 'HH:mm')}"

    def number(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ("None" if self.v1 else "?") if value is None else str(value)
        return str(value) if self.v1 else self.w.format_number(value)

    def percent(self, value: Any) -> str:
        return f"{value}%" if self.v1 else self.w.format_percent(float(value) / 100)

    def numbers(self, values: Any) -> str:
        items = [self.number(v) for v in (values or [])]
        if len(items) <= 1:
            return items[0] if items else ""
        return self.w.gettext(LAST_OF_LIST, items=", ".join(items[:-1]), last=items[-1])

    def levels(self, values: Any) -> str:
        items = [self.word(LEVEL_WORDS, v) for v in (values or [])]
        if len(items) <= 1:
            return items[0] if items else ""
        return self.w.gettext(EITHER, items=", ".join(items[:-1]), last=items[-1])

    def word(self, table: Mapping[str, str], value: Any) -> str:
        msgid = table.get(str(value))
        return self.w.gettext(msgid) if msgid else str(value)

    def description(self, value: Any) -> str:
        """A rule's own words: the default rules' in the language; a region's own as it wrote them."""
        return self.w.gettext(str(value or "")) if value else ""

    def inner(self, values: Any) -> str:
        return "; ".join(self.sentence(Reason.of(v)).rstrip(".") for v in (values or []))

    def details(self, values: Any) -> str:
        return " ".join(self.sentence(Reason.of(v)) for v in (values or []))

    def facts(self, values: Any) -> str:
        said = []
        for fact in values or []:
            token = str(fact.get("fact", ""))
            kind, _, name = token.partition(":")
            what = (self.w.gettext(CONCERN) if token == "victim_support" else
                    self.word(SIGN_WORDS, name) if kind == "sign" else
                    self.word(INCIDENT_WORDS, name) if kind == "incident" else token)
            said.append(self.w.gettext(DATED_FACT, fact=what, on=self.day(fact["on"])) if fact.get("on") else what)
        return "; ".join(said)
