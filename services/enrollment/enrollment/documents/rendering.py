"""A paper's facts written out in its language, as HTML for the kit's PDF renderer (templates/paper.html): the
header of the programme's office, the number and date, whom it is addressed to, what it says in sections of labelled
facts and sentences, who prepared it, the signature lines and the check code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from qadam_words import Words, words
from qadam_words.places import place_name
from qadam_words.reasons import LEVEL_WORDS
from qadam_words.vocabulary import programme_text, reason_name

from . import words as W  # noqa: N812 (the words as constants: W.TITLES)

DOMAIN = "enrollment"
templates = Environment(loader=PackageLoader("enrollment", "documents/templates"),
                         autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)


@dataclass
class Section:
    heading: str | None = None
    rows: list[tuple[str, str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


def long_day(w: Words, value: str | None) -> str:
    """A day (ISO, or a moment's ISO) written out in the paper's language; "not yet" for none."""
    return w.format_date(date.fromisoformat(value[:10]), "long") if value else w.gettext(W.NOT_YET)


def _number(w: Words, value: int) -> str:
    return w.format_number(value)


def _person(w: Words, facts: dict[str, Any]) -> Section:
    man, order, programme, cohort = facts["participant"], facts["order"], facts["programme"], facts["cohort"]
    rows = [(w.gettext(W.NAME), man["full_name"]), (w.gettext(W.BIRTH_DATE), long_day(w, man["birth_date"])),
            (w.gettext(W.CODE), man["code"])]
    if order:
        rows.append((w.gettext(W.ORDER), w.gettext(W.ORDER_TERMS, number=order["number"],
                                                    issued=long_day(w, order["issued_on"]),
                                                    expires=long_day(w, order["expires_on"]))))
        rows.append((w.gettext(W.PLAN), w.gettext(W.PLAN_AGREED, date=long_day(w, order["plan_agreed_on"]))
                     if order["plan_agreed_on"] else w.gettext(W.PLAN_NOT_AGREED)))
    else:
        rows.append((w.gettext(W.ORDER), w.gettext(W.NO_ORDER)))
    rows += [(w.gettext(W.PROGRAMME), programme_text(programme["name"], w.language) or ""),
             (w.gettext(W.GROUP), cohort["name"]),
             (w.gettext(W.STARTED), long_day(w, facts["enrolment"]["started_on"]))]
    return Section(w.gettext(W.PERSON), rows)


def _attendance(w: Words, facts: dict[str, Any]) -> Section:
    held, rules = facts["attendance"], facts["programme"]
    return Section(w.gettext(W.ATTENDANCE), [
        (w.gettext(W.SESSIONS_REQUIRED), _number(w, rules["sessions_required"])),
        (w.gettext(W.SESSIONS_HELD), _number(w, held["held"])),
        (w.gettext(W.ATTENDED), _number(w, held["attended"])),
        (w.gettext(W.EXCUSED), _number(w, held["excused"])),
        (w.gettext(W.UNEXCUSED), _number(w, held["unexcused"])),
        (w.gettext(W.LONGEST_RUN), _number(w, held["longest_run"])),
    ], [w.gettext(W.ALLOWED, all=_number(w, rules["max_unexcused"]), in_a_row=_number(w, rules["max_in_a_row"]))])


def _standing(w: Words, facts: dict[str, Any]) -> Section:
    enrolment = facts["enrolment"]
    rows = [(w.gettext(W.STATUS), w.gettext(W.STATUS_WORDS[enrolment["status"]]))]
    if enrolment["status_reason"]:
        rows.append((w.gettext(W.REASON), reason_name(enrolment["status_reason"], w.language)))
    if enrolment["finished_on"]:
        rows.append((w.gettext(W.FINISHED), long_day(w, enrolment["finished_on"])))
    rows += [(w.gettext(W.PARTICIPATION), w.gettext(W.PARTICIPATION_WORDS[facts["participation"]])),
             (w.gettext(W.COMPLIANCE), w.gettext(W.COMPLIANCE_WORDS[facts["compliance"]]))]
    return Section(w.gettext(W.STATUS), rows)


def _concerns(w: Words, facts: dict[str, Any]) -> Section:
    levels = words("reasons", w.language)
    said = [w.gettext(W.CONCERN, level=levels.gettext(LEVEL_WORDS[c["level"]]), date=long_day(w, c["raised_on"]))
            for c in facts["concerns"]]
    return Section(w.gettext(W.CONCERNS), [], [*(said or [w.gettext(W.NO_CONCERNS)]), w.gettext(W.CONCERNS_NOTE)])


def _body(w: Words, facts: dict[str, Any]) -> list[Section]:
    """What each kind says, after the man's particulars."""
    kind, enrolment = facts["kind"], facts["enrolment"]
    if kind == "progress_report":
        return [_attendance(w, facts), _standing(w, facts), _concerns(w, facts)]
    if kind == "non_compliance_notice":
        said = [w.gettext(W.NON_COMPLIANCE_TEXT)]
        if enrolment["exit_proposed_on"]:
            said.append(w.gettext(W.EXIT_PROPOSED_ON, date=long_day(w, enrolment["exit_proposed_on"])))
        return [Section(None, [], said), _attendance(w, facts), _standing(w, facts)]
    if kind == "completion_certificate":
        said = [w.gettext(W.CERTIFICATE_TEXT, attended=_number(w, facts["attendance"]["attended"]),
                          required=_number(w, facts["programme"]["sessions_required"]))]
        if enrolment["follow_up_until"]:
            said.append(w.gettext(W.FOLLOW_UP, date=long_day(w, enrolment["follow_up_until"])))
        return [Section(None, [], said), _standing(w, facts)]
    text = W.EXCLUDED_TEXT if enrolment["status"] == "excluded" else W.EXIT_TEXT
    return [Section(None, [], [w.gettext(text, date=long_day(w, enrolment["finished_on"]))]), _attendance(w, facts),
            _standing(w, facts)]


def paper_html(facts: dict[str, Any], *, check_code: str) -> str:
    """The paper as HTML in its language (`facts["language"]`)."""
    w = words(DOMAIN, facts["language"])
    cohort, order = facts["cohort"], facts["order"]
    office = w.gettext(W.OFFICE, district=place_name(cohort["district"], "district", w.language),
                       region=place_name(cohort["region"], "region", w.language))
    addressed = []
    if facts["kind"] != "completion_certificate" and order:
        addressed.append(w.gettext(W.TO_ISSUING_BODY, district=place_name(order["district"], "district", w.language),
                                   region=place_name(order["region"], "region", w.language), order=order["number"]))
        if facts["kind"] == "non_compliance_notice":
            addressed.append(w.gettext(W.TO_INSPECTOR))
    role = W.ROLE_WORDS.get(facts["generated_by_role"])
    return templates.get_template("paper.html").render(
        language=w.language, title=w.gettext(W.TITLES[facts["kind"]]), header=w.gettext(W.HEADER), office=office,
        number=w.gettext(W.NUMBER, number=facts["number"]), issued=w.gettext(W.ISSUED, date=long_day(w, facts["issued_at"])),
        addressed=addressed,
        replaces=w.gettext(W.REPLACES, number=facts["replaces"]) if facts["replaces"] else None,
        sections=[_person(w, facts), *_body(w, facts)],
        prepared=w.gettext(W.GENERATED_BY, user=facts["generated_by"],
                           role=w.gettext(role) if role else facts["generated_by_role"]),
        signers=[w.gettext(W.SIGNED_BY_PREPARER), w.gettext(W.SIGNED_BY_HEAD)],
        signature=w.gettext(W.SIGNATURE), name_line=w.gettext(W.NAME_LINE), date_line=w.gettext(W.DATE_LINE),
        stamp=w.gettext(W.STAMP), check_code=w.gettext(W.CHECK_CODE, code=check_code), check_how=w.gettext(W.CHECK_HOW))
