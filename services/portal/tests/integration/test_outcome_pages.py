"""The outcome report's page, as the demo staff see it: enrollment's figures for men who left a programme (seeded as
enrollment keeps them, in a region of their own so that the demo region's figures stay as the other pages' tests
expect), their intervals, the curve, the downloads, in every language; who may open it."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from qadam_contracts.vocabulary import LANGUAGES

REGION, DISTRICT = "Xorazm viloyati", "Urganch"
ADMIN, MANAGER, SUPERVISOR = "admin-1", "mgr-karakalpakstan", "sup-nukus"
LEFT_ON = date(2025, 1, 15)
AS_OF = date(2026, 6, 30)
QUERY = f"region={REGION}&group_by=how&from=2025-01-01&to=2025-12-31&as_of={AS_OF.isoformat()}"
# (how he left, days after leaving of his new order or None): 14 men, all followed 12 months on the as-of day; a new
# order within 6 months for 3 of each 7, within 12 for 4 of each 7 (each group's counts too small to show)
MEN = [("completed", 40), ("completed", 100), ("completed", 150), ("completed", 300), ("completed", None),
       ("completed", None), ("completed", None), ("dropout", 20), ("dropout", 90), ("dropout", 60),
       ("dropout", 250), ("dropout", None), ("dropout", None), ("dropout", None)]
TRANSLATIONS = Path(__file__).resolve().parents[2] / "portal" / "translations"
LOCALES = {"uz-Latn": "uz_Latn", "uz-Cyrl": "uz_Cyrl", "ru": "ru", "kaa": "kaa_Latn", "kaa-Cyrl": "kaa_Cyrl"}


def row_of(html: str, label: str) -> list[str]:
    """The cells of the table row headed `label` (as the dashboard's tests read theirs)."""
    found = re.search(r'<th scope="row">' + re.escape(label) + r"(?:\s*<span[^>]*>[^<]*</span>)?</th>(.*?)</tr>",
                      html, re.S)
    assert found, f"no row headed {label!r}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def said(language: str, msgid: str) -> str:
    """The manager catalogue's words for `msgid` in `language` (English as it is)."""
    if language == "en":
        return msgid
    with (TRANSLATIONS / LOCALES[language] / "LC_MESSAGES" / "manager.po").open("rb") as f:
        return read_po(f).get(msgid).string


@pytest.fixture(scope="module")
def seeded(database, demo):
    """Fourteen men of Urganch who left in January 2025, with the outcomes enrollment keeps for them."""
    engine = database("enrollment")
    programme, cohort = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO programme (id, lineage_id, version, name, sessions_required, "
                          "max_unexcused_absences, created_by) VALUES (:p, :p, 1, :name, 8, 2, 'test')"),
                  {"p": programme, "name": f"Xorazm outcomes {programme.hex[:6]}"})
        c.execute(sa.text("INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, "
                          "status, created_by) VALUES (:c, :p, 'Urganch outcomes', :r, :d, ARRAY['psy-x'], "
                          "DATE '2024-10-01', 'finished', 'test')"), {"c": cohort, "p": programme, "r": REGION,
                                                                       "d": DISTRICT})
        for how, after in MEN:
            person, enrolment = uuid.uuid4(), uuid.uuid4()
            c.execute(sa.text("INSERT INTO participant (id, code, full_name, birth_date, sex, region, district, "
                              "preferred_language, created_by) VALUES (:id, :code, 'Outcome test', DATE '1980-01-01', "
                              "'male', :r, :d, 'uz', 'test')"),
                      {"id": person, "code": f"P-2024-97{uuid.uuid4().int % 10000:04d}", "r": REGION, "d": DISTRICT})
            c.execute(sa.text("INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, inspector_id, "
                              "psychologist_id, region, district, status, status_reason, started_on, finished_on, "
                              "created_by) VALUES (:e, :p, :c, :prog, 'insp-x', 'psy-x', :r, :d, :status, :reason, "
                              "DATE '2024-10-07', :left, 'test')"),
                      {"e": enrolment, "p": person, "c": cohort, "prog": programme, "r": REGION, "d": DISTRICT,
                       "status": "completed" if how == "completed" else "exited",
                       "reason": None if how == "completed" else "withdrawn", "left": LEFT_ON})
            c.execute(sa.text("INSERT INTO outcome (enrolment_id, participant_id, how, left_on, programme_id, "
                              "programme_version, region, district, intake_level, new_order_on) VALUES (:e, :p, :how, "
                              ":left, :prog, 1, :r, :d, 'high', :order)"),
                      {"e": enrolment, "p": person, "how": how, "left": LEFT_ON, "prog": programme, "r": REGION,
                       "d": DISTRICT, "order": None if after is None else LEFT_ON + timedelta(days=after)})
    return MEN


