"""Notify's use cases, called by its routes and its event handlers alike: tell the people the routing rules name
(one notification per person and subject, a delivery per channel), join a later flag of an episode into the alert
its people already have, tell her support worker what bears on her safety, acknowledge an alert (in the app, through
the signed link, or by acting on its flags in risk), keep the staff directory, and change the routing rules.
Keyword-only functions over the caller's unit of work; they raise the Problem a route answers with."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any, Protocol, cast

import sqlalchemy as sa
from qadam.db import among, given_rows, lock_keys, rows_json
from qadam.errors import unprocessable
from qadam.events import Event
from qadam.log import current_correlation_id, get_logger
from qadam.outbox import add_events
from qadam.together import Statement, execute_together
from qadam_contracts.enrollment import (
    EnrolmentStatusChanged,
    OrderEnded,
    OrderExpiring,
    OrderIssued,
    ProtectionOrder,
    SupportWorkerChanged,
)
from qadam_contracts.portal import UserChanged
from qadam_contracts.reasons import reason
from qadam_contracts.risk import FlagAcknowledged, FlagRaised, FlagResolved, LevelChanged
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .channels import configured, unset_for_routing
from .domain.alerts import alert_link, alert_summary, higher, level_rise_reason, rose, subject_of
from .domain.notices import NOTICES, status_notice
from .domain.routing import ADDRESS_FIELD, Addressee, Route, RoutingError, addressees, parse_routing
from .domain.skips import NO_ADDRESS, NO_CHANNEL, skip_reason
from .domain.timing import send_at
from .events import alerts_acknowledged
from .models import Contact, Delivery, Digest, FlagAction, LevelSeen, Notification, RoutingRuleSet, SupportWorkerOf
from .queries import chain_answered_by, notification_by_link, own_notification, routing_in_force, supervisor_of
from .settings import NotifySettings

log = get_logger(__name__)
# what a notification is made from: a flag, a move of his level or of his enrolment, a protection order
Told = FlagRaised | LevelChanged | EnrolmentStatusChanged | ProtectionOrder


# -- a flag, a rise of his level ---------------------------------------------------------------------------------------
def alert_on_flag(s: Session, *, event: Event[FlagRaised], settings: NotifySettings) -> None:
    """Each person the routing names hears of the flag once per episode: a later flag raised from the same facts
    joins the notification they have while nobody has answered it (its reasons added; a higher level raises it and
    its messages go out again); once answered, the later flag is an alert of its own. Her support worker hears of a
    critical flag as a notice: a code and a link, nothing of his sessions."""
    d = event.data
    # The flag names who answers for the enrolment as risk knew it when raising it: no waiting on a projection.
    people = {"inspector": d.inspector_id, "psychologist": d.psychologist_id,
              "victim_support": d.victim_support_worker_id}
    _, routes, contacts = routing_and_contacts(s, people.values(), first=support_worker_seeing(
        subjects=[f"enrolment:{d.enrolment_id}", f"participant:{d.participant_code}"],
        worker=d.victim_support_worker_id, at=event.occurred_at, hearsay=True))
    subject = subject_of(d.flag_id, d.episode_id)
    tells = [Tell(a, contacts.get(a.user_id), f"flag:{d.flag_id}", d.flag_id, d.level, [], "safety_notice",
                  notice="critical_flag") if a.responsibility == "victim_support" else
             Tell(a, contacts.get(a.user_id), subject, d.flag_id, d.level, d.reasons, "alert", rule_id=d.rule_id,
                  episode_id=d.episode_id, reason_codes=_codes(d))
             for a in addressees(routes, event.type, d.level, people)]
    for tell, made in zip(tells, notify(s, event=event, settings=settings, tells=tells), strict=True):
        if made is None and tell.kind == "alert" and not _join_episode(s, settings, subject, tell, d):
            # what came after the answer has not been seen: its own alert
            notify(s, event=event, settings=settings, tells=[replace(tell, subject=f"flag:{d.flag_id}")])


def _join_episode(s: Session, settings: NotifySettings, subject: str, tell: Tell, d: FlagRaised) -> bool:
    """A later flag of an episode this person has heard of: into their notification, with its reasons, while nobody
    in its chain has answered it (an answer covers what was in it then, not what came after: False, and the flag is
    an alert of its own). A higher level raises the notification's and sends its messages at the new level. The
    escalations of its chain carry the flag too."""
    addressee = tell.addressee
    n = s.execute(sa.select(Notification).where(
        Notification.subject == subject, Notification.user_id == addressee.user_id).with_for_update()).scalar_one()
    if d.flag_id in n.flag_ids:
        return True  # this flag is in it already (the event came again)
    chain = s.execute(sa.select(Notification).where(
        Notification.chain_id == (n.chain_id or n.id), Notification.id != n.id).with_for_update()).scalars().all()
    if n.acknowledged_at is not None or any(e.acknowledged_at is not None for e in chain):
        return False
    rise = higher(n.level, d.level) != n.level
    for joined in (n, *chain):
        _add_flag(joined, d, rise)
    if rise:  # at the new level, over the channels the routing gives it, at once if it says so
        n.channels = list(dict.fromkeys([*n.channels, *addressee.channels]))
        n.timing = "immediate" if "immediate" in (n.timing, addressee.timing) else n.timing
        n.escalated_at = n.unassigned_since = None
        n.escalate_from = due_for(settings=settings, contact=tell.contact, level=n.level)
        if n.timing == "immediate":
            add_deliveries(s, settings=settings, notification_id=n.id, contact=tell.contact,
                           channels=tuple(n.channels), level=n.level, purpose=f"rise_{n.level}")
        for escalation in chain:  # the supervisors it went up to hear of the rise too
            add_deliveries(s, settings=settings, notification_id=escalation.id,
                           contact=s.get(Contact, escalation.user_id), channels=tuple(escalation.channels),
                           level=escalation.level, purpose=f"rise_{escalation.level}")
    log.info("episode_joined", notification_id=str(n.id), flags=len(n.flag_ids), level=n.level, rose=rise,
             escalations=len(chain))
    return True


def _codes(d: FlagRaised) -> list[dict[str, Any]]:
    """The flag's reasons as codes (none from a producer that sends only sentences: those are shown as sent)."""
    return [r.as_data() for r in d.reason_codes or []]


