"""What notify does with the events it consumes, and its subscriptions: each event is one command (`commands`).
Route each alert to the people responsible, tell her support worker what bears on her safety, take an action in
risk as an answer, and keep the staff directory from the portal's user events."""

from __future__ import annotations

from qadam.events import Event
from qadam.inbox import Handlers
from qadam_contracts.enrollment import (
    EnrolmentStatusChanged,
    OrderEnded,
    OrderExpiring,
    OrderIssued,
    SupportWorkerChanged,
)
from qadam_contracts.portal import UserChanged
from qadam_contracts.risk import FlagAcknowledged, FlagRaised, FlagResolved, LevelChanged
from sqlalchemy.orm import Session

from . import commands
from .settings import NotifySettings

handlers = Handlers()


@handlers.on(FlagRaised)
def on_flag_raised(session: Session, event: Event[FlagRaised], *, settings: NotifySettings) -> None:
    commands.alert_on_flag(session, event=event, settings=settings)


@handlers.on(LevelChanged)
def on_level_changed(session: Session, event: Event[LevelChanged], *, settings: NotifySettings) -> None:
    commands.tell_of_level_rise(session, event=event, settings=settings)


@handlers.on(EnrolmentStatusChanged)
def on_status_changed(session: Session, event: Event[EnrolmentStatusChanged], *, settings: NotifySettings) -> None:
    commands.tell_of_status_change(session, event=event, settings=settings)


@handlers.on(OrderIssued)
def on_order_issued(session: Session, event: Event[OrderIssued], *, settings: NotifySettings) -> None:
    commands.tell_of_order_issued(session, event=event, settings=settings)


@handlers.on(OrderExpiring, OrderEnded)
def on_order_attention(session: Session, event: Event[OrderExpiring | OrderEnded], *, settings: NotifySettings) -> None:
    commands.tell_of_order_ending(session, event=event, settings=settings)


@handlers.on(SupportWorkerChanged)
def on_support_worker_changed(session: Session, event: Event[SupportWorkerChanged]) -> None:
    commands.note_support_worker_changed(session, event=event)


@handlers.on(FlagAcknowledged, FlagResolved)
def on_flag_handled(session: Session, event: Event[FlagAcknowledged | FlagResolved]) -> None:
    commands.flag_handled_in_risk(session, event=event)


@handlers.on(UserChanged)
def on_user_changed(session: Session, event: Event[UserChanged], *, settings: NotifySettings) -> None:
    commands.keep_user(session, event=event, settings=settings)
