"""The completion report over HTTP, on a freshly migrated enrollment database seeded with plain SQL.

Every figure the endpoint gives is compared with one this file computes itself from the raw rows read back
(`enrolment` for states and dates, `attendance_record` for attendance and the session a man dropped out at).
"""

from __future__ import annotations

import csv
import io
import random
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa
from enrollment.app import create_app
from qadam.testing import Stack

REGION, OTHER_REGION = "Navoiy viloyati", "Xorazm viloyati"
TASHKENT = ZoneInfo("Asia/Tashkent")
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
MIN_CELL = 5
SESSIONS = 12
PROGRAMMES = [("Navoiy statutory", 1), ("Navoiy statutory", 2), ("Navoiy extended group", 1), ("Xorazm statutory", 1)]
# (name, region, district, programme, facilitator, enrolments): the Nurota pilot is too small to be shown
COHORTS = [
    ("Karmana A", REGION, "Karmana", 0, "psy-karmana-1", 45),
    ("Karmana B", REGION, "Karmana", 1, "psy-karmana-1", 40),
    ("Navbahor A", REGION, "Navbahor", 1, "psy-navbahor-1", 50),
    ("Zarafshon A", REGION, "Zarafshon", 2, "psy-zarafshon-1", 35),
    ("Zarafshon B", REGION, "Zarafshon", 2, "psy-zarafshon-2", 27),
    ("Nurota pilot", REGION, "Nurota", 0, "psy-nurota-1", 3),
    ("Urganch A", OTHER_REGION, "Urganch", 3, "psy-urganch-1", 20),
]
FATES = ["completed"] * 40 + ["closed"] * 5 + ["active"] * 14 + ["assessed"] * 5 + ["suspended"] * 3 + \
        ["exited"] * 23 + ["excluded"] * 5 + ["referred"] * 5
EXIT_REASONS = ["non_compliance", "new_violence", "withdrawn", "transferred", "custody", "moved_away", "died"]
SOURCES = ["protection_order"] * 12 + ["court"] * 3 + ["inspector_initiative"] * 4 + ["self_referral"]
ATTENDED = ("present", "late")


