"""The portal's tests run against the whole system: its own stack (databases and vhost), every service and worker
running as processes (the portal's too, for the browser), the demo region seeded through the APIs and the demo
staff in the portal. Page tests use the portal in-process (Flask's test client over https://localhost) wired to
those running services; the browser tests use the running portal."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from portal.demo import DEMO_USERS, ensure_demo_users
from portal.testkit import csrf_of, new_client, sign_in
from qadam.auth import issue_token
from qadam.config import Settings
from qadam.testing import MailCatcher, RunningSystem, Servers, Stack
from qadam_tools.demo import demo_tokens, seed_region


@pytest.fixture(scope="session")
def portal_mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher().start()
    yield catcher
    catcher.stop()


@pytest.fixture(scope="session")
def portal_stack(servers: Servers, jwt_keys: tuple[Path, Path]) -> Iterator[Stack]:
    s = Stack(f"qadam_p{uuid.uuid4().hex[:10]}", servers, jwt_keys).open()
    yield s
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


_RUNNING: list[RunningSystem] = []
_APPS: list[Any] = []
_HERE = Path(__file__).parent


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """The portal's system stops as soon as its last test has run, not at the end of the whole run: the tests after
    it start a system of their own, and two at once hold more database connections than a default PostgreSQL
    allows (100)."""
    if _RUNNING and (nextitem is None or _HERE not in Path(str(nextitem.path)).parents):
        for running in _RUNNING:
            running.stop()
        for app in _APPS:
            app.extensions["qadam_engine"].dispose()
        _RUNNING.clear()
        _APPS.clear()


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