def _add_flag(n: Notification, d: FlagRaised, rise: bool) -> None:
    n.flag_ids = [*n.flag_ids, d.flag_id]
    n.reasons = [*n.reasons, *(r for r in d.reasons if r not in n.reasons)]
    n.reason_codes = [*n.reason_codes, *(c for c in _codes(d) if c not in n.reason_codes)]
    if rise:
        n.level, n.rule_id = d.level, d.rule_id
        n.summary = alert_summary(n.participant_code, n.level, n.reasons)


def tell_of_level_rise(s: Session, *, event: Event[LevelChanged], settings: NotifySettings) -> None:
    """His risk rose: whoever the routing rules name for a rise (by default her support worker, so the victim can be
    protected; a code and the level, nothing of the sessions). A fall tells nobody, nor a move older than one seen."""
    d = event.data
    people = {"victim_support": d.victim_support_worker_id, "inspector": d.inspector_id,
              "psychologist": d.psychologist_id}
    seen = [*support_worker_seeing(subjects=[f"enrolment:{d.enrolment_id}", f"participant:{d.participant_code}"],
                                   worker=d.victim_support_worker_id, at=event.occurred_at, hearsay=True),
            (_LEVEL_SEEN, {"enrolment_id": d.enrolment_id, "version": d.version})]
    answers, routes, contacts = routing_and_contacts(s, people.values(), first=seen)
    if not answers[-1]:
        log.info("level_change_superseded", enrolment_id=str(d.enrolment_id), version=d.version)
        return  # a later move of his level came first: this one is history
    if not rose(d.from_level, d.level) or not d.flag_ids:
        return
    reasons = [level_rise_reason(d.participant_code, d.from_level, d.level)]
    codes = [reason("level_rise", participant_code=d.participant_code, from_level=d.from_level,
                    level=d.level).as_data()]
    notify(s, event=event, settings=settings, tells=[
        Tell(a, contacts.get(a.user_id), f"flag:{d.flag_ids[0]}", d.flag_ids[0], d.level, reasons, "level_rise",
             from_level=d.from_level, reason_codes=codes)
        for a in addressees(routes, event.type, d.level, people)])


# -- her support worker ------------------------------------------------------------------------------------------------
def tell_of_status_change(s: Session, *, event: Event[EnrolmentStatusChanged], settings: NotifySettings) -> None:
    """His suspension, exit (a dropout when for not keeping to the programme), exclusion or completion: her support
    worker is told, a code and a link, never why in his own words or anything of his sessions."""
    d = event.data
    support_worker_seen(s, subjects=[f"enrolment:{d.enrolment_id}", f"participant:{d.participant_code}"],
                        worker=d.victim_support_worker_id, at=event.occurred_at)
    notice = status_notice(d.status, d.reason)
    if notice is not None:
        _tell_her(s, event, settings, notice, d.victim_support_worker_id, enrolment_id=d.enrolment_id)


