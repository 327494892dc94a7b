"""Notify's reads: a person's own alerts and how they were delivered, a contact, the routing rules in force, who has
answered an escalation chain and whom it goes up to, the alerts nobody could be found to escalate to, and the figures
for managers. Keyword-only functions over the caller's session; they raise the Problem a route answers with; a page
is the kit's page of the caller's `PageArgs`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from qadam.db import InForce
from qadam.errors import Problem, not_found
from qadam.pages import paginate
from qadam.quarters import quarter_end, quarters_before
from sqlalchemy.orm import Session

from .domain import links
from .domain.disclosure import AlertCell, Hidden, hidden_figures
from .domain.escalation import Person, answers_for_chain, escalation_target
from .domain.routing import Route, parse_routing
from .domain.templates import language_of
from .models import Contact, Delivery, DeliveryAttempt, FlagAction, Notification, RoutingRuleSet

Page = dict[str, Any]  # the kit's page: the caller's PageArgs in; items, page, page_size, total out

# the newest routing rules, parsed once per version in this process
routing_in_force: InForce[tuple[Route, ...]] = InForce(RoutingRuleSet.version, RoutingRuleSet.rules,
                                                        lambda _version, rules: parse_routing(rules))


# -- a person's own alerts ---------------------------------------------------------------------------------------------
def own_alerts(s: Session, *, user_id: str, unacknowledged: bool, page: Page) -> Page:
    """A page of a person's alerts, newest first (`unacknowledged`: those still waiting on them)."""
    query = sa.select(Notification).where(Notification.user_id == user_id)
    if unacknowledged:
        query = query.where(Notification.acknowledged_at.is_(None))
    return paginate(s, query.order_by(Notification.created_at.desc()), page)


def own_notification(s: Session, *, notification_id: uuid.UUID, user_id: str, lock: bool = False) -> Notification:
    """One of this person's notifications; someone else's reads as missing (404), byte for byte."""
    notification = s.get(Notification, notification_id, with_for_update=lock)
    if notification is None or notification.user_id != user_id:
        raise not_found("notification", notification_id)
    return notification


@dataclass(frozen=True)
class AttemptRecord:
    """One try to send a delivery."""

    at: datetime
    outcome: str
    error: str | None


@dataclass(frozen=True)
class DeliveryRecord:
    """How a notification went out over one channel, for one purpose, with every attempt."""

    channel: str
    purpose: str
    status: str
    attempts: int
    last_error: str | None
    failure_reason: str | None
    skip_reason: str | None
    sent_at: datetime | None
    fallback_of: uuid.UUID | None
    log: list[AttemptRecord]


def delivery_log(s: Session, *, notification_id: uuid.UUID) -> list[DeliveryRecord]:
    """Every delivery of a notification, oldest first, with its attempts."""
    deliveries = s.execute(sa.select(Delivery).where(Delivery.notification_id == notification_id)
                           .order_by(Delivery.created_at, Delivery.channel)).scalars().all()
    out = []
    for d in deliveries:
        attempts = s.execute(sa.select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)
                             .order_by(DeliveryAttempt.id)).scalars().all()
        out.append(DeliveryRecord(channel=d.channel, purpose=d.purpose, status=d.status, attempts=d.attempts,
                                  last_error=d.last_error, failure_reason=d.failure_reason,
                                  skip_reason=d.skip_reason, sent_at=d.sent_at,
                                  fallback_of=d.fallback_of,
                                  log=[AttemptRecord(at=a.attempted_at, outcome=a.outcome, error=a.error)
                                       for a in attempts]))
    return out


@dataclass(frozen=True)
class DeliveredNotification:
    """A notification with how it was delivered (the schema reads the notification's own fields through it)."""

    notification: Notification
    deliveries: list[DeliveryRecord]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.notification, name)


def own_notification_with_deliveries(s: Session, *, notification_id: uuid.UUID,
                                     user_id: str) -> DeliveredNotification:
    """One of this person's notifications, with how it was delivered."""
    notification = own_notification(s, notification_id=notification_id, user_id=user_id)
    return DeliveredNotification(notification, delivery_log(s, notification_id=notification_id))


