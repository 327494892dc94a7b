"""The manager's page of programme fidelity and workload, as the demo staff see it: the demo group's sessions of a
month long past (seeded in sessions' database: no other test holds sessions then) in the fidelity table, its
psychologist named in the workload table, every word in each language, and the roles that may not look."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from qadam_contracts.vocabulary import LANGUAGES

MANAGER = "mgr-karakalpakstan"
TASHKENT = ZoneInfo("Asia/Tashkent")
MARCH = "/manager/fidelity?from=2025-03-01&to=2025-03-31"


def cells_of(html: str, label: str) -> list[str]:
    """The cells of the table row headed `label`, as text."""
    found = re.search(r'<th scope="row"[^>]*>' + re.escape(label) + r"</th>(.*?)</tr>", html, re.S)
    assert found, f"no row headed {label!r}"
    return [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


@pytest.fixture(scope="module")
def march(database, demo):
    """Two sessions of the demo group held in March 2025 by its psychologist: number 401 on the day planned, its
    delivery recorded with a co-facilitator and its attendance entered within the hour (one man came); number 402 a
    day late, nothing of its delivery recorded, its attendance entered three days later."""
    cohort = demo["cohort"]["id"]
    man = demo["enrolments"][0]["id"]
    first, second = datetime(2025, 3, 4, 10, tzinfo=TASHKENT), datetime(2025, 3, 11, 10, tzinfo=TASHKENT)
    rows = [
        {"id": uuid.uuid4(), "n": 401, "planned": first, "held": first, "entered": first + timedelta(hours=1),
         "module": "Responsibility for violence", "co": ["Aziza"]},
        {"id": uuid.uuid4(), "n": 402, "planned": second, "held": second + timedelta(days=1),
         "entered": second + timedelta(days=4), "module": None, "co": []},
    ]
    with database("sessions").begin() as c:
        for row in rows:
            c.execute(sa.text(
                "INSERT INTO group_session (id, cohort_id, number, scheduled_at, planned_at, status, module_delivered, "
                "co_facilitators, created_by, held_at, attendance_entered_at, attendance_entered_by, kind) VALUES "
                "(:id, :cohort, :n, :held, :planned, 'held', :module, :co, 'mgr-karakalpakstan', :held, :entered, "
                "'psy-nukus-1', 'group')"), {**row, "cohort": cohort})
        c.execute(sa.text("INSERT INTO attendance_mark (id, session_id, enrolment_id, status, recorded_by, recorded_at) "
                          "VALUES (:id, :s, :e, 'present', 'psy-nukus-1', :at)"),
                  {"id": uuid.uuid4(), "s": rows[0]["id"], "e": man, "at": rows[0]["entered"]})
    return demo["cohort"]


def test_the_demo_groups_fidelity_is_tabled_with_its_name_and_each_figure(client_for, march):
    page = client_for(MANAGER, "en").get(MARCH)
    assert page.status_code == 200, page.text
    cells = cells_of(page.text, march["name"])
    assert cells == ["Nukus", "2", "50% (1 of 2)", "0", "1", "— (0 of 0)", "100% (1 of 1)", "50% (1 of 2)"]
    assert "Sessions held from" in page.text and "Responsibility" not in page.text and "Aziza" not in page.text


def test_the_psychologist_is_named_in_the_workload_of_the_month(client_for, march):
    html = client_for(MANAGER, "en").get(MARCH).text
    # one man came: a count of men under the small-cell rule, a dash (sessions hides it)
    assert cells_of(html, "Dilnoza Rahimova") == ["March 2025", "1", "—", "2"]
    assert "psy-nukus-1" not in html  # named as the portal knows her, not by her user id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_is_in_each_language_with_nothing_left_in_english(client_for, march, language):
    page = client_for(MANAGER, language).get(MARCH)
    assert page.status_code == 200
    assert "X-Qadam-Missing-Translations" not in page.headers, page.headers
    if language != "en":
        assert "Programme fidelity and workload" not in page.text and "Held on time" not in page.text
    assert march["name"] in page.text


def test_the_managers_menu_leads_to_it(client_for):
    html = client_for(MANAGER, "en").get("/dashboard").text
    assert 'href="/manager/fidelity"' in html and "Fidelity and workload" in html


def test_an_administrator_chooses_the_region(client_for, march):
    html = client_for("admin-1", "en").get(MARCH + "&region=" + march["region"]).text
    assert '<select id="region" name="region"' in html
    assert cells_of(html, march["name"])[1] == "2"


@pytest.mark.parametrize("user", ["psy-nukus-1", "audit-1", "insp-nukus-1", "sup-nukus"])
def test_other_roles_are_refused(client_for, user):
    assert client_for(user, "en").get("/manager/fidelity").status_code == 403


def test_a_period_that_ends_before_it_starts_is_refused_on_the_form(client_for):
    page = client_for(MANAGER, "en").get("/manager/fidelity?from=2025-06-30&to=2025-03-01")
    assert page.status_code == 422
    assert "The period is empty" in page.text


def test_the_analyst_reads_the_group_and_the_psychologist_by_numbers_and_no_name(client_for, march, demo):
    """The demo's national analyst, the demo's region chosen: the group as its number, district and the quarter it
    started, the psychologist as "Psychologist 1"; neither the group's name nor any staff name or user id; the same
    figures as the manager's page."""
    html = client_for("analyst-1", "en").get(MARCH + "&region=" + march["region"]).text
    assert march["name"] not in html and march["id"] not in html
    for staff in ("Dilnoza Rahimova", "psy-nukus-1", "Aziza"):
        assert staff not in html, staff
    group = re.search(r'<th scope="row"[^>]*>(Cohort 1, Nukus, [^<]+)</th>', html)
    assert group, html
    assert cells_of(html, group.group(1)) == ["Nukus", "2", "50% (1 of 2)", "0", "1", "— (0 of 0)", "100% (1 of 1)",
                                              "50% (1 of 2)"]
    assert cells_of(html, "Psychologist 1") == ["March 2025", "1", "—", "2"]


def test_the_analysts_dashboard_by_group_or_facilitator_names_no_group_and_no_staff(client_for, march, demo):
    """Grouped by cohort or by facilitator, the analyst's dashboard (and its download) carries no group's name and
    no staff member's name or user id; the manager's still names them."""
    analyst, manager = client_for("analyst-1", "en"), client_for(MANAGER, "en")
    names = {march["name"], "Dilnoza Rahimova", "psy-nukus-1"}
    for group_by in ("cohort", "facilitator"):
        query = f"?group_by={group_by}&region={march['region']}"
        page = analyst.get("/dashboard" + query)
        assert page.status_code == 200, page.text
        assert not any(name in page.text for name in names), group_by
        assert ("Cohort 1, Nukus, " if group_by == "cohort" else "Psychologist 1") in page.text
        csv_file = analyst.get("/dashboard/export.csv" + query)
        assert csv_file.status_code == 200
        assert not any(name in csv_file.get_data(as_text=True) for name in names), group_by
    assert march["name"] in manager.get("/dashboard?group_by=cohort").text
    assert "Dilnoza Rahimova" in manager.get("/dashboard?group_by=facilitator").text
