"""enrollment's worker: relays its outbox, follows attendance, and watches protection orders and follow-ups."""

from __future__ import annotations

import threading
from datetime import datetime

from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import get_logger
from qadam.worker import run_worker
from qadam_contracts.catalog import catalog

from . import SERVICE
from .commands import close_followed_up, scan_orders
from .handlers import handlers
from .settings import EnrollmentSettings

log = get_logger(__name__)


def watch_orders(settings: EnrollmentSettings, stop: threading.Event) -> None:
    """Every QADAM_ORDER_SCAN_SECONDS: overdue correction plans, orders expiring with the programme unfinished,
    orders past expiry, and completed enrolments whose follow-up is over. Each is published once."""
    engine = make_engine(settings.database_url, pool_size=1)
    factory = make_session_factory(engine, publisher=SERVICE)
    try:
        while not stop.is_set():
            today = datetime.now(settings.zone).date()
            try:
                with transaction(factory) as s:
                    counts = scan_orders(s, settings=settings, today=today)
                    counts["closed"] = close_followed_up(s, today=today)
                if any(counts.values()):
                    log.info("orders_scanned", **counts)
            except Exception:  # noqa: BLE001 - the database may be away: try again next round
                log.warning("order_scan_failed", exc_info=True)
            stop.wait(settings.order_scan_seconds)
    finally:
        engine.dispose()


def main() -> None:
    settings = EnrollmentSettings.from_env(SERVICE)
    run_worker(settings, catalog=catalog, handlers=handlers.bind(settings=settings), extra_loops={"orders": watch_orders})


if __name__ == "__main__":
    main()
