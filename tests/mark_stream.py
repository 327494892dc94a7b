"""What the fault suites share (tests/chaos): groups of men, a paced stream of attendance marks through the HTTP API
while faults are injected beside it, and the count afterwards of what every stage holds (marks, the events to risk
and enrollment, flags, notifications, e-mails), printed as one table and checked exactly once.

A suite brings its own servers and faults: `test_chaos.py` restarts a private RabbitMQ node, kills workers and
restarts PostgreSQL; `test_rabbit_cluster.py` stops nodes of a private 3-node RabbitMQ cluster.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from qadam.bus import node_urls
from qadam.migrations import upgrade
from qadam_testing import MailCatcher, RunningSystem, Stack, wait_until
from qadam_testing.mark_stream import Tally, post_marks
from qadam_tools.system import API_SERVICES, declare
from story import Story


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

    @property
    def requests(self) -> int:
        return self.cohorts * self.sessions * -(-self.participants // self.per_request)


ABSENT_FROM = 5  # the men who miss two in a row miss sessions 5 and 6: late enough that the absence-rate rule
# (half of the last 6, from 4 sessions on) stays quiet, so the consecutive-absence flag is the only one expected


class PrivateBroker(Protocol):
    """A private RabbitMQ node or cluster (qadam_testing.private_servers) that makes a vhost and says its URL."""

    def add_vhost(self, vhost: str) -> str: ...


@dataclass
class PrivateStack(Stack):
    """A Stack whose vhost lives on a private node or cluster (Stack.open would ask the machine's shared node)."""

    rabbit: PrivateBroker | None = None

    def open(self) -> PrivateStack:
        assert self.rabbit is not None
        self.amqp_url = self.rabbit.add_vhost(self.name)
        # the whole topology first (each worker declares only its own queue), through the first node listed: on a
        # cluster every quorum queue's first leader is then that node
        declare(node_urls(self.amqp_url)[0])
        for service in self.services:
            upgrade(service, self.database_url(service))
        return self

    def close(self) -> None:  # the private cluster and node are removed whole
        pass


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


def set_up(urls: dict[str, str], token: Callable[..., str], shape: Shape) -> list[Group]:
    """`shape.cohorts` groups through the APIs at `urls`, each man enrolled and started, the sessions planned; returns
    once sessions and risk know every enrolment."""
    groups = []
    for _ in range(shape.cohorts):
        story = Story(urls, token)
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
                post_marks(g.story.urls["sessions"], g.story.psychologist, session_id,
                           marks[at:at + shape.per_request], tally, request_id=g.story.request_id)
                k += 1

    with ThreadPoolExecutor(len(groups)) as pool:
        list(pool.map(send, groups))


@dataclass
class Streamed:
    """What a stream under faults left: the groups, the tally of answers, and when (seconds, `time.monotonic()`)."""

    groups: list[Group]
    tally: Tally
    set_up_s: float
    stream_s: float
    stream_started: float

    def settle_s(self) -> float:
        """Seconds from the end of the stream until now."""
        return time.monotonic() - self.stream_started - self.stream_s


def stream_under_faults(urls: dict[str, str], token: Callable[..., str], shape: Shape,
                        inject_faults: Callable[[threading.Event], None], *, faults_within: float) -> Streamed:
    """The groups set up, then their marks streamed while `inject_faults` (in a thread of its own, setting the
    event it is given when it is done) breaks things: every fault run and every request answered for good."""
    started = time.monotonic()
    groups = set_up(urls, token, shape)
    set_up_s = time.monotonic() - started
    tally, faults_done = Tally(), threading.Event()
    faults = threading.Thread(target=inject_faults, args=(faults_done,), name="faults", daemon=True)
    stream_started = time.monotonic()
    faults.start()
    stream(groups, shape, tally)
    stream_s = time.monotonic() - stream_started
    faults.join(faults_within)
    assert faults_done.is_set(), "the faults did not all run"
    assert not tally.failures, f"{len(tally.failures)} requests failed for good: {tally.failures[:5]}"
    return Streamed(groups, tally, set_up_s, stream_s, stream_started)


def run_plan(plan: list[tuple[float, Callable[[], None]]], done: threading.Event) -> None:
    """Each fault at its moment (seconds from now; a fault that takes long delays the next), then `done`."""
    started = time.monotonic()
    for at, fault in plan:
        delay = started + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        fault()
    done.set()


# -- what the system holds afterwards -------------------------------------------------------------------------------
def unsent(stack: Stack) -> dict[str, int]:
    return {s: stack.rows(s, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] for s in API_SERVICES}


def settled(stack: Stack, queues: Callable[[], dict[str, int]], expected_flags: set[str]) -> bool:
    """Everything sent and consumed. A parked message (a `.dead` queue) never drains: it is not waited for here,
    so that the test reports it as parked, not as a time-out."""
    if any(unsent(stack).values()) or any(n for q, n in queues().items() if not q.endswith(".dead")):
        return False
    flags = stack.rows("risk", "SELECT id FROM flag WHERE rule_id = 'consecutive_absences'")
    if len(flags) < len(expected_flags):
        return False
    notes = stack.rows("notify", "SELECT count(*) FROM notification WHERE flag_id = ANY(:ids)",
                 ids=[f.id for f in flags])[0][0]
    if notes < 2 * len(expected_flags):
        return False
    return not stack.rows("notify", "SELECT count(*) FROM delivery WHERE channel = 'email' AND status = 'pending'")[0][0]


@dataclass
class Outcome:
    """What every stage holds once the workers have stopped."""

    # (what, expected, sent / made, delivered / found, duplicated, lost)
    table: list[tuple[str, int, int, int, int, int]]
    marks: dict[tuple[str, str], str]  # (session, enrolment) -> status, as sessions holds them
    records: dict[tuple[str, str], str]  # the same as enrollment holds them
    expected_marks: dict[tuple[str, str], str]
    progress: dict[str, int]  # enrolment -> sessions recorded
    notes: set[tuple[str, str]]
    expected_notes: set[tuple[str, str]]
    flagged: set[str]
    expected_flags: set[str]
    parked: dict[str, int]
    unsent: int
    redelivered: int  # copies an inbox absorbed (message_duplicate in the workers' logs)


def count(stack: Stack, system: RunningSystem, mail: MailCatcher, groups: list[Group], shape: Shape,
          tally: Tally, queues: dict[str, int]) -> Outcome:
    """Count every stage (call it once the workers have stopped: nothing arrives after that)."""
    # what the API acknowledged is what sessions holds, once each
    marks = stack.rows("sessions", "SELECT session_id, enrolment_id, status FROM attendance_mark")
    mark_keys = Counter((str(m.session_id), str(m.enrolment_id)) for m in marks)
    expected_marks = {(s, e): g.status(i, n + 1) for g in groups for n, s in enumerate(g.sessions)
                      for i, e in enumerate(g.enrolments)}
    # the events sessions published for them, and their delivery to each consumer
    events = {str(r.id): r.envelope["data"]["mark_id"] for r in stack.rows(
        "sessions", "SELECT id, envelope FROM outbox WHERE routing_key = 'sessions.attendance.recorded'")}
    delivered = {s: {str(r.message_id) for r in stack.rows(s, "SELECT message_id FROM inbox "
                                                     "WHERE type = 'sessions.attendance.recorded'")}
                 for s in ("risk", "enrollment")}
    facts = Counter((str(r.session_id), str(r.enrolment_id)) for r in stack.rows(
        "risk", "SELECT session_id, enrolment_id FROM attendance_fact"))
    # enrollment keeps one attendance_record per (enrolment, session) (its primary key; a redelivery updates it), and
    # an enrolment's progress is counted from them: a mark taken twice shows as a second row or as a session counted
    # twice in sessions_recorded
    records = stack.rows("enrollment", "SELECT session_id, enrolment_id, status FROM attendance_record")
    recorded = Counter((str(r.session_id), str(r.enrolment_id)) for r in records)
    progress = {str(r.id): r.sessions_recorded for r in stack.rows(
        "enrollment", "SELECT id, sessions_recorded FROM enrolment WHERE id = ANY(:ids)",
        ids=[e for g in groups for e in g.enrolments])}
    counted_twice = sum(max(0, n - shape.sessions) for n in progress.values())
    expected_flags = set().union(*(g.expected_flags() for g in groups))
    flags = stack.rows("risk", "SELECT id, enrolment_id FROM flag WHERE rule_id = 'consecutive_absences'")
    flagged = Counter(str(f.enrolment_id) for f in flags)
    people = {str(e): (g.story.inspector_id, g.story.psychologist_id) for g in groups for e in g.enrolments}
    notes = Counter((str(n.flag_id), n.user_id) for n in stack.rows(
        "notify", "SELECT flag_id, user_id FROM notification WHERE flag_id = ANY(:ids)",
        ids=[f.id for f in flags]))
    expected_notes = {(str(f.id), who) for f in flags for who in people[str(f.enrolment_id)]}
    # e-mails: one delivery row per notification (a unique constraint), each received once with its Message-ID;
    # a message resent after a crash between the SMTP server's 250 and the commit would arrive twice with the same
    # Message-ID (mail systems drop such a copy, but it is counted here as a duplicate)
    mailed = {str(d.id): str(d.notification_id) for d in stack.rows(
        "notify", "SELECT d.id, d.notification_id FROM delivery d JOIN notification n ON n.id = d.notification_id "
        "WHERE d.channel = 'email' AND d.purpose = 'alert' AND d.status = 'sent' AND n.flag_id = ANY(:ids)",
        ids=[f.id for f in flags])}
    received = Counter(str(m["Message-ID"]).strip("<>").removesuffix("@qadam") for m in list(mail.messages))
    received = Counter({k: n for k, n in received.items() if k in mailed})
    redelivered = sum(1 for p in system.processes.values() if p.name.endswith("-worker")
                      for line in p.log_lines() if line.get("event") == "message_duplicate")

    table = [
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
    return Outcome(
        table=table,
        marks={(str(m.session_id), str(m.enrolment_id)): m.status for m in marks},
        records={(str(r.session_id), str(r.enrolment_id)): r.status for r in records},
        expected_marks=expected_marks, progress=progress, notes=set(notes), expected_notes=expected_notes,
        flagged=set(flagged), expected_flags=expected_flags,
        parked={q: n for q, n in queues.items() if q.endswith(".dead")},
        unsent=sum(unsent(stack).values()), redelivered=redelivered)


def print_table(title: str, shape: Shape, timings: tuple[float, float, float], outcome: Outcome, faults: list[str],
                tally: Tally) -> None:
    set_up_s, stream_s, settle_s = timings
    print(f"\n\n{title}: {shape.marks} marks in {shape.requests} requests; set-up {set_up_s:.1f} s, "
          f"stream {stream_s:.1f} s, settled {settle_s:.1f} s after it")
    print(f"{'':36}{'expected':>9}{'sent':>7}{'delivered':>10}{'duplicated':>11}{'lost':>6}")
    for what, expected, sent, got, dup, lost in outcome.table:
        print(f"{what:36}{expected:>9}{sent:>7}{got:>10}{dup:>11}{lost:>6}")
    print(f"faults injected ({len(faults)}): " + "; ".join(faults))
    print(f"HTTP retries {tally.retries} (answered from the Idempotency-Key {tally.replayed}, 409 after a commit "
          f"{tally.settled_by_409}); redeliveries absorbed by an inbox {outcome.redelivered}; parked "
          f"{sum(outcome.parked.values())}; outbox rows unsent {outcome.unsent}\n")


def assert_exactly_once(outcome: Outcome, shape: Shape) -> None:
    """Nothing parked, nothing duplicated or lost at any stage, every mark as sent, no outbox row unsent."""
    assert not any(outcome.parked.values()), f"parked: {outcome.parked}"  # first: a parked message also shows as lost
    for what, expected, sent, got, dup, lost in outcome.table:
        assert (dup, lost) == (0, 0), f"{what}: {dup} duplicated, {lost} lost"
        assert sent == got == expected, what
    assert outcome.marks == outcome.expected_marks
    assert outcome.records == outcome.expected_marks
    assert outcome.progress == {e: shape.sessions for (_, e) in outcome.expected_marks}
    assert outcome.notes == outcome.expected_notes
    assert outcome.flagged == outcome.expected_flags
    assert not outcome.unsent