def tell_of_order_issued(s: Session, *, event: Event[OrderIssued], settings: NotifySettings) -> None:
    """A protection order was issued: the support worker it names is told (and kept as hers for the order)."""
    d = event.data
    support_worker_seen(s, subjects=[f"order:{d.order_id}"], worker=d.victim_support_worker_id,
                        at=event.occurred_at)
    _tell_her(s, event, settings, "order_issued", d.victim_support_worker_id,
              enrolment_id=d.enrolment_ids[0] if d.enrolment_ids else None)


def tell_of_order_ending(s: Session, *, event: Event[OrderExpiring | OrderEnded],
                         settings: NotifySettings) -> None:
    """His order runs out soon, or has ended: her support worker is told, as the newest word on the order, his
    open enrolments or (in follow-up, with none open) him names her."""
    d = event.data
    notice = "order_ended" if isinstance(d, OrderEnded) else "order_expiring"
    worker = support_worker(s, subjects=[f"order:{d.order_id}", *(f"enrolment:{e}" for e in d.enrolment_ids),
                                               f"participant:{d.participant_code}"])
    _tell_her(s, event, settings, notice, worker, enrolment_id=d.enrolment_ids[0] if d.enrolment_ids else None)


def note_support_worker_changed(s: Session, *, event: Event[SupportWorkerChanged]) -> None:
    """Her support worker was linked to his enrolment after referral, changed or removed: what later concerns his
    orders reaches the one who supports her now, and nobody who no longer does."""
    d = event.data
    support_worker_seen(s, subjects=[f"enrolment:{d.enrolment_id}", f"participant:{d.participant_code}"],
                        worker=d.victim_support_worker_id, at=event.occurred_at)


def _tell_her(s: Session, event: Event[Told], settings: NotifySettings, notice: str, worker: str | None, *,
              enrolment_id: object) -> None:
    level = NOTICES[notice]
    _, routes, contacts = routing_and_contacts(s, [worker])
    notify(s, event=event, settings=settings, tells=[
        Tell(a, contacts.get(a.user_id), f"event:{event.id}", None, level, [], "safety_notice", notice=notice,
             enrolment_id=enrolment_id)
        for a in addressees(routes, event.type, level, {"victim_support": worker})])


def support_worker_seen(s: Session, *, subjects: list[str], worker: str | None, at: datetime,
                        hearsay: bool = False) -> None:
    """Her support worker as of this event, unless a newer event said otherwise (events can cross). `hearsay`: the
    event is risk's copy of enrollment's word (a flag, a level), which may lag behind a change enrollment already
    announced: it fills a gap (someone named where nothing is known yet) and never overrides enrollment's own."""
    execute_together(s, support_worker_seeing(subjects=subjects, worker=worker, at=at, hearsay=hearsay))


def support_worker_seeing(*, subjects: list[str], worker: str | None, at: datetime,
                          hearsay: bool = False) -> list[Statement]:
    """The statement of `support_worker_seen` (none for hearsay of nobody), to be sent with others."""
    rows = rows_json({"subject": subject, "user_id": worker, "as_of": at} for subject in subjects)
    if hearsay:
        return [(_SUPPORT_WORKER_IF_UNKNOWN, {"rows": rows})] if worker is not None else []
    return [(_SUPPORT_WORKER_IF_NEWER, {"rows": rows})]


def routing_and_contacts(s: Session, user_ids: Iterable[str | None], *, first: Sequence[Statement] = ()
                         ) -> tuple[list[list[Any]], tuple[Route, ...], dict[str, Reachable]]:
    """The routing rules in force and how to reach each of these people (those notify knows), read in one round trip
    after `first` (whose answers come first): the rest of an alert's way is its inserts."""
    ids = sorted({u for u in user_ids if u})
    routes = routing_in_force.known(s)
    answers = execute_together(s, [*first, *([(routing_in_force.newest, {})] if routes is None else []),
                                   (_CONTACTS, {"ids": ids})])
    found = answers.pop()
    if routes is None:
        routes = routing_in_force.settle(s, answers.pop()[0][0])
    return answers, routes, {c.user_id: c for c in found}


def support_worker(s: Session, *, subjects: list[str]) -> str | None:
    """Her support worker by the newest word on any of these (an order, his enrolments, him): a newer word naming
    nobody (she was removed) means nobody."""
    return s.execute(sa.select(SupportWorkerOf.user_id).where(SupportWorkerOf.subject.in_(subjects))
                           .order_by(SupportWorkerOf.as_of.desc(), SupportWorkerOf.subject).limit(1)).scalar()


