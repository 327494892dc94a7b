"""risk's worker: keeps enrolments and attendance from events, evaluates the rules, relays its outbox."""

from __future__ import annotations

from qadam.config import Settings
from qadam.worker import run_worker

from . import SERVICE
from .handlers import handlers


def main() -> None:
    settings = Settings.from_env(SERVICE)
    run_worker(settings, handlers=handlers(settings))


if __name__ == "__main__":
    main()
