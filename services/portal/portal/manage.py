"""Accounts from the command line, for what the pages cannot do: the first administrator of a new installation.

    python -m portal.manage create-user admin-1 --name "Aziza Karimova" --role administrator
    python -m portal.manage create-user insp-urgut-1 --name "..." --role inspector \\
        --region "Samarqand viloyati" --district Urgut --email insp@example.uz

The temporary password is printed once; it must be changed at the first sign-in (and a manager or an
administrator sets up the second factor then).

    python -m portal.manage announce

Publishes every user (`portal.user.changed`) and every district (`portal.area.changed`) as they are now, with
their current versions (a receiver keeps the newest, so announcing twice changes nothing). Run it once after
upgrading to a version whose services keep a directory of them (enrollment's support workers and districts): their
projections start empty on an existing database. The Kubernetes migrate Job runs it after the migrations.
"""

from __future__ import annotations

import argparse
import secrets
import sys

import sqlalchemy as sa
from qadam.auth import Reach
from qadam.db import make_engine, make_session_factory
from qadam_contracts.roles import ACCESS_POLICY, STAFF_ROLES
from qadam_contracts.vocabulary import LANGUAGES
from sqlalchemy.orm import Session

from . import SERVICE, accounts
from .areas import publish_district
from .models import Area, User
from .settings import PortalSettings


def announce(db: Session) -> tuple[int, int]:
    """Write every user and every district to the outbox as they are now (versions unchanged); (users, districts)."""
    users = db.execute(sa.select(User).order_by(User.id)).scalars().all()
    for user in users:
        accounts.publish(db, user)
    districts = db.execute(sa.select(Area.region, Area.district).where(
        Area.district.is_not(None), Area.mahalla.is_(None)).order_by(Area.region, Area.district)).all()
    for region, district in districts:
        publish_district(db, region, str(district), changed=False)  # not null: selected so
    return len(users), len(districts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.manage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create a user with a temporary password")
    create.add_argument("user_id")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=STAFF_ROLES)
    create.add_argument("--region")
    create.add_argument("--district")
    create.add_argument("--mahalla")
    create.add_argument("--email")
    create.add_argument("--language", default="uz-Latn", choices=LANGUAGES)
    sub.add_parser("announce", help="publish every user and district as they are now (once after an upgrade)")
    args = parser.parse_args(argv)
    if args.command == "announce":
        return _announce()

    user_id = args.user_id.strip().lower()
    if not user_id or not all(ch.isalnum() or ch in ".-_" for ch in user_id):
        print("a user id is lower-case letters, digits, '.', '-' or '_'", file=sys.stderr)
        return 2
    if ACCESS_POLICY.reach(args.role, args.region) is not Reach.EVERYWHERE and not args.region:
        print(f"a {args.role} needs --region (and a district for psychologists, inspectors and support workers)",
              file=sys.stderr)
        return 2
    settings = PortalSettings.from_env(SERVICE)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as db:
            if db.get(User, user_id) is not None:
                print(f"{user_id} exists already", file=sys.stderr)
                return 1
            password = secrets.token_urlsafe(12)
            accounts.create_user(db, settings, {
                "id": user_id, "display_name": args.name, "role": args.role, "region": args.region,
                "district": args.district, "mahalla": args.mahalla, "email": args.email,
                "language": args.language}, password)
    finally:
        engine.dispose()
    print(f"{user_id}: temporary password {password} (to be changed at the first sign-in)")
    return 0


def _announce() -> int:
    engine = make_engine(PortalSettings.from_env(SERVICE).database_url)
    try:
        with make_session_factory(engine).begin() as db:
            users, districts = announce(db)
    finally:
        engine.dispose()
    print(f"announced {users} users and {districts} districts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
