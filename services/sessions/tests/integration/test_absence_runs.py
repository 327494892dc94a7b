"""His runs of unexcused absences, published by sessions with every mark and correction, on the real database: the
version rises with each change of his marks, and a recording that commits after another reads its mark."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from qadam.auth import Principal, Role
from qadam.db import make_engine, make_session_factory, transaction
from qadam_testing import bearer, seed_sessions_cohort
from sessions.commands import record_attendance
from sessions.domain.attendance import AttendanceStatus, MarkRequest

URGUT = {"region": "Samarqand viloyati", "district": "Urgut"}


@pytest.fixture
def group(stack):
    engine = make_engine(stack.database_url("sessions"))
    cohort, psy, him = uuid.uuid4(), f"psy-{uuid.uuid4().hex[:6]}", uuid.uuid4()
    with engine.begin() as c:
        seed_sessions_cohort(c, cohort_id=cohort, **URGUT, facilitator_ids=[psy], roster={him: "P-2026-710001"})
    yield {"cohort": cohort, "psy": psy, "him": him, "engine": engine, "factory": make_session_factory(engine)}
    with engine.begin() as c:  # he exists nowhere else: keep his events off the shared bus
        c.execute(sa.text("DELETE FROM outbox WHERE envelope->'data'->>'enrolment_id' = :e"), {"e": str(him)})
    engine.dispose()


def schedule(client, group, token, number: int, days_ago: int) -> str:
    r = client.post(f"/cohorts/{group['cohort']}/sessions", headers=bearer(token(group["psy"], "psychologist", **URGUT)),
                    json={"number": number, "scheduled_at": (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["id"]


def published_runs(group) -> list[dict]:
    """The runs carried by his attendance events, in the order they were written."""
    with group["engine"].connect() as c:
        return c.execute(sa.text(
            "SELECT envelope->'data'->'absence_runs' FROM outbox WHERE envelope->'data'->>'enrolment_id' = :e "
            "AND routing_key LIKE 'sessions.attendance.%' ORDER BY seq"), {"e": str(group["him"])}).scalars().all()


def in_group(runs: dict) -> list[list[int]]:
    [over] = [o for o in runs["by_session_kinds"] if o["session_kinds"] == ["group"]]
    return [[a["session_number"] for a in run["absences"]] for run in over["runs"]]


def test_each_mark_and_correction_publishes_his_runs_with_a_higher_version(app_for, token, group):
    client = app_for("sessions").test_client()
    psy = bearer(token(group["psy"], "psychologist", **URGUT))
    sessions = [schedule(client, group, token, n, days_ago=10 - 3 * n) for n in (1, 2, 3)]
    for sid, status in zip(sessions, ["unexcused", "unexcused", "present"], strict=True):
        r = client.post(f"/sessions/{sid}/attendance", headers=psy,
                        json={"marks": [{"enrolment_id": str(group["him"]), "status": status}]})
        assert r.status_code == 201, r.get_data(as_text=True)
    amended = client.post(f"/sessions/{sessions[1]}/attendance/{group['him']}/amendments", headers=psy, json={
        "status": "excused", "excuse_reason": "in hospital", "reason": "the family called the centre that day"})
    assert amended.status_code == 201, amended.get_data(as_text=True)
    runs = published_runs(group)
    assert [r["version"] for r in runs] == [1, 2, 3, 4]
    assert [in_group(r) for r in runs] == [[[1]], [[1, 2]], [[1, 2]], [[1]]]
    assert [(r["curriculum"]["current"], r["curriculum"]["longest"]) for r in runs] == [(1, 1), (2, 2), (0, 2), (0, 1)]
    assert len(runs[-1]["by_session_kinds"]) == 15  # every combination of session kinds a rule may count


def test_a_recording_committed_after_another_reads_its_mark_and_publishes_the_higher_version(app_for, token, group):
    client = app_for("sessions").test_client()
    first, second = (schedule(client, group, token, n, days_ago=9 - 3 * n) for n in (1, 2))
    psy = Principal(group["psy"], Role.PSYCHOLOGIST, region=URGUT["region"], district=URGUT["district"])
    absent = [MarkRequest(str(group["him"]), AttendanceStatus.UNEXCUSED, None)]

    def record(session_id: str) -> None:
        with transaction(group["factory"]) as s:
            record_attendance(s, session_id=uuid.UUID(session_id), marks=absent, recorded_by=psy,
                              now=datetime.now(UTC), zone=UTC)

    with transaction(group["factory"]) as s:  # the first recording holds his version until it commits
        record_attendance(s, session_id=uuid.UUID(first), marks=absent, recorded_by=psy, now=datetime.now(UTC),
                          zone=UTC)
        other = threading.Thread(target=record, args=(second,))
        other.start()  # it waits for this commit, then reads the mark of session 1
    other.join(timeout=30)
    assert not other.is_alive()
    runs = published_runs(group)
    assert sorted((r["version"], in_group(r)) for r in runs) == [(1, [[1]]), (2, [[1, 2]])]