# -- one notification, its deliveries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tell:
    """A notification to make: for whom (`contact`: how to reach them, from `routing_and_contacts`; None: notify
    knows no way), about what, and why."""

    addressee: Addressee
    contact: Reachable | None
    subject: str
    flag_id: object
    level: str
    reasons: list[str]
    kind: str
    rule_id: str | None = None
    from_level: str | None = None
    episode_id: object = None
    notice: str | None = None
    enrolment_id: object = None
    reason_codes: list[dict[str, Any]] | None = None


def notify(s: Session, *, event: Event[Told], settings: NotifySettings, tells: list[Tell]) -> list[uuid.UUID | None]:
    """A notification for each person told (never two for one person and subject, however often the event comes),
    and a delivery per channel: due at once, after the person's quiet hours, or left for the daily digest. All of
    them in one round trip, each notification's deliveries kept only if it was: None for a person who has heard of
    this subject already (the same flag, or an episode's earlier flag), who gets neither."""
    d = event.data
    code = d.participant_code
    statements: list[Statement] = []
    made_at, ids = [], []
    for t in tells:
        notification_id = uuid.uuid4()
        made_at.append(len(statements))
        ids.append(notification_id)
        statements.append((_INSERT_NOTIFICATION, dict(
            id=notification_id, user_id=t.addressee.user_id, responsibility=t.addressee.responsibility,
            source_event_id=event.id, subject=t.subject, flag_id=t.flag_id, flag_ids=[t.flag_id] if t.flag_id else [],
            episode_id=t.episode_id, enrolment_id=getattr(d, "enrolment_id", t.enrolment_id),
            inspector_id=getattr(d, "inspector_id", None), participant_code=code, level=t.level, notice=t.notice,
            summary=alert_summary(code, t.level, t.reasons) if t.reasons else f"{code}: {t.notice}",
            reasons=t.reasons, reason_codes=t.reason_codes or [],
            link=alert_link(settings.portal_url, str(notification_id)), region=d.region, district=d.district,
            kind=t.kind, rule_id=t.rule_id, event_at=event.occurred_at, timing=t.addressee.timing,
            channels=list(t.addressee.channels), from_level=t.from_level, chain_id=notification_id,
            # the wait before escalation starts when the messages may go (a critical one's at once, whatever the
            # hour), not while the person's quiet hours hold them
            escalate_from=due_for(settings=settings, contact=t.contact, level=t.level))))
        if t.addressee.timing == "immediate":
            statements += deliveries_of(settings=settings, notification_id=notification_id, contact=t.contact,
                                        channels=t.addressee.channels, level=t.level, purpose="alert")
    answers = execute_together(s, statements)
    created: list[uuid.UUID | None] = []
    for t, at, notification_id in zip(tells, made_at, ids, strict=True):
        if not answers[at]:
            created.append(None)
            continue
        created.append(notification_id)
        log.info("notification_created", notification_id=str(notification_id), user_id=t.addressee.user_id,
                 kind=t.kind, responsibility=t.addressee.responsibility, timing=t.addressee.timing,
                 channels=list(t.addressee.channels))
    return created


def due_for(*, settings: NotifySettings, contact: Reachable | None, level: str) -> datetime:
    """When a message to this person may go: now, or when their quiet hours end (critical: now)."""
    now = datetime.now(UTC)
    return send_at(now, contact.quiet_start, contact.quiet_end, settings.zone, level) if contact else now


def add_deliveries(s: Session, *, settings: NotifySettings, notification_id: uuid.UUID,
                   contact: Reachable | None, channels: tuple[str, ...], level: str, purpose: str) -> None:
    """A delivery per channel: pending (due now, or when the person's quiet hours end; critical ones at once), or
    skipped where notify has no address for that channel or the channel is not set up here, with the code of why
    (`skip_reason`, domain.skips) for each reader to say in its own language."""
    execute_together(s, deliveries_of(settings=settings, notification_id=notification_id, contact=contact,
                                      channels=channels, level=level, purpose=purpose))


