"""Confidential notes sealed at rest, and their re-sealing when the key rotates.

`python -m sessions.notes reseal` re-seals every note with the newest key of QADAM_SEALING_KEY_FILE
(after `qadam`'s rotation step put a new key on top); then the old key can leave the file.
"""

from __future__ import annotations

import sys

import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam.sealing import cipher

from . import SERVICE
from .models import SessionNote
from .settings import SessionsSettings


def reseal_all(settings: SessionsSettings, batch: int = 500) -> int:
    """Re-seal every note with the newest key; returns how many."""
    keys = cipher(settings)
    engine = make_engine(settings.database_url)
    done = 0
    try:
        factory = make_session_factory(engine)
        last = None
        while True:
            with transaction(factory) as s:
                query = sa.select(SessionNote).order_by(SessionNote.id).limit(batch).with_for_update()
                if last is not None:
                    query = query.where(SessionNote.id > last)
                notes = s.execute(query).scalars().all()
                for note in notes:
                    note.sealed = keys.rotate(note.sealed)
                done += len(notes)
            if len(notes) < batch:
                return done
            last = notes[-1].id
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if args != ["reseal"]:
        print("usage: python -m sessions.notes reseal", file=sys.stderr)
        return 2
    print(f"re-sealed {reseal_all(SessionsSettings.from_env(SERVICE))} notes with the newest key")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