def bearer(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


# -- the seed: plain SQL into the raw tables -----------------------------------------------------------
def _marks(rng: random.Random, fate: str) -> list[str]:
    """The attendance statuses of a man's sessions 1..n, as his fate makes likely."""
    if fate in ("completed", "closed"):
        return [rng.choices(["present", "late", "excused", "unexcused"], [80, 8, 8, 4])[0] for _ in range(SESSIONS)]
    if fate in ("active", "suspended"):
        return [rng.choices(["present", "late", "excused", "unexcused"], [75, 8, 9, 8])[0]
                for _ in range(rng.randint(1, SESSIONS - 1))]
    if fate == "exited":
        came = [rng.choices(["present", "late", "excused", "unexcused"], [55, 10, 10, 25])[0]
                for _ in range(rng.choice([0, 0, 1, 2, 3, 3, 4, 5, 6, 8]))]
        return came + ["unexcused"] * rng.choice([0, 1, 2, 3])
    return []  # referred, assessed, excluded: no group session yet


def seed(url: str) -> None:
    rng = random.Random(561)
    programme_ids = [uuid.uuid4() for _ in PROGRAMMES]
    cohort_ids = [uuid.uuid4() for _ in COHORTS]
    programmes = [{"id": pid, "lineage": programme_ids[PROGRAMMES.index((name, 1))], "name": name, "version": version}
                  for pid, (name, version) in zip(programme_ids, PROGRAMMES, strict=True)]
    cohorts = [{"id": cid, "programme_id": programme_ids[p], "name": name, "region": region, "district": district,
                "facilitators": [facilitator], "start": date(2025, 1, 6)}
               for cid, (name, region, district, p, facilitator, _) in zip(cohort_ids, COHORTS, strict=True)]
    participants, enrolments, marks = [], [], []
    number = 0
    for cid, (_, region, district, p, facilitator, size) in zip(cohort_ids, COHORTS, strict=True):
        sessions = [uuid.uuid4() for _ in range(SESSIONS)]
        for _ in range(size):
            number += 1
            person, enrolment = uuid.uuid4(), uuid.uuid4()
            participants.append({"id": person, "code": f"P-2025-{number:06d}", "name": f"Test participant {number}",
                                 "region": region, "district": district})
            fate = rng.choice(FATES)
            # started between Oct 2024 and Feb 2026: some fall outside the period reported on
            started = date(2024, 10, 1) + timedelta(days=rng.randrange(515))
            enrolled_at = datetime(started.year, started.month, started.day, 10, tzinfo=UTC) - timedelta(days=7)
            if fate in ("referred", "assessed", "excluded"):
                started_on = None
                # late evening in UTC is the next day in Tashkent: the period's days are Tashkent's
                enrolled_at = datetime(started.year, started.month, started.day, 19, 30, tzinfo=UTC)
            else:
                started_on = started
            statuses = _marks(rng, fate) if started_on else []
            for n, status in enumerate(statuses, start=1):
                at = datetime(started.year, started.month, started.day, 9, tzinfo=UTC) + timedelta(days=7 * (n - 1))
                marks.append({"enrolment_id": enrolment, "session_id": sessions[n - 1], "number": n, "at": at,
                              "status": status, "recorded_at": at + timedelta(hours=3)})
            attended = [n for n, s in enumerate(statuses, start=1) if s in ATTENDED]
            enrolments.append({
                "id": enrolment, "participant_id": person, "cohort_id": cid, "programme_id": programme_ids[p],
                "source": rng.choice(SOURCES) if number % 67 else "self_referral",
                "inspector": f"insp-{district.lower()}", "psychologist": facilitator, "region": region,
                "district": district, "status": fate,
                "reason": rng.choice(EXIT_REASONS) if fate == "exited" else None,
                "enrolled_at": enrolled_at, "started_on": started_on,
                "finished_on": started + timedelta(days=90) if fate in ("completed", "closed", "exited") else None,
                "recorded": len(statuses), "attended": len(attended), "excused": statuses.count("excused"),
                "unexcused": statuses.count("unexcused"), "last_session": len(statuses) or None,
                "last_attended": max(attended, default=None),
            })
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO programme (id, lineage_id, version, name, sessions_required, max_unexcused_absences, created_by) "
            f"VALUES (:id, :lineage, :version, :name, {SESSIONS}, 3, 'test')"), programmes)
        conn.execute(sa.text(
            "INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, start_date, status, created_by) "
            "VALUES (:id, :programme_id, :name, :region, :district, :facilitators, :start, 'running', 'test')"), cohorts)
        conn.execute(sa.text(
            "INSERT INTO participant (id, code, full_name, birth_date, sex, region, district, preferred_language, "
            "created_by) VALUES (:id, :code, :name, DATE '1985-05-05', 'male', :region, :district, 'uz', 'test')"),
            participants)
        conn.execute(sa.text(
            "INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, referral_source, inspector_id, "
            "psychologist_id, region, district, status, status_reason, enrolled_at, started_on, finished_on, "
            "sessions_recorded, sessions_attended, excused_absences, unexcused_absences, last_session_number, "
            "last_attended_number, created_by) VALUES (:id, :participant_id, :cohort_id, :programme_id, :source, "
            ":inspector, :psychologist, :region, :district, :status, :reason, :enrolled_at, :started_on, :finished_on, "
            ":recorded, :attended, :excused, :unexcused, :last_session, :last_attended, 'test')"), enrolments)
        conn.execute(sa.text(
            "INSERT INTO attendance_record (enrolment_id, session_id, session_number, session_kind, scheduled_at, "
            "status, recorded_at) VALUES (:enrolment_id, :session_id, :number, 'group', :at, :status, :recorded_at)"),
            marks)
    engine.dispose()