def deliveries_of(*, settings: NotifySettings, notification_id: uuid.UUID, contact: Reachable | None,
                  channels: tuple[str, ...], level: str, purpose: str) -> list[Statement]:
    """The statement of `add_deliveries` (none for no channel), to be sent with others: it keeps the deliveries of
    a notification that is there (sent with the notification's insert, they are kept only if it was)."""
    due = due_for(settings=settings, contact=contact, level=level)
    rows = []
    for name in channels:
        address = getattr(contact, ADDRESS_FIELD[name]) if contact is not None and contact.active else None
        why = skip_reason(name, address=address, set_up=configured(settings, name))
        rows.append({"id": uuid.uuid4(), "notification_id": notification_id, "channel": name, "purpose": purpose,
                     "address": address, "status": "skipped" if why else "pending", "next_attempt_at": due,
                     "skip_reason": why, "correlation_id": current_correlation_id()})
    return [(_INSERT_DELIVERIES, {"rows": rows_json(rows)})] if rows else []


# The inserts of the alert path, built and compiled once over the tables (an ORM insert built for each call, its
# values walked for a cache key and put through the ORM's bulk path, was a third of notify's work per flag).
def _given(table: sa.Table, names: tuple[str, ...]) -> dict[str, sa.BindParameter[Any]]:
    return {name: sa.bindparam(name, type_=table.c[name].type) for name in names}


def _inserts() -> tuple[sa.Insert, ...]:
    notification, levels = cast(sa.Table, Notification.__table__), cast(sa.Table, LevelSeen.__table__)
    delivery, support = cast(sa.Table, Delivery.__table__), cast(sa.Table, SupportWorkerOf.__table__)
    level = insert(levels).values(_given(levels, ("enrolment_id", "version")))
    made = (insert(notification).values(_given(notification, _NOTIFICATION_COLUMNS))
            .on_conflict_do_nothing(constraint="uq_notification_subject_user").returning(notification.c.id))
    # the rows as one JSON parameter; those of a notification that is not there are left out
    given = given_rows(delivery, _DELIVERY_COLUMNS)
    delivered = insert(delivery).from_select(list(_DELIVERY_COLUMNS), sa.select(*(given.c[c] for c in _DELIVERY_COLUMNS))
                                             .where(sa.exists().where(notification.c.id == given.c.notification_id))
                                             ).on_conflict_do_nothing(constraint="uq_delivery_notification_channel_purpose")
    said = given_rows(support, ("subject", "user_id", "as_of"))
    seen = insert(support).from_select(["subject", "user_id", "as_of"],
                                       sa.select(said.c.subject, said.c.user_id, said.c.as_of))
    return (made, delivered, seen.on_conflict_do_nothing(index_elements=[support.c.subject]),
            seen.on_conflict_do_update(index_elements=[support.c.subject],
                                       set_={"user_id": seen.excluded.user_id, "as_of": seen.excluded.as_of},
                                       where=support.c.as_of < seen.excluded.as_of),
            level.on_conflict_do_update(index_elements=[levels.c.enrolment_id], set_={"version": level.excluded.version},
                                        where=levels.c.version < level.excluded.version).returning(levels.c.version))


_NOTIFICATION_COLUMNS = (
    "id", "user_id", "responsibility", "source_event_id", "subject", "flag_id", "flag_ids", "episode_id", "enrolment_id",
    "inspector_id", "participant_code", "level", "notice", "summary", "reasons", "reason_codes", "link", "region",
    "district", "kind", "rule_id", "event_at", "timing", "channels", "from_level", "chain_id", "escalate_from")
_DELIVERY_COLUMNS = ("id", "notification_id", "channel", "purpose", "address", "status", "next_attempt_at",
                     "skip_reason", "correlation_id")
_INSERT_NOTIFICATION, _INSERT_DELIVERIES, _SUPPORT_WORKER_IF_UNKNOWN, _SUPPORT_WORKER_IF_NEWER, _LEVEL_SEEN = _inserts()
# how to reach the people an event names (what `due_for` and `deliveries_of` read of a contact)
_CONTACTS = sa.select(Contact.user_id, Contact.email, Contact.phone, Contact.telegram_chat_id, Contact.quiet_start,
                      Contact.quiet_end, Contact.active).where(among(Contact.user_id, name="ids"))


class Reachable(Protocol):
    """A contact as notify reaches them: the ORM's row or the read of `_CONTACTS`."""

    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def telegram_chat_id(self) -> str | None: ...
    @property
    def quiet_start(self) -> time | None: ...
    @property
    def quiet_end(self) -> time | None: ...
    @property
    def active(self) -> bool: ...


# -- escalation --------------------------------------------------------------------------------------------------------
def escalate(s: Session, *, notification: Notification, settings: NotifySettings, now: datetime) -> bool:
    """An alert that waited its time unacknowledged: judged once (`escalated_at`). Stopped when someone who answers
    for its chain has it in hand (`queries.chain_answered_by`); else up to the supervisor above the person who has
    not answered, with a reminder to them. True: it went up to someone new."""
    n = notification
    answered_by = chain_answered_by(s, notification=n)
    n.escalated_at = now
    if answered_by is not None:  # someone who answers for this chain has it in hand
        log.info("escalation_not_needed", acknowledged_by=answered_by)
        return False
    return _go_up(settings, s, n, now)