# -- the signed link in a message --------------------------------------------------------------------------------------
def notification_by_link(s: Session, *, token: str, keys: list[bytes], now: datetime,
                         lock: bool = False) -> Notification:
    """The notification a signed link acknowledges: a forged, malformed or expired link is a 404 saying which."""
    try:
        notification_id = links.verify(keys, token, now)
    except links.BadLink as exc:
        raise Problem(404, str(exc)) from None
    notification = s.get(Notification, notification_id, with_for_update=lock)
    if notification is None:
        raise not_found("notification", notification_id)
    return notification


def language_of_recipient(s: Session, *, notification: Notification) -> str:
    """The language its recipient reads (their contact's, else the default)."""
    contact = s.get(Contact, notification.user_id)
    return language_of(contact.language if contact is not None else None)


# -- contacts and routing ----------------------------------------------------------------------------------------------
def contact(s: Session, *, user_id: str) -> Contact:
    """How a user is reached; 404 when notify has no contact for them."""
    found = s.get(Contact, user_id)
    if found is None:
        raise not_found("contact for user", user_id)
    return found


def routing_rules(s: Session) -> RoutingRuleSet:
    """The routing rules in force: the newest version."""
    return s.execute(sa.select(RoutingRuleSet).order_by(RoutingRuleSet.version.desc()).limit(1)).scalar_one()


# -- escalation: who has answered a chain, whom it goes up to ----------------------------------------------------------
def chain_answered_by(s: Session, *, notification: Notification) -> str | None:
    """Who stops this alert's chain, having acted on every flag it carries (in notify, by acknowledging an alert that
    held them, or in risk): anyone in the chain itself, or (by the directory) the chain's owner or someone above
    them, or the man's inspector or someone above him. Acting on one flag of several stops nothing. None: nobody
    yet."""
    n = notification
    chain = n.chain_id or n.id
    actors = _acted_on_all(s, n)
    if not actors:
        return None
    members = set(s.execute(sa.select(Notification.user_id).where(Notification.chain_id == chain)).scalars())
    in_chain = sorted(actors & members)
    if in_chain:
        return in_chain[0]
    owner = s.get(Notification, chain)
    owner_id = owner.user_id if owner is not None else n.user_id
    directory = supervisors_above(s, people=[p for p in (owner_id, n.inspector_id) if p])
    return next((a for a in sorted(actors) if answers_for_chain(a, owner_id, n.inspector_id, directory)), None)


def _acted_on_all(s: Session, n: Notification) -> set[str]:
    """The people who have acted on every flag of this alert: acknowledged alerts of theirs that held them (any
    subject: a flag that came after an acknowledgement is an alert of its own), or acted in risk."""
    if not n.flag_ids:
        return set(s.execute(sa.select(Notification.user_id).where(
            Notification.subject == n.subject, Notification.acknowledged_at.is_not(None))).scalars())
    acted: dict[str, set[uuid.UUID]] = {}
    for user_id, flag_ids in s.execute(sa.select(Notification.user_id, Notification.flag_ids).where(
            Notification.flag_ids.overlap(n.flag_ids), Notification.acknowledged_at.is_not(None))):
        acted.setdefault(user_id, set()).update(flag_ids)
    for user_id, flag_id in s.execute(sa.select(FlagAction.user_id, FlagAction.flag_id).where(
            FlagAction.flag_id.in_(n.flag_ids))):
        acted.setdefault(user_id, set()).add(flag_id)
    return {user_id for user_id, done in acted.items() if set(n.flag_ids) <= done}


def supervisors_above(s: Session, *, people: list[str]) -> dict[str, str | None]:
    """Whom each of these people answers to, and so on up: only their lines of the directory (a loop in the data
    ends the walk)."""
    start = sa.select(Contact.user_id, Contact.supervisor_id).where(Contact.user_id.in_(people))
    up = start.cte("up", recursive=True)
    up = up.union(sa.select(Contact.user_id, Contact.supervisor_id).join(up, Contact.user_id == up.c.supervisor_id))
    return {r.user_id: r.supervisor_id for r in s.execute(sa.select(up.c.user_id, up.c.supervisor_id))}


