"""sessions' worker: keeps cohorts and rosters from enrollment's events, relays its outbox, and publishes the calls
after an absence that are overdue."""

from __future__ import annotations

from qadam.worker import run_worker
from qadam_contracts.catalog import catalog

from . import SERVICE
from .calls import run_call_timers
from .handlers import handlers
from .settings import SessionsSettings


def main() -> None:
    settings = SessionsSettings.from_env(SERVICE)
    run_worker(settings, catalog=catalog, handlers=handlers.bind(settings=settings),
               extra_loops={"calls": run_call_timers})


if __name__ == "__main__":
    main()
