"""The portal's test kit: the whole system running for its page and browser tests (its own stack, every service and
worker as processes, the demo region and staff), and the helpers that use its pages as a browser would (sign in,
find a form's CSRF token). Fixtures here are taken into a conftest by name (the portal's integration tests and
tests/browser)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from portal.demo import DEMO_USERS, DemoUser, ensure_demo_users
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_testing import MailCatcher, RunningSystem, Servers, Stack
from qadam_tools.demo import demo_tokens, seed_region

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "tuproq-yoʻl-2026"  # the password `add_user` gives


@pytest.fixture(scope="module")
def own_stack(servers: Servers, jwt_keys: tuple[Path, Path]) -> Iterator[Stack]:
    """A stack of the portal alone for one test module (its sign-in tests change accounts as they go)."""
    s = Stack(f"qadam_s{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("portal",)).open()
    yield s
    s.close()


def make_app(stack: Stack, **overrides: Any) -> Any:
    """The portal in-process on `stack`, with `overrides` of its settings."""
    from portal.app import create_app

    return create_app({**stack.base_settings("portal"), "TESTING": True, **overrides})


def add_user(app: Any, role: str = "inspector", **values: Any) -> str:
    """A user of `role` in the Bukhara region (`values` over the rest), signing in with PASSWORD; its id."""
    from portal import accounts

    user_id = f"u{uuid.uuid4().hex[:8]}"
    with app.extensions["qadam_sessions"].begin() as db:
        user = accounts.create_user(db, app.extensions["qadam_settings"], {
            "id": user_id, "display_name": "Sinov Foydalanuvchi", "role": role, "region": "Buxoro viloyati",
            "district": "Gʻijduvon", "language": "en", **values}, PASSWORD)
        user.must_change_password = False
    return user_id


def new_client(app: Any) -> Any:
    """A browser-like test client of the in-process portal, over HTTPS (its cookies are secure)."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: Any, user: DemoUser | str, password: str | None = None) -> Any:
    """Sign `user` in through the pages (password, then a code where their second factor is on)."""
    demo = user if isinstance(user, DemoUser) else next(u for u in DEMO_USERS if u.id == user)
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf_of(page.text), "username": demo.id,
                                              "password": password or demo.password})
    if demo.totp_secret and response.status_code == 302 and "/sign-in/code" in response.headers["Location"]:
        page = client.get(response.headers["Location"])
        # A code works once, and the portal also takes the next step's code (a phone's clock a little ahead): when
        # this step's was used by an earlier sign-in, the next step's is sent; when both were, the codes he used on
        # this stack are forgotten (as on a new stack) rather than waiting up to 30 s for the next step.
        totp = pyotp.TOTP(demo.totp_secret)
        for attempt in range(3):
            if attempt == 2:
                forget_used_codes(demo.id)
            code = totp.at(time.time() + (30 if attempt == 1 else 0))
            response = client.post("/sign-in/code", data={"csrf_token": csrf_of(page.text), "code": code})
            if response.status_code != 401:
                break
    assert response.status_code == 302, response.text[:2000]
    return response


def forget_used_codes(user_id: str) -> None:
    """Arrange, for a test that signs a user with a second factor in more often than a code's 30 s step allows (each
    code works once): the portal forgets which step's code he used last, on every portal stack of this process, so
    this step's code works again. No test waits for time to pass."""
    for url in _PORTAL_DATABASES:
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        try:
            with engine.begin() as connection:
                connection.execute(sa.text("UPDATE app_user SET totp_last_step = NULL WHERE id = :id"), {"id": user_id})
        finally:
            engine.dispose()


_PORTAL_DATABASES: list[str] = []  # the portal database of each portal stack open in this process
_RUNNING: list[RunningSystem] = []
_STOPPED: list[RunningSystem] = []
_APPS: list[Any] = []


def stop_portal_system() -> None:
    """Stop the portal's running system and dispose of its in-process apps' engines (see the conftest's teardown)."""
    for running in _RUNNING:
        running.stop()
    for app in _APPS:
        app.extensions["qadam_engine"].dispose()
    _STOPPED.extend(_RUNNING)
    _RUNNING.clear()


