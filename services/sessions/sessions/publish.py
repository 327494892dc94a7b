"""Publishing the sessions planned before sessions published them (`sessions.session.planned`, `.changed` came with
the attendance registers): enrollment prints a session's register from what it was told.

`python -m sessions.publish sessions` publishes every session as it stands, a batch per transaction, through the
outbox. Run it once after upgrading; running it again changes nothing for its consumers (they keep the latest).
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime

from qadam.db import make_engine, make_session_factory, transaction

from . import SERVICE
from .commands import publish_sessions
from .settings import SessionsSettings


def publish_all(settings: SessionsSettings, batch: int = 500) -> int:
    """Publish every session, a batch per transaction; returns how many."""
    engine = make_engine(settings.database_url)
    done, last = 0, None
    try:
        factory = make_session_factory(engine, publisher=SERVICE)
        while True:
            with transaction(factory) as s:
                published: list[uuid.UUID] = publish_sessions(s, after=last, batch=batch, now=datetime.now(UTC))
            done += len(published)
            if len(published) < batch:
                return done
            last = published[-1]
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if args != ["sessions"]:
        print("usage: python -m sessions.publish sessions", file=sys.stderr)
        return 2
    print(f"published {publish_all(SessionsSettings.from_env(SERVICE))} sessions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
