"""The completion report's labels in the reader's language (reports.completion.shape_report): the words it writes
itself, and a programme copied from a shipped template by that template's name in the language; a region's own
programme, cohort or district as it was typed."""

from __future__ import annotations

from typing import Any

import pytest
from enrollment.reports.completion import shape_report
from qadam_words import words
from qadam_words.vocabulary import PROGRAMME_TEMPLATES, said

SHIPPED = PROGRAMME_TEMPLATES["extended_group"].name
FIGURES = {"enrolments": 40, "active": 10, "completed": 20, "exited": 10, "dropouts": 10, "average_attendance": 0.8,
           "attendance_sum": 32.0, "attendance_men": 40, "histogram": {"3": 10}}


def row(k0: Any, **labels: Any) -> dict[str, Any]:
    """A raw row of completion_query (a group of Navoiy's: its totals row and the nation's are the groups added up),
    its figures large enough that none is hidden."""
    return {"k0": k0, "r": "Navoiy viloyati", "also": False, **FIGURES, **labels}


def programme_rows() -> list[dict[str, Any]]:
    return [row("p-1", label_name=SHIPPED, label_version=2), row("p-2", label_name="Nukus statutory", label_version=1),
            row(None, label_name=None, label_version=None)]


def labels(rows: list[dict[str, Any]], group_by: str, language: str) -> dict[str | None, str]:
    shaped = shape_report(rows, group_by=group_by, region="Navoiy viloyati", min_cell=5, language=language)
    return {("total" if r["total"] else r["key"]): r["label"] for r in shaped}


@pytest.mark.parametrize("language", ["ru", "uz-Latn", "uz-Cyrl", "kaa", "kaa-Cyrl"])
def test_a_shipped_template_s_programme_is_named_in_the_readers_language_a_regions_own_as_written(language):
    w = words("enrollment", language)
    found = labels(programme_rows(), "programme", language)
    assert said(SHIPPED, language) != SHIPPED
    version = "в" if language.endswith("Cyrl") else "v"  # the version as the page and the download both write it
    assert found["p-1"] == f"{said(SHIPPED, language)} {version}2"
    assert found["p-2"] == f"Nukus statutory {version}1"
    assert found[None] == w.gettext("(no programme version)") != "(no programme version)"
    assert found["total"] == w.gettext("Total") != "Total"


def test_without_a_language_the_labels_are_english_as_the_json_always_gave_them():
    shaped = shape_report(programme_rows(), group_by="programme", region=None, min_cell=5)
    assert {r["label"] for r in shaped} == {f"{SHIPPED} v2", "Nukus statutory v1", "(no programme version)", "Total"}


def test_referral_sources_are_said_in_the_readers_language_and_sorted_as_said():
    rows = [row("self_referral"), row("court"), row("protection_order"), row("a_source_a_region_added")]
    w = words("enrollment", "ru")
    shaped = shape_report(rows, group_by="referral_source", region="Navoiy viloyati", min_cell=5, language="ru")
    found = {r["key"]: r["label"] for r in shaped[:-1]}
    assert found["court"] == w.gettext("Court") != "Court"
    assert found["a_source_a_region_added"] == "a_source_a_region_added"
    assert [r["label"] for r in shaped[:-1]] == sorted(found.values(), key=str.casefold)


@pytest.mark.parametrize(("language", "in_region", "in_country"), [
    ("uz-Latn", "Karmana", "Karmana, Navoiy viloyati"), ("uz-Cyrl", "Кармана", "Кармана, Навоий вилояти"),
    ("ru", "Кармана", "Кармана, Навоийская область"), ("kaa", "Karmana", "Karmana, Nawayı wálayatı"),
    ("kaa-Cyrl", "Кармана", "Кармана, Наўайы ўәлаяты"), ("en", "Karmana", "Karmana, Navoi Region"),
])
def test_districts_and_regions_are_named_in_the_readers_language_their_key_as_stored(language, in_region, in_country):
    rows = [row("Navoiy viloyati", k1="Karmana"), row("Navoiy viloyati", k1="Nurota yangi")]
    for region, named in (("Navoiy viloyati", in_region), (None, in_country)):
        shaped = shape_report(rows, group_by="district", region=region, min_cell=5, language=language)
        found = {r["key"]: r["label"] for r in shaped if not r["total"]}
        assert found["Navoiy viloyati/Karmana"] == named
        # a district the places catalogue does not name yet: as it was typed
        assert found["Navoiy viloyati/Nurota yangi"].startswith("Nurota yangi")


def test_a_tie_is_broken_alike_in_every_language_so_the_page_and_a_download_hide_the_same_group():
    """Three self-referrals are hidden; the smallest other group goes with them, and court and inspector's initiative
    tie at ten: the one hidden is the same whether the rows are read in English or in Russian, whose labels sort the
    other way round (else the page and the download together would show both, and the three by subtraction)."""
    def group(key: str, men: int) -> dict[str, Any]:
        return {"k0": key, "r": "Navoiy viloyati", "also": False, "enrolments": men, "active": men, "completed": 0,
                "exited": 0, "dropouts": 0, "average_attendance": None, "attendance_sum": 0.0, "attendance_men": 0,
                "histogram": None}

    rows = [group("self_referral", 3), group("court", 10), group("inspector_initiative", 10),
            group("protection_order", 40)]
    hidden = {}
    for language in ("en", "ru"):
        shaped = shape_report(rows, group_by="referral_source", region="Navoiy viloyati", min_cell=5, language=language)
        hidden[language] = {r["key"] for r in shaped if r["suppressed"]}
        labels = [r["key"] for r in shaped[:-1]]
        assert (labels.index("court") < labels.index("inspector_initiative")) == (language == "en")
    assert hidden["en"] == hidden["ru"] and len(hidden["en"]) == 2
