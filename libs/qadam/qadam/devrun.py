"""`make run`: the whole system as local processes against PostgreSQL and RabbitMQ on this machine.

Each service gets its own database (created and migrated on first start), a gunicorn web process and a
worker process; their output is prefixed with their name. Where no SMTP server answers, a development
mail catcher prints alert e-mails to the console. Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import make_url

from .config import API_SERVICES, SERVICES, Settings
from .gunicorn_conf import gunicorn_argv
from .private_files import write_owner_only

BASE_PORT = int(os.environ.get("QADAM_RUN_BASE_PORT", "8001"))
REGION, DISTRICT = "Qoraqalpogʻiston Respublikasi", "Nukus"
# development: the demo tokens in var/demo-tokens.env serve a day's walk through the README, and the services
# refuse a token that lives longer than the portal's, so here both live 12 hours (production: 5 minutes)
DEMO_TOKEN_TTL_SECONDS = 12 * 3600


def use_demo_token_lifetime() -> None:
    """The development token lifetime, unless QADAM_PORTAL_TOKEN_TTL_SECONDS says otherwise: `make run` (for its
    services and the tokens it prints) and `qadam seed` run on its own both take it, so their tokens live alike."""
    os.environ.setdefault("QADAM_PORTAL_TOKEN_TTL_SECONDS", str(DEMO_TOKEN_TTL_SECONDS))


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
    root = Path.cwd()
    os.environ.setdefault("QADAM_JWT_PRIVATE_KEY_FILE", str(root / "var/keys/jwt-private.pem"))
    os.environ.setdefault("QADAM_JWT_PUBLIC_KEY_FILE", str(root / "var/keys/jwt-public.pem"))
    os.environ.setdefault("QADAM_LOG_FORMAT", "console")
    use_demo_token_lifetime()  # before the services start: they read it too
    problem = _check_servers(Settings.from_env("enrollment"))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from . import sealing
    from .auth import generate_keypair
    from .migrations import upgrade

    settings = Settings.from_env("qadam")
    if not settings.key_path("public").exists():
        generate_keypair(settings.key_path("private"), settings.key_path("public"))
    sealing.ensure(Path(settings.sealing_key_file).expanduser())  # development only: production mounts its keys
    for service in SERVICES:
        upgrade(service, Settings.from_env(service).database_url)
    from qadam_tools.system import declare  # the runner moves to qadam_tools (helper kit)

    # every queue bound before any worker publishes: a worker declares only its own
    declare(settings.amqp_url)

    catcher = None
    if not _answers(settings.smtp_host, settings.smtp_port):
        catcher = _console_mail_catcher(settings.smtp_host, settings.smtp_port)

    ports = service_ports(BASE_PORT)
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    portal_address = f"http://localhost:{ports['portal']}"  # browsers keep the portal's secure cookies on localhost
    for s in API_SERVICES:
        os.environ.setdefault(f"QADAM_{s.upper()}_URL", urls[s])
    os.environ.setdefault("QADAM_PORTAL_URL", portal_address)
    os.environ.setdefault("QADAM_ACK_LINK_URL", f"{urls['notify']}/ack")
    # the services verify tokens with the keys the portal publishes (fetched on first use, again on a new key)
    os.environ.setdefault("QADAM_JWKS_URL", f"http://127.0.0.1:{ports['portal']}/.well-known/jwks.json")
    processes: list[subprocess.Popen[bytes]] = []
    for service, port in ports.items():
        metrics_dir = root / "var/metrics" / service
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for f in metrics_dir.glob("*.db"):
            f.unlink()
        web_env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        commands = {
            f"{service}-web": ([*gunicorn_argv(service, f"127.0.0.1:{port}", 2), f"{service}.app:create_app()"],
                               web_env),
            f"{service}-worker": ([sys.executable, "-m", f"{service}.worker"], dict(os.environ)),
        }
        for name, (argv, env) in commands.items():
            p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            processes.append(p)
            threading.Thread(target=_pump, args=(name, p.stdout), daemon=True).start()

    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        if _wait_ready(urls, stopping):
            seed(BASE_PORT, quiet=False)
            staff = _demo_staff()
            print("\nQadam is running:")
            print(f"  portal      {portal_address}   <- open this in a browser")
            for service in API_SERVICES:
                print(f"  {service:<11} {urls[service]}   (API document: {urls[service]}/docs)")
            print("\nDemo users of the demo region (Qoraqalpogʻiston Respublikasi, Nukus), one per role:")
            for user in staff:
                second = f"   second factor: key {user.totp_secret}, code now {user.code()} " \
                         f"(`{sys.executable} -m portal.demo code {user.id}`)" if user.totp_secret else ""
                print(f"  {user.role:<15} {user.id:<20} password {user.password}{second}")
            print()
            print(f"  demo tokens  {root / 'var/demo-tokens.env'}   (`source` it, then see README: Using Qadam)")
            if catcher:
                print(f"  e-mail       printed here (development mail catcher on {settings.smtp_host}:{settings.smtp_port})")
            print("Ctrl-C stops everything.\n")
        while not stopping.is_set():
            if any(p.poll() is not None for p in processes):
                print("a process stopped unexpectedly; stopping the rest", file=sys.stderr)
                break
            stopping.wait(0.5)
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        if catcher:
            catcher.stop()
    print("Qadam stopped.")
    return 0


def service_ports(base_port: int) -> dict[str, int]:
    """The portal on the port before the services' (8000 by default: the address people open), the APIs after it."""
    ports = {service: base_port + i for i, service in enumerate(API_SERVICES)}
    ports["portal"] = base_port - 1
    return ports


