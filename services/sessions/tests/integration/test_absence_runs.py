"""His runs of unexcused absences, published by sessions with every mark and correction, on the real database: the
version rises with each change of his marks, and a recording that commits after another reads its mark."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam.errors import Problem
from qadam_contracts.roles import ACCESS_POLICY, Role
from qadam_testing import bearer, seed_sessions_cohort, wait_until
from sessions.commands import SessionMove, change_session, record_attendance
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
    [over] = [o for o in runs["by_session_kinds"] if ["group"] in o["session_kinds"]]
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
    # his runs are in group sessions only: the same over the 8 combinations (of 15) counting them, published once
    [kept] = [o["session_kinds"] for o in runs[-1]["by_session_kinds"]]
    assert len(kept) == 8 and all("group" in kinds for kinds in kept)
    assert all(o["runs"] for r in runs for o in r["by_session_kinds"])  # an empty combination is left out


def test_a_recording_committed_after_another_reads_its_mark_and_publishes_the_higher_version(app_for, token, group):
    client = app_for("sessions").test_client()
    first, second = (schedule(client, group, token, n, days_ago=9 - 3 * n) for n in (1, 2))
    psy = ACCESS_POLICY.principal(group["psy"], Role.PSYCHOLOGIST, region=URGUT["region"], district=URGUT["district"])
    absent = [MarkRequest(str(group["him"]), AttendanceStatus.UNEXCUSED, None)]

    def record(session_id: str):
        return lambda s: record_attendance(s, session_id=uuid.UUID(session_id), marks=absent, recorded_by=psy,
                                           now=datetime.now(UTC), zone=UTC)

    # the first recording holds his version row until it commits: the second is seen waiting for it, then reads
    # the mark of session 1
    assert second_waits_for_first(group, record(first), record(second)) is None
    runs = published_runs(group)
    assert sorted((r["version"], in_group(r)) for r in runs) == [(1, [[1]]), (2, [[1, 2]])]


# -- a recording and a reschedule or cancellation of the same session serialize (the session's row lock) ----------
def second_waits_for_first(group, first, second) -> Problem | None:
    """`first` in a transaction and, before it commits, `second` in another, which must wait for the session's lock;
    what `second` was refused with (None: it went through)."""
    seen: dict = {}

    def run_second() -> None:
        try:
            with transaction(group["factory"]) as s:
                seen["pid"] = s.execute(sa.text("SELECT pg_backend_pid()")).scalar()
                second(s)
        except Problem as refused:
            seen["refused"] = refused

    with transaction(group["factory"]) as s, group["engine"].connect() as c:
        first(s)
        other = threading.Thread(target=run_second)
        other.start()
        wait_until(lambda: "pid" in seen and c.execute(sa.text("SELECT cardinality(pg_blocking_pids(:p))"),
                                                       {"p": seen["pid"]}).scalar(), what="the second to wait")
    other.join(timeout=30)
    assert not other.is_alive()
    return seen.get("refused")


def racing(client, group, token):
    """A session of his group held two days ago, his psychologist, and the two commands that race on it."""
    sid = uuid.UUID(schedule(client, group, token, 1, days_ago=2))
    psy = ACCESS_POLICY.principal(group["psy"], Role.PSYCHOLOGIST, region=URGUT["region"], district=URGUT["district"])

    def record(s) -> None:
        record_attendance(s, session_id=sid, marks=[MarkRequest(str(group["him"]), AttendanceStatus.UNEXCUSED, None)],
                          recorded_by=psy, now=datetime.now(UTC), zone=UTC)

    def move(**change):
        return lambda s: change_session(s, session_id=sid, move=SessionMove(reason="the room was flooded", **change),
                                        by=psy)
    return sid, record, move


def marks_at(group, sid) -> int:
    with group["engine"].connect() as c:
        return c.execute(sa.text("SELECT count(*) FROM attendance_mark WHERE session_id = :s"), {"s": sid}).scalar()


def test_a_session_cancelled_while_its_attendance_is_recorded_takes_no_marks(app_for, token, group):
    sid, record, move = racing(app_for("sessions").test_client(), group, token)
    refused = second_waits_for_first(group, move(cancel=True), record)
    assert refused is not None and refused.code == 409 and "cancelled" in str(refused.description)
    assert marks_at(group, sid) == 0 and published_runs(group) == []


def test_a_recording_waiting_for_a_reschedule_publishes_the_new_time(app_for, token, group):
    sid, record, move = racing(app_for("sessions").test_client(), group, token)
    moved_to = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    assert second_waits_for_first(group, move(scheduled_at=moved_to), record) is None
    with group["engine"].connect() as c:
        [at] = c.execute(sa.text("SELECT envelope->'data'->>'scheduled_at' FROM outbox WHERE routing_key = "
                                 "'sessions.attendance.recorded' AND envelope->'data'->>'enrolment_id' = :e"),
                         {"e": str(group["him"])}).scalars().all()
    assert datetime.fromisoformat(at) == moved_to
    [[absence]] = [run["absences"] for run in published_runs(group)[0]["by_session_kinds"][0]["runs"]]
    assert datetime.fromisoformat(absence["scheduled_at"]) == moved_to


def test_a_session_held_while_it_is_cancelled_stays_held(app_for, token, group):
    sid, record, move = racing(app_for("sessions").test_client(), group, token)
    refused = second_waits_for_first(group, record, move(cancel=True))
    assert refused is not None and refused.code == 409 and "held" in str(refused.description)
    assert marks_at(group, sid) == 1
