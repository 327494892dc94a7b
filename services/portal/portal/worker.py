"""The portal's worker: relays its outbox (`portal.user.changed`) to the broker. It consumes nothing."""

from __future__ import annotations

from qadam.config import Settings
from qadam.worker import run_worker
from qadam_contracts.catalog import catalog

from . import SERVICE


def main() -> None:
    run_worker(Settings.from_env(SERVICE), catalog=catalog)


if __name__ == "__main__":
    main()
