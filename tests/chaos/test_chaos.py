"""The fault suite (issue 9, Faults): the whole system on a private PostgreSQL cluster and a private RabbitMQ node,
under a steady stream of attendance marks sent through the HTTP API, while the suite restarts the broker, kills every
worker with SIGKILL (and starts it again) and restarts PostgreSQL. Afterwards every expected flag and notification
exists exactly once, no outbox row is left unsent, no message is parked, and a table says so.

`make test` runs the short form (a few hundred marks); `make chaos` the full one (QADAM_CHAOS=full: 5,000 marks).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from qadam.migrations import upgrade
from qadam_testing import MailCatcher, RunningSystem, Servers, Stack, wait_until
from qadam_testing.private_servers import PrivateRabbit, private_servers
from qadam_tools.system import API_SERVICES, declare
from story import Story

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]
FULL = os.environ.get("QADAM_CHAOS") == "full"


@dataclass(frozen=True)
class Shape:
    cohorts: int
    participants: int  # per cohort
    sessions: int  # per cohort; marks = cohorts x participants x sessions
    per_request: int  # marks in one POST
    stream_seconds: float  # the stream is paced over about this long, so the faults fall inside it

    @property
    def marks(self) -> int:
        return self.cohorts * self.participants * self.sessions


SHAPE = Shape(10, 25, 20, 5, 150) if FULL else Shape(3, 12, 8, 4, 20)
ABSENT_FROM = 5  # the men who miss two in a row miss sessions 5 and 6: late enough that the absence-rate rule
# (half of the last 6, from 4 sessions on) stays quiet, so the consecutive-absence flag is the only one expected


@dataclass
class PrivateStack(Stack):
    """A Stack whose vhost lives on the private node (Stack.open would ask the machine's shared node)."""

    rabbit: PrivateRabbit | None = None

    def open(self) -> PrivateStack:
        assert self.rabbit is not None
        self.amqp_url = self.rabbit.add_vhost(self.name)
        declare(self.amqp_url)  # the whole topology first: each worker declares only its own queue
        for service in self.services:
            upgrade(service, self.database_url(service))
        return self

    def close(self) -> None:  # the private cluster and node are removed whole
        pass


@dataclass
class Chaos:
    system: RunningSystem
    stack: PrivateStack
    pg: Any
    mq: PrivateRabbit
    mail: MailCatcher
    overrides: dict[str, dict[str, Any]]
    faults: list[str] = field(default_factory=list)

    def kill_worker(self, service: str) -> None:
        self.system.processes[f"{service}-worker"].kill()
        self.faults.append(f"SIGKILL {service}-worker")
        time.sleep(0.5)
        self.system.start_worker(service, **self.overrides.get(service, {}))

    def restart_broker(self) -> None:
        self.mq.restart()
        self.faults.append("RabbitMQ node stopped and started")

    def restart_database(self) -> None:
        self.pg.restart()
        self.faults.append("PostgreSQL restarted (-m fast)")

    def stop_workers(self) -> None:
        """Stop every worker (SIGTERM) and wait until each has ended: nothing is consumed, published or mailed after
        this, so what the databases and the mail catcher hold then is all there will be."""
        for name, process in self.system.processes.items():
            if name.endswith("-worker"):
                process.stop()


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory, jwt_keys: tuple[Path, Path]) -> Iterator[Chaos]:
    mail = MailCatcher().start()
    with private_servers() as (pg, mq):
        stack = PrivateStack(f"qadam_c{uuid.uuid4().hex[:10]}", Servers(pg.url, mq.url, "private"), jwt_keys,
                             services=API_SERVICES, rabbit=mq).open()
        system = RunningSystem(stack, tmp_path_factory.mktemp("chaos-logs"))
        overrides = {"notify": {"smtp_port": mail.port, "portal_url": "https://portal.qadam.test"}}
        try:
            system.start(overrides)
            yield Chaos(system, stack, pg, mq, mail, overrides)
        finally:
            system.stop()
            mail.stop()


