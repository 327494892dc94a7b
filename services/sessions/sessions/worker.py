"""sessions' worker: keeps cohorts and rosters from enrollment's events, relays its outbox, and publishes the calls
after an absence that are overdue."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import get_logger
from qadam.worker import run_worker
from qadam_contracts.catalog import catalog
from sqlalchemy.orm import Session, sessionmaker

from . import SERVICE
from .commands import settle_overdue_calls
from .handlers import handlers
from .settings import SessionsSettings

log = get_logger(__name__)
BATCH = 200


def publish_overdue(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """One batch of overdue calls settled in one transaction (their events in its outbox); returns how many."""
    with transaction(factory) as s:
        return settle_overdue_calls(s, now=now or datetime.now(UTC), batch=BATCH)


def run_call_timers(settings: SessionsSettings, stop: threading.Event) -> None:
    """The worker's loop for overdue calls, every QADAM_CALL_SCAN_SECONDS; any number of workers may run it at once."""
    engine = make_engine(settings.database_url, pool_size=1)
    factory = make_session_factory(engine, publisher=SERVICE)
    try:
        while not stop.is_set():
            try:
                while publish_overdue(factory) == BATCH and not stop.is_set():
                    pass  # a backlog (the worker was down): publish it all before the pause
            except Exception:  # noqa: BLE001 - the database may be away: try again next round
                log.warning("call_timers_failed", exc_info=True)
            stop.wait(settings.call_scan_seconds)
    finally:
        engine.dispose()


def main() -> None:
    settings = SessionsSettings.from_env(SERVICE)
    run_worker(settings, catalog=catalog, handlers=handlers.bind(settings=settings),
               extra_loops={"calls": run_call_timers})


if __name__ == "__main__":
    main()