def _demo_staff() -> list[Any]:
    from portal.demo import ensure_demo_users  # the portal owns its users; this is the development runner

    return ensure_demo_users(Settings.from_env("portal"))


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
    if pending:
        print(f"not ready after 60 s: {', '.join(pending)}", file=sys.stderr)
    return not pending


def _console_mail_catcher(host: str, port: int) -> Any:
    from aiosmtpd.controller import Controller

    class Printer:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            text = envelope.content.decode(errors="replace")
            sys.stdout.write("mail-catcher      | " + text.replace("\n", "\nmail-catcher      | ") + "\n")
            return "250 OK"

    controller = Controller(Printer(), hostname=host, port=port)
    controller.start()
    return controller


def seed(base_port: int = BASE_PORT, *, quiet: bool = True) -> int:
    """A demo region through the APIs, as its users would enter it; safe to run again."""
    urls = {s: f"http://127.0.0.1:{port}" for s, port in service_ports(base_port).items() if s != "portal"}
    tokens = sign_demo_tokens()
    seed_region(urls, tokens)
    env = write_demo_tokens(Path("var/demo-tokens.env"), tokens, urls)
    if not quiet:
        print(f"seeded the demo region ({DISTRICT}); tokens in {env}")
    return 0


def sign_demo_tokens() -> dict[str, str]:
    """The demo staff's tokens (`demo_tokens`), signed with the development key for the development lifetime."""
    from .auth import issue_token

    use_demo_token_lifetime()
    settings = Settings.from_env("qadam")
    private = settings.key_path("private").read_bytes()

    def tok(user: str, role: str, region: str | None = None, district: str | None = None) -> str:
        return issue_token(private, user_id=user, role=role, issuer=settings.jwt_issuer,
                           audience=settings.jwt_audience, ttl_seconds=settings.portal_token_ttl_seconds, region=region,
                           district=district)

    return demo_tokens(tok)


def write_demo_tokens(path: Path, tokens: dict[str, str], urls: dict[str, str]) -> Path:
    """The demo tokens and the services' addresses as a file to `source`, readable by its owner only: they are
    bearer tokens, and another user of the machine holding one could act as that member of staff."""
    lines = [f"export {k}={v}" for k, v in tokens.items()]
    lines += [f"export {s.upper()}={u}" for s, u in urls.items()]
    write_owner_only(path, "\n".join(lines) + "\n")
    return path


def demo_tokens(tok: Any) -> dict[str, str]:
    """The demo region's staff as tokens, by role: `tok(user_id, role, region=, district=)` signs one."""
    return {
        "MANAGER": tok("mgr-karakalpakstan", "manager", region=REGION),
        "INSPECTOR": tok("insp-nukus-1", "inspector", region=REGION, district=DISTRICT),
        "PSYCHOLOGIST": tok("psy-nukus-1", "psychologist", region=REGION, district=DISTRICT),
        "ADMIN": tok("admin-1", "administrator"),
    }


