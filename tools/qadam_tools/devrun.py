"""`make run`: the whole system as local processes against PostgreSQL and RabbitMQ on this machine.

Each service gets its own database (created and migrated on first start), a gunicorn web process and a
worker process; their output is prefixed with their name. Where no SMTP server answers, a development
mail catcher prints alert e-mails to the console. Ctrl-C stops everything: each process is started in a process
group of its own (so that a gunicorn master and its workers are stopped together, and the terminal's Ctrl-C
reaches only the runner), asked to stop with SIGTERM, and killed with its whole group after a grace period.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import IO, Any

from qadam.config import Settings, load_settings
from qadam.gunicorn_conf import gunicorn_argv
from sqlalchemy.engine import make_url

from .demo import DISTRICT, REGION, seed, use_demo_token_lifetime
from .keys import RunRecord, write_run_record
from .mail_catcher import console_mail_catcher
from .system import API_SERVICES, SERVICES, declare, service_ports, set_policies

BASE_PORT = int(os.environ.get("QADAM_RUN_BASE_PORT", "8001"))
# gunicorn finishes the requests in flight for this long after SIGTERM; the runner then waits a little more for
# every process to exit before it kills what is left, group by group: all are gone within STOP_SECONDS
GRACEFUL_SECONDS = 4
STOP_SECONDS = 7.0


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _check_servers(settings: Settings) -> str | None:
    db = make_url(settings.database_url)
    amqp = urllib.parse.urlsplit(settings.amqp_url)
    start = "start them with `docker compose up -d postgres rabbitmq`, or the system's packages " \
            "(`pg_ctlcluster 15 main start`, `rabbitmq-server -detached`)"
    if not _answers(db.host or "127.0.0.1", db.port or 5432):
        return f"No PostgreSQL answers at {db.host}:{db.port or 5432}: {start}."
    if not _answers(amqp.hostname or "127.0.0.1", amqp.port or 5672):
        return f"No RabbitMQ answers at {amqp.hostname}:{amqp.port or 5672}: {start}."
    return None


def _pump(prefix: str, stream: IO[bytes]) -> None:
    for raw in iter(stream.readline, b""):
        sys.stdout.write(f"{prefix:<18}| {raw.decode(errors='replace')}")
        sys.stdout.flush()


def run() -> int:
    """Start every service's web process and worker, seed the demo region, print the addresses; until Ctrl-C."""
    root = Path.cwd()
    os.environ.setdefault("QADAM_JWT_PRIVATE_KEY_FILE", str(root / "var/keys/jwt-private.pem"))
    os.environ.setdefault("QADAM_JWT_PUBLIC_KEY_FILE", str(root / "var/keys/jwt-public.pem"))
    os.environ.setdefault("QADAM_LOG_FORMAT", "console")
    use_demo_token_lifetime()  # before the services start: they read it too
    problem = _check_servers(Settings.from_env("qadam"))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from qadam import sealing
    from qadam.auth import generate_keypair
    from qadam.migrations import upgrade

    settings = Settings.from_env("qadam")
    if not settings.key_path("public").exists():
        generate_keypair(settings.key_path("private"), settings.key_path("public"))
    sealing.ensure(Path(settings.sealing_key_file).expanduser())  # development only: production mounts its keys
    # `qadam token` run from anywhere signs with these keys, the ones the services below trust
    write_run_record(RunRecord(checkout=str(root), private_key=str(settings.key_path("private").resolve()),
                               public_key=str(settings.key_path("public").resolve()), pid=os.getpid()))
    for service in SERVICES:
        upgrade(service, load_settings(service).database_url)
    # every queue bound before any worker publishes: a worker declares only its own
    declare(settings.amqp_url)
    unset = set_policies(settings.amqp_url)
    if unset:
        print(f"RabbitMQ: the queues' policies are not set ({unset}): a message that keeps failing will not be parked")

    from notify.settings import NotifySettings  # where notify sends e-mail: a catcher listens there if nobody does

    mail = NotifySettings.from_env("notify")
    catcher = None
    if not _answers(mail.smtp_host, mail.smtp_port):
        catcher = console_mail_catcher(mail.smtp_host, mail.smtp_port)

    ports = service_ports(BASE_PORT)
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    portal_address = f"http://localhost:{ports['portal']}"  # browsers keep the portal's secure cookies on localhost
    for s in API_SERVICES:
        os.environ.setdefault(f"QADAM_{s.upper()}_URL", urls[s])
    os.environ.setdefault("QADAM_PORTAL_URL", portal_address)
    os.environ.setdefault("QADAM_ACK_LINK_URL", f"{urls['notify']}/ack")
    # the services verify tokens with the keys the portal publishes (fetched on first use, again on a new key)
    os.environ.setdefault("QADAM_JWKS_URL", f"http://127.0.0.1:{ports['portal']}/.well-known/jwks.json")

    stopping = threading.Event()

    def stop(*_: object) -> None:
        # wherever the runner is (starting processes, waiting for them, seeding): it stops now
        stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    processes: list[subprocess.Popen[bytes]] = []
    failed = False
    try:
        for service, port in ports.items():
            metrics_dir = root / "var/metrics" / service
            metrics_dir.mkdir(parents=True, exist_ok=True)
            for f in metrics_dir.glob("*.db"):
                f.unlink()
            web_env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
            web = [*gunicorn_argv(service, f"127.0.0.1:{port}", 2), "--graceful-timeout", str(GRACEFUL_SECONDS),
                   f"{service}.app:create_app()"]
            commands = {
                f"{service}-web": (web, web_env),
                f"{service}-worker": ([sys.executable, "-m", f"{service}.worker"], dict(os.environ)),
            }
            for name, (argv, env) in commands.items():
                # a session (and process group) of its own: stopped as a group, and out of reach of the
                # terminal's Ctrl-C, which is the runner's to handle
                p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
                processes.append(p)
                threading.Thread(target=_pump, args=(name, p.stdout), daemon=True).start()
        if _wait_ready(urls, stopping):
            seed(BASE_PORT, quiet=False)
            _announce(root, portal_address, urls, catcher, mail)
        while not stopping.is_set():
            if any(p.poll() is not None for p in processes):
                print("a process stopped unexpectedly; stopping the rest", file=sys.stderr)
                failed = True
                break
            stopping.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the stop short
            signal.signal(signum, signal.SIG_IGN)
        stop_processes(processes, STOP_SECONDS)
        if catcher:
            catcher.stop()
    print("Qadam stopped." if not failed else "Qadam stopped: a process had stopped unexpectedly (see above).")
    return 1 if failed else 0


