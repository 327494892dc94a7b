"""notify's worker: keeps who answers for each enrolment, alerts them on flags, sends the deliveries."""

from __future__ import annotations

from qadam.config import Settings
from qadam.worker import run_worker

from . import SERVICE
from .delivery import run_dispatcher
from .handlers import handlers


def main() -> None:
    settings = Settings.from_env(SERVICE)
    run_worker(settings, handlers=handlers(settings), extra_loops={"dispatcher": run_dispatcher})


if __name__ == "__main__":
    main()