def supervisor_of(s: Session, *, notification: Notification) -> str | None:
    """Whom this alert escalates to, from the directory: up, never sideways (`escalation_target`)."""
    n = notification
    recipient = s.get(Contact, n.user_id)
    wanted = sa.or_(sa.and_(Contact.role == "supervisor", Contact.region == n.region),
                    Contact.user_id == (recipient.supervisor_id if recipient is not None else None))
    directory = [_person(c) for c in s.execute(sa.select(Contact).where(wanted)).scalars()]
    return escalation_target(_person(recipient) if recipient is not None else None, n.escalation_step, n.region,
                             n.district, directory)


def _person(c: Contact) -> Person:
    return Person(c.user_id, c.role, c.region, c.district, c.supervisor_id, c.active)


# -- escalations nobody could take -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnassignedAlert:
    """An alert that found nobody to escalate to, and since when."""

    notification_id: uuid.UUID
    participant_code: str
    level: str
    region: str
    district: str
    user_id: str
    responsibility: str
    escalation_step: int
    waiting_since: datetime
    unassigned_since: datetime | None
    last_tried_at: datetime | None

    @classmethod
    def of(cls, n: Notification) -> UnassignedAlert:
        return cls(notification_id=n.id, participant_code=n.participant_code, level=n.level, region=n.region,
                   district=n.district, user_id=n.user_id, responsibility=n.responsibility,
                   escalation_step=n.escalation_step, waiting_since=n.created_at, unassigned_since=n.unassigned_since,
                   last_tried_at=n.escalation_tried_at)


def unassigned_alerts(s: Session, *, page: Page) -> Page:
    """A page of the alerts that found nobody to escalate to and still wait, longest waiting first."""
    query = sa.select(Notification).where(
        Notification.unassigned_since.is_not(None), Notification.acknowledged_at.is_(None),
        Notification.escalated_at.is_(None)).order_by(Notification.unassigned_since, Notification.id)
    return paginate(s, query, page, row=lambda r: UnassignedAlert.of(r[0]))


# -- figures for managers ----------------------------------------------------------------------------------------------
def _figures_sql(where: str, by: str) -> sa.TextClause:
    """The figures' statement over the alerts `where` says, a row per `by` and level."""
    return sa.text(f"""
WITH first_message AS (
    SELECT notification_id, min(sent_at) AS sent_at
    FROM delivery WHERE status = 'sent' AND purpose = 'alert' AND notification_id IS NOT NULL
    GROUP BY notification_id
), alert AS (
    SELECT n.{by}, n.level, n.acknowledged_at, n.escalated_at, n.created_at,
           EXTRACT(EPOCH FROM n.created_at - n.event_at) AS to_in_app,
           EXTRACT(EPOCH FROM m.sent_at - n.event_at) AS to_message,
           EXTRACT(EPOCH FROM n.acknowledged_at - n.created_at) AS to_ack,  -- from the in-app inbox, its first delivery
           n.flag_id,
           m.sent_at IS NOT NULL AS messaged,
           EXISTS (SELECT 1 FROM notification e WHERE e.escalates_id = n.id) AS escalated
    FROM notification n LEFT JOIN first_message m ON m.notification_id = n.id
    WHERE n.kind = 'alert' AND {where} AND n.created_at >= :start AND n.created_at < :end
)
SELECT {by}, level, count(*) AS alerts, count(DISTINCT flag_id) AS flags,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_in_app) AS in_app_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_in_app) AS in_app_p90_s,
       count(*) FILTER (WHERE messaged) AS messaged,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_message) AS message_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_message) AS message_p90_s,
       count(acknowledged_at) AS acknowledged,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_ack) AS ack_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_ack) AS ack_p90_s,
       count(*) FILTER (WHERE escalated) AS escalated
FROM alert GROUP BY {by}, level
ORDER BY {by}, array_position(ARRAY['critical', 'high', 'medium', 'low'], level)
""")


