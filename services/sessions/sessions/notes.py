"""The re-sealing of confidential notes when the key rotates (their sealing on writing is `commands.write_note`).

`python -m sessions.notes reseal` re-seals every note with the newest key of QADAM_SEALING_KEY_FILE
(after `qadam`'s rotation step put a new key on top); then the old key can leave the file.
"""

from __future__ import annotations

import sys

from qadam.db import make_engine, make_session_factory, transaction
from qadam.sealing import cipher

from . import SERVICE
from .commands import reseal_notes
from .settings import SessionsSettings


def reseal_all(settings: SessionsSettings, batch: int = 500) -> int:
    """Re-seal every note with the newest key, a batch per transaction; returns how many."""
    keys = cipher(settings)
    engine = make_engine(settings.database_url)
    done, last = 0, None
    try:
        factory = make_session_factory(engine)
        while True:
            with transaction(factory) as s:
                resealed = reseal_notes(s, rotate=keys.rotate, after=last, batch=batch)
            done += len(resealed)
            if len(resealed) < batch:
                return done
            last = resealed[-1]
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
