"""The words of the vocabularies more than one service shows people, kept once in the `vocabulary` domain: the
programme templates Qadam ships (their names, descriptions and session topics), the reasons enrollment keeps with an
exit, an exclusion at intake or a suspension, the standard conditions of a protection order, the warning signs a
facilitator records and the kinds of incident an inspector or her support worker reports. Each is keyed by the code
the contracts carry; the English words are the ids.

    from qadam_words.vocabulary import reason_name, programme_text
    reason_name("custody", "kaa")                                    # "Qamaqta"
    programme_text("Extended group programme", "ru")                 # "Расширенная групповая программа"
    programme_text("Nukus statutory 2026", "ru")                     # a region's own name: as it was written

The portal reads them from here (its pages once kept their own), enrollment takes the templates' English from here,
and `python -m qadam_words update vocabulary libs/words/qadam_words/vocabulary` writes the ids into the catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass

from qadam_contracts.vocabulary import ORDER_CONDITIONS, WARNING_SIGNS

from .. import N_, NP_, Contextual, words

DOMAIN = "vocabulary"


@dataclass(frozen=True)
class ProgrammeTemplate:
    """A shipped programme template's words: what a programme copied from it is called and says it is, and its
    sessions' topics in curriculum order (a session planned from it carries its topic)."""

    name: str
    description: str
    topics: tuple[str, ...]


PROGRAMME_TEMPLATES = {
    "statutory": ProgrammeTemplate(
        name=N_("Statutory correction programme (Uzbekistan)"),
        description=N_("The programme written into a protection order since Resolution No. 441 (2025): an individual "
                       "plan agreed with the Inson centre within two working days of the order, about a month of "
                       "psychological correction. One unexcused absence: the psychologist calls within 48 hours; "
                       "two: the inspector is alerted. Completion at 75% attendance or more plus an exit review."),
        topics=(N_("Intake and individual plan"), N_("Responsibility for violence"),
                N_("Anger and stress: recognising the signs"), N_("Power and control in the family"),
                N_("Effects of violence on women and children"), N_("Communication without violence"),
                N_("Alcohol, drugs and violence"), N_("Exit review and safety plan"))),
    "extended_group": ProgrammeTemplate(
        name=N_("Extended group programme"),
        description=N_("24 weekly two-hour group sessions for 8-12 men with two facilitators, reviewed at session "
                       "12. Three unexcused absences in all, or two in a row, propose exit."),
        topics=(N_("Welcome and group agreement"), N_("What counts as violence"), N_("Responsibility and excuses"),
                N_("Power and control"), N_("Jealousy and controlling behaviour"),
                N_("Anger: body signals and time-out"), N_("Stress, work and money"), N_("Alcohol and drugs"),
                N_("Respectful communication"), N_("Listening"), N_("Conflict without violence"),
                N_("Mid-programme review"), N_("Effects on children"), N_("Fathering"),
                N_("Women's rights and the law"), N_("Protection orders and what they require"),
                N_("Sexual respect"), N_("Family and in-laws"), N_("Separation and divorce without violence"),
                N_("Relapse: warning signs"), N_("Making amends"), N_("Safety and future plans"),
                N_("Looking back"), N_("Closing review"))),
}

# Why an enrolment was exited, excluded at intake or suspended (enrollment's reasons, by code).
STATUS_REASONS = {
    "non_compliance": N_("Non-compliance"), "new_violence": N_("New violence"), "withdrawn": N_("Withdrawn"),
    "transferred": N_("Transferred"), "custody": N_("In custody"), "moved_away": N_("Moved away"),
    "died": N_("Died"), "severe_mental_illness": N_("Severe mental illness"),
    "untreated_addiction": N_("Untreated addiction"), "illness": N_("Illness"), "work_away": N_("Working away"),
    "family_emergency": N_("Family emergency"), "other": N_("Other reason"),
}