FIGURES = _figures_sql("n.region = :region", "district")
# the national roll-up's: by region and level, of one region or (region NULL) the whole country
REGION_FIGURES = _figures_sql("(CAST(:region AS text) IS NULL OR n.region = :region)", "region")
# alerts raised per local month, of one region or the whole country
ALERTS_BY_MONTH = sa.text("""
SELECT to_char(created_at AT TIME ZONE :zone, 'YYYY-MM') AS month,
       date_trunc('quarter', created_at AT TIME ZONE :zone) AS quarter, count(*) AS alerts
FROM notification
WHERE kind = 'alert' AND (CAST(:region AS text) IS NULL OR region = :region)
  AND created_at >= :start AND created_at < :end
GROUP BY 1, 2 ORDER BY 1
""")
# alerts per region, district, level and local month (and its quarter), of the whole country: every table of alert
# counts adds these up, and which of its figures are hidden is decided over all of them (domain/disclosure.py)
ALERT_CELLS = sa.text("""
SELECT region, district, level, to_char(created_at AT TIME ZONE :zone, 'YYYY-MM') AS month,
       date_trunc('quarter', created_at AT TIME ZONE :zone) AS quarter, count(*) AS alerts
FROM notification
WHERE kind = 'alert' AND created_at >= :start AND created_at < :end
GROUP BY 1, 2, 3, 4, 5 ORDER BY 5, 1, 2, 3, 4
""")


def hidden_over(s: Session, *, start: datetime, end: datetime, zone: tzinfo, min_cell: int) -> Hidden:
    """What every table of alert counts hides over the period [start, end), a run of whole quarters, whoever asks:
    decided once over the whole country's alerts (domain/disclosure.py)."""
    cells = [AlertCell(quarter=r.quarter, region=r.region, district=r.district, level=r.level, month=r.month,
                       alerts=r.alerts)
             for r in s.execute(ALERT_CELLS, {"start": start, "end": end, "zone": str(zone)})]
    return hidden_figures(cells, min_cell)




@dataclass(frozen=True)
class FigureRow:
    """How fast one district's alerts of one level reached people and were answered (seconds); a suppressed row
    (too few alerts to show) carries no figure."""

    district: str
    level: str
    suppressed: bool
    alerts: int | None = None
    flags: int | None = None
    in_app_p50_s: float | None = None
    in_app_p90_s: float | None = None
    messaged: int | None = None
    message_p50_s: float | None = None
    message_p90_s: float | None = None
    acknowledged: int | None = None
    ack_p50_s: float | None = None
    ack_p90_s: float | None = None
    escalated: int | None = None


@dataclass(frozen=True)
class Figures:
    region: str
    since: date
    until: date
    rows: list[FigureRow]


def alert_figures(s: Session, *, region: str, since: date | None, until: date | None, today: date, zone: tzinfo,
                  min_cell: int) -> Figures:
    """One row per district and level of the region, for alerts to the people responsible (not escalations, not the
    notices to her support worker) created on the local days since..until, a run of whole quarters (by default the
    four that end with today's; the caller refuses any other). A row of fewer than `min_cell` alerts in any quarter
    of the period that has some shows no figure (DOMAIN.md: small cells suppressed), nor one that the region's row of
    its level would give back beside the rows shown (domain/disclosure.py, decided once for every reader); then the
    difference of two periods tells only what the quarters' own figures show (as enrollment's report)."""
    until = until or quarter_end(today)
    since = since or quarters_before(until, 3)
    start = datetime.combine(since, time(0), tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone)
    asked = {"region": region, "start": start, "end": end}
    hidden = hidden_over(s, start=start, end=end, zone=zone, min_cell=min_cell).districts
    rows = s.execute(FIGURES, asked).mappings()
    return Figures(region=region, since=since, until=until,
                   rows=[figure_row(r, min_cell=min_cell, hidden=(region, r["district"], r["level"]) in hidden)
                         for r in rows])


