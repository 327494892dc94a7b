"""The demo region's staff, one per role, for `make run` and the tests: they sign in with the passwords printed.

    python -m portal.demo users   # create them (again: nothing changes) and print who they are
    python -m portal.demo code <user>   # the current second-factor code of a demo user (development only)
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from datetime import time

import pyotp
from qadam import sealing
from qadam.db import make_engine, make_session_factory

from . import SERVICE, accounts
from .areas import ensure_district
from .models import User
from .settings import PortalSettings

REGION, DISTRICT, MAHALLA = "Qoraqalpogʻiston Respublikasi", "Nukus", "Qizketken"


@dataclass(frozen=True)
class DemoUser:
    id: str
    role: str
    display_name: str
    password: str
    region: str | None = None
    district: str | None = None
    mahalla: str | None = None
    supervisor_id: str | None = None
    language: str = "uz-Latn"
    # Demo only: a fixed second-factor key, so that whoever runs the demo can add it to an authenticator app.
    totp_secret: str | None = None

    def code(self) -> str | None:
        return pyotp.TOTP(self.totp_secret).now() if self.totp_secret else None


DEMO_USERS = (
    DemoUser("admin-1", "administrator", "Aziza Karimova", "demo-admin-2026", language="uz-Latn",
             totp_secret="JBSWY3DPEHPK3PXPQADAMADMINDEMO22"),
    DemoUser("mgr-karakalpakstan", "manager", "Bahrom Tursunov", "demo-manager-2026", REGION,
             language="ru", totp_secret="KRSXG5CTMVRXEZLUQADAMMANAGERDA22"),
    DemoUser("sup-nukus", "supervisor", "Gulnora Saidova", "demo-supervisor-2026", REGION, DISTRICT,
             language="kaa"),
    DemoUser("insp-nukus-1", "inspector", "Jasur Ergashev", "demo-inspector-2026", REGION, DISTRICT, MAHALLA,
             supervisor_id="sup-nukus", language="uz-Latn"),
    DemoUser("psy-nukus-1", "psychologist", "Dilnoza Rahimova", "demo-psychologist-2026", REGION, DISTRICT,
             supervisor_id="sup-nukus", language="uz-Latn"),
    DemoUser("inson-nukus-1", "support_worker", "Malika Yusupova", "demo-support-2026", REGION, DISTRICT,
             language="kaa"),
    DemoUser("audit-1", "auditor", "Rustam Nazarov", "demo-auditor-2026", REGION, language="en"),
    # national (no region): the figures of the whole country, and of any one region
    DemoUser("analyst-1", "analyst", "Nodira Xoliqova", "demo-analyst-2026", language="uz-Latn"),
)


def ensure_demo_users(settings: PortalSettings, users: tuple[DemoUser, ...] = DEMO_USERS) -> list[DemoUser]:
    """Create the demo staff that do not exist yet (their first password is theirs: no forced change)."""
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        with factory.begin() as db:
            # the demo district, published for enrollment (which checks districts against the portal's areas)
            ensure_district(db, REGION, DISTRICT, (MAHALLA,))
            for demo in users:
                if db.get(User, demo.id) is not None:
                    continue
                values = {k: v for k, v in asdict(demo).items() if k not in ("password", "totp_secret")}
                values["email"] = f"{demo.id}@example.uz"
                values["quiet_start"], values["quiet_end"] = (time(22, 0), time(7, 0)) \
                    if demo.role in ("psychologist",) else (None, None)
                user = accounts.create_user(db, settings, values, demo.password)
                user.must_change_password = False
                if demo.totp_secret:  # on, with no code used yet
                    user.totp_secret = sealing.seal(settings, demo.totp_secret)
                    user.totp_enabled_at = accounts.now()
    finally:
        engine.dispose()
    return list(users)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if args[:1] == ["users"]:
        made = ensure_demo_users(PortalSettings.from_env(SERVICE))
        print(json.dumps([asdict(u) for u in made], ensure_ascii=False))
        return 0
    if args[:1] == ["code"] and len(args) == 2:
        demo = next((u for u in DEMO_USERS if u.id == args[1]), None)
        if demo is None or demo.totp_secret is None:
            print(f"{args[1]} is not a demo user with a second factor", file=sys.stderr)
            return 1
        print(demo.code())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
