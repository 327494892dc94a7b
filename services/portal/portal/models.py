"""The portal's tables: the staff who sign in (with their role, area and second factor), their sign-ins, every
sign-in attempt, the failed ones counted for throttling, and the areas (region, district, mahalla) that roles are
scoped by."""

from __future__ import annotations

import uuid
from datetime import datetime, time

import sqlalchemy as sa
from qadam.db import service_metadata
from qadam.throttle import failure_table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = service_metadata()


class User(Base):
    """A member of staff. `id` is the name they sign in with and the `sub` of their tokens: the other services
    store it (a cohort's facilitators, an enrolment's inspector), so it never changes."""

    __tablename__ = "app_user"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(30))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    mahalla: Mapped[str | None] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    telegram_chat_id: Mapped[str | None] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(10), default="uz-Latn")
    supervisor_id: Mapped[str | None] = mapped_column(sa.String(100))
    quiet_start: Mapped[time | None] = mapped_column(sa.Time)
    quiet_end: Mapped[time | None] = mapped_column(sa.Time)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    totp_secret: Mapped[bytes | None] = mapped_column(sa.LargeBinary, comment="sealed (qadam.sealing)")
    totp_enabled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger, comment="a code is accepted once")
    version: Mapped[int] = mapped_column(default=1, comment="raised by every change; carried by portal.user.changed")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class LoginSession(Base):
    """One signed-in browser. The cookie holds a random secret; only its SHA-256 is stored."""

    __tablename__ = "login_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(20), comment="password (a second factor still due) or full")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ended_why: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))


class SignInAttempt(Base):
    """Every attempt to sign in, kept for the account's owner and the auditors: who, from where, what happened."""

    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    outcome: Mapped[str] = mapped_column(sa.String(30))
    address: Mapped[str | None] = mapped_column(sa.String(64))


# Failed sign-ins (a wrong password, code or current password; an unknown name) of the last window, by the name typed
# and the client's address: what sign-ins are throttled by (qadam.throttle, portal.accounts.throttle_rule).
sign_in_failure = failure_table(Base.metadata, "sign_in_failure")


class Area(Base):
    """A region, a district of it, or a mahalla of a district: what users and cohorts are placed in."""

    __tablename__ = "area"
    __table_args__ = (sa.UniqueConstraint("region", "district", "mahalla", name="uq_area_place",
                                          postgresql_nulls_not_distinct=True),)

    id: Mapped[int] = mapped_column(sa.Integer, sa.Identity(always=True), primary_key=True)
    region: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    mahalla: Mapped[str | None] = mapped_column(sa.String(100))
    version: Mapped[int] = mapped_column(server_default="1", comment=(
        "raised by every change of a district; carried by portal.area.changed"))
