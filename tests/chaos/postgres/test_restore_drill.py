"""The restore drill (issue 22): a backup is only as good as a restore that was tried. On a private PostgreSQL cluster
that archives its WAL to a folder (archive_command; barman-cloud to in-country object storage in production), the
services run; a base backup is taken (pg_basebackup); marks are recorded through sessions' API after it, the system
settles, the moment is noted (the target time, and each service's audit head anchored with `qadam audit verify
--anchors`), and more marks follow. A NEW cluster is then made from the base backup and the archive, recovered to the
target time (restore_command, recovery_target_time) and promoted, and it must hold exactly what was written up to
that time: the marks, each service's outbox (its events and which of them were sent), the consumers' inboxes and
what they kept, and each audit chain, intact and ending at the anchored head; none of what came after. A table says
so, with the recovery time.

`make test` runs the short form (sessions' web and worker, risk's worker; 120 marks); `make restore-drill` and `make
chaos` the full one (QADAM_CHAOS=full: every service's web process and worker, an auditor reading each service's log,
3,000 marks, and at the end sessions' worker started on the restored cluster, whose relay sends what waited there).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
import requests
from qadam_testing import Servers, database_url_for, wait_until
from qadam_testing.mark_stream import Tally, expected_marks, plan_sessions, seed_groups, send_marks
from qadam_testing.private_servers import PrivatePostgres
from qadam_testing.private_stack import PrivateDatabaseStack, Services, running
from qadam_tools.cli import main as qadam
from qadam_tools.system import API_SERVICES

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]
FULL = os.environ.get("QADAM_CHAOS") == "full"


@dataclass(frozen=True)
class Shape:
    groups: int
    men: int
    sessions: int  # half recorded before the target time, half after
    per_request: int
    seconds: float  # each half's marks paced over about this long
    webs: tuple[str, ...]
    workers: tuple[str, ...]


SHAPE = (Shape(10, 25, 12, 5, 30, API_SERVICES, API_SERVICES) if FULL
         else Shape(2, 10, 6, 5, 1, ("sessions",), ("sessions", "risk")))

# what each service's database holds that the drill compares: name -> (service, query of one text per row)
HELD: dict[str, tuple[str, str]] = {
    "attendance marks": ("sessions", "SELECT session_id || ' ' || enrolment_id || ' ' || status FROM attendance_mark"),
    "attendance facts (risk)": ("risk", "SELECT session_id || ' ' || enrolment_id || ' ' || status FROM attendance_fact"),
    "attendance records (enrollment)": (
        "enrollment", "SELECT session_id || ' ' || enrolment_id || ' ' || status FROM attendance_record"),
}
EACH_SERVICE = {
    "outbox events": "SELECT id::text FROM outbox",
    "outbox rows unsent": "SELECT id::text FROM outbox WHERE sent_at IS NULL",
    "inbox": "SELECT message_id::text FROM inbox",
    "audit log": "SELECT id || ' ' || hash FROM audit_log",
}

Snapshot = dict[str, frozenset[str]]


def snapshot(pg: PrivatePostgres, stack: PrivateDatabaseStack) -> Snapshot:
    """What the cluster holds of each kind the drill compares (one text per row)."""
    held: dict[str, frozenset[str]] = {}
    database = {s: f"{stack.name}_{s}" for s in stack.services}
    for what, (service, sql) in HELD.items():
        if service in stack.services:
            held[what] = frozenset(r[0] for r in pg.query(sql, database[service]))
    for service in stack.services:
        for what, sql in EACH_SERVICE.items():
            held[f"{what} ({service})"] = frozenset(r[0] for r in pg.query(sql, database[service]))
    return held


def verify_audit(stack: PrivateDatabaseStack, server_url: str, anchors: Path,
                 monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[int, str]]:
    """`qadam audit verify <service> --anchors FILE` for each service on the databases of `server_url`: its exit
    status and what it printed."""
    said = {}
    for service in stack.services:
        monkeypatch.setenv("QADAM_DATABASE_URL", database_url_for(server_url, f"{stack.name}_{service}"))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = qadam(["audit", "verify", service, "--anchors", str(anchors)])
        said[service] = (status, out.getvalue())
    return said


def head_of(printed: str) -> str | None:
    found = re.search(r"head row (\d+) hash ([0-9a-f]{64})", printed)
    return f"{found[1]} {found[2]}" if found else None


def settle(stack: PrivateDatabaseStack, taken: int, unsent: int = 0) -> None:
    """Every consumer running here holding `taken` marks, and every outbox sent but for `unsent` rows of sessions'
    (its relay stopped)."""

    def done() -> bool:
        if any(stack.rows(s, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] != (unsent if s == "sessions"
                                                                                            else 0)
               for s in stack.services):
            return False
        return all(stack.rows(service, f"SELECT count(*) FROM {sql.rsplit('FROM ', 1)[1]}")[0][0] >= taken
                   for service, sql in HELD.values() if service in stack.services and service != "sessions")

    wait_until(done, timeout=180 if FULL else 60, interval=0.3, what="every outbox sent and every mark taken")


def relay_on(restored: PrivatePostgres, stack: PrivateDatabaseStack, amqp_url: str, log_dir: Path) -> float:
    """Sessions' worker started on the restored cluster (and a vhost of its own): the seconds until its relay has sent
    what waited in the restored outbox."""
    again = PrivateDatabaseStack(stack.name, Servers(restored.url, amqp_url, "private"), stack.keys,
                                 services=("sessions",)).open()
    started = time.monotonic()
    try:
        with running(again, log_dir, webs=(), workers=("sessions",)):
            wait_until(lambda: not again.rows("sessions", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0],
                       timeout=60, interval=0.2, what="the restored outbox to be sent")
            return time.monotonic() - started
    finally:
        again.close()


def promoted(pg: PrivatePostgres) -> bool:
    """Whether the cluster has left recovery and takes writes (False while it cannot be asked yet)."""
    try:
        return not pg.in_recovery()
    except psycopg.OperationalError:
        return False


def audited_reads(system: Services, token: Callable[..., str]) -> None:
    """An auditor reads each running service's log: a row in each service's audit chain."""
    headers = {"Authorization": f"Bearer {token('audit-drill', 'auditor')}"}
    for url in system.urls.values():
        r = requests.get(f"{url}/audit", headers=headers, params={"page_size": 1}, timeout=30)
        assert r.status_code == 200, r.text


def test_a_restore_to_a_point_in_time_holds_exactly_what_was_written_by_then(
        servers, jwt_keys, token, capsys, monkeypatch, tmp_path_factory: pytest.TempPathFactory):
    shape = SHAPE
    half = shape.sessions // 2
    # the marks of the first sessions reach every consumer before the target time; those of the last session before
    # it are recorded while sessions' relay is stopped, so that the target time finds them in the outbox, unsent
    before, held, after = range(1, half), range(half, half + 1), range(half + 1, shape.sessions + 1)
    services = tuple(dict.fromkeys((*shape.webs, *shape.workers)))
    anchors = tmp_path_factory.mktemp("drill") / "audit-anchors.jsonl"
    pg, restored, began = PrivatePostgres(), None, time.monotonic()
    try:
        pg.init(archive=True, synchronous_commit="on").start()
        stack = PrivateDatabaseStack(f"qadam_d{uuid.uuid4().hex[:10]}", Servers(pg.url, servers.amqp_url, "private"),
                                     jwt_keys, services=services).open()
        try:
            with running(stack, tmp_path_factory.mktemp("drill-logs"), webs=shape.webs, workers=shape.workers) as system:
                groups = seed_groups(stack.database_url("sessions"), groups=shape.groups, men=shape.men)
                plan_sessions(system.urls["sessions"], token, groups, shape.sessions)
                backup = pg.dir / "base-backup"
                started = time.monotonic()
                pg.base_backup(backup)
                backup_s = time.monotonic() - started

                tally, set_up_s = Tally(), time.monotonic() - began
                send_marks(system.urls["sessions"], token, groups, before, per_request=shape.per_request,
                           seconds=shape.seconds, tally=tally)
                audited_reads(system, token)
                settle(stack, len(expected_marks(groups, before)))
                system.processes["sessions-worker"].stop()
                send_marks(system.urls["sessions"], token, groups, held, per_request=shape.per_request, seconds=0,
                           tally=tally)
                settle(stack, len(expected_marks(groups, before)), unsent=len(expected_marks(groups, held)))
                # the moment: the audit heads anchored, and nothing changing from before the target time to after it
                verified_then = verify_audit(stack, pg.url, anchors, monkeypatch)
                for _ in range(50):
                    at_target = snapshot(pg, stack)
                    target: datetime = pg.query("SELECT clock_timestamp()")[0][0]
                    if snapshot(pg, stack) == at_target:
                        break
                    time.sleep(0.2)
                else:
                    pytest.fail("the databases never held still long enough to take a target time")

                system.processes["sessions-worker"].start()
                send_marks(system.urls["sessions"], token, groups, after, per_request=shape.per_request,
                           seconds=shape.seconds, tally=tally)
                audited_reads(system, token)
                settle(stack, len(expected_marks(groups, range(1, shape.sessions + 1))))
                system.stop_workers()
        finally:
            stack.close()
        assert not tally.failures, f"{len(tally.failures)} requests failed for good: {tally.failures[:5]}"
        at_end = snapshot(pg, stack)
        segment = pg.switch_wal()  # the last marks' WAL into the archive now, not once its segment is full
        wait_until(lambda: pg.archived(segment), timeout=60, what=f"WAL segment {segment} to be archived")

        started = time.monotonic()
        restored = PrivatePostgres.restored_from(backup, pg.archive, target)
        restored.start()
        wait_until(lambda: promoted(restored), timeout=300, interval=0.1, what="the restored cluster to promote")
        recovery_s = time.monotonic() - started
        replayed = restored.log.read_text(errors="replace").count("restored log file")
        found = snapshot(restored, stack)
        verified = verify_audit(stack, restored.url, anchors, monkeypatch)
        relayed_s = relay_on(restored, stack, servers.amqp_url, tmp_path_factory.mktemp("relay-logs")) if FULL else None
    finally:
        if restored is not None:
            restored.close()
        pg.close()

    marks_before = expected_marks(groups, range(1, half + 1))
    unsent_then = len(expected_marks(groups, held))
    table = [(what, len(at_target[what]), len(at_end[what] - at_target[what]), len(found[what]),
              len(at_target[what] - found[what]), len(found[what] - at_target[what])) for what in at_target]
    with capsys.disabled():
        print(f"\n\nrestore drill ({'full' if FULL else 'short'} form): {', '.join(shape.webs)} (web), "
              f"{', '.join(shape.workers)} (workers) on a private cluster archiving its WAL; set-up {set_up_s:.1f} s, "
              f"base backup in {backup_s:.1f} s; {len(marks_before)} marks before the target time, "
              f"{len(tally.answered) - len(marks_before)} after; the drill took {time.monotonic() - began:.1f} s")
        print(f"restored to {target.isoformat()} on a new cluster in {recovery_s:.1f} s (base backup copied, "
              f"{replayed} WAL segments replayed from the archive, promoted)")
        print(f"{'':36}{'at target':>10}{'after it':>9}{'restored':>9}{'missing':>8}{'extra':>6}")
        for what, at, later, got, missing, extra in table:
            print(f"{what:36}{at:>10}{later:>9}{got:>9}{missing:>8}{extra:>6}")
        print(f"the {unsent_then} events of the marks recorded while sessions' relay was stopped are unsent in the "
              "restored outbox, as they were at the target time" + (
                  f"; sessions' worker started on the restored cluster sent them in {relayed_s:.1f} s"
                  if relayed_s is not None else ""))
        for service in stack.services:
            status, printed = verified[service]
            anchored = head_of(verified_then[service][1])
            print(f"qadam audit verify {service} --anchors (restored): exit {status}, "
                  f"{printed.splitlines()[0].split(': ', 1)[1]}; head = the anchored head: "
                  f"{head_of(printed) == anchored}")
        print()

    for what, _at, _later, _got, missing, extra in table:
        assert (missing, extra) == (0, 0), f"{what}: {missing} missing, {extra} extra after the restore"
    assert found == at_target
    assert len(at_target["outbox rows unsent (sessions)"]) == unsent_then
    assert at_target["attendance marks"] == {f"{s} {e} {status}" for (s, e), status in marks_before.items()}
    assert len(at_end["attendance marks"]) == shape.groups * shape.men * shape.sessions  # the later ones were written
    for service in stack.services:
        assert verified_then[service][0] == 0, verified_then[service][1]
        assert verified[service][0] == 0, verified[service][1]  # intact, and every anchor still in the chain
        assert head_of(verified[service][1]) == head_of(verified_then[service][1])
        assert at_end[f"audit log ({service})"] > at_target[f"audit log ({service})"] or service not in shape.webs
