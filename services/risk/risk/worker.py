"""risk's worker: keeps enrolments and their facts from events, evaluates the rules, runs recomputes, relays its
outbox."""

from __future__ import annotations

from qadam.worker import run_worker
from qadam_contracts.catalog import catalog

from . import SERVICE
from .handlers import handlers
from .recompute import watch
from .settings import RiskSettings


def main() -> None:
    settings = RiskSettings.from_env(SERVICE)
    run_worker(settings, catalog=catalog, handlers=handlers.bind(settings=settings), extra_loops={"recompute": watch})


if __name__ == "__main__":
    main()
