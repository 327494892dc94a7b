"""notify's worker: routes alerts to the people responsible, sends the deliveries, escalates what waits too long
unacknowledged, sends the daily digests, and keeps the staff directory from the portal's user events; its /metrics
adds the escalations due and overdue and the deliveries by channel and outcome (`monitoring`)."""

from __future__ import annotations

from qadam.worker import run_worker
from qadam_contracts.catalog import catalog

from . import SERVICE
from .delivery import run_dispatcher
from .handlers import handlers
from .monitoring import gauges
from .routing_needs import refuse_unless_fit
from .settings import NotifySettings
from .timers import run_timers


def main() -> None:
    settings = NotifySettings.from_env(SERVICE)
    refuse_unless_fit(settings)
    run_worker(settings, catalog=catalog, handlers=handlers.bind(settings=settings),
               extra_loops={"dispatcher": run_dispatcher, "timers": run_timers}, gauges=gauges)


if __name__ == "__main__":
    main()
