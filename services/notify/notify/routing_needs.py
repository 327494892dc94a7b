"""What the routing in force needs of this installation's settings, checked as notify's processes start in
production: a channel it sends over (SMS, Telegram) without its URL or secret stops the process, naming the setting
and the routes that use it. A change of the routing is checked when it is made (commands.change_routing)."""

from __future__ import annotations

from qadam.config import SettingProblem, refuse_unfit_for_production
from qadam.db import make_engine
from qadam.log import get_logger
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .channels import unset_for_routing
from .queries import routing_in_force
from .settings import NotifySettings

log = get_logger(__name__)


def routing_needs(settings: NotifySettings) -> list[SettingProblem]:
    """In production, the channel settings the routing in force needs and lacks, read from the database. A database
    that does not answer yet skips the check (logged): the process waits for it as ever, rather than crash-looping."""
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


def refuse_unless_fit(settings: NotifySettings) -> None:
    """Refuse to start (ProductionRefusal) on settings fit for development only: the kit's and notify's own first,
    then what the routing in force needs of them."""
    refuse_unfit_for_production(settings)
    refuse_unfit_for_production(settings, *routing_needs(settings))