@pytest.fixture(scope="module")
def seeded(servers, jwt_keys):
    """A freshly migrated enrollment database with the seed above, for this module alone."""
    stack = Stack(f"qadam_r{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("enrollment",)).open()
    try:
        seed(stack.database_url("enrollment"))
        yield stack
    finally:
        stack.close()


@pytest.fixture(scope="module")
def client(seeded):
    return create_app(seeded.base_settings("enrollment")).test_client()


@pytest.fixture
def manager(token):
    return token("mgr-navoiy", "manager", region=REGION)


# -- the figures, computed here from the raw rows -------------------------------------------------------
@dataclass
class Man:
    row: dict[str, Any]
    marks: list[dict[str, Any]]

    @property
    def started(self) -> date:
        return self.row["started_on"] or self.row["enrolled_at"].astimezone(TASHKENT).date()

    @property
    def is_dropout(self) -> bool:
        return self.row["status"] == "exited" and self.row["status_reason"] not in ("transferred", "died")

    @property
    def attendance(self) -> float | None:
        attended = sum(m["status"] in ATTENDED for m in self.marks)
        unexcused = sum(m["status"] == "unexcused" for m in self.marks)
        return attended / (attended + unexcused) if attended + unexcused else None

    @property
    def dropout_session(self) -> int:
        """The last session he came to, else the last recorded for him, else 0."""
        came = [m["session_number"] for m in self.marks if m["status"] in ATTENDED]
        return max(came or [m["session_number"] for m in self.marks] or [0])


def raw_population(url: str, region: str | None) -> list[Man]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text("SELECT * FROM enrolment")).mappings()]
        marks = defaultdict(list)
        for mark in conn.execute(sa.text("SELECT * FROM attendance_record")).mappings():
            marks[mark["enrolment_id"]].append(dict(mark))
    engine.dispose()
    first, last = (date.fromisoformat(PERIOD[k]) for k in ("from", "to"))
    men = [Man(r, marks[r["id"]]) for r in rows]
    return [m for m in men if first <= m.started <= last and (region is None or m.row["region"] == region)]