# -- the story's people and groups ------------------------------------------------------------------------------
@dataclass
class Group:
    story: Story
    cohort_id: str
    enrolments: list[str]
    sessions: list[str]  # session ids by number - 1

    def status(self, i: int, number: int) -> str:
        """What man i's mark at session `number` is: every third man misses sessions 5 and 6 without excuse, every
        third (plus one) misses session 5 alone; everyone else attends."""
        if i % 3 == 0 and number in (ABSENT_FROM, ABSENT_FROM + 1):
            return "unexcused"
        if i % 3 == 1 and number == ABSENT_FROM:
            return "unexcused"
        return "present" if number % 4 else "late"

    def expected_flags(self) -> set[str]:
        return {e for i, e in enumerate(self.enrolments) if i % 3 == 0}


def set_up(chaos: Chaos, token: Callable[..., str], shape: Shape) -> list[Group]:
    groups = []
    for _ in range(shape.cohorts):
        story = Story(chaos.system.urls, token)
        programme = story.ok("POST", "enrollment", "/programmes", story.manager, {
            "name": f"Chaos programme {story.suffix}", "region": story.region, "sessions_required": 200,
            "max_unexcused_absences": 50, "max_consecutive_absences": 50, "group_size_max": 30})
        cohort = story.ok("POST", "enrollment", "/cohorts", story.manager, {
            "programme_id": programme["id"], "name": f"Chaos group {story.suffix}", "region": story.region,
            "district": story.district, "facilitator_ids": [story.psychologist_id], "start_date": "2026-01-05"})
        enrolments = []
        for i in range(shape.participants):
            person = story.ok("POST", "enrollment", "/participants", story.inspector, {
                "full_name": f"Chaos Odam {i} {story.suffix}", "birth_date": "1985-06-01", "region": story.region,
                "district": story.district})
            enrolment = story.ok("POST", "enrollment", "/enrolments", story.inspector, {
                "participant_id": person["id"], "cohort_id": cohort["id"], "inspector_id": story.inspector_id,
                "psychologist_id": story.psychologist_id, "referral_source": "inspector_initiative"})
            for action in ("assess", "start"):
                story.ok("POST", "enrollment", f"/enrolments/{enrolment['id']}/transitions", story.psychologist,
                         {"action": action})
            enrolments.append(enrolment["id"])
        for user in (story.inspector_id, story.psychologist_id):
            story.ok("PUT", "notify", f"/contacts/{user}", story.admin,
                     {"email": f"{user}@mahalla.uz", "language": "uz-Latn"}, status=200)
        wait_until(lambda s=story, c=cohort: s.call("GET", "sessions", f"/cohorts/{c['id']}/sessions", s.psychologist)
                   .status_code == 200, timeout=60, what="sessions to learn of the cohort")
        now = datetime.now(UTC).replace(microsecond=0)
        sessions = [story.ok("POST", "sessions", f"/cohorts/{cohort['id']}/sessions", story.psychologist, {
            "number": n, "scheduled_at": (now - timedelta(days=2 * (shape.sessions - n + 1))).isoformat(),
            "topic": f"Module {n}"})["id"] for n in range(1, shape.sessions + 1)]
        groups.append(Group(story, cohort["id"], enrolments, sessions))
    # the rosters in sessions and the enrolments in risk, before the stream (events cross queues in no set order)
    for g in groups:
        for e in g.enrolments:
            wait_until(lambda s=g.story, e=e: s.call("GET", "sessions", f"/enrolments/{e}/attendance", s.psychologist)
                       .status_code == 200 and s.call("GET", "risk", f"/enrolments/{e}/risk", s.inspector)
                       .status_code == 200, timeout=60, what="the enrolment to reach sessions and risk")
    return groups