def _go_up(settings: NotifySettings, s: Session, n: Notification, now: datetime) -> bool:
    """To the supervisor above the person who has not answered (see `escalation_target`), and a reminder to them.
    Nobody to go to: the alert stays listed for administrators (`/escalations/unassigned`) and is tried again after
    the same wait."""
    add_deliveries(s, settings=settings, notification_id=n.id, contact=s.get(Contact, n.user_id),
                   channels=tuple(n.channels), level=n.level, purpose="reminder")
    if n.escalation_step >= settings.escalation_max_steps:
        log.warning("escalation_top_of_chain", step=n.escalation_step, user_id=n.user_id)
        return False
    supervisor = supervisor_of(s, notification=n)
    n.escalation_tried_at = now
    if supervisor is None:
        # a supervisor the portal adds is found at the next try
        n.escalated_at, n.escalate_from = None, datetime.now(UTC)
        n.unassigned_since = n.unassigned_since or now
        log.warning("escalation_no_supervisor", user_id=n.user_id, region=n.region, district=n.district)
        return False
    n.unassigned_since = None
    notification_id = uuid.uuid4()
    created = s.execute(insert(Notification).values(
        id=notification_id, user_id=supervisor, responsibility="supervisor", source_event_id=n.source_event_id,
        subject=n.subject, flag_id=n.flag_id, flag_ids=n.flag_ids, episode_id=n.episode_id,
        enrolment_id=n.enrolment_id, inspector_id=n.inspector_id, participant_code=n.participant_code, level=n.level,
        summary=n.summary, reasons=n.reasons, reason_codes=n.reason_codes,
        link=n.link.rsplit("/", 1)[0] + f"/{notification_id}",
        region=n.region, district=n.district, kind="escalation", rule_id=n.rule_id, event_at=n.event_at,
        timing="immediate", escalates_id=n.id, chain_id=n.chain_id or n.id, escalation_step=n.escalation_step + 1,
        channels=n.channels,
    ).on_conflict_do_nothing(constraint="uq_notification_subject_user").returning(Notification.id)).scalar()
    if created is None:  # he has this subject already, from this chain or another person's
        _share_with_inspector_chain(s, n, supervisor)
        return False
    contact = s.get(Contact, supervisor)
    s.execute(sa.update(Notification).where(Notification.id == created).values(
        escalate_from=due_for(settings=settings, contact=contact, level=n.level)))
    add_deliveries(s, settings=settings, notification_id=created, contact=contact, channels=tuple(n.channels),
                   level=n.level, purpose="alert")
    log.info("alert_escalated", to=supervisor, step=n.escalation_step + 1, level=n.level)
    return True


def _share_with_inspector_chain(s: Session, n: Notification, supervisor: str) -> None:
    """One escalation per subject and supervisor, so two chains that reach the same supervisor share his. The
    inspector's chain is the stricter (only the man's inspector or someone above him stops it; the psychologist's own
    acknowledgement stops hers): a row another chain brought moves to the inspector's chain, with what went up from
    it, and is judged again by its rule. Never does the inspector's chain end on a row another one answers."""
    chain = n.chain_id or n.id
    held = s.execute(sa.select(Notification).where(
        Notification.subject == n.subject, Notification.user_id == supervisor).with_for_update()).scalar_one()
    owner, held_owner = s.get(Notification, chain), s.get(Notification, held.chain_id or held.id)
    if (held.kind != "escalation" or held.chain_id == chain or owner is None or owner.responsibility != "inspector"
            or (held_owner is not None and held_owner.responsibility == "inspector")):
        log.info("escalation_already_with", supervisor=supervisor)
        return
    s.execute(sa.update(Notification).where(
        Notification.chain_id == held.chain_id, Notification.kind == "escalation",
        Notification.escalation_step >= held.escalation_step).values(chain_id=chain)
        .execution_options(synchronize_session="fetch"))
    held.escalates_id = n.id
    went_up = s.execute(sa.select(Notification.id).where(Notification.escalates_id == held.id).limit(1)).scalar()
    if held.acknowledged_at is None and went_up is None:
        held.escalated_at = None  # judged again, by the inspector's chain's rule, when its wait is over
    log.info("escalation_joined_inspector_chain", supervisor=supervisor, escalation_id=str(held.id),
             from_chain=str(held_owner.id if held_owner else None))


