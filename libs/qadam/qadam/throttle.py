"""Failed attempts counted in sliding windows kept in PostgreSQL, so that every web process of a service sees the same
counts: a refusal per client address, per (subject, address), and a growing delay per subject.

A subject is what the attempts aim at (at a sign-in: the user name typed, known or not), kept as a keyed digest, never
as typed. The three limits are chosen so that an attacker cannot turn them against the subject's owner:

- an address that failed `per_address.most` times within its window is refused, whatever the subject;
- a (subject, address) pair that failed `per_pair.most` times within its window is refused; the same subject from
  another address is not;
- a subject that failed `delay_after` times or more within `delay_window`, from any addresses, waits a delay after
  its last failure that doubles with each further failure, from `delay_first` up to `delay_most`: never a lock.

Each window slides: a refusal ends when enough of its failures are older than the window. A refused attempt is not
checked and not counted, so an attacker cannot lengthen a refusal by insisting. The table is the caller's (made by
`failure_table` in its own metadata and migration): the kit names no service's table.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

ADDRESS, PAIR, DELAY = "address", "pair", "delay"  # the kinds of refusal


def failure_table(metadata: sa.MetaData, name: str) -> sa.Table:
    """The table of failed attempts: one row a failure, kept no longer than the longest window."""
    return sa.Table(
        name, metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("subject", sa.String(64), nullable=False, comment="keyed digest of what was aimed at (throttle.subject_key)"),
        sa.Column("address", sa.String(64), nullable=False, comment="the client's address (IPv6: its /64)"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Index(f"ix_{name}_subject_at", "subject", "at"),
        sa.Index(f"ix_{name}_address_at", "address", "at"),
        sa.Index(f"ix_{name}_at", "at"),
    )


@dataclass(frozen=True)
class Limit:
    """At most `most` failures within `window`."""

    most: int
    window: timedelta


@dataclass(frozen=True)
class Rule:
    per_address: Limit
    per_pair: Limit
    delay_after: int
    delay_window: timedelta
    delay_first: timedelta
    delay_most: timedelta

    @property
    def longest(self) -> timedelta:
        return max(self.per_address.window, self.per_pair.window, self.delay_window)


@dataclass(frozen=True)
class Refusal:
    """Attempts of this kind are refused until `until`."""

    kind: str
    until: datetime

    def retry_after(self, at: datetime) -> int:
        """Whole seconds to wait (Retry-After), at least 1."""
        return max(1, math.ceil((self.until - at).total_seconds()))


def subject_key(secret: bytes, subject: str) -> str:
    """A keyed digest of a subject: what was typed as a user name may be a password typed in the wrong field."""
    return hmac.new(secret, subject.strip().lower().encode(), hashlib.sha256).hexdigest()


def address_key(address: str) -> str:
    """The address as counted: an IPv6 address by its /64 (one subscriber holds a whole /64), an IPv4 one as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


# -- the rule over the times of failures (pure) ------------------------------------------------------------------
def window_end(times_newest_first: Sequence[datetime], limit: Limit, at: datetime) -> datetime | None:
    """When a limit stops refusing, given the times of the failures within its window (newest first), or None when
    it does not refuse: with `most` failures in the window, until the `most`-th newest leaves it."""
    recent = [t for t in times_newest_first if t > at - limit.window]
    if len(recent) < limit.most:
        return None
    return recent[limit.most - 1] + limit.window


def delay_end(count: int, last: datetime | None, rule: Rule) -> datetime | None:
    """When a subject's delay ends, given its failures within the delay window and the last one; None: no delay."""
    if last is None or count < rule.delay_after:
        return None
    doublings = min(count - rule.delay_after, 32)
    delay = min(rule.delay_first * (2 ** doublings), rule.delay_most)
    return last + delay


def first_refusal(ends: Iterable[tuple[str, datetime | None]], at: datetime) -> Refusal | None:
    """The refusal that lasts longest among those still running at `at`."""
    running = [Refusal(kind, end) for kind, end in ends if end is not None and end > at]
    return max(running, key=lambda r: r.until, default=None)