# -- the stream ------------------------------------------------------------------------------------------------
@dataclass
class Tally:
    sent: int = 0  # marks the API acknowledged
    retries: int = 0  # requests sent again (503, a connection refused or reset, a timeout)
    replayed: int = 0  # retries answered from the Idempotency-Key's first answer
    settled_by_409: int = 0  # retries told the first attempt had committed (its answer not yet stored)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def post_marks(g: Group, session_id: str, marks: list[dict[str, str]], tally: Tally) -> None:
    """One POST, retried with the same Idempotency-Key until it is answered for good (at most 120 s)."""
    key = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {g.story.psychologist}", "Idempotency-Key": key,
               "X-Request-ID": g.story.request_id}
    url = f"{g.story.urls['sessions']}/sessions/{session_id}/attendance"
    deadline, attempt = time.monotonic() + 120, 0
    while True:
        attempt += 1
        try:
            r = requests.post(url, json={"marks": marks}, headers=headers, timeout=15)
            status = r.status_code
        except requests.RequestException as e:
            status, r = 0, None
            reason = type(e).__name__
        if status == 201:
            with tally.lock:
                tally.sent += len(marks)
                tally.replayed += attempt > 1 and r is not None and r.headers.get("Idempotent-Replayed") == "true"
            return
        if status == 409 and attempt > 1:  # the first attempt committed; its marks are checked in the database
            with tally.lock:
                tally.sent += len(marks)
                tally.settled_by_409 += 1
            return
        if status not in (0, 502, 503, 504) or time.monotonic() > deadline:
            with tally.lock:
                tally.failures.append(f"{status} {r.text[:300] if r is not None else reason}")
            return
        with tally.lock:
            tally.retries += 1
        time.sleep(min(0.1 * attempt, 1.0))