def test_the_page_shows_the_figures_of_the_men_who_left_with_their_intervals_and_curve(client_for, seeded):
    page = client_for(ADMIN, "en").get(f"/outcomes?{QUERY}")
    assert page.status_code == 200 and "X-Qadam-Missing-Translations" not in page.headers
    html = page.text
    total = row_of(html, "All groups")
    assert total == ["14", "14", "6", "42.9%", "21.4% – 67.4%", "14", "8", "57.1%", "32.6% – 78.6%"]
    # each group: 7 men, all followed, the 3 and 4 with a new order hidden (and what would give them away)
    assert row_of(html, "Completed") == ["7", "7", "—", "—", "—", "7", "—", "—", "—"]
    assert row_of(html, "Dropped out") == ["7", "7", "—", "—", "—", "7", "—", "—", "—"]
    assert 'aria-labelledby="chart-survival-title chart-survival-desc"' in html and 'class="line"' in html
    assert "style=" not in html
    for fmt in ("csv", "xlsx"):
        assert f'href="/outcomes/export.{fmt}?group_by=how&amp;from=2025-01-01' in html


def test_the_csv_download_holds_the_same_figures(client_for, seeded):
    response = client_for(ADMIN, "en").get(f"/outcomes/export.csv?{QUERY}")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["How he left", "Key", "Suppressed", "Men who left"]
    assert rows[-1][0] == "Total" and rows[-1][3:7] == ["14", "14", "6", "8"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_is_in_every_language_for_the_manager_and_the_administrator(client_for, seeded, language):
    for user, query in ((MANAGER, ""), (ADMIN, QUERY)):
        page = client_for(user, language).get(f"/outcomes?{query}")
        assert page.status_code == 200, (user, language)
        assert "X-Qadam-Missing-Translations" not in page.headers, (user, language)
        assert f"<h1>{said(language, 'Outcomes after the programme')}</h1>" in page.text


def test_the_page_is_in_the_menus_of_those_who_read_it_and_refused_to_others(client_for, seeded):
    for user in (ADMIN, MANAGER, SUPERVISOR):
        client = client_for(user, "en")
        assert 'href="/outcomes"' in client.get("/dashboard").text, user
        assert client.get("/outcomes").status_code == 200, user
    for user in ("psy-nukus-1", "insp-nukus-1", "inson-nukus-1", "audit-1"):
        assert client_for(user, "en").get("/outcomes").status_code == 403, user


def test_a_period_that_ends_after_the_quarter_counted_to_is_explained_on_the_form(client_for, seeded):
    page = client_for(ADMIN, "en").get(f"/outcomes?to={AS_OF + timedelta(days=1)}&as_of={AS_OF}")
    assert page.status_code == 422
    assert re.search(r"comes after the quarter of the day outcomes are counted to \(" + AS_OF.isoformat(), page.text)


def test_the_period_is_chosen_by_quarters_and_a_day_is_taken_as_its_quarter(client_for, seeded):
    page = client_for(ADMIN, "en").get(f"/outcomes?region={REGION}&group_by=how&from=2025-02-10&to=2025-11-05"
                                       f"&as_of={AS_OF.isoformat()}")
    assert page.status_code == 200
    html = page.text
    assert '<option value="2025-01-01" selected>Q1 2025</option>' in html
    assert '<option value="2025-12-31" selected>Q4 2025</option>' in html
    assert row_of(html, "All groups")[:3] == ["14", "14", "6"]
    # the rule is said in the page's words, for the table and for the curve
    assert "only when 6 (12) months have passed for every man who left in it" in html
    assert "so that no man&#39;s dates can be told by comparing two curves" in html


def test_a_quarter_not_yet_followed_6_months_counts_nobody_in_the_windows_and_draws_no_curve(client_for, seeded):
    # on 14 July 2025 the men who left in January have not all been followed 6 months (the quarter's: to 30 September)
    page = client_for(ADMIN, "en").get(f"/outcomes?region={REGION}&group_by=how&from=2025-01-01&to=2025-03-31"
                                       "&as_of=2025-07-14")
    assert page.status_code == 200
    assert row_of(page.text, "All groups") == ["14", "0", "0", "—", "—", "0", "0", "—", "—"]
    assert "No curve is drawn" in page.text


def test_by_default_the_page_covers_the_four_quarters_up_to_the_latest_whose_6_months_have_passed(client_for, seeded):
    # on 29 June 2026 the men who left in the last quarter of 2025 have not all had their 6 months (to 30 June)
    html = client_for(ADMIN, "en").get(f"/outcomes?region={REGION}&as_of=2026-06-29").text
    assert '<option value="2024-10-01" selected>Q4 2024</option>' in html
    assert '<option value="2025-09-30" selected>Q3 2025</option>' in html