# -- the daily digest --------------------------------------------------------------------------------------------------
def make_digest(s: Session, *, user_id: str, alerts: list[Notification], day: date, settings: NotifySettings,
                now: datetime) -> bool:
    """One digest a day for this person, of the alerts routed to the digest and not yet in one, sent as one message
    on the first of their channels they can be reached on. False: today's went already (these wait for tomorrow's)."""
    digest_id = s.execute(insert(Digest).values(
        id=uuid.uuid4(), user_id=user_id, day=day, notification_ids=[n.id for n in alerts])
        .on_conflict_do_nothing(constraint="uq_digest_user_day").returning(Digest.id)).scalar()
    if digest_id is None:
        return False
    for n in alerts:
        n.digested_at = now
    contact = s.get(Contact, user_id)
    channels = tuple(dict.fromkeys(c for n in alerts for c in n.channels)) or ("email",)
    reachable = [(c, getattr(contact, ADDRESS_FIELD[c])) for c in channels
                 if contact is not None and contact.active and getattr(contact, ADDRESS_FIELD[c])
                 and configured(settings, c)]
    name, address = reachable[0] if reachable else (channels[0], None)
    s.add(Delivery(id=uuid.uuid4(), digest_id=digest_id, channel=name, purpose="digest", address=address,
                         next_attempt_at=datetime.now(UTC), status="pending" if address else "skipped",
                         skip_reason=None if address else NO_CHANNEL))  # its alerts stay in the in-app inbox
    log.info("digest_made", user_id=user_id, alerts=len(alerts), day=day.isoformat())
    return True


# -- acknowledgement ---------------------------------------------------------------------------------------------------
def acknowledge(s: Session, *, notification: Notification, via: str, now: datetime) -> None:
    """Acknowledged by its recipient (once: repeating it changes nothing); an alert about flags is acknowledged in
    risk too (notify.alert.acknowledged, one per flag). Her notices stay hers: her id never reaches the flag
    perpetrator-facing staff read."""
    if notification.acknowledged_at is not None:
        return
    notification.acknowledged_at, notification.acknowledged_via = now, via
    if notification.kind in ("alert", "escalation"):
        add_events(s, alerts_acknowledged(notification, via))  # an episode's alert acknowledges every flag in it
    log.info("notification_acknowledged", notification_id=str(notification.id), via=via)


def acknowledge_own(s: Session, *, notification_id: uuid.UUID, user_id: str, now: datetime) -> Notification:
    """A person acknowledges one of their own alerts in the app: they have seen it and are acting on it."""
    notification = own_notification(s, notification_id=notification_id, user_id=user_id, lock=True)
    acknowledge(s, notification=notification, via="api", now=now)
    return notification


def acknowledge_by_link(s: Session, *, token: str, keys: list[bytes], now: datetime) -> Notification:
    """The signed link in a message acknowledges its alert: the link is the credential."""
    notification = notification_by_link(s, token=token, keys=keys, now=now, lock=True)
    acknowledge(s, notification=notification, via="link", now=now)
    return notification


def flag_handled_in_risk(s: Session, *, event: Event[FlagAcknowledged | FlagResolved]) -> None:
    """Someone acted on the flag in risk (acknowledged or resolved it): the actor's own alert counts as acknowledged
    once they have acted on every flag it carries (an episode's alert holds several), and the escalation chains the
    actor answers for stop on the same terms (checked when each falls due: see queries.chain_answered_by). A
    co-recipient acting stops only her own chain."""
    d = event.data
    s.execute(insert(FlagAction).values(flag_id=d.flag_id, user_id=d.by, at=d.at)
                    .on_conflict_do_nothing())
    own = []
    for n in s.execute(sa.select(Notification).where(
            Notification.flag_ids.contains([d.flag_id]), Notification.user_id == d.by,
            Notification.acknowledged_at.is_(None)).with_for_update()).scalars():
        acted = set(s.execute(sa.select(FlagAction.flag_id).where(
            FlagAction.user_id == d.by, FlagAction.flag_id.in_(n.flag_ids))).scalars())
        if set(n.flag_ids) <= acted:
            n.acknowledged_at, n.acknowledged_via = d.at, "risk"
            own.append(n.id)
    log.info("flag_handled_in_risk", flag_id=str(d.flag_id), by=d.by, own_alerts=len(own),
             event_type=event.type)


