"""What notify tells Prometheus beside the kit's worker metrics: the escalations due and overdue and the deliveries
waiting (read from its database at each scrape of the worker's /metrics), and the deliveries attempted by channel and
outcome (counted as the dispatcher sends).

An escalation is *due* when an unacknowledged high or critical alert has waited its time (QADAM_ESCALATE_*_SECONDS)
and the timers have not judged it yet; it is *overdue* when it has been due for longer than `OVERDUE_SCANS` of the
timers' rounds (a minute at least): the timers should have taken it by then, so nobody is being told.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from prometheus_client import Counter
from prometheus_client.core import Metric
from qadam.metrics import gauge
from sqlalchemy.engine import Connection

from .models import Delivery, Notification
from .settings import NotifySettings
from .timers import ESCALATING, delays

DELIVERIES = Counter("qadam_notify_deliveries_total",
                     "Delivery attempts by channel and outcome: sent; retry (failed, tried again later); failed (given "
                     "up: permanent, or out of attempts; another channel may carry it)", ["channel", "outcome"])

OVERDUE_SCANS = 4

_notification = Notification.__table__.c
_delivery = Delivery.__table__.c


def overdue_after(settings: NotifySettings) -> timedelta:
    return timedelta(seconds=max(OVERDUE_SCANS * settings.escalation_scan_seconds, 60.0))


def gauges(settings: NotifySettings, conn: Connection, now: datetime | None = None) -> list[Metric]:
    """notify's gauges, read now: escalations due and overdue by level, deliveries pending and how late the latest
    of them is by channel."""
    now = now or datetime.now(UTC)
    late = overdue_after(settings)
    due: dict[tuple[str, ...], float] = {}
    overdue: dict[tuple[str, ...], float] = {}
    for level, wait in delays(settings).items():
        since = now - timedelta(seconds=wait)
        waiting = (_notification.acknowledged_at.is_(None), _notification.escalated_at.is_(None),
                   _notification.kind.in_(ESCALATING), _notification.level == level)
        n_due, n_overdue = conn.execute(sa.select(
            sa.func.count().filter(_notification.escalate_from <= since),
            sa.func.count().filter(_notification.escalate_from <= since - late)).where(*waiting)).one()
        due[(level,)], overdue[(level,)] = float(n_due), float(n_overdue)
    pending: dict[tuple[str, ...], float] = {}
    behind: dict[tuple[str, ...], float] = {}
    for channel, count, first in conn.execute(
            sa.select(_delivery.channel, sa.func.count(), sa.func.min(_delivery.next_attempt_at))
            .where(_delivery.status == "pending").group_by(_delivery.channel)):
        pending[(channel,)] = float(count)
        behind[(channel,)] = max(0.0, (now - first).total_seconds())
    return [
        gauge("qadam_notify_escalations_due", "Unacknowledged alerts that waited their time and are not escalated yet",
              ["level"], due),
        gauge("qadam_notify_escalations_overdue", "Escalations due for longer than the timers should take: nobody is "
              "being told", ["level"], overdue),
        gauge("qadam_notify_deliveries_pending", "Deliveries waiting to be sent (first attempt or a retry)",
              ["channel"], pending),
        gauge("qadam_notify_delivery_lateness_seconds", "How far past its time the most overdue pending delivery is "
              "(0: none due yet)", ["channel"], behind),
    ]
