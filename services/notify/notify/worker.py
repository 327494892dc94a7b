"""notify's worker: routes alerts to the people responsible, sends the deliveries, escalates what waits too long
unacknowledged, sends the daily digests, and keeps the staff directory from the portal's user events; its /metrics
adds the escalations due and overdue and the deliveries by channel and outcome (`monitoring`)."""

from __future__ import annotations

from qadam.config import SettingProblem, refuse_unfit_for_production
from qadam.db import make_engine
from qadam.log import get_logger
from qadam.worker import run_worker
from qadam_contracts.catalog import catalog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import SERVICE
from .channels import unset_for_routing
from .delivery import run_dispatcher
from .handlers import handlers
from .monitoring import gauges
from .queries import routing_in_force
from .settings import NotifySettings
from .timers import run_timers

log = get_logger(__name__)


def main() -> None:
    settings = NotifySettings.from_env(SERVICE)
    refuse_unfit_for_production(settings)  # its own settings first, then what its routing needs of them
    refuse_unfit_for_production(settings, *routing_needs(settings))
    run_worker(settings, catalog=catalog, handlers=handlers.bind(settings=settings),
               extra_loops={"dispatcher": run_dispatcher, "timers": run_timers}, gauges=gauges)


def routing_needs(settings: NotifySettings) -> list[SettingProblem]:
    """In production, the channel settings the routing in force needs and lacks, read from the database at start (a
    change of the routing is checked when it is made). A database that does not answer yet skips the check: the
    worker waits for it as ever, rather than crash-looping."""
    if not settings.production:
        return []
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with Session(engine) as s:
            return unset_for_routing(settings, routing_in_force(s))
    except SQLAlchemyError:
        log.warning("routing_check_skipped", exc_info=True)
        return []
    finally:
        engine.dispose()

if __name__ == "__main__":
    main()