@dataclass(frozen=True)
class RegionFigureRow(FigureRow):
    """A region's figures of one level (`district` left empty)."""

    region: str = ""


@dataclass(frozen=True)
class MonthRow:
    """How many alerts were raised in a month (YYYY-MM, local); None: suppressed."""

    month: str
    suppressed: bool
    alerts: int | None = None


@dataclass(frozen=True)
class RegionFigures:
    """The national roll-up's alert figures: by region and level, and alerts raised by month."""

    region: str | None
    since: date
    until: date
    min_cell: int
    rows: list[RegionFigureRow]
    months: list[MonthRow]


def region_figures(s: Session, *, region: str | None, since: date | None, until: date | None, today: date,
                   zone: tzinfo, min_cell: int) -> RegionFigures:
    """The alert figures of `alert_figures`, a row per region and level (of one region, or None: the whole country),
    and the alerts raised in each local month, over the local days since..until, a run of whole quarters (by default
    the four that end with today's; the caller refuses any other).

    The tables nest (a region's rows and its months add up to its quarter, the regions' months to the nation's, a
    region's districts to its rows): quarter by quarter, a row or a month of fewer than `min_cell` alerts shows
    nothing, nor does any other that the shown ones of any table, asked by anyone, would give back by adding and
    subtracting (domain/disclosure.py: decided once over the whole country, so a region's rows are hidden alike in
    its own roll-up and in the nation's); a row over the period is shown only where each quarter shows it (a month
    lies in one quarter). So the difference of two periods tells only what the quarters' own figures show (as
    enrollment's report)."""
    until = until or quarter_end(today)
    since = since or quarters_before(until, 3)
    start = datetime.combine(since, time(0), tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone)
    asked = {"region": region, "start": start, "end": end, "zone": str(zone)}
    rows = list(s.execute(REGION_FIGURES, asked).mappings())
    months = list(s.execute(ALERTS_BY_MONTH, asked).mappings())
    hidden = hidden_over(s, start=start, end=end, zone=zone, min_cell=min_cell)
    hidden_rows = hidden.rows
    hidden_months = ({(region, month) for month in hidden.nation_months} if region is None
                     else hidden.region_months)
    return RegionFigures(
        region=region, since=since, until=until, min_cell=min_cell,
        rows=[RegionFigureRow(**vars(figure_row(r, min_cell=min_cell, hidden=(r["region"], r["level"]) in hidden_rows)),
                              region=r["region"]) for r in rows],
        months=[MonthRow(month=m["month"], suppressed=True) if (region, m["month"]) in hidden_months else
                MonthRow(month=m["month"], suppressed=False, alerts=m["alerts"]) for m in months])


def figure_row(r: Mapping[Any, Any], *, min_cell: int, hidden: bool = False) -> FigureRow:
    """One row of the figures query as shown: seconds to the millisecond, and no figure at all in a row of fewer than
    `min_cell` alerts, or one `hidden` (domain/disclosure.py: too small in one of its quarters, or hidden beside
    such a figure so that it cannot be worked out): a small cell could point at one person."""
    district = r.get("district", "")
    if hidden or r["alerts"] < min_cell:
        return FigureRow(district=district, level=r["level"], suppressed=True)
    return FigureRow(
        district=district, level=r["level"], suppressed=False, alerts=r["alerts"], flags=r["flags"],
        in_app_p50_s=_seconds(r["in_app_p50_s"]), in_app_p90_s=_seconds(r["in_app_p90_s"]), messaged=r["messaged"],
        message_p50_s=_seconds(r["message_p50_s"]), message_p90_s=_seconds(r["message_p90_s"]),
        acknowledged=r["acknowledged"], ack_p50_s=_seconds(r["ack_p50_s"]), ack_p90_s=_seconds(r["ack_p90_s"]),
        escalated=r["escalated"])


def _seconds(value: float | None) -> float | None:
    """A duration in seconds as the figures show it: to the millisecond."""
    return round(float(value), 3) if value is not None else None