# The warning signs of the contracts (WARNING_SIGNS), as a psychologist would say them.
WARNING_SIGN_NAMES = {
    "new_violence_disclosed": N_("Disclosed new violence"),
    "threat_to_kill": N_("Threatened to kill"),
    "threat_to_partner": N_("Threatened his partner"),
    "strangulation": N_("Strangulation (choking) disclosed"),
    "weapon_access": N_("Has access to a weapon"),
    "contact_against_order": N_("Contact with the victim against the protection order"),
    "stalking_victim": N_("Following or watching the victim"),
    "intoxicated_at_session": N_("Came to the session drunk or intoxicated"),
    "escalation": N_("Escalating anger or abuse"),
    "controlling_behaviour": N_("Controlling behaviour"),
    "denial_or_minimisation": N_("Denies or minimises the violence"),
    "blaming_the_victim": N_("Blames the victim"),
    "separation": N_("Separation from his partner"),
    "partner_pregnant_or_infant": N_("Partner pregnant, or a baby under 18 months"),
    "substance_use": N_("Alcohol or drug use"),
    "job_loss_or_debt": N_("Lost his job, or in debt"),
    "child_contact_conflict": N_("Conflict over contact with the children"),
    "suicidal_talk": N_("Talk of suicide"),
}
assert set(WARNING_SIGN_NAMES) == set(WARNING_SIGNS), "a name for every warning sign of the contracts"

# The kinds of incident an inspector or her support worker reports (risk.domain.facts.INCIDENT_KINDS).
INCIDENT_KINDS = {
    "order_breach": N_("Breach of the protection order"), "new_complaint": N_("New complaint"),
    "police_callout": N_("Police call-out"), "arrest": N_("Arrest"),
    "contact_with_victim": N_("Contact with the victim"), "stalking": N_("Stalking the victim"),
    "victim_fear": N_("The victim is afraid"),
}

# The standard conditions of a protection order (the contracts' ORDER_CONDITIONS), as an order writes them. Kept apart
# by a context: an order's words are the law's, and may differ from the same English elsewhere.
ORDER_CONDITION_NAMES: dict[str, Contextual] = {
    "no_contact": NP_("order condition", "Not to contact the victim, in person, by phone or online"),
    "keep_away": NP_("order condition", "Not to approach the places where she lives, works or studies"),
    "no_weapons": NP_("order condition", "Not to own, carry or acquire weapons"),
    "correction_programme": NP_("order condition", "To attend the behaviour-correction programme"),
}
assert tuple(ORDER_CONDITION_NAMES) == ORDER_CONDITIONS, "a name for every order condition of the contracts, in order"


def said(msgid: str, language: str) -> str:
    """One of this module's English words in `language`."""
    return words(DOMAIN, language).gettext(msgid)


def reason_name(code: str, language: str) -> str:
    """An exit, exclusion or suspension reason in `language`; a code this vocabulary does not know, as it is."""
    return said(STATUS_REASONS[code], language) if code in STATUS_REASONS else code


def order_condition_name(code: str, language: str) -> str:
    """A protection order's standard condition in `language`; a code this vocabulary does not know, as it is."""
    name = ORDER_CONDITION_NAMES.get(code)
    return words(DOMAIN, language).pgettext(name.context, name.msgid) if name is not None else code


def warning_sign_name(code: str, language: str) -> str:
    return said(WARNING_SIGN_NAMES[code], language) if code in WARNING_SIGN_NAMES else code


def incident_kind_name(code: str, language: str) -> str:
    return said(INCIDENT_KINDS[code], language) if code in INCIDENT_KINDS else code


SHIPPED_TEXTS = frozenset(text for t in PROGRAMME_TEMPLATES.values() for text in (t.name, t.description, *t.topics))


def programme_text(text: str | None, language: str) -> str | None:
    """A programme's name or description, or a session's topic, in `language` where it is a shipped template's own
    words (a programme copied from a template keeps them until a region rewrites them); a region's own words, or a
    psychologist's, as they were written."""
    return said(text, language) if text in SHIPPED_TEXTS else text
