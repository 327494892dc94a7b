"""The completion report's groups as an analyst reads them: aggregates only, never a name someone typed nor a staff
member's identity (issue 23). A cohort is named by its programme (a template Qadam ships: by that template's name in
the reader's language; a region's own: by no name, since the region typed it), its district and the quarter it
started, with a number; a facilitator as "Psychologist 1..n", numbered within the report. Their keys (a cohort's id,
a psychologist's user id) are left out: a code would lead back to the name."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from qadam_words import N_, Words, words
from qadam_words.places import place_name
from qadam_words.vocabulary import SHIPPED_TEXTS, programme_text

from ..models import Cohort, Programme

# The groupings whose labels are typed names or staff identities; the others' labels are the report's own words,
# Qadam's catalogue of places, or a programme (the grouping an analyst reads programmes by).
ANONYMISED = ("cohort", "facilitator")
DOMAIN = "enrollment"
COHORT_LABEL = N_("Cohort %(number)s, %(district)s, %(quarter)s (%(programme)s)")
REGIONAL_PROGRAMME = N_("a region's own programme")
PSYCHOLOGIST_LABEL = N_("Psychologist %(number)s")
QUARTER_LABEL = N_("Q%(number)s %(year)s")
NO_COHORT = N_("(no group)")
NO_PSYCHOLOGIST = N_("(no psychologist)")


def quarter_label(day: date, w: Words) -> str:
    """The quarter `day` falls in, as the reader says it ("Q2 2025")."""
    return w.gettext(QUARTER_LABEL, number=(day.month - 1) // 3 + 1, year=day.year)


def psychologist_numbers(keys: Sequence[str | None]) -> dict[str, int]:
    """{user id: 1..n} of the psychologists among `keys`, in the order of their ids (opaque, so the number says
    nothing of who she is), the same number wherever she appears in the report."""
    return {key: n for n, key in enumerate(sorted({k for k in keys if k}), start=1)}


def cohort_numbers(cohorts: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """{cohort id: its number among the report's cohorts of the same region, district and starting quarter}, by the
    day they started (then their ids)."""
    runs: dict[tuple[Any, ...], list[tuple[date, str]]] = {}
    for key, c in cohorts.items():
        quarter = (c["start_date"].year, (c["start_date"].month - 1) // 3)
        runs.setdefault((c["region"], c["district"], quarter), []).append((c["start_date"], key))
    return {key: n for run in runs.values() for n, (_day, key) in enumerate(sorted(run), start=1)}


def cohort_facts(conn: sa.Connection, keys: Sequence[str | None]) -> dict[str, dict[str, Any]]:
    """{cohort id: its region, district, start date and programme (name and version)} of the cohorts among `keys`."""
    ids = [uuid.UUID(k) for k in keys if k and k != "None"]
    if not ids:
        return {}
    cohort, programme = Cohort.__table__, Programme.__table__
    rows = conn.execute(sa.select(cohort.c.id, cohort.c.region, cohort.c.district, cohort.c.start_date,
                                  programme.c.name, programme.c.version)
                        .select_from(cohort.join(programme, programme.c.id == cohort.c.programme_id))
                        .where(cohort.c.id.in_(ids))).mappings()
    return {str(r["id"]): dict(r) for r in rows}


def _programme(facts: Mapping[str, Any], w: Words) -> str:
    if facts["name"] not in SHIPPED_TEXTS:
        return w.gettext(REGIONAL_PROGRAMME)
    version = "в" if w.language.endswith("Cyrl") else "v"
    return f"{programme_text(facts['name'], w.language)} {version}{facts['version']}"


def anonymised(conn: sa.Connection, groups: list[dict[str, Any]], *, group_by: str, whole_country: bool,
               language: str) -> list[dict[str, Any]]:
    """The report's groups (suppressed already) with the labels an analyst reads and no keys, sorted as read."""
    if group_by not in ANONYMISED:
        return groups
    w = words(DOMAIN, language)
    keys = [g["key"] for g in groups]
    out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    if group_by == "facilitator":
        numbers = psychologist_numbers(keys)
        for g in groups:
            n = numbers.get(g["key"] or "")
            label = w.gettext(PSYCHOLOGIST_LABEL, number=n) if n else w.gettext(NO_PSYCHOLOGIST)
            out.append(((n or 0,), {**g, "key": None, "label": label}))
    else:
        facts = cohort_facts(conn, keys)
        numbers = cohort_numbers(facts)
        for g in groups:
            f = facts.get(g["key"] or "")
            if f is None:
                out.append(((1, "", 0, ""), {**g, "key": None, "label": w.gettext(NO_COHORT)}))
                continue
            district = place_name(f["district"], "district", w.language)
            if whole_country:
                district = f"{district}, {place_name(f['region'], 'region', w.language)}"
            label = w.gettext(COHORT_LABEL, number=numbers[g["key"]], district=district,
                              quarter=quarter_label(f["start_date"], w), programme=_programme(f, w))
            out.append(((0, district.casefold(), f["start_date"], numbers[g["key"]]), {**g, "key": None,
                                                                                       "label": label}))
    return [g for _order, g in sorted(out, key=lambda pair: pair[0])]
