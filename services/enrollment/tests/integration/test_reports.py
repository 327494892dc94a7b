"""The completion report over HTTP, on a freshly migrated enrollment database seeded with plain SQL.

Every figure the endpoint shows is compared with one this file computes itself from the raw rows read back
(`enrolment` for states and dates, `attendance_record` for attendance and the session a man dropped out at).
Small cells are hidden, and so are enough others that no hidden one can be worked out from the shown ones:
a crafted region (Samarqand) holds one of each way of working one out, tried on the report as it would be
with small cells hidden alone (the attack works) and as it is (the attack fails).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import random
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa
from enrollment.app import create_app
from enrollment.reports import completion_report, suppress
from qadam_contracts.vocabulary import LANGUAGES
from qadam_testing import Stack, bearer
from qadam_words import Words, words
from qadam_words.places import place_name

ENGLISH = words("enrollment", "en")
REGION, OTHER_REGION, CRAFTED_REGION = "Navoiy viloyati", "Xorazm viloyati", "Samarqand viloyati"
TASHKENT = ZoneInfo("Asia/Tashkent")
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
QUARTERS = [("2025-01-01", "2025-03-31"), ("2025-04-01", "2025-06-30"), ("2025-07-01", "2025-09-30"),
            ("2025-10-01", "2025-12-31")]
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
COUNTS = ("enrolments", "active", "completed", "exited", "dropouts")
FIGURES = (*COUNTS, "completion_rate", "dropout_rate", "average_attendance", "median_dropout_session", "dropout_sessions")
# The crafted region: (cohort, district, facilitator, referral source, [(men, status, exit reason, sessions he
# came to)]). Each line sets up one way of working a small cell out by subtraction, were only small cells hidden.
PILOT = "Kattaqoʻrgʻon pilot"
CRAFTED = [
    # a histogram with one small bin: dropouts at session 7 = 14 - 6 - 5
    ("Samarqand A", "Samarqand", "psy-samarqand-1", "protection_order", [
        (12, "completed", None, 12), (6, "active", None, 6), (6, "exited", "non_compliance", 2),
        (5, "exited", "withdrawn", 4), (3, "exited", "new_violence", 7), (2, "referred", None, 0)]),
    # few dropouts among many exits: dropouts = exited 8 - the 5 transferred
    ("Samarqand B", "Samarqand", "psy-samarqand-2", "protection_order", [
        (15, "completed", None, 12), (7, "active", None, 6), (3, "exited", "non_compliance", 2),
        (5, "exited", "transferred", 3)]),
    # the smallest group shown (the one to hide beside the pilot), and the only self-referrals
    ("Samarqand C", "Samarqand", "psy-samarqand-3", "self_referral", [(10, "completed", None, 12)]),
    # few still in the programme: active = enrolments 25 - completed 12 - exited 6 - the 5 excluded
    ("Urgut A", "Urgut", "psy-urgut-1", "protection_order", [
        (2, "active", None, 6), (12, "completed", None, 12), (6, "exited", "custody", 3), (5, "excluded", None, 0)]),
    # 12 men, 3 of them with a mark to average: the only court referrals
    ("Urgut B", "Urgut", "psy-urgut-2", "court", [(3, "active", None, 6), (9, "assessed", None, 0)]),
    # a group too small to show, alone: its size = the totals row - the groups shown
    (PILOT, "Kattaqoʻrgʻon", "psy-kattaqorgon-1", "protection_order", [
        (2, "completed", None, 12), (1, "active", None, 6)]),
]


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
            # started in the second quarter of 2025, or (one in six) in the quarter before the year reported on or
            # the one after it: those fall outside the period. One quarter of the year: a figure of the year is shown
            # where each of its quarters shows it (domain/disclosure.py), and the others are empty, shown.
            outside = rng.randrange(6) == 0
            started = (rng.choice([date(2024, 10, 1), date(2026, 1, 2)]) + timedelta(days=rng.randrange(80)) if outside
                       else date(2025, 4, 1) + timedelta(days=rng.randrange(90)))
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
    insert(url, programmes, cohorts, participants, enrolments, marks)


def seed_crafted(url: str) -> None:
    """The crafted region (CRAFTED above): every man started on 3 March 2025, his marks as his line says."""
    programme = uuid.uuid4()
    started = date(2025, 3, 3)
    cohorts, participants, enrolments, marks = [], [], [], []
    for number, (name, district, facilitator, source, lines) in enumerate(CRAFTED):
        cohort, sessions = uuid.uuid4(), [uuid.uuid4() for _ in range(SESSIONS)]
        cohorts.append({"id": cohort, "programme_id": programme, "name": name, "region": CRAFTED_REGION,
                        "district": district, "facilitators": [facilitator], "start": started})
        for men, status, reason, came in lines:
            for _ in range(men):
                person, enrolment = uuid.uuid4(), uuid.uuid4()
                code = f"S-2025-{len(participants) + 1:06d}"
                participants.append({"id": person, "code": code, "name": f"Crafted participant {code}",
                                     "region": CRAFTED_REGION, "district": district})
                begun = status not in ("referred", "assessed", "excluded")
                # a dropout misses two sessions after the last he came to; a transfer leaves after the last
                statuses = ["present"] * came + (["unexcused"] * 2 if status == "exited" and reason != "transferred" else [])
                for n, mark in enumerate(statuses, start=1):
                    at = datetime(2025, 3, 3, 9, tzinfo=UTC) + timedelta(days=7 * (n - 1))
                    marks.append({"enrolment_id": enrolment, "session_id": sessions[n - 1], "number": n, "at": at,
                                  "status": mark, "recorded_at": at + timedelta(hours=3)})
                enrolments.append({
                    "id": enrolment, "participant_id": person, "cohort_id": cohort, "programme_id": programme,
                    "source": source, "inspector": f"insp-{number}", "psychologist": facilitator,
                    "region": CRAFTED_REGION, "district": district, "status": status, "reason": reason,
                    "enrolled_at": datetime(2025, 2, 24, 10, tzinfo=UTC) if begun else datetime(2025, 3, 3, 10, tzinfo=UTC),
                    "started_on": started if begun else None,
                    "finished_on": started + timedelta(days=90) if status in ("completed", "exited") else None,
                    "recorded": len(statuses), "attended": came, "excused": 0, "unexcused": len(statuses) - came,
                    "last_session": len(statuses) or None, "last_attended": came or None,
                })
    programmes = [{"id": programme, "lineage": programme, "name": "Samarqand statutory", "version": 1}]
    insert(url, programmes, cohorts, participants, enrolments, marks)


def insert(url: str, programmes: list[dict[str, Any]], cohorts: list[dict[str, Any]], participants: list[dict[str, Any]],
           enrolments: list[dict[str, Any]], marks: list[dict[str, Any]]) -> None:
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
        seed_crafted(stack.database_url("enrollment"))
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


@functools.cache
def seeded_men(url: str) -> tuple[Man, ...]:
    """Every enrolment of the database with its attendance marks, read once per database (every expected report
    reads them; this module's tests write nothing after the seed)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text("SELECT * FROM enrolment")).mappings()]
        marks = defaultdict(list)
        for mark in conn.execute(sa.text("SELECT * FROM attendance_record")).mappings():
            marks[mark["enrolment_id"]].append(dict(mark))
    engine.dispose()
    return tuple(Man(r, marks[r["id"]]) for r in rows)


def raw_population(url: str, region: str | None) -> list[Man]:
    first, last = (date.fromisoformat(PERIOD[k]) for k in ("from", "to"))
    return [m for m in seeded_men(url) if first <= m.started <= last and (region is None or m.row["region"] == region)]


@functools.cache
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


def raw_figures(men: list[Man]) -> dict[str, Any]:
    """A group's figures computed from the raw rows, none hidden, with what a reader may know besides (the
    worst case the report guards against): the others (referred or excluded), the exits that are not dropouts
    (transferred or died) and how many men an average attendance is over."""
    statuses = [m.row["status"] for m in men]
    dropouts = [m for m in men if m.is_dropout]
    ratios = [m.attendance for m in men if m.attendance is not None]
    sessions = [m.dropout_session for m in dropouts]
    counts = {"enrolments": len(men), "active": sum(s in ("assessed", "active", "suspended") for s in statuses),
              "completed": sum(s in ("completed", "closed") for s in statuses), "exited": statuses.count("exited"),
              "dropouts": len(dropouts)}
    return {**counts, "others": len(men) - counts["active"] - counts["completed"] - counts["exited"],
            "not_dropouts": counts["exited"] - counts["dropouts"], "men_averaged": len(ratios),
            "attendance_sum": math.fsum(ratios), "average_attendance": statistics.fmean(ratios) if ratios else None,
            "median_dropout_session": statistics.median(sessions) if sessions else None,
            "dropout_sessions": {str(s): sessions.count(s) for s in sorted(set(sessions))}}


def expected_report(url: str, group_by: str, region: str | None) -> dict[str | None, dict[str, Any]]:
    """{group key (None: the totals row): {key, label, total, raw}}, raw being its raw_figures."""
    men = raw_population(url, region)
    groups: dict[str, list[Man]] = defaultdict(list)
    for man in men:
        groups[group_key(man, group_by)].append(man)
    names = labels(url)
    out: dict[str | None, dict[str, Any]] = {}
    for key, members in groups.items():
        if group_by in names:
            label = names[group_by][key]
        elif group_by == "district":
            # as the JSON writes them without `lang`: in English where the places catalogue names them
            district = place_name(members[0].row["district"], "district", "en")
            label = district if region else f"{district}, {place_name(members[0].row['region'], 'region', 'en')}"
        elif group_by == "referral_source":
            label = {"protection_order": "Protection order", "court": "Court", "self_referral": "Self-referral",
                     "inspector_initiative": "Inspector's initiative"}[key]
        else:
            label = key
        out[key] = {"key": key, "label": label, "total": False, "raw": raw_figures(members)}
    out[None] = {"key": None, "label": "Total", "total": True, "raw": raw_figures(men)}
    return out


def assert_shown_faithfully(row: dict[str, Any], raw: dict[str, Any], min_cell: int = MIN_CELL) -> None:
    """Every figure a row shows is the one computed from the raw rows, every small one is hidden, and a rate,
    average or median is shown exactly when what it is computed over is. (Figures that are not small may be
    hidden too, beside small ones: which, and that no hidden one can be worked out, the attacks below test.)"""
    def small(n: int) -> bool:
        return 0 < n < min_cell

    where = row["label"]
    if small(raw["enrolments"]) or row["suppressed"]:
        assert row["suppressed"] is True and all(row[name] is None for name in FIGURES), where
        return
    assert row["enrolments"] == raw["enrolments"], where  # a group shown always shows its size
    for name in COUNTS:
        assert row[name] in (None, raw[name]), (where, name)
        assert not small(raw[name]) or row[name] is None, (where, name)
    histogram = row["dropout_sessions"]
    assert set(histogram) >= set(raw["dropout_sessions"]), where
    for session, n in histogram.items():  # a zero bin is there only hidden, as None
        assert n in (None, raw["dropout_sessions"].get(session)) and not (n is not None and small(n)), (where, session)
    completed, dropouts = row["completed"], row["dropouts"]
    if completed is None or dropouts is None or completed + dropouts == 0:
        assert row["completion_rate"] is None and row["dropout_rate"] is None, where
    else:
        assert row["completion_rate"] == pytest.approx(completed / (completed + dropouts), abs=1e-4), where
        assert row["dropout_rate"] == pytest.approx(dropouts / (completed + dropouts), abs=1e-4), where
    if raw["men_averaged"] < min_cell:
        assert row["average_attendance"] is None, where
    elif row["average_attendance"] is not None:
        assert row["average_attendance"] == pytest.approx(raw["average_attendance"], abs=1e-4), where
    if dropouts is None or dropouts < min_cell or None in histogram.values():
        assert row["median_dropout_session"] is None, where
    else:
        assert row["median_dropout_session"] == raw["median_dropout_session"], where


def report_rows(client: Any, bearer_token: str, group_by: str, **query: str) -> list[dict[str, Any]]:
    """The report's groups then its totals row, over HTTP."""
    response = client.get("/reports/completion", headers=bearer(bearer_token),
                          query_string={**PERIOD, "group_by": group_by, **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    return [*body["groups"], body["totals"]]


def raw_by_label(url: str, group_by: str, region: str | None) -> dict[str, dict[str, Any]]:
    return {entry["label"]: entry["raw"] for entry in expected_report(url, group_by, region).values()}


# -- working hidden figures out, as a reader could ---------------------------------------------------------
def primary_only(rows: list[dict[str, Any]], raw: dict[str, dict[str, Any]], min_cell: int = MIN_CELL) -> list[dict[str, Any]]:
    """The report with small cells hidden alone, and averages shown over any number of men, as the review found
    it (the same groups and labels as `rows`): what each attack below is shown to work on."""
    def shown(n: int) -> int | None:
        return None if 0 < n < min_cell else n

    out = []
    for row in rows:
        figures = raw[row["label"]]
        if 0 < figures["enrolments"] < min_cell:
            out.append({**row, "suppressed": True, **dict.fromkeys(FIGURES)})
            continue
        view = {**row, "suppressed": False, **{name: shown(figures[name]) for name in COUNTS}}
        view["dropout_sessions"] = {s: shown(n) for s, n in figures["dropout_sessions"].items()}
        view["average_attendance"] = figures["average_attendance"]
        completed, dropouts = view["completed"], view["dropouts"]
        decided = None if completed is None or dropouts is None or completed + dropouts == 0 else completed + dropouts
        view["completion_rate"] = None if decided is None else round(completed / decided, 4)
        view["dropout_rate"] = None if decided is None else round(dropouts / decided, 4)
        out.append(view)
    return out


def _figure(row: dict[str, Any], name: str) -> int | None:
    """A count, or a bin (name: the session, as text; a bin not there is zero), as a reader sees it."""
    if name in COUNTS:
        return row[name]
    histogram = row["dropout_sessions"]
    return None if histogram is None else histogram.get(name, 0)


def totals_minus_the_shown_groups(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Attack 1, across groups: where a column (a count or a bin) has exactly one figure hidden, it is the totals
    row's minus the groups' shown (or, hidden in the totals row, theirs added up)."""
    sessions = {s for row in rows for s in row["dropout_sessions"] or {}}
    found = {}
    for name in (*COUNTS, *sorted(sessions, key=int)):
        column = [_figure(row, name) for row in rows]
        hidden = [index for index, value in enumerate(column) if value is None]
        if len(hidden) == 1:
            groups_shown = sum(value for value in column[:-1] if value is not None)
            found[(rows[hidden[0]]["label"], name)] = groups_shown if hidden[0] == len(rows) - 1 else column[-1] - groups_shown
    return found


def from_the_rest_of_the_row(rows: list[dict[str, Any]], raw: dict[str, dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Attack 2, within a row: still in programme, completed or exited as enrolments minus the others and the
    two shown; dropouts as exited minus the exits that are not dropouts (or exited as dropouts plus them);
    completed or dropouts from a rate and the other. The reader is taken to know the counts the report leaves out."""
    found = {}
    for row in rows:
        if row["suppressed"]:
            continue
        label, known = row["label"], raw[row["label"]]
        parts = {name: row[name] for name in ("active", "completed", "exited")}
        missing = [name for name, value in parts.items() if value is None]
        if len(missing) == 1:
            found[(label, missing[0])] = row["enrolments"] - known["others"] - sum(v for v in parts.values() if v is not None)
        if row["dropouts"] is None and row["exited"] is not None:
            found[(label, "dropouts")] = row["exited"] - known["not_dropouts"]
        if row["exited"] is None and row["dropouts"] is not None:
            found[(label, "exited")] = row["dropouts"] + known["not_dropouts"]
        rate, completed, dropouts = row["completion_rate"], row["completed"], row["dropouts"]
        if rate is not None and 0 < rate < 1 and completed is not None and dropouts is None:
            found[(label, "dropouts")] = round(completed * (1 - rate) / rate)
        if rate is not None and 0 < rate < 1 and dropouts is not None and completed is None:
            found[(label, "completed")] = round(dropouts * rate / (1 - rate))
    return found


def dropouts_minus_the_shown_bins(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Attack 3, in a histogram: a lone hidden bin is the dropouts minus the bins shown (hidden dropouts, the
    bins added up)."""
    found = {}
    for row in rows:
        histogram = row["dropout_sessions"]
        if row["suppressed"] or histogram is None:
            continue
        hidden = [session for session, n in histogram.items() if n is None]
        if row["dropouts"] is not None and len(hidden) == 1:
            found[(row["label"], hidden[0])] = row["dropouts"] - sum(n for n in histogram.values() if n is not None)
        if row["dropouts"] is None and not hidden:
            found[(row["label"], "dropouts")] = sum(histogram.values())
    return found


def averages_over_few_men(rows: list[dict[str, Any]], raw: dict[str, dict[str, Any]]) -> dict[tuple[str, str], float]:
    """Attack 4, averages: an average attendance shown over fewer than MIN_CELL men, or a lone hidden one worked
    out from the totals row's and the other groups' (each weighted by the men it is over, taken as known)."""
    found = {(row["label"], "average_attendance"): row["average_attendance"] for row in rows
             if row["average_attendance"] is not None and raw[row["label"]]["men_averaged"] < MIN_CELL}
    hidden = [row for row in rows[:-1] if row["average_attendance"] is None and raw[row["label"]]["men_averaged"]]
    totals = rows[-1]
    if len(hidden) == 1 and totals["average_attendance"] is not None:
        men = {row["label"]: raw[row["label"]]["men_averaged"] for row in rows}
        others = sum(row["average_attendance"] * men[row["label"]] for row in rows[:-1] if row["average_attendance"] is not None)
        label = hidden[0]["label"]
        found[(label, "average_attendance")] = (totals["average_attendance"] * men[totals["label"]] - others) / men[label]
    return found


def worked_out(rows: list[dict[str, Any]], raw: list[dict[str, Any]]) -> dict[tuple[int, str], Fraction]:
    """Every hidden figure that the shown ones fix through any chain of the report's sums, with its value, for a
    reader who also knows each row's raw others, exits that are not dropouts and men averaged (`raw`, row by row):
    Gaussian elimination over the hidden figures. The sums: in each row enrolments = active + completed + exited
    + others, exited = dropouts + the exits that are not, dropouts = its bins; down each column (every count, every
    bin, and each average times its men) the totals row = the groups added up."""
    # a row hidden whole hides its bins at every session, those no row shows too: "elsewhere" stands for them
    sessions = [*sorted({s for row in rows for s in row["dropout_sessions"] or {}}, key=int), "elsewhere"]
    equations: list[tuple[dict[tuple[int, str], Fraction], Fraction]] = []

    def equation(*terms: tuple[int, str, int], constant: float = 0) -> None:
        unknowns: dict[tuple[int, str], Fraction] = defaultdict(Fraction)
        value = Fraction(constant)
        for index, name, coefficient in terms:
            row = rows[index]
            if name == "attendance":  # the sum of the ratios: the average shown times its men (known)
                hidden = row["average_attendance"] is None and raw[index]["men_averaged"] > 0
                shown = None if hidden else Fraction(raw[index]["attendance_sum"])
            else:
                shown = _figure(row, name)
            if shown is None:
                unknowns[(index, name)] += coefficient
            else:
                value -= coefficient * shown
        equations.append(({k: c for k, c in unknowns.items() if c}, value))

    last = len(rows) - 1
    for index, known in enumerate(raw):
        equation((index, "enrolments", 1), (index, "active", -1), (index, "completed", -1), (index, "exited", -1),
                 constant=known["others"])
        equation((index, "exited", 1), (index, "dropouts", -1), constant=known["not_dropouts"])
        equation((index, "dropouts", 1), *((index, s, -1) for s in sessions))
    for name in (*COUNTS, "attendance", *sessions):
        equation((last, name, 1), *((index, name, -1) for index in range(last)))
    solved: list[tuple[tuple[int, str], dict[tuple[int, str], Fraction], Fraction]] = []  # reduced row echelon form
    for unknowns, value in equations:
        for pivot, row_unknowns, row_value in solved:
            if pivot in unknowns:
                factor = unknowns[pivot]
                for k, c in row_unknowns.items():
                    unknowns[k] = unknowns.get(k, Fraction(0)) - factor * c
                value -= factor * row_value
                unknowns = {k: c for k, c in unknowns.items() if c}
        if not unknowns:
            continue
        pivot = min(unknowns)
        factor = unknowns[pivot]
        unknowns, value = {k: c / factor for k, c in unknowns.items()}, value / factor
        for i, (other, row_unknowns, row_value) in enumerate(solved):
            if pivot in row_unknowns:
                f = row_unknowns[pivot]
                merged = {k: row_unknowns.get(k, Fraction(0)) - f * unknowns.get(k, Fraction(0))
                          for k in {*row_unknowns, *unknowns}}
                solved[i] = (other, {k: c for k, c in merged.items() if c}, row_value - f * value)
        solved.append((pivot, unknowns, value))
    return {pivot: value for pivot, unknowns, value in solved if len(unknowns) == 1}


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
    # Not row == expected any more: complementary suppression hides some figures that are not small (beside small
    # ones, so that those cannot be worked out), so each row is checked figure by figure: what it shows is the raw
    # figure, what is small is hidden, rates, averages and medians follow what they are computed over.
    for key, row in got.items():
        assert (row["key"], row["label"], row["total"]) == (key, expected[key]["label"], key is None)
        assert_shown_faithfully(row, expected[key]["raw"])
    # the year's totals: each count shown where every quarter's own totals row shows it (then a year minus some of
    # its quarters tells only what those show); the region's totals are large: their enrolments always shown
    totals = expected[None]["raw"]
    by_quarter = [client.get("/reports/completion", headers=bearer(manager), query_string={
        "from": first, "to": last, "group_by": group_by}).get_json()["totals"] for first, last in QUARTERS]
    for name in COUNTS:
        every_quarter = all(quarter[name] is not None for quarter in by_quarter)
        assert body["totals"][name] == (totals[name] if every_quarter else None), name
    assert body["totals"]["enrolments"] == totals["enrolments"] and body["totals"]["completed"] == totals["completed"]
    assert [g["label"] for g in body["groups"]] == sorted((g["label"] for g in body["groups"]), key=str.casefold)
    assert 100 < body["totals"]["enrolments"] < 200  # the period leaves some of the 200 out


@pytest.mark.parametrize("group_by", ["programme", "cohort", "district", "referral_source", "facilitator"])
def test_the_json_answer_is_what_its_schema_writes_of_the_report(client, seeded, manager, group_by):
    """The route writes the report's rows as JSON itself (the schema's walk was most of a country's answer): byte for
    byte what flask-smorest answered by dumping them through CompletionReport."""
    from enrollment.api.reports import CompletionReport
    from enrollment.reports import Report

    response = client.get("/reports/completion", headers=bearer(manager), query_string={**PERIOD, "group_by": group_by})
    assert response.status_code == 200 and response.mimetype == "application/json"
    period = date.fromisoformat(PERIOD["from"]), date.fromisoformat(PERIOD["to"])
    engine = sa.create_engine(seeded.database_url("enrollment"))
    with engine.connect() as conn:
        rows = completion_report(conn, group_by=group_by, region=REGION, date_from=period[0], date_to=period[1],
                                 min_cell=MIN_CELL, time_zone=client.application.extensions["qadam_settings"].time_zone)
    engine.dispose()
    report = Report(group_by=group_by, region=REGION, date_from=period[0], date_to=period[1], min_cell=MIN_CELL,
                    groups=rows[:-1], totals=rows[-1])
    with client.application.app_context():
        dumped = client.application.json.response(CompletionReport().dump(report)).get_data()
    assert response.get_data() == dumped
    assert any(g["dropout_sessions"] for g in response.get_json()["groups"])  # histograms' keys written as the schema does


def test_administrator_sees_the_whole_country_or_the_region_asked_for(client, seeded, token):
    admin = token("admin-1", "administrator")
    url = seeded.database_url("enrollment")
    country = client.get("/reports/completion", headers=bearer(admin), query_string=PERIOD).get_json()
    assert country["region"] is None
    expected = expected_report(url, "programme", None)
    rows = {r["key"]: r for r in [*country["groups"], country["totals"]]}
    assert set(rows) == set(expected)
    for key, row in rows.items():  # figure by figure, as complementary suppression may hide more than small ones
        assert row["label"] == expected[key]["label"]
        assert_shown_faithfully(row, expected[key]["raw"])
    assert "Xorazm statutory v1" in {g["label"] for g in country["groups"]}
    districts = client.get("/reports/completion", headers=bearer(admin),
                           query_string={**PERIOD, "group_by": "district"}).get_json()
    karmana = next(g for g in districts["groups"] if g["key"] == "Navoiy viloyati/Karmana")  # the stored names
    assert karmana["label"] == "Karmana, Navoi Region"  # and in English, the JSON's language without `lang`
    in_russian = client.get("/reports/completion", headers=bearer(admin),
                            query_string={**PERIOD, "group_by": "district", "lang": "ru"}).get_json()
    assert {g["key"]: g["label"] for g in in_russian["groups"]}["Navoiy viloyati/Karmana"] == "Кармана, Навоийская область"
    one = client.get("/reports/completion", headers=bearer(admin), query_string={**PERIOD, "region": REGION}).get_json()
    assert one["region"] == REGION
    assert_shown_faithfully(one["totals"], expected_report(url, "programme", REGION)[None]["raw"])
    assert one["totals"]["enrolments"] == expected_report(url, "programme", REGION)[None]["raw"]["enrolments"]


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
    # The pilot is no longer the only group hidden whole (it was until complementary suppression): alone, its
    # size would be the totals row's minus the groups shown. The next-smallest group is hidden with it.
    hidden = [g for g in by_cohort["groups"] if g["suppressed"]]
    assert len(hidden) == 2 and min(g["enrolments"] for g in shown) >= 19  # Zarafshon A (19) went, B (19) stayed


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
    # figure by figure (complementary suppression may hide more than small cells), and the same totals
    expected = expected_report(seeded.database_url("enrollment"), "programme", OTHER_REGION)[None]
    assert_shown_faithfully(body["totals"], expected["raw"])
    assert body["totals"]["enrolments"] == expected["raw"]["enrolments"]
    for group_by in ("cohort", "district", "facilitator"):
        labels_seen = {g["label"] for g in client.get("/reports/completion", headers=bearer(other), query_string={
            **PERIOD, "group_by": group_by}).get_json()["groups"]}
        assert labels_seen <= {"Urganch A", "Urgench", "psy-urganch-1"}  # the district Urganch, in English
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


def test_a_national_analyst_reads_what_an_administrator_reads_of_the_country_and_of_any_region(client, token):
    analyst, admin = bearer(token("analyst-uz", "analyst")), bearer(token("admin-1", "administrator"))
    for asked in ({}, {"region": REGION}, {"region": OTHER_REGION}):
        for group_by in ("programme", "district", "facilitator"):
            query = {**PERIOD, **asked, "group_by": group_by}
            his = client.get("/reports/completion", headers=analyst, query_string=query)
            assert his.status_code == 200, his.text
            theirs = client.get("/reports/completion", headers=admin, query_string=query).get_json()
            assert unnamed(his.get_json()) == unnamed(theirs)
            if group_by != "facilitator":  # a facilitator he reads by a number (test_an_analyst_reads_no_name...)
                assert his.get_json() == theirs
    country = client.get("/reports/completion", headers=analyst, query_string=PERIOD).get_json()
    assert country["region"] is None and "Xorazm statutory v1" in {g["label"] for g in country["groups"]}
    download = client.get("/reports/completion", headers=analyst, query_string={**PERIOD, "format": "csv"})
    assert download.status_code == 200 and download.mimetype == "text/csv"


def test_a_regional_analyst_reads_his_regions_report_as_its_manager_does_and_no_other_region(client, token, manager):
    analyst = bearer(token("analyst-navoiy", "analyst", region=REGION))
    for group_by in ("programme", "cohort", "district"):
        query = {**PERIOD, "group_by": group_by}
        his = client.get("/reports/completion", headers=analyst, query_string=query)
        assert his.status_code == 200 and his.get_json()["region"] == REGION
        theirs = client.get("/reports/completion", headers=bearer(manager), query_string=query).get_json()
        assert unnamed(his.get_json()) == unnamed(theirs)
        if group_by != "cohort":
            assert his.get_json() == theirs
    assert client.get("/reports/completion", headers=analyst, query_string={**PERIOD, "region": REGION}).status_code == 200
    other = client.get("/reports/completion", headers=analyst, query_string={**PERIOD, "region": OTHER_REGION})
    assert other.status_code == 403 and other.mimetype == "application/problem+json"
    assert "An analyst sees the reports of their own region" in other.get_json()["detail"]


def unnamed(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A report's rows without their keys and labels, in an order that does not depend on them."""
    rows = [{k: v for k, v in row.items() if k not in ("key", "label")} for row in (*report["groups"], report["totals"])]
    return sorted(rows, key=repr)


TYPED_NAMES = [name for name, *_ in COHORTS] + [name for name, *_ in CRAFTED]
PSYCHOLOGISTS = [c[4] for c in COHORTS] + [c[2] for c in CRAFTED]


@pytest.mark.parametrize("analyst_area", [{}, {"region": REGION}])
def test_an_analyst_reads_no_name_a_manager_typed_and_no_psychologist_but_labels_that_name_no_one(
        client, seeded, token, manager, analyst_area):
    """Navoiy's cohorts all started on 6 January 2025 under its own programmes (names its manager typed): each is
    labelled by its number among those of its district, its district and Q1 2025, its programme unnamed; its
    five psychologists are numbered 1..5. Neither the JSON nor the downloads carry a cohort's name or id, or a
    psychologist's user id; a manager's answer still does."""
    analyst = bearer(token("analyst-labels", "analyst", **analyst_area))
    query = {**PERIOD, "region": REGION}
    for group_by in ("cohort", "facilitator"):
        for fmt in ("json", "csv"):
            text = client.get("/reports/completion", headers=analyst,
                              query_string={**query, "group_by": group_by, "format": fmt}).get_data(as_text=True)
            assert not any(secret in text for secret in TYPED_NAMES + PSYCHOLOGISTS), (group_by, fmt)
    with sa.create_engine(seeded.database_url("enrollment"), poolclass=sa.NullPool).connect() as conn:
        cohort_ids = [str(i) for i in conn.execute(sa.text("SELECT id FROM cohort")).scalars()]
    cohorts = client.get("/reports/completion", headers=analyst, query_string={**query, "group_by": "cohort"})
    assert not any(i in cohorts.get_data(as_text=True) for i in cohort_ids)
    report = cohorts.get_json()
    own = "a region's own programme"
    assert [g["label"] for g in report["groups"]] == [
        f"Cohort 1, Karmana, Q1 2025 ({own})", f"Cohort 2, Karmana, Q1 2025 ({own})",
        f"Cohort 1, Navbahor, Q1 2025 ({own})", f"Cohort 1, Nurota, Q1 2025 ({own})",
        f"Cohort 1, Zarafshon, Q1 2025 ({own})", f"Cohort 2, Zarafshon, Q1 2025 ({own})"]
    assert {g["key"] for g in report["groups"]} == {None}
    sizes = {g["label"]: g["enrolments"] for g in report["groups"]}
    assert sizes[f"Cohort 1, Navbahor, Q1 2025 ({own})"] is not None and sizes[f"Cohort 1, Nurota, Q1 2025 ({own})"] \
        is None  # the pilot too small to be shown, as for a manager
    staff = client.get("/reports/completion", headers=analyst, query_string={**query, "group_by": "facilitator"})
    # Karmana's two cohorts share one psychologist
    assert [g["label"] for g in staff.get_json()["groups"]] == [f"Psychologist {n}" for n in range(1, 6)]
    russian = client.get("/reports/completion", headers=analyst,
                         query_string={**query, "group_by": "facilitator", "lang": "ru"}).get_json()
    assert russian["groups"][0]["label"] == "Психолог 1"
    mine = bearer(manager)
    for group_by, names in (("cohort", [name for name, region, *_ in COHORTS if region == REGION]),
                            ("facilitator", [c[4] for c in COHORTS if c[1] == REGION])):
        text = client.get("/reports/completion", headers=mine,
                          query_string={**PERIOD, "group_by": group_by}).get_data(as_text=True)
        assert all(name in text for name in names), group_by


def test_an_analyst_reads_no_mans_record(client, seeded, token):
    with sa.create_engine(seeded.database_url("enrollment"), poolclass=sa.NullPool).connect() as conn:
        enrolment_id, participant_id, cohort_id = conn.execute(sa.text(
            "SELECT id, participant_id, cohort_id FROM enrolment WHERE region = :r LIMIT 1"), {"r": REGION}).one()
    records = ["/participants", f"/participants/{participant_id}", "/enrolments", f"/enrolments/{enrolment_id}",
               f"/enrolments/{enrolment_id}/transitions", f"/enrolments/{enrolment_id}/documents", "/protection-orders",
               "/cohorts", f"/cohorts/{cohort_id}", f"/cohorts/{cohort_id}/waiting-list", "/transfers",
               "/supported-enrolments", "/programmes", "/audit"]
    for analyst in (token("analyst-uz", "analyst"), token("analyst-navoiy", "analyst", region=REGION)):
        for path in records:
            response = client.get(path, headers=bearer(analyst))
            assert response.status_code == 403 and response.mimetype == "application/problem+json", (path, response.text)


def test_a_bad_period_or_grouping_is_a_422_naming_the_field(client, manager):
    backwards = client.get("/reports/completion", headers=bearer(manager), query_string={"from": "2025-12-31",
                                                                                         "to": "2025-01-01"})
    assert backwards.status_code == 422 and "from" in backwards.get_json()["errors"]
    unknown = client.get("/reports/completion", headers=bearer(manager), query_string={"group_by": "mahalla"})
    assert unknown.status_code == 422 and "group_by" in unknown.get_json()["errors"]
    bad_format = client.get("/reports/completion", headers=bearer(manager), query_string={"format": "pdf"})
    assert bad_format.status_code == 422 and "format" in bad_format.get_json()["errors"]


def test_period_defaults_to_the_four_quarters_that_end_with_today_s(client, manager):
    body = client.get("/reports/completion", headers=bearer(manager)).get_json()
    today = datetime.now(TASHKENT).date()
    first, last = date.fromisoformat(body["from"]), date.fromisoformat(body["to"])
    assert first.day == 1 and first.month in (1, 4, 7, 10) and (last + timedelta(days=1)).month in (1, 4, 7, 10)
    assert last - timedelta(days=92) < today <= last
    assert (last.year - first.year) * 12 + last.month - first.month == 11


@pytest.mark.parametrize(("query", "field"), [({"from": "2025-01-02", "to": "2025-12-31"}, "from"),
                                              ({"from": "2025-01-01", "to": "2025-12-30"}, "to"),
                                              ({"to": "2025-06-15"}, "to")])
def test_a_period_that_is_not_whole_quarters_is_a_422_naming_the_day(client, manager, query, field):
    """Days could be differenced into a day's figures, which its own report hides: a period is whole quarters."""
    response = client.get("/reports/completion", headers=bearer(manager), query_string=query)
    assert response.status_code == 422
    problem = response.get_json()
    assert list(problem["errors"]) == [field] and "quarter" in problem["errors"][field][0]
    assert response.headers["Content-Type"].startswith("application/problem+json")


def _parsed(rows: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """Download rows -> {label: {heading: value}} (values as the file holds them)."""
    heading, *body = rows
    return {row[0]: dict(zip(heading, row, strict=True)) for row in body}


def _same_figures(download: dict[str, dict[str, Any]], report: dict[str, Any], number: Any,
                  w: Words = ENGLISH) -> None:
    """Each row of a download in `w`'s language holds the JSON report's figures; `number(cell)` reads a cell back
    (None: empty)."""
    rows = [*report["groups"], report["totals"]]
    assert list(download) == [w.gettext(r["label"]) if r["total"] else r["label"] for r in rows]
    columns = {"Enrolments": "enrolments", "Still in programme": "active", "Completed": "completed", "Exited": "exited",
               "Dropped out": "dropouts", "Completion rate": "completion_rate", "Dropout rate": "dropout_rate",
               "Average attendance": "average_attendance", "Median session of dropping out": "median_dropout_session"}
    sessions = sorted({int(s) for r in rows for s in (r["dropout_sessions"] or {})})
    for row in rows:
        cells = download[w.gettext(row["label"]) if row["total"] else row["label"]]
        assert cells[w.gettext("Suppressed")] == w.gettext("yes" if row["suppressed"] else "no")
        assert (cells[w.gettext("Key")] or None) == row["key"]
        for heading, name in columns.items():
            assert number(cells[w.gettext(heading)]) == row[name], (row["label"], heading)
        for session in sessions:
            value = number(cells[w.gettext("Dropped out at session %(n)s", n=session)])
            histogram = row["dropout_sessions"]
            assert value == (None if histogram is None else histogram.get(str(session), 0)), (row["label"], session)


def test_csv_download_parses_back_to_the_same_figures(client, manager):
    query = {**PERIOD, "group_by": "district", "lang": "en"}
    report = client.get("/reports/completion", headers=bearer(manager), query_string=query).get_json()
    response = client.get("/reports/completion", headers=bearer(manager), query_string={**query, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="qadam-completion-by-district-2025-01-01-to-2025-12-31-en.csv"')
    assert response.data.startswith(b"\xef\xbb\xbf")  # so Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "District"

    def number(cell: str) -> float | None:
        return None if cell == "" else float(cell)

    _same_figures(_parsed(rows), report, number)


def test_xlsx_download_parses_back_to_the_same_figures(client, manager):
    query = {**PERIOD, "group_by": "cohort", "lang": "en"}
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
    assert about["Region"] == "Navoi Region" and about["Smallest cell shown"] == MIN_CELL  # REGION, in English


# Each language's first three headings of a report by district, and its CSV's separator.
IN_EACH_LANGUAGE = {
    "uz-Latn": (["Tuman", "Kalit", "Yashirilgan"], ";", ("Yakunlash", "Hisobot haqida")),
    "uz-Cyrl": (["Туман", "Калит", "Яширилган"], ";", ("Якунлаш", "Ҳисобот ҳақида")),
    "ru": (["Район", "Ключ", "Скрыто"], ";", ("Завершение", "Об отчёте")),
    "kaa": (["Rayon", "Gilt", "Jasırılǵan"], ";", ("Juwmaqlaw", "Esabat haqqında")),
    "kaa-Cyrl": (["Район", "Гилт", "Жасырылған"], ";", ("Жуўмақлаў", "Есабат ҳаққында")),
    "en": (["District", "Key", "Suppressed"], ",", ("Completion", "About")),
}


def test_every_language_has_its_expectations_here():
    assert set(IN_EACH_LANGUAGE) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_csv_download_is_in_the_language_asked_for_with_its_separator_and_numbers(client, manager, language):
    headings, separator, _sheets = IN_EACH_LANGUAGE[language]
    w = words("enrollment", language)
    query = {**PERIOD, "group_by": "district", "lang": language}  # the districts named as the download names them
    report = client.get("/reports/completion", headers=bearer(manager), query_string=query).get_json()
    response = client.get("/reports/completion", headers=bearer(manager), query_string={**query, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'-{language}.csv"')
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM, in every language
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith(separator.join(headings) + separator)
    rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    assert rows[0][:3] == headings

    def number(cell: str) -> float | None:
        assert "." not in cell or w.decimal_symbol == "."  # a decimal comma where the language writes one
        return None if cell == "" else float(cell.replace(w.decimal_symbol, "."))

    _same_figures(_parsed(rows), report, number, w)
    rates = [cell for row in rows[1:] for cell in row[8:11] if cell]
    assert rates and all(("," in c) == (separator == ";") for c in rates if not c.isdigit())


@pytest.mark.parametrize("language", LANGUAGES)
def test_xlsx_download_has_sheet_names_headings_and_notes_in_the_language_asked_for(client, manager, language):
    headings, _separator, sheets = IN_EACH_LANGUAGE[language]
    w = words("enrollment", language)
    query = {**PERIOD, "group_by": "district", "lang": language}  # the districts named as the download names them
    report = client.get("/reports/completion", headers=bearer(manager), query_string=query).get_json()
    response = client.get("/reports/completion", headers=bearer(manager), query_string={**query, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == list(sheets)
    rows = [list(r) for r in book[sheets[0]].iter_rows(values_only=True)]
    assert rows[0][:3] == headings
    _same_figures(_parsed(rows), report, lambda cell: cell, w)  # numbers stay numbers
    # the first rate shown (the districts sort as the language names them: the first row may be a suppressed one)
    rate = next(cell for cell in book[sheets[0]]["I"][1:] if cell.value is not None)
    assert isinstance(rate.value, float) and rate.number_format == "0.0%"
    about = {r[0]: r[1] for r in book[sheets[1]].iter_rows(values_only=True)}
    assert about[w.gettext("Region")] == place_name(REGION, "region", language) and about[
        w.gettext("Smallest cell shown")] == MIN_CELL
    assert (about[w.gettext("Region")] == REGION) == (language == "uz-Latn")  # the stored name in Uzbek Latin only
    assert about[w.gettext("Empty cells")].startswith(w.gettext("Suppressed") + " (")
    if language != "en":
        assert "Region" not in about and "Suppressed" not in about[w.gettext("Empty cells")]


@pytest.mark.parametrize(("language", "day", "rate"), [
    ("ru", "1 янв. 2025\u202fг.", ","), ("kaa", "01.01.2025", ","), ("en", "Jan 1, 2025", ".")])
def test_a_date_and_a_number_read_the_same_in_the_download_and_through_the_words_for_a_page(
        client, manager, language, day, rate):
    w = words("enrollment", language)
    query = {**PERIOD, "group_by": "district", "lang": language}
    report = client.get("/reports/completion", headers=bearer(manager), query_string=query).get_json()
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        "/reports/completion", headers=bearer(manager), query_string={**query, "format": "xlsx"}).data))
    about = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert about[w.gettext("Started from")] == w.format_date(date(2025, 1, 1)) == day
    text = client.get("/reports/completion", headers=bearer(manager), query_string={**query, "format": "csv"}).data
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=w.list_separator))
    # a row whose rate is shown (the region's own may be hidden beside another region's small cells)
    shown = [(i, row["completion_rate"]) for i, row in enumerate([*report["groups"], report["totals"]])
             if row["completion_rate"] not in (None, 0, 1)]
    number, completion = shown[-1]
    line = rows[1 + number]
    assert line[rows[0].index(w.gettext("Completion rate"))] == w.format_number(completion, grouping=False)
    assert rate in w.format_number(completion, grouping=False)


def test_a_language_qadam_does_not_speak_is_a_422_naming_lang(client, manager):
    answer = client.get("/reports/completion", headers=bearer(manager), query_string={"format": "csv", "lang": "de"})
    assert answer.status_code == 422 and "lang" in answer.get_json()["errors"]


def test_a_download_without_lang_is_in_uzbek_latin(client, manager):
    answer = client.get("/reports/completion", headers=bearer(manager), query_string={**PERIOD, "format": "csv"})
    assert answer.data.decode("utf-8-sig").startswith("Dastur;Kalit;Yashirilgan;")


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
    rows = list(csv.reader(io.StringIO(csv_file(report, "en").decode("utf-8-sig"))))
    assert rows[1][0] == "'" + name  # a leading quote: Excel shows the text instead of running it
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_file(report, "en")))["Completion"]
    assert sheet["A2"].value == name and sheet["A2"].data_type == "s"


def test_median_of_a_histogram_is_the_median_of_the_values_it_counts():
    from enrollment.reports import median_of

    rng = random.Random(7)
    for _ in range(200):
        values = [rng.randint(0, 12) for _ in range(rng.randint(1, 15))]
        assert median_of({v: values.count(v) for v in set(values)}) == statistics.median(values)
    assert median_of({}) is None


# -- complementary suppression: each way of working a hidden figure out, tried and failing ---------------
@pytest.fixture
def samarqand(token):
    return token("mgr-samarqand", "manager", region=CRAFTED_REGION)


def test_a_lone_suppressed_group_cannot_be_worked_out_as_the_totals_minus_the_shown_groups(
        client, seeded, samarqand, manager):
    url = seeded.database_url("enrollment")
    for group_by, lone, next_smallest in (("cohort", PILOT, "Samarqand C"), ("district", "Kattakurgan", "Urgut"),
                                          ("facilitator", "psy-kattaqorgon-1", "psy-samarqand-3")):
        rows, raw = report_rows(client, samarqand, group_by), raw_by_label(url, group_by, CRAFTED_REGION)
        # small cells hidden alone: the pilot's 3 men are the totals row's 114 minus the groups shown
        before = totals_minus_the_shown_groups(primary_only(rows, raw))
        assert before[(lone, "enrolments")] == raw[lone]["enrolments"] == 3
        assert before[(lone, "completed")] == raw[lone]["completed"] == 2
        # now the next-smallest group is hidden whole beside it, and subtraction gives the two together
        assert [row["label"] for row in rows if row["suppressed"]] == sorted([lone, next_smallest], key=str.casefold)
        assert totals_minus_the_shown_groups(rows) == {}
        together = rows[-1]["enrolments"] - sum(row["enrolments"] for row in rows[:-1] if not row["suppressed"])
        assert together == raw[lone]["enrolments"] + raw[next_smallest]["enrolments"] != raw[lone]["enrolments"]
    # the Navoiy seed: its Nurota pilot (2 men) was alone too
    for group_by in ("cohort", "district", "facilitator"):
        rows, raw = report_rows(client, manager, group_by), raw_by_label(url, group_by, REGION)
        assert totals_minus_the_shown_groups(primary_only(rows, raw))
        assert totals_minus_the_shown_groups(rows) == {}
        assert sum(row["suppressed"] for row in rows) == 2


def test_a_hidden_count_cannot_be_worked_out_from_the_rest_of_its_row(client, seeded, samarqand, manager):
    url = seeded.database_url("enrollment")
    rows, raw = report_rows(client, samarqand, "cohort"), raw_by_label(url, "cohort", CRAFTED_REGION)
    before = from_the_rest_of_the_row(primary_only(rows, raw), raw)
    # small cells hidden alone: Samarqand B's 3 dropouts are its 8 exits minus the 5 transferred, Urgut A's 2
    # still in the programme its 25 enrolments minus 12 completed, 6 exited and the 5 excluded
    assert before[("Samarqand B", "dropouts")] == raw["Samarqand B"]["dropouts"] == 3
    assert before[("Urgut A", "active")] == raw["Urgut A"]["active"] == 2
    assert from_the_rest_of_the_row(rows, raw) == {}
    by_label = {row["label"]: row for row in rows}
    assert by_label["Samarqand B"]["dropouts"] is None and by_label["Samarqand B"]["exited"] is None
    urgut = by_label["Urgut A"]
    assert urgut["active"] is None and [urgut["completed"], urgut["exited"]].count(None) >= 1
    assert urgut["enrolments"] == 25  # the row is shown, its size too; what is left of it is two hidden counts
    # every grouping of both seeded regions
    for group_by in ("programme", "cohort", "district", "referral_source", "facilitator"):
        for bearer_token, region in ((samarqand, CRAFTED_REGION), (manager, REGION)):
            rows, raw = report_rows(client, bearer_token, group_by), raw_by_label(url, group_by, region)
            assert from_the_rest_of_the_row(rows, raw) == {}, (group_by, region)


def test_a_hidden_histogram_bin_cannot_be_worked_out_as_the_dropouts_minus_the_shown_bins(
        client, seeded, samarqand, manager):
    url = seeded.database_url("enrollment")
    rows, raw = report_rows(client, samarqand, "cohort"), raw_by_label(url, "cohort", CRAFTED_REGION)
    # small cells hidden alone: Samarqand A's 3 dropouts at session 7 are its 14 minus 6 at session 2 and 5 at
    # session 4; the same 3 in the totals row, 23 - 9 - 6 - 5
    before = dropouts_minus_the_shown_bins(primary_only(rows, raw))
    assert before[("Samarqand A", "7")] == before[("Total", "7")] == 3 == raw["Samarqand A"]["dropout_sessions"]["7"]
    assert dropouts_minus_the_shown_bins(rows) == {}
    histogram = {row["label"]: row["dropout_sessions"] for row in rows}
    # the next-smallest bin (5 at session 4) is hidden beside the 3, in the group and in the totals row
    assert histogram["Samarqand A"]["7"] is None and histogram["Samarqand A"]["4"] is None
    assert histogram["Total"]["7"] is None and histogram["Total"]["4"] is None and histogram["Total"]["3"] == 6
    assert rows[-1]["dropouts"] == 23 and rows[-1]["median_dropout_session"] is None  # bins hidden: no median
    for group_by in ("programme", "cohort", "district", "referral_source", "facilitator"):
        for bearer_token in (samarqand, manager):
            assert dropouts_minus_the_shown_bins(report_rows(client, bearer_token, group_by)) == {}, group_by


def test_an_average_attendance_over_fewer_than_min_cell_men_is_hidden_and_cannot_be_worked_out(
        client, seeded, samarqand, manager):
    url = seeded.database_url("enrollment")
    rows, raw = report_rows(client, samarqand, "referral_source"), raw_by_label(url, "referral_source", CRAFTED_REGION)
    assert raw["Court"]["men_averaged"] == 3 and raw["Court"]["enrolments"] == 12  # Urgut B: 3 men with a mark
    before = averages_over_few_men(primary_only(rows, raw), raw)
    assert before[("Court", "average_attendance")] == pytest.approx(raw["Court"]["average_attendance"])
    after = {row["label"]: row for row in rows}
    assert after["Court"]["average_attendance"] is None and after["Court"]["enrolments"] == 12
    # hidden alone, it would be the totals row's average times its men minus the other groups': the next-smallest
    # average (Self-referral, over 10 men) is hidden beside it
    assert after["Self-referral"]["average_attendance"] is None and after["Self-referral"]["enrolments"] == 10
    assert after["Protection order"]["average_attendance"] is not None and after["Total"]["average_attendance"] is not None
    assert averages_over_few_men(rows, raw) == {}
    for group_by in ("programme", "cohort", "district", "referral_source", "facilitator"):
        for bearer_token, region in ((samarqand, CRAFTED_REGION), (manager, REGION)):
            rows, raw = report_rows(client, bearer_token, group_by), raw_by_label(url, group_by, region)
            assert averages_over_few_men(rows, raw) == {}, (group_by, region)
            for row in rows:
                assert_shown_faithfully(row, raw[row["label"]])  # rates and medians: only over what is shown


@pytest.mark.parametrize("min_cell", [3, 5, 10])
def test_no_hidden_figure_can_be_worked_out_by_any_chain_of_sums(seeded, min_cell):
    """The attacks above one sum at a time, and every combination of them: for every region, the whole country
    and every grouping, Gaussian elimination over the hidden figures fixes none of them. (Checked on the report
    with small cells hidden alone, it does fix them, at their true values: the attacker is sound.)"""
    url = seeded.database_url("enrollment")
    engine = sa.create_engine(url)
    checked = found_before = 0
    try:
        with engine.connect() as conn:
            for region in (REGION, OTHER_REGION, CRAFTED_REGION, None):
                for group_by in ("programme", "cohort", "district", "referral_source", "facilitator"):
                    rows = [{**row, "dropout_sessions": None if row["dropout_sessions"] is None else
                             {str(s): n for s, n in row["dropout_sessions"].items()}}
                            for row in completion_report(conn, group_by=group_by, region=region, date_from=date(2025, 1, 1),
                                                         date_to=date(2025, 12, 31), min_cell=min_cell)]
                    expected = expected_report(url, group_by, region)
                    raw = [expected[row["key"]]["raw"] for row in rows]
                    for row, figures in zip(rows, raw, strict=True):
                        assert_shown_faithfully(row, figures, min_cell)
                    hidden = sum(row[name] is None for row in rows for name in COUNTS)
                    assert worked_out(rows, raw) == {}, (region, group_by)
                    checked += hidden
                    before = primary_only(rows, {row["label"]: figures for row, figures in zip(rows, raw, strict=True)},
                                          min_cell)
                    for (index, name), value in worked_out(before, raw).items():
                        true = raw[index]["attendance_sum"] if name == "attendance" else _figure(raw[index], name)
                        assert float(value) == pytest.approx(true), (region, group_by, rows[index]["label"], name)
                        found_before += 1
    finally:
        engine.dispose()
    assert checked > 50 and found_before > 10  # many figures hidden; with small cells hidden alone, many found


def test_complementary_suppression_leaves_nothing_to_work_out_on_random_reports():
    """`suppress` on 300 random reports (1 to 20 groups, sizes from 1 to 80, histograms of up to 9 sessions, a
    smallest cell of 3, 5 or 10): no hidden figure is fixed by the shown ones. The one exception, documented: in a
    report where nobody dropped out at all (it says so: no dropouts, an empty histogram), a reader who knows how
    many men were transferred or died knows how many exited."""
    rng = random.Random(561)
    for _ in range(300):
        min_cell = rng.choice([3, 5, 10])
        rows = []
        for number in range(rng.choice([1, 2, 3, 4, 6, 10, 20])):
            size = rng.choice([1, 2, 3, 4, 6, 8, 12, 20, 40, 80])
            active = rng.randint(0, size)
            completed = rng.randint(0, size - active)
            exited = rng.randint(0, size - active - completed)
            dropouts = rng.randint(0, exited)
            sessions = [rng.randrange(rng.choice([2, 4, 9])) for _ in range(dropouts)]
            men = rng.randint(0, active + completed + exited)
            rows.append({"key": str(number), "label": f"group {number}", "total": False, "enrolments": size,
                         "active": active, "completed": completed, "exited": exited, "dropouts": dropouts,
                         "average_attendance": 0.75 if men else None, "attendance_men": men,
                         "dropout_sessions": {s: sessions.count(s) for s in sorted(set(sessions))}})
        totals: dict[str, Any] = {"key": None, "label": "Total", "total": True}
        for name in (*COUNTS, "attendance_men"):
            totals[name] = sum(row[name] for row in rows)
        totals["dropout_sessions"] = {s: sum(row["dropout_sessions"].get(s, 0) for row in rows)
                                      for s in sorted({s for row in rows for s in row["dropout_sessions"]})}
        totals["average_attendance"] = 0.75 if totals["attendance_men"] else None
        rows.append(totals)
        shown = [{**row, "dropout_sessions": None if row["dropout_sessions"] is None else
                  {str(s): n for s, n in row["dropout_sessions"].items()}} for row in suppress(rows, min_cell)]
        raw = [{"others": row["enrolments"] - row["active"] - row["completed"] - row["exited"],
                "not_dropouts": row["exited"] - row["dropouts"], "men_averaged": row["attendance_men"],
                "attendance_sum": 0.75 * row["attendance_men"]} for row in rows]
        fixed = worked_out(shown, raw)
        if totals["dropouts"] == 0:  # the exception: then exited = the exits that are not dropouts, known
            fixed = {cell: value for cell, value in fixed.items() if cell[1] not in ("exited", "dropouts")}
        assert fixed == {}, (min_cell, rows, shown)


def test_the_figures_hidden_beside_a_small_one_are_the_next_smallest():
    def group(label: str, enrolments: int, histogram: dict[int, int] | None = None, men: int = 20) -> dict[str, Any]:
        dropouts = sum((histogram or {}).values())
        return {"key": label, "label": label, "total": False, "enrolments": enrolments, "active": 0,
                "completed": enrolments - dropouts, "exited": dropouts, "dropouts": dropouts,
                "average_attendance": 0.8, "attendance_men": min(men, enrolments), "dropout_sessions": histogram or {}}

    def with_totals(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
        totals = {**group("Total", sum(g["enrolments"] for g in groups)), "key": None, "total": True}
        for name in (*COUNTS, "attendance_men"):
            totals[name] = sum(g[name] for g in groups)
        totals["dropout_sessions"] = {s: sum(g["dropout_sessions"].get(s, 0) for g in groups)
                                      for s in sorted({s for g in groups for s in g["dropout_sessions"]})}
        return [*groups, totals]

    # (1) one group too small: the next-smallest (8, not 20 or 40) is hidden whole with it
    shown = suppress(with_totals([group("a", 40), group("b", 3), group("c", 8), group("d", 20)]), MIN_CELL)
    assert [row["label"] for row in shown if row["suppressed"]] == ["b", "c"]
    # (3) one small bin (3 at session 7): the next-smallest bin (5 at session 4) is hidden, 6 at session 2 shown
    shown = suppress(with_totals([group("a", 30, {2: 6, 4: 5, 7: 3})]), MIN_CELL)
    assert shown[0]["dropout_sessions"] == shown[1]["dropout_sessions"] == {2: 6, 4: None, 7: None}
    assert shown[0]["dropouts"] == 14 and shown[0]["median_dropout_session"] is None
    # (4) an average over 4 men is hidden, and beside it the next-smallest (over 6 men, not 30)
    shown = suppress(with_totals([group("a", 40, men=30), group("b", 10, men=4), group("c", 12, men=6)]), MIN_CELL)
    assert [row["average_attendance"] for row in shown] == [0.8, None, None, 0.8]
    # (2) one count of a row small (2 still in the programme): the smallest other count of the row (8 exited, not
    # 30 completed) goes with it, and with the exits their dropouts (8, all at session 1) and so their one bin
    rows = with_totals([group("a", 40, {1: 8}), group("b", 40, {1: 8})])
    for row in rows:
        row.update(active=row["active"] + (4 if row["total"] else 2), completed=row["completed"] - (4 if row["total"] else 2))
    shown = suppress(rows, MIN_CELL)
    assert [(row["active"], row["completed"], row["exited"], row["dropouts"], row["dropout_sessions"]) for row in shown] == [
        (None, 30, None, None, {1: None}), (None, 30, None, None, {1: None}), (None, 60, None, None, {1: None})]


@pytest.mark.parametrize(("name", "day"), [("to", "9999-12-31"), ("from", "0001-01-01"), ("to", "0001-01-01"),
                                           ("from", "2101-01-01")])
def test_a_date_outside_1900_to_2100_in_the_query_is_a_422_not_a_500(client, manager, name, day):
    response = client.get("/reports/completion", headers=bearer(manager), query_string={name: day})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert name in response.get_json()["errors"]


@pytest.mark.parametrize("group_by", ["referral_source", "programme"])
def test_the_json_s_own_labels_are_in_the_language_asked_for_names_people_typed_as_typed(client, manager, group_by):
    w = words("enrollment", "ru")
    query = {**PERIOD, "group_by": group_by}
    english = client.get("/reports/completion", headers=bearer(manager), query_string=query).get_json()
    russian = client.get("/reports/completion", headers=bearer(manager), query_string={**query, "lang": "ru"})
    assert russian.status_code == 200
    report = russian.get_json()
    assert report["totals"]["label"] == w.gettext("Total") != "Total"
    said = {row["key"]: row for row in report["groups"]}
    for row in english["groups"]:  # the same figures; the region's programmes (none a shipped template's) as typed
        expected = w.gettext(row["label"]) if group_by == "referral_source" else row["label"]
        assert said[row["key"]] == {**row, "label": expected}
    if group_by == "referral_source":
        assert said["court"]["label"] != "Court"
    assert client.get("/reports/completion", headers=bearer(manager),
                      query_string={**query, "lang": "de"}).status_code == 422
