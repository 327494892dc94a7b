"""A session's attendance register written out in its language, as HTML for the kit's PDF renderer
(templates/register.html): the programme's office, the number and date, the group, the session's date, time and
place, a row for each man by code and initials (columns to tick and to sign, or his mark as recorded), the
facilitators' signature lines and the check code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from qadam_words import words
from qadam_words.places import place_name
from qadam_words.vocabulary import programme_text

from . import words as W  # noqa: N812 (the words as constants: W.TITLES)
from .rendering import DOMAIN, long_day, templates


def register_html(facts: dict[str, Any], *, check_code: str) -> str:
    """The register as HTML in its language (`facts["language"]`)."""
    w = words(DOMAIN, facts["language"])
    cohort, session = facts["cohort"], facts["session"]
    held = facts["register"] == "held"
    at = datetime.fromisoformat(session["scheduled_at"])
    rows = [(w.gettext(W.PROGRAMME), programme_text(facts["programme"]["name"], w.language) or ""),
            (w.gettext(W.GROUP), cohort["name"]),
            (w.gettext(W.SESSION_NUMBER), w.format_number(session["number"])),
            (w.gettext(W.DATE_LINE), long_day(w, session["scheduled_at"])),
            (w.gettext(W.TIME), at.strftime("%H:%M")),
            (w.gettext(W.PLACE), session["place"] or w.gettext(W.NOT_GIVEN))]
    men = [(w.format_number(i), man["code"], man["initials"] or "—",
            w.gettext(W.MARK_WORDS[man["mark"]]) if held and man["mark"] else "")
           for i, man in enumerate(facts["men"], start=1)]
    return templates.get_template("register.html").render(
        language=w.language, title=w.gettext(W.REGISTER_TITLES[facts["register"]]), header=w.gettext(W.HEADER),
        office=w.gettext(W.OFFICE, district=place_name(cohort["district"], "district", w.language),
                         region=place_name(cohort["region"], "region", w.language)),
        number=w.gettext(W.NUMBER, number=facts["number"]), issued=w.gettext(W.ISSUED, date=long_day(w, facts["issued_at"])),
        rows=rows, held=held, men=men, code=w.gettext(W.CODE), initials=w.gettext(W.INITIALS),
        present=w.gettext(W.PRESENT_TICK), mark=w.gettext(W.RECORDED_MARK), signature=w.gettext(W.SIGNATURE),
        as_recorded=w.gettext(W.AS_RECORDED), signers=[w.gettext(W.FACILITATOR)] * cohort["facilitators"],
        name_line=w.gettext(W.NAME_LINE), date_line=w.gettext(W.DATE_LINE), stamp=w.gettext(W.STAMP),
        check_code=w.gettext(W.CHECK_CODE, code=check_code), check_how=w.gettext(W.CHECK_HOW))