DEMO_COHORT = "Nukus, group 1"
DEMO_MEN = ("Aybek Qudaybergenov", "Baxtiyar Seytmuratov", "Dauletbay Jumabaev", "Ermek Nurlanov",
            "Jaqsılıq Tilewov", "Rustem Allanazarov")


def seed_region(urls: dict[str, str], tokens: dict[str, str]) -> dict[str, Any]:
    """The demo region: the statutory programme, one group in Nukus with six men referred under protection orders
    (one order expiring within the week), two sessions already held (one an hour ago, still to be recorded) and
    two to come. Returns the cohort and its enrolments; run again, it finds them."""
    import requests

    def call(method: str, service: str, path: str, who: str, body: Any = None) -> Any:
        deadline = time.monotonic() + 30
        while True:
            r = requests.request(method, urls[service] + path, json=body, timeout=10,
                                 headers={"Authorization": f"Bearer {tokens[who]}"})
            # the cohort reaches sessions as an event: until it has arrived there, sessions does not know it
            if r.status_code != 404 or service != "sessions" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if r.status_code >= 400 and r.status_code != 409:
            raise SystemExit(f"seed: {method} {path} answered {r.status_code}: {r.text}")
        return r.json()

    existing = [c for c in call("GET", "enrollment", "/cohorts?page_size=100", "MANAGER")["items"]
                if c["name"] == DEMO_COHORT]
    if existing:
        cohort = existing[0]
        enrolments = call("GET", "enrollment", f"/enrolments?cohort_id={cohort['id']}&page_size=100", "MANAGER")["items"]
        return {"cohort": cohort, "enrolments": enrolments}
    # The region's copy of the statutory template shipped with enrollment (DOMAIN.md).
    statutory = call("POST", "enrollment", "/programmes", "MANAGER", {
        "name": f"Statutory correction programme ({REGION})", "template": "statutory", "region": REGION})
    day = 86400
    now = time.time()
    cohort = call("POST", "enrollment", "/cohorts", "MANAGER", {
        "programme_id": statutory["id"], "name": DEMO_COHORT, "region": REGION, "district": DISTRICT,
        "mahalla": "Qizketken", "facilitator_ids": ["psy-nukus-1"],
        "start_date": time.strftime("%Y-%m-%d", time.localtime(now - 3 * day))})
    enrolments = []
    for i, name in enumerate(DEMO_MEN, 1):
        person = call("POST", "enrollment", "/participants", "INSPECTOR", {
            "full_name": name, "birth_date": f"19{80 + i}-0{i}-1{i}", "region": REGION, "district": DISTRICT,
            "preferred_language": "kaa"})
        expires_in = 5 if i == 1 else 30 + 10 * i
        order = call("POST", "enrollment", "/protection-orders", "INSPECTOR", {
            "number": f"HO-DEMO-{i}", "participant_id": person["id"], "region": REGION, "district": DISTRICT,
            "issued_on": time.strftime("%Y-%m-%d", time.localtime(now - 25 * day)),
            "expires_on": time.strftime("%Y-%m-%d", time.localtime(now + expires_in * day)),
            "conditions": ["No contact with the victim"]})
        enrolment = call("POST", "enrollment", "/enrolments", "INSPECTOR", {
            "participant_id": person["id"], "cohort_id": cohort["id"], "inspector_id": "insp-nukus-1",
            "psychologist_id": "psy-nukus-1", "referral_source": "protection_order",
            "protection_order_id": order["id"]})
        for action in ("assess", "start"):
            call("POST", "enrollment", f"/enrolments/{enrolment['id']}/transitions", "INSPECTOR", {"action": action})
        enrolments.append(enrolment)
    for number, offset in ((1, -2 * day), (2, -3600), (3, 5 * day), (4, 12 * day)):
        at = datetime.fromtimestamp(now + offset, UTC).replace(microsecond=0).isoformat()
        call("POST", "sessions", f"/cohorts/{cohort['id']}/sessions", "PSYCHOLOGIST", {
            "number": number, "scheduled_at": at, "topic": None, "place": "Qizketken mahalla guzari"})
    return {"cohort": cohort, "enrolments": enrolments}