# -- in the database ---------------------------------------------------------------------------------------------
def _lock_key(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") & 0x7FFFFFFFFFFFFFFF


def hold(session: Session, subject: str) -> None:
    """Serialise the attempts on one subject until the transaction ends, so that parallel guesses at it are all
    counted. Attempts from one address are not serialised (an office behind one NAT address signs in all at once
    at nine): parallel failures on different subjects may pass the address's limit by as many as run at once."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(f"s:{subject}"))))


def refusal(session: Session, table: sa.Table, rule: Rule, subject: str, address: str,
            at: datetime) -> Refusal | None:
    """Whether an attempt on `subject` from `address` is refused now, and until when."""
    c = table.c

    def newest(where: sa.ColumnElement[bool], limit: Limit) -> list[datetime]:
        rows = session.execute(sa.select(c.at).where(where, c.at > at - limit.window)
                               .order_by(c.at.desc()).limit(limit.most))
        return [row[0] for row in rows]

    by_address = window_end(newest(c.address == address, rule.per_address), rule.per_address, at)
    by_pair = window_end(newest(sa.and_(c.subject == subject, c.address == address), rule.per_pair),
                         rule.per_pair, at)
    count, last = session.execute(sa.select(sa.func.count(), sa.func.max(c.at))
                                  .where(c.subject == subject, c.at > at - rule.delay_window)).one()
    by_delay = delay_end(int(count), last, rule)
    return first_refusal(((ADDRESS, by_address), (PAIR, by_pair), (DELAY, by_delay)), at)


def record_failure(session: Session, table: sa.Table, rule: Rule, subject: str, address: str,
                   at: datetime) -> Refusal | None:
    """Count a failure; the refusal it starts (a lockout, to be audited), if any. Rows older than every window go."""
    session.execute(table.delete().where(table.c.at < at - rule.longest))
    session.execute(table.insert().values(subject=subject, address=address, at=at))
    return refusal(session, table, rule, subject, address, at)


def forget(session: Session, table: sa.Table, subject: str, address: str | None = None) -> int:
    """Forget a subject's failures (from one address, or all): after a full sign-in, or an administrator's unlock."""
    stmt = table.delete().where(table.c.subject == subject)
    if address is not None:
        stmt = stmt.where(table.c.address == address)
    return session.execute(stmt).rowcount  # type: ignore[attr-defined, no-any-return]


def failures(session: Session, table: sa.Table, rule: Rule, subjects: Iterable[str],
             at: datetime) -> dict[str, tuple[int, datetime]]:
    """{subject: (failures within the longest window, the end of its longest refusal by pair or delay or the last
    failure)} for subjects with any failure: what an administrator sees."""
    wanted = list(set(subjects))
    if not wanted:
        return {}
    c = table.c
    rows = session.execute(sa.select(c.subject, c.address, c.at).where(c.subject.in_(wanted), c.at > at - rule.longest)
                           .order_by(c.at.desc())).all()
    seen: dict[str, list[tuple[str, datetime]]] = {}
    for subject, address, when in rows:
        seen.setdefault(subject, []).append((address, when))
    out: dict[str, tuple[int, datetime]] = {}
    for subject, found in seen.items():
        ends: list[tuple[str, datetime | None]] = []
        for address in {a for a, _ in found}:
            ends.append((PAIR, window_end([t for a, t in found if a == address], rule.per_pair, at)))
        in_delay = [t for _, t in found if t > at - rule.delay_window]
        ends.append((DELAY, delay_end(len(in_delay), in_delay[0] if in_delay else None, rule)))
        longest = first_refusal(ends, at)
        out[subject] = (len(found), longest.until if longest else found[0][1])
    return out


def refused_subjects(session: Session, table: sa.Table, rule: Rule, subjects: Iterable[str],
                     at: datetime) -> dict[str, datetime]:
    """{subject: until} for the subjects refused now from some address, or delayed."""
    return {s: until for s, (_n, until) in failures(session, table, rule, subjects, at).items() if until > at}
