"""The portal's worker: relays its outbox (`portal.user.changed`) to the broker. It consumes nothing."""

from __future__ import annotations

from qadam.worker import run_worker
from qadam_contracts.catalog import catalog

from . import SERVICE
from .settings import PortalSettings


def main() -> None:
    run_worker(PortalSettings.from_env(SERVICE), catalog=catalog)


if __name__ == "__main__":
    main()
