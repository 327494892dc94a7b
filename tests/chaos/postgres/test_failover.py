"""PostgreSQL failover (issue 22): a private primary with a synchronous streaming standby on this machine, sessions (web
and worker) and risk's worker on it through one URL naming both servers
(`?host=127.0.0.1:<primary>&host=127.0.0.1:<standby>&target_session_attrs=read-write`). While a psychologist's
marks stream in, the primary is stopped at once (`pg_ctl stop -m immediate`, as when its machine fails) and the
standby promoted (`pg_ctl promote`): the services find the new primary through the same URL, and nothing committed is
lost (synchronous commit: a commit is answered only once the standby holds it). Afterwards every mark answered 2xx
exists once, sessions' outbox holds one event per mark, all sent, and risk took each once; a table says so.

`make test` runs the short form (one failover); `make chaos` the full one (QADAM_CHAOS=full: more marks, and a
second failover back to the old primary's place, rebuilt as a standby of the new one).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from qadam_testing import Servers, wait_until
from qadam_testing.mark_stream import Tally, expected_marks, plan_sessions, seed_groups, send_marks
from qadam_testing.private_servers import PrivatePostgres
from qadam_testing.private_stack import PrivateDatabaseStack, running

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]
FULL = os.environ.get("QADAM_CHAOS") == "full"
STANDBY = "standby1"  # the standby's application name, which the primary's synchronous_standby_names lists
REPLICATED = {"wal_level": "replica", "max_wal_senders": 10, "hot_standby": "on", "wal_keep_size": "256MB",
              "synchronous_commit": "on", "full_page_writes": "on"}


@dataclass(frozen=True)
class Shape:
    groups: int
    men: int
    sessions: int
    per_request: int
    stream_seconds: float
    failovers: int  # each at an even share of the stream

    @property
    def marks(self) -> int:
        return self.groups * self.men * self.sessions


SHAPE = Shape(8, 25, 10, 5, 60, 2) if FULL else Shape(2, 10, 5, 5, 4, 1)


@dataclass
class FailoverPair:
    """A primary and its synchronous standby; each failover promotes the standby, and (for the next one) a new
    standby is made in the old primary's place, on its port."""

    primary: PrivatePostgres
    standby: PrivatePostgres
    made: list[PrivatePostgres] = field(default_factory=list)
    failovers: list[str] = field(default_factory=list)
    stopped_at: list[float] = field(default_factory=list)  # time.monotonic() of each primary's stop
    synchronous_at_stop: list[bool] = field(default_factory=list)  # whether its standby was synchronous then

    @property
    def url(self) -> str:
        """The one URL of both servers: a connection goes to whichever takes writes."""
        return (f"postgresql+psycopg://postgres@/postgres?host=127.0.0.1:{self.primary.port}"
                f"&host=127.0.0.1:{self.standby.port}&target_session_attrs=read-write")

    def synchronous(self) -> None:
        """Commits on the primary wait for the standby from now on."""
        wait_until(lambda: self.primary.query("SELECT state FROM pg_stat_replication WHERE application_name = %(n)s",
                                              n=STANDBY) == [("streaming",)], timeout=60, what="the standby to stream")
        self.primary.query(f"ALTER SYSTEM SET synchronous_standby_names = '{STANDBY}'")
        self.primary.query("SELECT pg_reload_conf()")
        wait_until(lambda: self.primary.query("SELECT sync_state FROM pg_stat_replication WHERE application_name = %(n)s",
                                              n=STANDBY) == [("sync",)], timeout=30, what="the standby to be synchronous")

    def fail_over(self) -> None:
        old, new = self.primary, self.standby
        state = self.primary.query("SELECT sync_state FROM pg_stat_replication WHERE application_name = %(n)s",
                                   n=STANDBY)
        self.stopped_at.append(time.monotonic())
        old.stop("immediate")
        started = time.monotonic()
        new.promote()
        promoted_s = time.monotonic() - started
        self.failovers.append(f"primary :{old.port} stopped (immediate) with its standby {state[0][0] if state else 'gone'}, "
                              f"standby :{new.port} promoted in {promoted_s:.1f} s")
        self.synchronous_at_stop.append(state == [("sync",)])
        self.primary, self.standby = new, old

    def rebuild_standby(self) -> None:
        """A new standby of the new primary where the old primary was (its port: the URL stays the same)."""
        old = self.standby
        old.close()
        self.standby = PrivatePostgres.standby_of(self.primary, STANDBY, port=old.port)
        self.made.append(self.standby)
        self.standby.start()
        self.synchronous()
        self.failovers.append(f"a new synchronous standby :{old.port} made from the new primary")


@contextlib.contextmanager
def failover_pair() -> Iterator[FailoverPair]:
    primary = PrivatePostgres()
    made = [primary]
    try:
        primary.init(**REPLICATED).start()
        standby = PrivatePostgres.standby_of(primary, STANDBY)
        made.append(standby)
        standby.start()
        pair = FailoverPair(primary, standby, made)
        pair.synchronous()
        yield pair
    finally:
        for pg in made:
            pg.close()


def fail_over_during(pair: FailoverPair, shape: Shape, done: threading.Event) -> None:
    started = time.monotonic()
    for n in range(1, shape.failovers + 1):
        delay = started + shape.stream_seconds * n / (shape.failovers + 1) - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pair.fail_over()
        if n < shape.failovers:
            pair.rebuild_standby()
    done.set()