def stream(groups: list[Group], shape: Shape, tally: Tally) -> None:
    per_group = shape.sessions * -(-shape.participants // shape.per_request)
    gap = shape.stream_seconds / per_group  # each group's requests, evenly paced
    started = time.monotonic()

    def send(g: Group) -> None:
        k = 0
        for number, session_id in enumerate(g.sessions, start=1):
            marks = [{"enrolment_id": e, "status": g.status(i, number)} for i, e in enumerate(g.enrolments)]
            for at in range(0, len(marks), shape.per_request):
                delay = started + k * gap - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                post_marks(g, session_id, marks[at:at + shape.per_request], tally)
                k += 1

    with ThreadPoolExecutor(len(groups)) as pool:
        list(pool.map(send, groups))


def inject_faults(chaos: Chaos, shape: Shape, done: threading.Event) -> None:
    """The faults, spread over the stream: each worker killed, the broker and the database restarted."""
    t = shape.stream_seconds
    plan: list[tuple[float, Callable[[], None]]] = [
        (0.05 * t, lambda: chaos.kill_worker("sessions")),
        (0.10 * t, chaos.restart_broker),
        (0.40 * t, lambda: chaos.kill_worker("risk")),
        (0.50 * t, chaos.restart_database),
        (0.60 * t, lambda: chaos.kill_worker("notify")),
        (0.70 * t, lambda: chaos.kill_worker("enrollment")),
    ]
    if FULL:  # the long stream takes each fault twice
        plan += [(0.75 * t, lambda: chaos.kill_worker("risk")), (0.80 * t, chaos.restart_broker),
                 (0.85 * t, chaos.restart_database), (0.90 * t, lambda: chaos.kill_worker("sessions")),
                 (0.95 * t, lambda: chaos.kill_worker("notify"))]
    started = time.monotonic()
    for at, fault in plan:
        delay = started + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        fault()
    done.set()


# -- what the system holds afterwards -------------------------------------------------------------------------------
def rows(chaos: Chaos, service: str, sql: str, **params: Any) -> list[Any]:
    engine = sa.create_engine(chaos.stack.database_url(service), poolclass=sa.NullPool)
    try:
        with engine.connect() as c:
            return list(c.execute(sa.text(sql), params))
    finally:
        engine.dispose()


def broker_queues(chaos: Chaos) -> dict[str, int]:
    """Every queue of the vhost and its messages (ready and unacknowledged)."""
    out = chaos.mq.ctl("list_queues", "-q", "-p", chaos.stack.name, "name", "messages", "--no-table-headers").stdout
    return {name: int(n) for name, n in (line.split() for line in out.splitlines() if line.strip())}


def unsent(chaos: Chaos) -> dict[str, int]:
    return {s: rows(chaos, s, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] for s in API_SERVICES}


def settled(chaos: Chaos, expected_flags: set[str]) -> bool:
    """Everything sent and consumed. A parked message (a `.dead` queue) never drains: it is not waited for here,
    so that the test reports it as parked, not as a time-out."""
    if any(unsent(chaos).values()) or any(n for q, n in broker_queues(chaos).items() if not q.endswith(".dead")):
        return False
    flags = rows(chaos, "risk", "SELECT id FROM flag WHERE rule_id = 'consecutive_absences'")
    if len(flags) < len(expected_flags):
        return False
    notes = rows(chaos, "notify", "SELECT count(*) FROM notification WHERE flag_id = ANY(:ids)",
                 ids=[f.id for f in flags])[0][0]
    if notes < 2 * len(expected_flags):
        return False
    return not rows(chaos, "notify", "SELECT count(*) FROM delivery WHERE channel = 'email' AND status = 'pending'")[0][0]


def test_no_event_lost_or_duplicated_under_broker_worker_and_database_faults(chaos, token, capsys):
    shape = SHAPE
    started = time.monotonic()
    groups = set_up(chaos, token, shape)
    set_up_s = time.monotonic() - started

    tally, faults_done = Tally(), threading.Event()
    faults = threading.Thread(target=inject_faults, args=(chaos, shape, faults_done), name="faults", daemon=True)
    stream_started = time.monotonic()
    faults.start()
    stream(groups, shape, tally)
    stream_s = time.monotonic() - stream_started
    faults.join(300)
    assert faults_done.is_set(), "the faults did not all run"
    assert not tally.failures, f"{len(tally.failures)} requests failed for good: {tally.failures[:5]}"

    expected_flags = set().union(*(g.expected_flags() for g in groups))
    wait_until(lambda: settled(chaos, expected_flags), timeout=240 if FULL else 120, interval=1.0,
               what="every outbox sent, every queue drained, every flag and notification made")
    # anything still arriving would be a duplicate: the workers (every consumer, outbox relay and timer) end first,
    # so it has arrived before the counting starts or never will
    chaos.stop_workers()
    settle_s = time.monotonic() - stream_started - stream_s

    # what the API acknowledged is what sessions holds, once each
    marks = rows(chaos, "sessions", "SELECT session_id, enrolment_id, status FROM attendance_mark")
    mark_keys = Counter((str(m.session_id), str(m.enrolment_id)) for m in marks)
    expected_marks = {(s, e): g.status(i, n + 1) for g in groups for n, s in enumerate(g.sessions)
                      for i, e in enumerate(g.enrolments)}
    # the events sessions published for them, and their delivery to each consumer
    events = {str(r.id): r.envelope["data"]["mark_id"] for r in rows(
        chaos, "sessions", "SELECT id, envelope FROM outbox WHERE routing_key = 'sessions.attendance.recorded'")}
    delivered = {s: {str(r.message_id) for r in rows(chaos, s, "SELECT message_id FROM inbox "
                                                     "WHERE type = 'sessions.attendance.recorded'")}
                 for s in ("risk", "enrollment")}
    facts = Counter((str(r.session_id), str(r.enrolment_id)) for r in rows(
        chaos, "risk", "SELECT session_id, enrolment_id FROM attendance_fact"))
    # enrollment keeps one attendance_record per (enrolment, session) (its primary key; a redelivery updates it), and
    # an enrolment's progress is counted from them: a mark taken twice shows as a second row or as a session counted
    # twice in sessions_recorded
    records = rows(chaos, "enrollment", "SELECT session_id, enrolment_id, status FROM attendance_record")
    recorded = Counter((str(r.session_id), str(r.enrolment_id)) for r in records)
    progress = {str(r.id): r.sessions_recorded for r in rows(
        chaos, "enrollment", "SELECT id, sessions_recorded FROM enrolment WHERE id = ANY(:ids)",
        ids=[e for g in groups for e in g.enrolments])}
    counted_twice = sum(max(0, n - shape.sessions) for n in progress.values())
    flags = rows(chaos, "risk", "SELECT id, enrolment_id FROM flag WHERE rule_id = 'consecutive_absences'")
    flagged = Counter(str(f.enrolment_id) for f in flags)
    people = {str(e): (g.story.inspector_id, g.story.psychologist_id) for g in groups for e in g.enrolments}
    notes = Counter((str(n.flag_id), n.user_id) for n in rows(
        chaos, "notify", "SELECT flag_id, user_id FROM notification WHERE flag_id = ANY(:ids)",
        ids=[f.id for f in flags]))
    expected_notes = {(str(f.id), who) for f in flags for who in people[str(f.enrolment_id)]}
    # e-mails: one delivery row per notification (a unique constraint), each received once with its Message-ID;
    # a message resent after a crash between the SMTP server's 250 and the commit would arrive twice with the same
    # Message-ID (mail systems drop such a copy, but it is counted here as a duplicate)
    mailed = {str(d.id): str(d.notification_id) for d in rows(
        chaos, "notify", "SELECT d.id, d.notification_id FROM delivery d JOIN notification n ON n.id = d.notification_id "
        "WHERE d.channel = 'email' AND d.purpose = 'alert' AND d.status = 'sent' AND n.flag_id = ANY(:ids)",
        ids=[f.id for f in flags])}
    received = Counter(str(m["Message-ID"]).strip("<>").removesuffix("@qadam") for m in list(chaos.mail.messages))
    received = Counter({k: n for k, n in received.items() if k in mailed})
    redelivered = sum(1 for p in chaos.system.processes.values() if p.name.endswith("-worker")
                      for line in p.log_lines() if line.get("event") == "message_duplicate")

    table = [
        # (what, expected, sent / made, delivered / found, duplicated, lost)
        ("attendance marks (HTTP)", len(expected_marks), tally.sent, len(mark_keys),
         sum(n - 1 for n in mark_keys.values()), len(set(expected_marks) - set(mark_keys))),
        ("attendance.recorded -> risk", len(expected_marks), len(events), len(set(events) & delivered["risk"]),
         sum(n - 1 for n in facts.values()), len(set(events) - delivered["risk"])),
        ("attendance.recorded -> enrollment", len(expected_marks), len(events),
         len(set(events) & delivered["enrollment"]), sum(n - 1 for n in recorded.values()) + counted_twice,
         len(set(events) - delivered["enrollment"])),
        ("consecutive-absence flags", len(expected_flags), len(flags), len(set(flagged)),
         sum(n - 1 for n in flagged.values()), len(expected_flags - set(flagged))),
        ("notifications (in-app)", 2 * len(expected_flags), sum(notes.values()), len(notes),
         sum(n - 1 for n in notes.values()), len(expected_notes - set(notes))),
        ("notifications e-mailed", 2 * len(expected_flags), len(mailed), len(received),
         sum(n - 1 for n in received.values()), len(set(mailed) - set(received))),
    ]
    parked = {q: n for q, n in broker_queues(chaos).items() if q.endswith(".dead")}
    with capsys.disabled():
        print(f"\n\nchaos ({'full' if FULL else 'short'} form): {shape.marks} marks in "
              f"{shape.cohorts * shape.sessions * -(-shape.participants // shape.per_request)} requests; set-up "
              f"{set_up_s:.1f} s, stream {stream_s:.1f} s, settled {settle_s:.1f} s after it")
        print(f"{'':36}{'expected':>9}{'sent':>7}{'delivered':>10}{'duplicated':>11}{'lost':>6}")
        for what, expected, sent, got, dup, lost in table:
            print(f"{what:36}{expected:>9}{sent:>7}{got:>10}{dup:>11}{lost:>6}")
        print(f"faults injected ({len(chaos.faults)}): " + "; ".join(chaos.faults))
        print(f"HTTP retries {tally.retries} (answered from the Idempotency-Key {tally.replayed}, 409 after a commit "
              f"{tally.settled_by_409}); redeliveries absorbed by an inbox {redelivered}; parked {sum(parked.values())}; "
              f"outbox rows unsent {sum(unsent(chaos).values())}\n")

    assert {k: v for k, v in Counter(f.split()[0] for f in chaos.faults).items()} == {
        "SIGKILL": 7 if FULL else 4, "RabbitMQ": 2 if FULL else 1, "PostgreSQL": 2 if FULL else 1}
    assert {s for f in chaos.faults if f.startswith("SIGKILL") for s in [f.split()[1]]} == {
        f"{s}-worker" for s in API_SERVICES}
    assert not any(parked.values()), f"parked: {parked}"  # first: a parked message also shows as lost below
    for what, expected, sent, got, dup, lost in table:
        assert (dup, lost) == (0, 0), f"{what}: {dup} duplicated, {lost} lost"
        assert sent == got == expected, what
    assert {(str(m.session_id), str(m.enrolment_id)): m.status for m in marks} == expected_marks
    assert {(str(r.session_id), str(r.enrolment_id)): r.status for r in records} == expected_marks
    assert progress == {e: shape.sessions for g in groups for e in g.enrolments}
    assert set(notes) == expected_notes
    assert set(flagged) == expected_flags
    assert not any(unsent(chaos).values())