def stop_processes(processes: list[subprocess.Popen[bytes]], within: float) -> None:
    """SIGTERM to each process's group; whatever of a group is still there after most of `within` seconds is
    killed (a gunicorn worker finishing a request, or one its master left behind, included)."""
    for p in processes:
        _signal_group(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + max(within - 1.0, 0.0)
    while time.monotonic() < deadline and any(_group_alive(p.pid) for p in processes):
        for p in processes:
            p.poll()  # reap the leaders that exited, so that their group can empty
        time.sleep(0.1)
    for p in processes:
        if _group_alive(p.pid):
            _signal_group(p.pid, signal.SIGKILL)
    for p in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(1)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group lives (a zombie leader not yet reaped counts, until `poll` reaps it)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _announce(root: Path, portal_address: str, urls: dict[str, str], catcher: Any, mail: Any) -> None:
    staff = _demo_staff()
    print("\nQadam is running:")
    print(f"  portal      {portal_address}   <- open this in a browser")
    for service in API_SERVICES:
        print(f"  {service:<11} {urls[service]}   (API document: {urls[service]}/docs)")
    print(f"\nDemo users of the demo region ({REGION}, {DISTRICT}), one per role:")
    for user in staff:
        second = f"   second factor: key {user.totp_secret}, code now {user.code()} " \
                 f"(`{sys.executable} -m portal.demo code {user.id}`)" if user.totp_secret else ""
        print(f"  {user.role:<15} {user.id:<20} password {user.password}{second}")
    print()
    print(f"  demo tokens  {root / 'var/demo-tokens.env'}   (`source` it, then see README: Using Qadam)")
    if catcher:
        print(f"  e-mail       printed here (development mail catcher on {mail.smtp_host}:{mail.smtp_port})")
    print("Ctrl-C stops everything.\n")


def _demo_staff() -> list[Any]:
    from portal.demo import ensure_demo_users  # the portal owns its users
    from portal.settings import PortalSettings

    return ensure_demo_users(PortalSettings.from_env("portal"))


def _wait_ready(urls: dict[str, str], stopping: threading.Event) -> bool:
    import requests

    deadline = time.monotonic() + 60
    pending = dict(urls)
    while pending and not stopping.is_set() and time.monotonic() < deadline:
        for service, url in list(pending.items()):
            try:
                if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                    del pending[service]
            except requests.RequestException:
                pass
        stopping.wait(0.3)
    if pending and not stopping.is_set():
        print(f"not ready after 60 s: {', '.join(pending)}", file=sys.stderr)
    return not pending