def test_a_failover_to_the_synchronous_standby_loses_no_committed_mark(servers, jwt_keys, token, capsys,
                                                                         tmp_path_factory: pytest.TempPathFactory):
    shape = SHAPE
    services = ("sessions", "risk")
    began = time.monotonic()
    with failover_pair() as pair:
        stack = PrivateDatabaseStack(f"qadam_f{uuid.uuid4().hex[:10]}", Servers(pair.url, servers.amqp_url, "private"),
                                     jwt_keys, services=services).open()
        log_dir: Path = tmp_path_factory.mktemp("failover-logs")
        try:
            with running(stack, log_dir, webs=("sessions",), workers=services) as system:
                groups = seed_groups(stack.database_url("sessions"), groups=shape.groups, men=shape.men)
                plan_sessions(system.urls["sessions"], token, groups, shape.sessions)
                numbers = range(1, shape.sessions + 1)

                tally, done = Tally(), threading.Event()
                faults = threading.Thread(target=fail_over_during, args=(pair, shape, done), daemon=True)
                stream_started = time.monotonic()
                set_up_s = stream_started - began
                faults.start()
                send_marks(system.urls["sessions"], token, groups, numbers, per_request=shape.per_request,
                           seconds=shape.stream_seconds, tally=tally)
                stream_s = time.monotonic() - stream_started
                faults.join(300)
                assert done.is_set(), "the failovers did not all run"
                assert not tally.failures, f"{len(tally.failures)} requests failed for good: {tally.failures[:5]}"

                expected = expected_marks(groups, numbers)
                wait_until(lambda: settled(stack, len(expected)), timeout=120, interval=0.5,
                           what="sessions' outbox sent and risk to have taken every mark")
                system.stop_workers()  # nothing arrives after this: what the databases hold is all there will be
                settle_s = time.monotonic() - stream_started - stream_s
                redelivered = system.redeliveries()
        finally:
            stack.close()

        in_the_primary = Counter((str(r.session_id), str(r.enrolment_id)) for r in stack.rows(
            "sessions", "SELECT session_id, enrolment_id FROM attendance_mark"))
        marks = {(str(r.session_id), str(r.enrolment_id)): r.status for r in stack.rows(
            "sessions", "SELECT session_id, enrolment_id, status FROM attendance_mark")}
        events = stack.rows("sessions", "SELECT id, sent_at, envelope->'data'->>'session_id' AS session_id, "
                                        "envelope->'data'->>'enrolment_id' AS enrolment_id FROM outbox "
                                        "WHERE routing_key = 'sessions.attendance.recorded'")
        published = Counter((r.session_id, r.enrolment_id) for r in events)
        taken = {str(r.message_id) for r in stack.rows(
            "risk", "SELECT message_id FROM inbox WHERE type = 'sessions.attendance.recorded'")}
        facts = Counter((str(r.session_id), str(r.enrolment_id)) for r in stack.rows(
            "risk", "SELECT session_id, enrolment_id FROM attendance_fact"))
        unsent = sum(1 for r in events if r.sent_at is None)
        answered_before = sum(1 for t in tally.answered_at if t < pair.stopped_at[0])
        answered_after = sum(1 for t in tally.answered_at if t > pair.stopped_at[-1])

    table = [
        # (what, expected, sent / made, found, duplicated, lost)
        ("attendance marks answered 2xx", len(expected), len(tally.answered), len(set(tally.answered) & set(marks)),
         sum(n - 1 for n in in_the_primary.values()), len(set(tally.answered) - set(marks))),
        ("attendance.recorded in the outbox", len(expected), len(events), len(set(published) & set(marks)),
         sum(n - 1 for n in published.values()), len(set(marks) - set(published))),
        ("attendance.recorded -> risk", len(expected), len(events) - unsent, len({str(r.id) for r in events} & taken),
         sum(n - 1 for n in facts.values()), len({str(r.id) for r in events} - taken)),
    ]
    with capsys.disabled():
        print(f"\n\npostgresql failover ({'full' if FULL else 'short'} form): {shape.marks} marks through sessions (web, "
              f"worker) and risk (worker), on a primary with a synchronous standby, one URL naming both; set-up "
              f"{set_up_s:.1f} s, stream {stream_s:.1f} s, settled {settle_s:.1f} s after it")
        print(f"{'':36}{'expected':>9}{'sent':>7}{'found':>10}{'duplicated':>11}{'lost':>6}")
        for what, exp, sent, got, dup, lost in table:
            print(f"{what:36}{exp:>9}{sent:>7}{got:>10}{dup:>11}{lost:>6}")
        back = tally.answered_after(pair.stopped_at[0])
        print(f"failovers ({len(pair.stopped_at)}): " + "; ".join(pair.failovers))
        print(f"marks answered before the first failover {answered_before}, after the last {answered_after}; first "
              f"answer {back:.1f} s after the first stop" if back is not None else "no answer after the stop")
        print(f"HTTP retries {tally.retries} (answered from the Idempotency-Key {tally.replayed}, 409 after a commit "
              f"{tally.settled_by_409}); redeliveries absorbed by risk's inbox {redelivered}; outbox rows unsent "
              f"{unsent}\n")

    assert len(pair.stopped_at) == shape.failovers
    assert all(pair.synchronous_at_stop), "a primary was stopped while its standby was not synchronous"
    assert answered_before and answered_after, "the failover did not fall inside the stream"
    for what, exp, sent, got, dup, lost in table:
        assert (dup, lost) == (0, 0), f"{what}: {dup} duplicated, {lost} lost"
        assert sent == got == exp, what
    assert marks == expected
    assert set(facts) == set(marks) and unsent == 0


def settled(stack: PrivateDatabaseStack, marks: int) -> bool:
    unsent = stack.rows("sessions", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
    taken = stack.rows("risk", "SELECT count(*) FROM inbox WHERE type = 'sessions.attendance.recorded'")[0][0]
    return unsent == 0 and taken >= marks
