"""Accounts from the command line, for what the pages cannot do: the first administrator of a new installation.

    python -m portal.manage create-user admin-1 --name "Aziza Karimova" --role administrator
    python -m portal.manage create-user insp-urgut-1 --name "..." --role inspector \\
        --region "Samarqand viloyati" --district Urgut --email insp@example.uz

The temporary password is printed once; it must be changed at the first sign-in (and a manager or an
administrator sets up the second factor then).
"""

from __future__ import annotations

import argparse
import secrets
import sys

from qadam.config import Settings
from qadam.contracts import LANGUAGES
from qadam.db import make_engine, make_session_factory

from . import SERVICE, accounts
from .models import User


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.manage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create a user with a temporary password")
    create.add_argument("user_id")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=accounts.STAFF_ROLES)
    create.add_argument("--region")
    create.add_argument("--district")
    create.add_argument("--mahalla")
    create.add_argument("--email")
    create.add_argument("--language", default="uz-Latn", choices=LANGUAGES)
    args = parser.parse_args(argv)

    user_id = args.user_id.strip().lower()
    if not user_id or not all(ch.isalnum() or ch in ".-_" for ch in user_id):
        print("a user id is lower-case letters, digits, '.', '-' or '_'", file=sys.stderr)
        return 2
    if args.role not in ("administrator",) and not args.region:
        print(f"a {args.role} needs --region (and a district for psychologists, inspectors and support workers)",
              file=sys.stderr)
        return 2
    settings = Settings.from_env(SERVICE)
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


if __name__ == "__main__":
    raise SystemExit(main())