def resume_portal_system() -> None:
    """Start the portal's system again, as it was, for a portal test that comes after it was stopped (under
    pytest-xdist a worker may run other files between the portal's)."""
    for running in _STOPPED:
        running.restart()
    _RUNNING.extend(_STOPPED)
    _STOPPED.clear()


@pytest.fixture(scope="session")
def portal_mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher().start()
    yield catcher
    catcher.stop()


@pytest.fixture(scope="session")
def portal_stack(servers: Servers, jwt_keys: tuple[Path, Path]) -> Iterator[Stack]:
    s = Stack(f"qadam_p{uuid.uuid4().hex[:10]}", servers, jwt_keys).open()
    _PORTAL_DATABASES.append(s.database_url("portal"))
    yield s
    _PORTAL_DATABASES.remove(s.database_url("portal"))
    s.close()


@pytest.fixture(scope="session")
def portal_system(portal_stack: Stack, portal_mail: MailCatcher,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """Every service, worker and the portal running; notify mails to a local catcher and escalates fast."""
    running = RunningSystem(portal_stack, tmp_path_factory.mktemp("portal-logs"))
    try:
        running.start({"notify": {"smtp_port": portal_mail.port}})
        _RUNNING.append(running)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def database(portal_stack: Stack) -> Iterator[Callable[[str], sa.Engine]]:
    """database(service) -> an engine on that service's database in the portal's stack ("portal", "notify", ...);
    one per service, disposed at the end of the module."""
    engines: dict[str, sa.Engine] = {}

    def engine(service: str) -> sa.Engine:
        if service not in engines:
            engines[service] = sa.create_engine(portal_stack.database_url(service))
        return engines[service]

    yield engine
    for made in engines.values():
        made.dispose()


@pytest.fixture(scope="session")
def demo(portal_system: RunningSystem, portal_stack: Stack, jwt_keys: tuple[Path, Path]) -> dict[str, Any]:
    """The demo region (one cohort of six men, sessions) and the demo staff, one per role."""
    private = jwt_keys[0].read_bytes()
    defaults = Settings()

    def tok(user: str, role: str, region: str | None = None, district: str | None = None) -> str:
        return issue_token(private, user_id=user, role=role, issuer=defaults.jwt_issuer,
                           audience=defaults.jwt_audience, ttl_seconds=3600, region=region, district=district)

    urls = {s: u for s, u in portal_system.urls.items() if s != "portal"}
    region = seed_region(urls, demo_tokens(tok))
    ensure_demo_users(portal_stack.settings("portal"))
    return {**region, "users": {u.id: u for u in DEMO_USERS}, "urls": portal_system.urls}


@pytest.fixture(scope="session")
def portal_app(portal_system: RunningSystem, portal_stack: Stack, demo: dict[str, Any]) -> Any:
    """The portal in this process, wired to the running services; it reports any message missing a translation."""
    from portal.app import create_app

    urls = {f"{s}_url": u for s, u in portal_system.urls.items() if s != "portal"}
    app = create_app({**portal_stack.base_settings("portal"), **urls, "TESTING": True,
                      "REPORT_MISSING_TRANSLATIONS": True})
    _APPS.append(app)
    return app


@pytest.fixture(scope="session")
def client_for(portal_app: Any) -> Callable[..., Any]:
    """client_for(user_id, language=None) -> a test client signed in as that demo user, in `language` (default:
    the user's own). One client per user for the whole run: a second-factor code works only once."""
    clients: dict[str, Any] = {}

    def make(user_id: str, language: str | None = None) -> Any:
        demo = next(u for u in DEMO_USERS if u.id == user_id)
        client = clients.get(user_id)
        if client is None or client.get("/account").status_code != 200:
            client = clients[user_id] = new_client(portal_app)
            sign_in(client, demo)
        page = client.get("/account")
        client.post("/language", data={"csrf_token": csrf_of(page.text), "language": language or demo.language,
                                       "next": "/"})
        return client

    return make


