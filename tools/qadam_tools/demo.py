"""The demo region: its staff's tokens and what they enter, through the running services' APIs (`make run` and
`qadam seed`; the portal's tests seed the same)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qadam.auth import issue_token
from qadam.config import Settings
from qadam.private_files import write_owner_only

from .keys import find_private_key
from .system import service_ports

REGION, DISTRICT = "Qoraqalpogʻiston Respublikasi", "Nukus"
# development: the demo tokens in var/demo-tokens.env serve a day's walk through the README, and the services
# refuse a token that lives longer than the identity provider's, so here both live 12 hours (production: 5 minutes)
DEMO_TOKEN_TTL_SECONDS = 12 * 3600
DEMO_COHORT = "Nukus, group 1"
DEMO_MEN = ("Aybek Qudaybergenov", "Baxtiyar Seytmuratov", "Dauletbay Jumabaev", "Ermek Nurlanov",
            "Jaqsılıq Tilewov", "Rustem Allanazarov")


def use_demo_token_lifetime() -> None:
    """The development token lifetime, unless QADAM_TOKEN_TTL_SECONDS says otherwise: `make run` (for its services
    and the tokens it prints) and `qadam seed` run on its own both take it, so their tokens live alike."""
    os.environ.setdefault("QADAM_TOKEN_TTL_SECONDS", str(DEMO_TOKEN_TTL_SECONDS))


def seed(base_port: int, *, quiet: bool = True) -> int:
    """A demo region through the APIs, as its users would enter it; safe to run again."""
    urls = {s: f"http://127.0.0.1:{port}" for s, port in service_ports(base_port).items() if s != "portal"}
    tokens = sign_demo_tokens()
    seed_region(urls, tokens)
    env = write_demo_tokens(Path("var/demo-tokens.env"), tokens, urls)
    if not quiet:
        print(f"seeded the demo region ({DISTRICT}); tokens in {env}")
    return 0


def sign_demo_tokens() -> dict[str, str]:
    """The demo staff's tokens (`demo_tokens`), signed with the running system's development key for the
    development lifetime."""
    use_demo_token_lifetime()
    settings = Settings.from_env("qadam")
    found = find_private_key(settings)
    if found.path is None:
        raise SystemExit(found.explain())
    private = found.path.read_bytes()

    def tok(user: str, role: str, region: str | None = None, district: str | None = None) -> str:
        return issue_token(private, user_id=user, role=role, issuer=settings.jwt_issuer,
                           audience=settings.jwt_audience, ttl_seconds=settings.token_ttl_seconds, region=region,
                           district=district)

    return demo_tokens(tok)


def write_demo_tokens(path: Path, tokens: dict[str, str], urls: dict[str, str]) -> Path:
    """The demo tokens and the services' addresses as a file to `source`, readable by its owner only: they are
    bearer tokens, and another user of the machine holding one could act as that member of staff."""
    lines = [f"export {k}={v}" for k, v in tokens.items()]
    lines += [f"export {s.upper()}={u}" for s, u in urls.items()]
    write_owner_only(path, "\n".join(lines) + "\n")
    return path


def demo_tokens(tok: Callable[..., str]) -> dict[str, str]:
    """The demo region's staff as tokens, by role: `tok(user_id, role, region=, district=)` signs one."""
    return {
        "MANAGER": tok("mgr-karakalpakstan", "manager", region=REGION),
        "INSPECTOR": tok("insp-nukus-1", "inspector", region=REGION, district=DISTRICT),
        "PSYCHOLOGIST": tok("psy-nukus-1", "psychologist", region=REGION, district=DISTRICT),
        "ADMIN": tok("admin-1", "administrator"),
    }


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
            "condition_codes": ["no_contact", "no_weapons", "correction_programme"]})
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
