"""Attendance marks sent through sessions' HTTP API as a psychologist's tablet sends them, for the tests that break or
restore PostgreSQL under them (issue 22: the failover test and the restore drill).

- `seed_groups`: groups of men known to sessions, as enrollment's events would leave them (`seed_sessions_cohort`);
- `plan_sessions`: each group's sessions planned through the API, all held already (a mark of a future one is refused);
- `send_marks`: the marks of some of those sessions, a few men a request, paced over a given time, each request
  retried with its Idempotency-Key until it is answered for good (a 503 or a refused connection while the database
  is away is retried; a 409 to a retry means the first attempt committed). `Tally` keeps what was answered.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa

from .harness import seed_sessions_cohort

AREA = {"region": "Samarqand viloyati", "district": "Urgut"}
RETRIED = (0, 502, 503, 504)  # no answer, or the database (or the process) away for a moment


@dataclass
class Group:
    cohort_id: uuid.UUID
    psychologist: str
    enrolments: list[uuid.UUID]
    sessions: list[str] = field(default_factory=list)  # session ids by number - 1

    @staticmethod
    def status(i: int, number: int) -> str:
        return "late" if (i + number) % 5 == 0 else "present"


def seed_groups(database_url: str, *, groups: int, men: int) -> list[Group]:
    """`groups` groups of `men` men each in sessions' database at `database_url`."""
    made = []
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            for _ in range(groups):
                group = Group(uuid.uuid4(), f"psy-{uuid.uuid4().hex[:8]}", [uuid.uuid4() for _ in range(men)])
                first = random.randrange(100000, 900000)
                roster = {e: f"P-2026-{first + i:06d}" for i, e in enumerate(group.enrolments)}
                seed_sessions_cohort(conn, cohort_id=group.cohort_id, region=AREA["region"], district=AREA["district"],
                                     facilitator_ids=[group.psychologist], sessions_required=200, roster=roster)
                made.append(group)
    finally:
        engine.dispose()
    return made


def plan_sessions(sessions_url: str, token: Callable[..., str], groups: Sequence[Group], count: int) -> None:
    """`count` sessions of each group, one every two days up to yesterday."""
    now = datetime.now(UTC).replace(microsecond=0)
    for g in groups:
        headers = {"Authorization": f"Bearer {token(g.psychologist, 'psychologist', **AREA)}"}
        for number in range(1, count + 1):
            r = requests.post(f"{sessions_url}/cohorts/{g.cohort_id}/sessions", headers=headers, timeout=30, json={
                "number": number, "scheduled_at": (now - timedelta(days=2 * (count - number + 1))).isoformat()})
            assert r.status_code == 201, r.text
            g.sessions.append(r.json()["id"])


@dataclass
class Tally:
    answered: dict[tuple[str, str], str] = field(default_factory=dict)  # (session, enrolment) -> status, acknowledged
    answered_at: list[float] = field(default_factory=list)  # time.monotonic() of each acknowledgement
    retries: int = 0  # requests sent again (no answer, 502, 503, 504)
    replayed: int = 0  # retries answered from the Idempotency-Key's first answer
    settled_by_409: int = 0  # retries told the first attempt had committed (its answer not yet stored)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def sent(self) -> int:
        """Marks the API acknowledged."""
        return len(self.answered)

    def answered_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the first acknowledgement after it (None: none came)."""
        later = [t for t in self.answered_at if t > moment]
        return min(later) - moment if later else None


def post_marks(url: str, token: str, session_id: str, marks: list[dict[str, str]], tally: Tally,
               give_up_after: float = 120, request_id: str | None = None) -> None:
    """One POST of `marks`, retried with the same Idempotency-Key until it is answered for good (`request_id`: the
    X-Request-ID its log lines carry)."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4()),
               **({"X-Request-ID": request_id} if request_id else {})}
    deadline, attempt = time.monotonic() + give_up_after, 0
    while True:
        attempt += 1
        reason = ""
        try:
            r: requests.Response | None = requests.post(f"{url}/sessions/{session_id}/attendance", json={"marks": marks},
                                                         headers=headers, timeout=15)
            status = r.status_code if r is not None else 0
        except requests.RequestException as e:
            r, status, reason = None, 0, type(e).__name__
        settled = status == 409 and attempt > 1  # the first attempt committed; its marks are checked in the database
        if status == 201 or settled:
            with tally.lock:
                for m in marks:
                    tally.answered[(session_id, m["enrolment_id"])] = m["status"]
                tally.answered_at.append(time.monotonic())
                tally.replayed += attempt > 1 and r is not None and r.headers.get("Idempotent-Replayed") == "true"
                tally.settled_by_409 += settled
            return
        if status not in RETRIED or time.monotonic() > deadline:
            with tally.lock:
                tally.failures.append(f"{status} {r.text[:300] if r is not None else reason}")
            return
        with tally.lock:
            tally.retries += 1
        time.sleep(min(0.1 * attempt, 1.0))


def send_marks(sessions_url: str, token: Callable[..., str], groups: Sequence[Group], numbers: range, *,
               per_request: int, seconds: float, tally: Tally) -> None:
    """The marks of sessions `numbers` (1 is the first) of every group, each group's requests paced evenly over about
    `seconds`, the groups at once."""

    def send(g: Group) -> None:
        bearer = token(g.psychologist, "psychologist", **AREA)
        requests_in_all = len(numbers) * -(-len(g.enrolments) // per_request)
        gap, k, started = seconds / max(requests_in_all, 1), 0, time.monotonic()
        for number in numbers:
            marks = [{"enrolment_id": str(e), "status": g.status(i, number)} for i, e in enumerate(g.enrolments)]
            for at in range(0, len(marks), per_request):
                delay = started + k * gap - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                post_marks(sessions_url, bearer, g.sessions[number - 1], marks[at:at + per_request], tally)
                k += 1

    with ThreadPoolExecutor(len(groups)) as pool:
        list(pool.map(send, groups))


def expected_marks(groups: Sequence[Group], numbers: range) -> dict[tuple[str, str], str]:
    """(session, enrolment) -> status of every mark `send_marks` sends for sessions `numbers`."""
    return {(g.sessions[n - 1], str(e)): g.status(i, n) for g in groups for n in numbers
            for i, e in enumerate(g.enrolments)}