def labels(url: str) -> dict[str, dict[str, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        programmes = {str(r.id): f"{r.name} v{r.version}" for r in conn.execute(sa.text(
            "SELECT id, name, version FROM programme"))}
        cohorts = {str(r.id): r.name for r in conn.execute(sa.text("SELECT id, name FROM cohort"))}
    engine.dispose()
    return {"programme": programmes, "cohort": cohorts}


def group_key(man: Man, group_by: str) -> str:
    row = man.row
    return {"programme": str(row["programme_id"]), "cohort": str(row["cohort_id"]),
            "district": f"{row['region']}/{row['district']}", "referral_source": row["referral_source"],
            "facilitator": row["psychologist_id"]}[group_by]


def expected_figures(men: list[Man], min_cell: int = MIN_CELL) -> dict[str, Any]:
    def small(n: int) -> bool:
        return 0 < n < min_cell

    def shown(n: int) -> int | None:
        return None if small(n) else n

    if small(len(men)):
        return {"suppressed": True, **dict.fromkeys(
            ["enrolments", "active", "completed", "exited", "dropouts", "completion_rate", "dropout_rate",
             "average_attendance", "median_dropout_session", "dropout_sessions"])}
    statuses = [m.row["status"] for m in men]
    completed = sum(s in ("completed", "closed") for s in statuses)
    dropouts = [m for m in men if m.is_dropout]
    decided = completed + len(dropouts)
    hide_rates = decided == 0 or small(completed) or small(len(dropouts))
    ratios = [m.attendance for m in men if m.attendance is not None]
    sessions = [m.dropout_session for m in dropouts]
    histogram: dict[str, int | None] = {str(s): shown(sessions.count(s)) for s in sorted(set(sessions))}
    return {
        "suppressed": False,
        "enrolments": len(men),
        "active": shown(sum(s in ("assessed", "active", "suspended") for s in statuses)),
        "completed": shown(completed),
        "exited": shown(statuses.count("exited")),
        "dropouts": shown(len(dropouts)),
        "completion_rate": None if hide_rates else pytest.approx(completed / decided, abs=1e-4),
        "dropout_rate": None if hide_rates else pytest.approx(len(dropouts) / decided, abs=1e-4),
        "average_attendance": pytest.approx(statistics.fmean(ratios), abs=1e-4) if ratios else None,
        "median_dropout_session": None if not sessions or small(len(sessions)) else statistics.median(sessions),
        "dropout_sessions": histogram,
    }


def expected_report(url: str, group_by: str, region: str | None) -> dict[str, dict[str, Any]]:
    men = raw_population(url, region)
    groups: dict[str, list[Man]] = defaultdict(list)
    for man in men:
        groups[group_key(man, group_by)].append(man)
    names = labels(url)
    out = {}
    for key, members in groups.items():
        if group_by in names:
            label = names[group_by][key]
        elif group_by == "district":
            label = members[0].row["district"] if region else f"{members[0].row['district']}, {members[0].row['region']}"
        elif group_by == "referral_source":
            label = {"protection_order": "Protection order", "court": "Court", "self_referral": "Self-referral",
                     "inspector_initiative": "Inspector's initiative"}[key]
        else:
            label = key
        out[key] = {"key": key, "label": label, "total": False, **expected_figures(members)}
    out[None] = {"key": None, "label": "Total", "total": True, **expected_figures(men)}
    return out


# -- the tests ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("group_by", ["programme", "cohort", "district", "referral_source", "facilitator"])
def test_seeded_region_with_200_enrolments_gives_figures_computed_independently_from_the_raw_rows(
        client, seeded, manager, group_by):
    response = client.get("/reports/completion", headers=bearer(manager), query_string={**PERIOD, "group_by": group_by})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["region"], body["from"], body["to"], body["min_cell"]) == (REGION, PERIOD["from"], PERIOD["to"], MIN_CELL)
    expected = expected_report(seeded.database_url("enrollment"), group_by, REGION)
    got = {row["key"]: row for row in body["groups"]}
    got[None] = body["totals"]
    assert set(got) == set(expected)
    for key, row in got.items():
        assert row == expected[key], f"{group_by} {row['label']}"
    assert [g["label"] for g in body["groups"]] == sorted((g["label"] for g in body["groups"]), key=str.casefold)
    assert 100 < body["totals"]["enrolments"] < 200  # the period leaves some of the 200 out


def test_administrator_sees_the_whole_country_or_the_region_asked_for(client, seeded, token):
    admin = token("admin-1", "administrator")
    url = seeded.database_url("enrollment")
    country = client.get("/reports/completion", headers=bearer(admin), query_string=PERIOD).get_json()
    assert country["region"] is None
    expected = expected_report(url, "programme", None)
    assert {r["key"]: r for r in [*country["groups"], country["totals"]]} == expected
    assert "Xorazm statutory v1" in {g["label"] for g in country["groups"]}
    districts = client.get("/reports/completion", headers=bearer(admin),
                           query_string={**PERIOD, "group_by": "district"}).get_json()
    assert "Karmana, Navoiy viloyati" in {g["label"] for g in districts["groups"]}
    one = client.get("/reports/completion", headers=bearer(admin), query_string={**PERIOD, "region": REGION}).get_json()
    assert one["region"] == REGION and one["totals"] == expected_report(url, "programme", REGION)[None]


def test_small_groups_and_small_counts_are_suppressed(client, manager):
    by_cohort = client.get("/reports/completion", headers=bearer(manager),
                           query_string={**PERIOD, "group_by": "cohort"}).get_json()
    pilot = next(g for g in by_cohort["groups"] if g["label"] == "Nurota pilot")
    assert pilot["suppressed"] is True and pilot["key"]
    assert all(pilot[name] is None for name in ("enrolments", "active", "completed", "exited", "dropouts",
                                                "completion_rate", "dropout_rate", "average_attendance",
                                                "median_dropout_session", "dropout_sessions"))
    shown = [g for g in by_cohort["groups"] if not g["suppressed"]]
    assert shown and all(g["enrolments"] >= MIN_CELL for g in shown)
    for group in [*shown, by_cohort["totals"]]:
        for name in ("active", "completed", "exited", "dropouts"):
            assert group[name] is None or group[name] == 0 or group[name] >= MIN_CELL
        assert all(n is None or n >= MIN_CELL for n in group["dropout_sessions"].values())
        if group["dropouts"] is None or group["completed"] is None:
            assert group["completion_rate"] is None and group["dropout_rate"] is None
    # the seed makes some bins small somewhere: they show as null, not as their count
    assert any(n is None for g in shown for n in g["dropout_sessions"].values())


def test_smallest_cell_is_a_setting(seeded, manager):
    everything = create_app({**seeded.base_settings("enrollment"), "report_min_cell": 1}).test_client()
    body = everything.get("/reports/completion", headers=bearer(manager),
                          query_string={**PERIOD, "group_by": "cohort"}).get_json()
    assert body["min_cell"] == 1
    pilot = next(g for g in body["groups"] if g["label"] == "Nurota pilot")
    assert pilot["suppressed"] is False and 0 < pilot["enrolments"] < MIN_CELL
    assert all(n is not None for g in body["groups"] for n in g["dropout_sessions"].values())


def test_manager_of_another_region_sees_nothing_of_this_one(client, seeded, token):
    other = token("mgr-xorazm", "manager", region=OTHER_REGION)
    body = client.get("/reports/completion", headers=bearer(other), query_string=PERIOD).get_json()
    assert body["region"] == OTHER_REGION
    assert [g["label"] for g in body["groups"]] == ["Xorazm statutory v1"]
    assert body["totals"] == expected_report(seeded.database_url("enrollment"), "programme", OTHER_REGION)[None]
    for group_by in ("cohort", "district", "facilitator"):
        labels_seen = {g["label"] for g in client.get("/reports/completion", headers=bearer(other), query_string={
            **PERIOD, "group_by": group_by}).get_json()["groups"]}
        assert labels_seen <= {"Urganch A", "Urganch", "psy-urganch-1"}
    asked = client.get("/reports/completion", headers=bearer(other), query_string={**PERIOD, "region": REGION})
    assert asked.status_code == 403 and asked.mimetype == "application/problem+json"
    supervisor = token("sup-xorazm", "supervisor", region=OTHER_REGION)
    assert client.get("/reports/completion", headers=bearer(supervisor),
                      query_string={"region": REGION}).status_code == 403


@pytest.mark.parametrize("role", ["psychologist", "inspector", "support_worker", "auditor"])
def test_staff_who_are_not_managers_may_not_see_the_report(client, token, role):
    t = token(f"{role}-1", role, region=REGION, district="Karmana")
    response = client.get("/reports/completion", headers=bearer(t))
    assert response.status_code == 403 and response.mimetype == "application/problem+json"


def test_region_where_nobody_started_gives_an_empty_report_with_zero_totals(client, token):
    jizzax = token("mgr-jizzax", "manager", region="Jizzax viloyati")
    body = client.get("/reports/completion", headers=bearer(jizzax), query_string=PERIOD).get_json()
    assert body["groups"] == []
    assert body["totals"] == {"key": None, "label": "Total", "total": True, "suppressed": False, "enrolments": 0,
                              "active": 0, "completed": 0, "exited": 0, "dropouts": 0, "completion_rate": None,
                              "dropout_rate": None, "average_attendance": None, "median_dropout_session": None,
                              "dropout_sessions": {}}


def test_manager_without_a_region_is_refused_and_no_token_is_401(client, token):
    assert client.get("/reports/completion", headers=bearer(token("mgr-x", "manager"))).status_code == 403
    assert client.get("/reports/completion").status_code == 401


def test_a_bad_period_or_grouping_is_a_422_naming_the_field(client, manager):
    backwards = client.get("/reports/completion", headers=bearer(manager), query_string={"from": "2025-12-31",
                                                                                         "to": "2025-01-01"})
    assert backwards.status_code == 422 and "from" in backwards.get_json()["errors"]
    unknown = client.get("/reports/completion", headers=bearer(manager), query_string={"group_by": "mahalla"})
    assert unknown.status_code == 422 and "group_by" in unknown.get_json()["errors"]
    bad_format = client.get("/reports/completion", headers=bearer(manager), query_string={"format": "pdf"})
    assert bad_format.status_code == 422 and "format" in bad_format.get_json()["errors"]


def test_period_defaults_to_the_twelve_months_that_end_today(client, manager):
    body = client.get("/reports/completion", headers=bearer(manager)).get_json()
    today = datetime.now(TASHKENT).date()
    assert body["to"] == today.isoformat()
    assert date.fromisoformat(body["from"]) == date(today.year - 1, today.month, 28 if (today.month, today.day) == (
        2, 29) else today.day) + timedelta(days=1)


def _parsed(rows: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """Download rows -> {label: {heading: value}} (values as the file holds them)."""
    heading, *body = rows
    return {row[0]: dict(zip(heading, row, strict=True)) for row in body}


def _same_figures(download: dict[str, dict[str, Any]], report: dict[str, Any], number: Any) -> None:
    """Each row of a download holds the JSON report's figures; `number(cell)` reads a cell back (None: empty)."""
    rows = [*report["groups"], report["totals"]]
    assert list(download) == [r["label"] for r in rows]
    columns = {"Enrolments": "enrolments", "Still in programme": "active", "Completed": "completed", "Exited": "exited",
               "Dropped out": "dropouts", "Completion rate": "completion_rate", "Dropout rate": "dropout_rate",
               "Average attendance": "average_attendance", "Median session of dropping out": "median_dropout_session"}
    sessions = sorted({int(s) for r in rows for s in (r["dropout_sessions"] or {})})
    for row in rows:
        cells = download[row["label"]]
        assert cells["Suppressed"] == ("yes" if row["suppressed"] else "no")
        assert (cells["Key"] or None) == row["key"]
        for heading, name in columns.items():
            assert number(cells[heading]) == row[name], (row["label"], heading)
        for session in sessions:
            value = number(cells[f"Dropped out at session {session}"])
            histogram = row["dropout_sessions"]
            assert value == (None if histogram is None else histogram.get(str(session), 0)), (row["label"], session)


def test_csv_download_parses_back_to_the_same_figures(client, manager):
    query = {**PERIOD, "group_by": "district"}
    report = client.get("/reports/completion", headers=bearer(manager), query_string=query).get_json()
    response = client.get("/reports/completion", headers=bearer(manager), query_string={**query, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="qadam-completion-by-district-2025-01-01-to-2025-12-31.csv"')
    assert response.data.startswith(b"\xef\xbb\xbf")  # so Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "District"

    def number(cell: str) -> float | None:
        return None if cell == "" else float(cell)

    _same_figures(_parsed(rows), report, number)


def test_xlsx_download_parses_back_to_the_same_figures(client, manager):
    query = {**PERIOD, "group_by": "cohort"}
    report = client.get("/reports/completion", headers=bearer(manager), query_string=query).get_json()
    response = client.get("/reports/completion", headers=bearer(manager), query_string={**query, "format": "xlsx"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    rows = [list(r) for r in book["Completion"].iter_rows(values_only=True)]
    assert rows[0][0] == "Cohort"
    _same_figures(_parsed(rows), report, lambda cell: cell)
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["Region"] == REGION and about["Smallest cell shown"] == MIN_CELL


def test_report_is_in_the_api_document_with_its_downloads(client):
    spec = client.get("/openapi.json").get_json()
    content = spec["paths"]["/reports/completion"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(content)


def test_a_name_that_looks_like_a_formula_stays_text_in_the_downloads():
    from enrollment.api.reports import csv_file, xlsx_file

    figures = {"suppressed": False, "enrolments": 9, "active": 0, "completed": 9, "exited": 0, "dropouts": 0,
               "completion_rate": 1.0, "dropout_rate": 0.0, "average_attendance": 0.9, "median_dropout_session": None,
               "dropout_sessions": {}}
    name = '=HYPERLINK("http://example.com","open")'
    report = {"group_by": "cohort", "region": REGION, "date_from": date(2025, 1, 1), "date_to": date(2025, 12, 31),
              "min_cell": MIN_CELL, "groups": [{"key": "c1", "label": name, "total": False, **figures}],
              "totals": {"key": None, "label": "Total", "total": True, **figures}}
    rows = list(csv.reader(io.StringIO(csv_file(report).decode("utf-8-sig"))))
    assert rows[1][0] == "'" + name  # a leading quote: Excel shows the text instead of running it
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_file(report)))["Completion"]
    assert sheet["A2"].value == name and sheet["A2"].data_type == "s"


def test_median_of_a_histogram_is_the_median_of_the_values_it_counts():
    from enrollment.reports import median_of

    rng = random.Random(7)
    for _ in range(200):
        values = [rng.randint(0, 12) for _ in range(rng.randint(1, 15))]
        assert median_of({v: values.count(v) for v in set(values)}) == statistics.median(values)
    assert median_of({}) is None
