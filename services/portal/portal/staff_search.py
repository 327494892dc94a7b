"""The staff directory's search: members of staff by role, region, whether active, and a name or user name in either
script of Uzbek, a page at a time, with when each last signed in and who is locked out now."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import accounts
from .models import LoginSession, User
from .settings import PortalSettings
from .uzbek_cyrillic import to_cyrillic
from .websession import FULL

PAGE_SIZE = 50


def _like(text: str) -> str:
    """`text` anywhere in a column, its own `%`, `_` and backslashes taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def users_query(filters: Mapping[str, str]) -> sa.Select[User]:
    """The members of staff the filters (of views.admin.user_filters; "" for any) select."""
    query = sa.select(User)
    if filters["role"]:
        query = query.where(User.role == filters["role"])
    if filters["region"]:
        query = query.where(User.region == filters["region"])
    if filters["active"]:
        query = query.where(User.active.is_(filters["active"] == "yes"))
    if filters["q"]:
        spellings = {filters["q"], to_cyrillic(filters["q"].lower())}
        query = query.where(sa.or_(*(column.ilike(_like(s), escape="\\")
                                     for s in spellings for column in (User.id, User.display_name))))
    return query


@dataclass
class UsersPage:
    """One page of the users' list: its members of staff, when each last signed in, and whose sign-ins are refused
    now (from some address, or delayed)."""

    users: list[User]
    total: int
    page: int
    pages: int
    last_sign_in: dict[str, datetime]
    locked: set[str]


def find_users(db: Session, settings: PortalSettings, *, filters: Mapping[str, str], page: int) -> UsersPage:
    """The members of staff the filters select, by name, page `page` of them (the last one when it is beyond)."""
    query = users_query(filters)
    total = db.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    rows = list(db.execute(query.order_by(User.display_name, User.id).offset((page - 1) * PAGE_SIZE)
                           .limit(PAGE_SIZE)).scalars())
    last_sign_in = dict(db.execute(  # type: ignore[arg-type]
        sa.select(LoginSession.user_id, sa.func.max(LoginSession.created_at))
        .where(LoginSession.user_id.in_([u.id for u in rows]), LoginSession.stage == FULL)
        .group_by(LoginSession.user_id)).all())
    return UsersPage(users=rows, total=total, page=page, pages=pages, last_sign_in=last_sign_in,
                     locked=set(accounts.refused_until(db, settings, [u.id for u in rows])))
