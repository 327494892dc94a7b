"""risk's worker: keeps enrolments and their facts from events, evaluates the rules, runs recomputes, relays its
outbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from qadam.db import lock_keys, make_engine, make_session_factory, transaction
from qadam.log import get_logger
from qadam.worker import run_worker
from qadam_contracts.catalog import catalog
from sqlalchemy.orm import Session, sessionmaker

from . import SERVICE
from .handlers import handlers
from .models import Recompute
from .recompute import claim, fail, request_recompute, run
from .settings import RiskSettings

log = get_logger(__name__)


def watch(settings: RiskSettings, stop: threading.Event) -> None:
    """The worker's loop: run requested recomputes; every QADAM_RISK_SWEEP_HOURS, request a daily one."""
    engine = make_engine(settings.database_url, pool_size=1)
    factory = make_session_factory(engine, publisher=SERVICE)
    try:
        while not stop.is_set():
            try:
                _sweep_if_due(factory, settings)
                job_id = claim(factory)
                if job_id is not None:
                    try:
                        run(factory, settings, job_id, stop)
                    except Exception as error:  # noqa: BLE001 - kept on the job for whoever asked
                        log.exception("recompute_failed", recompute_id=str(job_id))
                        fail(factory, job_id, error)
                    continue
            except Exception:  # noqa: BLE001 - the database may be away: try again next round
                log.warning("recompute_loop_error", exc_info=True)
            stop.wait(settings.risk_recompute_poll_seconds)
    finally:
        engine.dispose()


def _sweep_if_due(factory: sessionmaker[Session], settings: RiskSettings) -> None:
    if settings.risk_sweep_hours <= 0:
        return
    with transaction(factory) as s:
        lock_keys(s, ["risk.daily"])
        last = s.execute(sa.select(sa.func.max(Recompute.requested_at)).where(Recompute.reason == "daily")).scalar()
        if last is None or datetime.now(UTC) - last >= timedelta(hours=settings.risk_sweep_hours):
            request_recompute(s, reason="daily", by="system")


def main() -> None:
    settings = RiskSettings.from_env(SERVICE)
    run_worker(settings, catalog=catalog, handlers=handlers.bind(settings=settings), extra_loops={"recompute": watch})


if __name__ == "__main__":
    main()
