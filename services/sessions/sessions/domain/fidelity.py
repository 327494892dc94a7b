"""Programme fidelity's rules: the period a report covers, and every way a psychologist may have written a planned
module she delivered as planned. No I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

from qadam_contracts.vocabulary import LANGUAGES
from qadam_words.vocabulary import PROGRAMME_TEMPLATES, programme_text


def report_period(date_from: date | None, date_to: date | None, *, today: date) -> tuple[date, date]:
    """[from, to] as asked, by default the 12 months that end `to` (itself by default today), as enrollment's
    reports default theirs. An empty period (from after to) is returned as it is: the caller refuses it."""
    end = date_to or today
    if date_from is not None:
        return date_from, end
    try:
        return end.replace(year=end.year - 1) + timedelta(days=1), end
    except ValueError:  # 29 February
        return end.replace(year=end.year - 1, day=28) + timedelta(days=1), end


def module_spellings(topics: Iterable[str]) -> dict[str, list[str]]:
    """{a topic as a curriculum stores it: the topic in each of Qadam's languages}. A shipped template's topic is
    stored in its English words and her form offers it in her own language, so any of these delivers it as planned;
    a region's own topic is kept as written and matches only itself."""
    return {topic: sorted({programme_text(topic, language) or topic for language in LANGUAGES}) for topic in topics}


@cache
def shipped_module_spellings() -> dict[str, list[str]]:
    """`module_spellings` of every topic of the templates Qadam ships (the same for the life of the process)."""
    return module_spellings(topic for template in PROGRAMME_TEMPLATES.values() for topic in template.topics)