# -- the staff directory -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactDetails:
    """How a staff member is reached, their language, area, supervisor and quiet hours (local time)."""

    email: str | None = None
    language: str = "uz-Latn"
    phone: str | None = None
    telegram_chat_id: str | None = None
    role: str | None = None
    region: str | None = None
    district: str | None = None
    supervisor_id: str | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    active: bool = True

    def columns(self) -> dict[str, object]:
        """The contact's columns these details set."""
        return {"email": self.email, "language": self.language, "phone": self.phone,
                "telegram_chat_id": self.telegram_chat_id, "role": self.role, "region": self.region,
                "district": self.district, "supervisor_id": self.supervisor_id, "quiet_start": self.quiet_start,
                "quiet_end": self.quiet_end, "active": self.active}


def set_contact(s: Session, *, user_id: str, details: ContactDetails) -> Contact:
    """Set how a user is reached: the whole contact (what `details` leaves out is cleared)."""
    values = details.columns()
    s.execute(insert(Contact).values(user_id=user_id, **values)
                    .on_conflict_do_update(index_elements=[Contact.user_id], set_=values))
    contact = s.get(Contact, user_id, populate_existing=True)
    assert contact is not None  # written just now, in this transaction
    return contact


def keep_user(s: Session, *, event: Event[UserChanged], settings: NotifySettings) -> None:
    """The portal's user, kept locally: unless a later version is held already (events can arrive out of order).
    Someone active whose addresses came after their alerts is reached now."""
    d = event.data
    quiet = d.quiet_hours if isinstance(d.quiet_hours, dict) else {}
    details = ContactDetails(email=d.email, language=d.language, phone=d.phone, telegram_chat_id=d.telegram_chat_id,
                             role=d.role, region=d.region, district=d.district, supervisor_id=d.supervisor_id,
                             quiet_start=_time(quiet.get("start")), quiet_end=_time(quiet.get("end")),
                             active=d.active)
    values = {**details.columns(), "version": d.version}
    stmt = insert(Contact).values(user_id=d.user_id, **values)
    applied = s.execute(stmt.on_conflict_do_update(
        index_elements=[Contact.user_id], set_=values, where=Contact.version < d.version)
        .returning(Contact.user_id)).first()
    if applied is not None and d.active:
        _reach_again(s, settings, d.user_id, details)


def _reach_again(s: Session, settings: NotifySettings, user_id: str, details: ContactDetails) -> None:
    """Alerts of the last day that found no address for this person (their details came after the alert: events
    from two producers can cross) go out now over the channels they can be reached on."""
    for name, column in ADDRESS_FIELD.items():
        address = getattr(details, column)
        if not address or not configured(settings, name):
            continue
        revived = s.execute(sa.update(Delivery).where(
            Delivery.channel == name, Delivery.status == "skipped", Delivery.skip_reason == NO_ADDRESS[name],
            Delivery.notification_id.in_(sa.select(Notification.id).where(
                Notification.user_id == user_id, Notification.acknowledged_at.is_(None),
                Notification.created_at > sa.func.now() - sa.text("interval '1 day'"))))
            .values(status="pending", address=address, skip_reason=None, next_attempt_at=sa.func.now())
            .returning(Delivery.id)).all()
        if revived:
            log.info("deliveries_revived", user_id=user_id, channel=name, deliveries=len(revived))


def _time(value: object) -> time | None:
    """HH:MM, or None for anything else (logged: a bad value costs the person their quiet hours, not the event)."""
    if not value:
        return None
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        log.warning("quiet_hours_ignored", value=str(value)[:20])
        return None


# -- routing -----------------------------------------------------------------------------------------------------------
def change_routing(s: Session, *, rules: list[object], note: str, by: str,
                   settings: NotifySettings | None = None) -> RoutingRuleSet:
    """Put new routing rules in force (the whole set), with a note of what changed and why; rules that cannot be
    used are a 422 naming every problem, and change nothing. In production (`settings`), so are rules that send
    over a channel this installation has not set up (the worker would refuse to start on them)."""
    try:
        routes = parse_routing(rules)
    except RoutingError as e:
        raise unprocessable("The routing rules cannot be used as they are; nothing changed.", e.errors) from None
    unset = unset_for_routing(settings, routes) if settings is not None and settings.production else []
    if unset:
        raise unprocessable("The routing rules send over a channel that is not set up here; nothing changed.",
                            {"rules": [str(problem) for problem in unset]})
    lock_keys(s, ["notify.routing"])
    version = s.execute(sa.select(sa.func.max(RoutingRuleSet.version))).scalar_one() + 1
    row = RoutingRuleSet(version=version, rules=rules, note=note, created_by=by)
    s.add(row)
    s.flush()
    log.info("routing_changed", version=version)
    return row
