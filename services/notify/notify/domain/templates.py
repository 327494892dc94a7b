"""What a notification says, in its recipient's language: the English templates here, as data, and their words in
every other language in qadam_words' `notify` catalogue (`python -m qadam_words update notify services/notify/notify`
after changing one; `python -m qadam_words check` fails the build while a language lacks its words).

A message names a participant by his code only, with the level, the reason and links into Qadam: the templates
have no place for a name and `render` takes no field that could hold one. Over a channel that leaves the country
(`carries_reason=False`, notify's QADAM_<CHANNEL>_CARRIES) the reason stays home: the code, the level and the links.
Every e-mail says the message is decision support, not a prediction, and ends by saying it carries no names and
must stay inside the service.
The short text (SMS, Telegram) keeps its links whole and shortens the reason instead.

Placeholders (gettext's `%(name)s`, so the check sees a translation that loses or invents one): the fields a kind
takes (`KINDS`), and what `render` derives from them: `level` / `LEVEL` (the level's word, and in capitals),
`from_level`, `role`, `waited` (minutes as the language writes a duration), `details` (the rule's title and the
reason, one a line), `about` (the rule's title when a `rule_id` is given, else the reason: what a short text says),
`items` and `count` (a digest), `day` (a digest's day as the language writes a date). Numbers and dates are written
by the language's formats (qadam_words), as on the portal's pages and in the exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from qadam_contracts.vocabulary import FLAG_LEVELS, LANGUAGES
from qadam_words import N_, NP_, Contextual, Words, words

SHORT_MAX = 480  # characters of an SMS or Telegram text


@dataclass(frozen=True)
class Message:
    """One notification as its recipient reads it, in their language, with no names in it."""

    subject: str  # e-mail subject
    text: str  # full plain text (e-mail body)
    short: str  # SMS / Telegram text, at most SHORT_MAX characters

DEFAULT_LANGUAGE = "uz-Latn"
LEVELS = FLAG_LEVELS
ALERT_FIELDS = ("participant_code", "level", "reason", "link", "ack_link")
KINDS: dict[str, tuple[str, ...]] = {  # the fields each kind requires
    "alert": ALERT_FIELDS,
    "reminder": (*ALERT_FIELDS, "minutes"),
    "escalation": (*ALERT_FIELDS, "minutes", "role"),
    "level_rise": ("participant_code", "from_level", "level", "link"),
    "digest": ("day", "items", "link"),
    "safety_notice": ("participant_code", "notice", "link"),  # her support worker: a code, what happened, a link
}
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {"alert": ("rule_id",), "reminder": ("rule_id",),
                                               "escalation": ("rule_id",)}
DIGEST_ITEM_FIELDS = ("participant_code", "level", "reason", "link")
# rule families by id, or by the prefix before the first dot; "other" for a family a region added
RULE_FAMILIES = ("consecutive_absences", "absence_rate", "sign", "incident", "intake", "order.expiring",
                 "order.plan_overdue", "programme.exit_proposed", "cluster", "assessment.due", "other")
NOTICES = ("critical_flag", "suspended", "exited", "dropout", "excluded", "completed", "order_issued",
           "order_expiring", "order_ended")
ROLES = ("inspector", "psychologist", "supervisor", "support_worker", "victim_support", "manager", "administrator")

DOMAIN = "notify"  # qadam_words' catalogue of these words

Template = dict[str, Any]

# The English words, each marked for `python -m qadam_words update` (its ids); a kind's e-mail text is one message of
# several lines, so a language may order its sentences as it needs.
SOURCE: Template = {
    "levels": {"low": N_("low"), "medium": N_("medium"), "high": N_("high"), "critical": N_("critical")},
    "roles": {"inspector": N_("prevention inspector"), "psychologist": N_("psychologist"),
              "supervisor": N_("supervisor"), "support_worker": N_("support worker"),
              # the same English words, but in Russian the woman's support worker is said apart
              "victim_support": NP_("the woman's support worker", "support worker"),
              "manager": N_("programme manager"), "administrator": N_("administrator")},
    "rules": {
        "consecutive_absences": N_("unexcused absences in a row"),
        "absence_rate": N_("frequent unexcused absences"),
        "sign": N_("warning sign recorded"),
        "incident": N_("incident reported"),
        "intake": N_("intake risk assessment"),
        "order.expiring": N_("protection order expiring"),
        "order.plan_overdue": N_("correction plan not drawn up in time"),
        "programme.exit_proposed": N_("exit from the programme proposed"),
        "cluster": N_("several risk signs together"),
        "assessment.due": N_("risk reassessment due"),
        "other": N_("risk flag"),
    },
    # unit symbols where a language has them: no plural forms to agree with the number
    "duration": {"hours": N_("%(n)s h"), "minutes": N_("%(n)s min")},
    "lines": {
        "rule": N_("Rule: %(title)s"),
        "reason": N_("Reason: %(reason)s"),
        "digest_item": N_("- %(participant_code)s — %(level)s: %(reason)s\n  %(link)s"),
        "digest_empty": N_("No new alerts."),
        "decision_support": N_("This is decision support for the responsible staff, not a prediction."),
        "no_names": N_("This message carries no names. Do not forward it outside the service."),
        "page_heading": N_("%(LEVEL)s risk: %(participant_code)s"),
        "page_why": N_("Why:"),
        "page_button": N_("Acknowledge"),
        "page_done": N_("Acknowledged. Thank you."),
        "page_open": N_("Open it in Qadam"),
        # a channel that does not carry the reason in words (it leaves the country): what stands in its place
        "reason_withheld": N_("Why: open the alert in Qadam; this channel does not carry the reason."),
        "reason_withheld_short": N_("the reason is in Qadam"),
        "notice_withheld_title": N_("a notice for you"),
        "notice_withheld": N_("There is a notice for you about %(participant_code)s, the partner of the woman you "
                              "support. Read it in Qadam."),
    },
    "notices": {  # her support worker's notices: a title, and what to say
        "critical_flag": {"title": N_("critical risk"),
                          "text": N_("A critical risk sign was recorded for %(participant_code)s, the partner of the "
                                     "woman you support. Check her safety plan with her now.")},
        "suspended": {"title": N_("his programme was suspended"),
                      "text": N_("The programme of %(participant_code)s, the partner of the woman you support, was "
                                 "suspended. Review her safety plan with her.")},
        "exited": {"title": N_("he left the programme"),
                   "text": N_("%(participant_code)s, the partner of the woman you support, left the programme before "
                              "finishing it. Review her safety plan with her.")},
        "dropout": {"title": N_("he was taken out of the programme"),
                    "text": N_("%(participant_code)s, the partner of the woman you support, was taken out of the "
                               "programme for not keeping to it. Review her safety plan with her.")},
        "excluded": {"title": N_("he was not admitted"),
                     "text": N_("%(participant_code)s, the partner of the woman you support, was not admitted to the "
                                "programme. Review her safety plan with her.")},
        "completed": {"title": N_("he completed the programme"),
                      "text": N_("%(participant_code)s, the partner of the woman you support, completed the "
                                 "programme. Ask her how things are at home.")},
        "order_issued": {"title": N_("a new protection order"),
                         "text": N_("A new protection order was issued against %(participant_code)s, the partner of "
                                    "the woman you support.")},
        "order_expiring": {"title": N_("his protection order runs out soon"),
                           "text": N_("The protection order against %(participant_code)s, the partner of the woman "
                                      "you support, runs out soon. Plan the time after it with her.")},
        "order_ended": {"title": N_("his protection order has ended"),
                        "text": N_("The protection order against %(participant_code)s, the partner of the woman you "
                                   "support, has ended. Review her safety plan with her.")},
    },
    "kinds": {
        "alert": {
            "subject": N_("[Qadam] %(LEVEL)s risk: %(participant_code)s"),
            "text": N_("A %(level)s risk was found for participant %(participant_code)s.\n\n%(details)s\n\n"
                       "Open the alert: %(link)s\nAcknowledge it: %(ack_link)s"),
            "short": N_("Qadam: %(LEVEL)s risk, %(participant_code)s — %(about)s. Acknowledge: %(ack_link)s"),
        },
        "reminder": {
            "subject": N_("[Qadam] Reminder: alert for %(participant_code)s not acknowledged"),
            "text": N_("The alert for participant %(participant_code)s (risk level: %(level)s) has waited %(waited)s "
                       "without acknowledgement.\n\n%(details)s\n\nOpen the alert: %(link)s\n"
                       "Acknowledge it: %(ack_link)s"),
            "short": N_("Qadam reminder: %(LEVEL)s risk, %(participant_code)s — unacknowledged for %(waited)s; "
                        "%(about)s. Acknowledge: %(ack_link)s"),
        },
        "escalation": {
            "subject": N_("[Qadam] Unacknowledged alert passed to you: %(participant_code)s"),
            "text": N_("The alert for participant %(participant_code)s (risk level: %(level)s) was not acknowledged "
                       "by the responsible %(role)s within %(waited)s, so it has been passed to you.\n\n%(details)s\n\n"
                       "Open the alert: %(link)s\nAcknowledge it: %(ack_link)s"),
            "short": N_("Qadam: %(LEVEL)s risk, %(participant_code)s — not acknowledged by the %(role)s within "
                        "%(waited)s; %(about)s. Acknowledge: %(ack_link)s"),
        },
        "level_rise": {
            "subject": N_("[Qadam] %(participant_code)s: risk level rose to %(LEVEL)s"),
            "text": N_("The risk level of %(participant_code)s, the partner of a woman you support, rose: "
                       "%(from_level)s → %(level)s.\nReview her safety plan with her.\n\nDetails: %(link)s"),
            "short": N_("Qadam: the risk of %(participant_code)s (partner of a woman you support) rose: "
                        "%(from_level)s → %(LEVEL)s. Review her safety plan: %(link)s"),
        },
        "digest": {
            "subject": N_("[Qadam] Summary for %(day)s — alerts: %(count)s"),
            "text": N_("Alerts of %(day)s (in all: %(count)s):\n\n%(items)s\n\nAll alerts: %(link)s"),
            "short": N_("Qadam: summary for %(day)s — alerts: %(count)s. Open: %(link)s"),
        },
        "safety_notice": {
            "subject": N_("[Qadam] %(participant_code)s: %(notice_title)s"),
            "text": N_("%(notice)s\n\nMore: %(link)s"),
            "short": N_("Qadam: %(notice)s %(link)s"),
        },
    },
}


def template(language: str) -> Template:
    """SOURCE in `language` (any tag `language_of` reads): the same shape, each message in the catalogue's words
    (shared: not to be changed)."""
    return _template(language_of(language))


@lru_cache(maxsize=len(LANGUAGES))
def _template(language: str) -> Template:
    return dict(_translated(SOURCE, words(DOMAIN, language)))


def _translated(value: Any, w: Words) -> Any:
    if isinstance(value, Contextual):
        return w.pgettext(value.context, value.msgid)
    if isinstance(value, str):
        return w.gettext(value)
    return {name: _translated(part, w) for name, part in value.items()}


# tags people and browsers send for these languages (besides the names themselves, in any case: "kaa-cyrl",
# "kaa-Cyrl-UZ")
ALIASES = {"uz": "uz-Latn", "kaa-latn": "kaa"}


def language_of(tag: str | None) -> str:
    """The template language for a recipient's language tag ("ru-RU" -> "ru", "uz" -> "uz-Latn"); Uzbek in Latin
    script for anything else."""
    known = {name.lower(): name for name in LANGUAGES} | ALIASES
    parts = (tag or "").replace("_", "-").lower().split("-")
    for end in range(len(parts), 0, -1):
        found = known.get("-".join(parts[:end]))
        if found:
            return found
    return DEFAULT_LANGUAGE


def rule_title(rule_id: str, language: str) -> str:
    """A rule family's short title in `language`: by the rule's id, or by its prefix (`sign.threat_to_kill` ->
    the warning-sign title); a family the templates do not know gets a general one."""
    rules = template(language)["rules"]
    title = rules.get(rule_id) or rules.get(rule_id.split(".", 1)[0]) or rules["other"]
    return str(title)


def level_word(level: str, language: str) -> str:
    return str(template(language)["levels"].get(level, level))


def render(kind: str, language: str, *, carries_reason: bool = True, **fields: Any) -> Message:
    """The message of `kind` (see KINDS for the fields each takes) in `language`. A missing field is a KeyError, a
    field the kind does not take a TypeError: nothing but these fields can reach the text. `carries_reason` False
    (a channel that leaves the country): the code, the level and the links only; neither the reason, nor the rule's
    title, nor what a notice says, each replaced by words that send the reader to Qadam."""
    if kind not in KINDS:
        raise ValueError(f"No template kind {kind!r}: one of {', '.join(KINDS)}.")
    missing = [name for name in KINDS[kind] if name not in fields]
    if missing:
        raise KeyError(f"{kind} needs {', '.join(missing)}")
    unknown = set(fields) - set(KINDS[kind]) - set(OPTIONAL_FIELDS.get(kind, ()))
    if unknown:
        raise TypeError(f"{kind} takes no {', '.join(sorted(unknown))}")
    lang = language_of(language)
    w = words(DOMAIN, lang)
    texts = template(lang)
    lines = texts["lines"]
    values = {name: fields[name] for name in KINDS[kind]}
    if "level" in fields:
        values["level"] = level_word(fields["level"], lang)
        values["LEVEL"] = values["level"].upper()
    if "from_level" in fields:
        values["from_level"] = level_word(fields["from_level"], lang)
    if "role" in fields:
        values["role"] = texts["roles"].get(fields["role"], fields["role"])
    if "minutes" in fields:
        values["waited"] = _duration(fields["minutes"], texts["duration"], w)
    if kind == "safety_notice":
        notice = texts["notices"][fields["notice"]]  # a code the templates do not know is a KeyError
        if carries_reason:
            values["notice_title"] = notice["title"]
            values["notice"] = notice["text"] % {"participant_code": fields["participant_code"]}
        else:
            values["notice_title"] = lines["notice_withheld_title"]
            values["notice"] = lines["notice_withheld"] % {"participant_code": fields["participant_code"]}
    about = ""
    if "reason" in fields and not carries_reason:
        values["details"] = lines["reason_withheld"]
        about = lines["reason_withheld_short"]
    elif "reason" in fields:
        rule_id = fields.get("rule_id")
        title = rule_title(rule_id, lang) if rule_id else None
        values["details"] = "\n".join(([lines["rule"] % {"title": title}] if title else [])
                                      + [lines["reason"] % {"reason": fields["reason"]}])
        about = title or " ".join(str(fields["reason"]).split()).rstrip(".")
    if kind == "digest":
        withheld = None if carries_reason else lines["reason_withheld_short"]
        items = [_digest_item(item, lines["digest_item"], lang, withheld) for item in fields["items"]]
        values["items"] = "\n".join(items) if items else lines["digest_empty"]
        values["count"] = w.format_number(len(items))
        values["day"] = _day(fields["day"], w)
    kind_texts = texts["kinds"][kind]
    body = kind_texts["text"] % values
    return Message(subject=kind_texts["subject"] % values,
                   text=f"{body}\n\n{lines['decision_support']}\n{lines['no_names']}\n",
                   short=_short(kind_texts["short"], values, about))


def page_words(language: str) -> dict[str, str]:
    """The words of the page a signed acknowledgement link opens, in `language` (`page_heading` takes `LEVEL` and
    `participant_code`, as `%(name)s`)."""
    lines = template(language)["lines"]
    return {name: str(text) for name, text in lines.items() if name.startswith("page_")}


def _digest_item(item: Mapping[str, Any], line: str, language: str, withheld: str | None) -> str:
    values = {name: item[name] for name in DIGEST_ITEM_FIELDS}
    values["level"] = level_word(item["level"], language)
    if withheld is not None:  # the channel does not carry reasons: the words that send the reader to Qadam
        values["reason"] = withheld
    return str(line % values)


def _day(day: date | str, w: Words) -> str:
    """A digest's day as the language writes a date (the portal's pages and the exports write it so too); an ISO
    day given as text is read first, anything else shown as given."""
    if not isinstance(day, str):
        return w.format_date(day)
    try:
        return w.format_date(date.fromisoformat(day))
    except ValueError:
        return day


def _duration(minutes: float, units: Mapping[str, str], w: Words) -> str:
    """Minutes as people say a wait: "45 daqiqa", "4 soat", "4 soat 30 daqiqa"."""
    hours, rest = divmod(round(float(minutes)), 60)
    if not hours:
        return units["minutes"] % {"n": w.format_number(rest)}
    return " ".join([units["hours"] % {"n": w.format_number(hours)},
                     *([units["minutes"] % {"n": w.format_number(rest)}] if rest else [])])


def _short(text: str, values: Mapping[str, Any], about: str) -> str:
    """At most SHORT_MAX characters: the free text (`about`) is cut, with "…", never a link or the code."""
    whole = text % {**values, "about": about}
    if len(whole) <= SHORT_MAX:
        return whole
    room = SHORT_MAX - len(text % {**values, "about": ""})
    if room < 2:
        raise ValueError(f"the links alone make a short text longer than {SHORT_MAX} characters")
    # an ellipsis ends its sentence: no full stop after it
    return (text % {**values, "about": about[:room - 1].rstrip() + "…"}).replace("….", "…")
