"""Staff accounts: passwords (argon2), the TOTP second factor, failed sign-ins throttled by name and address
(qadam.throttle), and every change of a user published as `portal.user.changed` (notify keeps its directory from it).

The rule (README, "Signing in"): a name that failed QADAM_PORTAL_LOCKOUT_FAILURES times from one address within the
window is refused from that address only; an address that failed QADAM_PORTAL_ADDRESS_FAILURES times is refused for
every name; a name that failed QADAM_PORTAL_ACCOUNT_DELAY_AFTER times from anywhere waits a short growing delay. So
nobody can lock a user out from elsewhere: from their own address, the right password (and code) still signs them in.
Unknown names are counted and refused exactly as known ones, so a refusal says nothing about whether a name exists."""

from __future__ import annotations

import hashlib
import secrets
import time as _time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from qadam import sealing, throttle
from qadam.log import get_logger
from qadam.outbox import add_event
from sqlalchemy.orm import Session

from . import passwords
from .events import user_changed
from .models import LoginSession, SignInAttempt, User, sign_in_failure
from .settings import PortalSettings

log = get_logger(__name__)
# argon2id by QADAM_PORTAL_PASSWORD_HASH: RFC 9106's second recommended set (the library's default parameters), or
# the library's cheapest, for tests (a sign-in's check took some 0.2 s of CPU and 64 MiB: half of the sign-in tests')
HASHERS = {"rfc9106": PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY),
           "cheapest": PasswordHasher.from_parameters(CHEAPEST)}
# A hash of a password nobody has, per hasher, made when first needed: a name that does not exist costs the same time
# as a wrong password.
_NOBODY: dict[str, str] = {}
PASSWORD_MIN = 10


def now() -> datetime:
    return datetime.now(UTC)


def hasher(settings: PortalSettings) -> PasswordHasher:
    try:
        return HASHERS[settings.portal_password_hash]
    except KeyError:
        raise ValueError(f"QADAM_PORTAL_PASSWORD_HASH={settings.portal_password_hash!r} is not one of "
                         f"{', '.join(HASHERS)}") from None


def hash_password(settings: PortalSettings, password: str) -> str:
    return hasher(settings).hash(password)


def _nobody(settings: PortalSettings) -> str:
    known = _NOBODY.get(settings.portal_password_hash)
    if known is None:
        known = _NOBODY[settings.portal_password_hash] = hash_password(settings, secrets.token_urlsafe(16))
    return known


def password_problems(password: str, user_id: str) -> list[str]:
    """What is wrong with a new password, in msgids the pages translate (empty: it will do)."""
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append("password_too_short")
    if user_id and user_id.lower() in password.lower():
        problems.append("password_contains_name")
    if len(set(password)) < 4:
        problems.append("password_too_simple")
    elif passwords.too_predictable(password):
        problems.append("password_predictable")
    if passwords.is_common(password):
        problems.append("password_common")
    return problems


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: `user` when the password was right; otherwise why not. `refusal` when it was
    refused (429); `started` when this very attempt started the refusal (a lockout: audited)."""

    outcome: str  # ok | wrong | refused | inactive
    user: User | None = None
    refusal: throttle.Refusal | None = None
    started: bool = False
    subject: str = ""  # the account aimed at, as the sign-in records name it (unknown names by a digest)


def throttle_rule(settings: PortalSettings) -> throttle.Rule:
    window = timedelta(minutes=settings.portal_lockout_minutes)
    return throttle.Rule(per_address=throttle.Limit(settings.portal_address_failures, window),
                         per_pair=throttle.Limit(settings.portal_lockout_failures, window),
                         delay_after=settings.portal_account_delay_after, delay_window=window,
                         delay_first=timedelta(seconds=1),
                         delay_most=timedelta(seconds=settings.portal_account_delay_most_seconds))


def subject_of(settings: PortalSettings, user_id: str) -> str:
    """The name as the throttle counts it: a keyed digest of what was typed (known or not)."""
    return throttle.subject_key(sealing.derived_keys(settings, "portal-sign-in-throttle")[0], user_id)


class Attempt:
    """One attempt on a name from an address, in a transaction: its rows serialised, its refusal looked up. Made
    before the user's row is locked (always this order: no deadlock between two attempts on one user)."""

    def __init__(self, session: Session, settings: PortalSettings, user_id: str, address: str | None) -> None:
        self.session, self.settings, self.rule = session, settings, throttle_rule(settings)
        self.name = user_id.strip().lower()
        self.subject = subject_of(settings, self.name)
        self.address = address or ""
        self.where = throttle.address_key(self.address)
        throttle.hold(session, self.subject)

    def refused(self, recorded_as: str) -> SignIn | None:
        found = throttle.refusal(self.session, sign_in_failure, self.rule, self.subject, self.where, now())
        return None if found is None else SignIn("refused", refusal=found, subject=recorded_as)

    def failed(self, recorded_as: str, outcome: str) -> SignIn:
        """Count a failure; when it starts a refusal, say so in the account's record and the log."""
        started = throttle.record_failure(self.session, sign_in_failure, self.rule, self.subject, self.where, now())
        if started is None:
            _attempt(self.session, recorded_as, outcome, self.address)
            return SignIn("wrong", subject=recorded_as)
        _attempt(self.session, recorded_as, f"{outcome}_locked", self.address)
        log.warning("sign_in_refused", user_id=recorded_as, kind=started.kind, until=started.until.isoformat())
        return SignIn("refused", refusal=started, started=True, subject=recorded_as)

    def succeeded(self) -> None:
        """A full sign-in forgets this address's failures on the name (not other addresses': not the delay)."""
        throttle.forget(self.session, sign_in_failure, self.subject, self.where)


def check_password(session: Session, settings: PortalSettings, user_id: str, password: str, address: str | None) -> SignIn:
    """Check a password unless the attempt is refused; count a failure. Attempts on one name or from one address
    are serialised so that parallel guesses are all counted."""
    attempt = Attempt(session, settings, user_id, address)
    user = session.execute(sa.select(User).where(User.id == attempt.name).with_for_update()).scalar_one_or_none()
    # what was typed may be a password in the wrong field: only a digest of an unknown name is kept
    recorded_as = user.id if user is not None else f"unknown:{hashlib.sha256(attempt.name.encode()).hexdigest()[:16]}"
    refused = attempt.refused(recorded_as)
    if refused is not None:
        return refused  # not checked, not counted: insisting does not lengthen it
    if user is None:
        verify_password(_nobody(settings), password)  # the same time as a wrong password
        return attempt.failed(recorded_as, "unknown_user")
    if not verify_password(user.password_hash, password):
        return attempt.failed(user.id, "wrong_password")
    if not user.active:
        _attempt(session, user.id, "inactive", address)
        return SignIn("inactive", subject=user.id)
    if hasher(settings).check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(settings, password)
    if not needs_second_factor(settings, user):
        # with a code still due, the count goes on: a known password must not reset the guesses at the code
        attempt.succeeded()
    _attempt(session, user.id, "password_ok", address)
    return SignIn("ok", user, subject=user.id)


def verify_password(stored: str, password: str) -> bool:
    try:  # with the parameters the stored hash names
        return HASHERS["rfc9106"].verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _attempt(session: Session, user_id: str, outcome: str, address: str | None) -> None:
    session.add(SignInAttempt(user_id=user_id[:100], outcome=outcome[:30], address=address))


# -- the second factor ---------------------------------------------------------------------------------------
def needs_second_factor(settings: PortalSettings, user: User) -> bool:
    return user.totp_enabled_at is not None or user.role in settings.totp_roles


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.id, issuer_name="Qadam")


def totp_secret(settings: PortalSettings, user: User) -> str | None:
    return sealing.unseal(settings, user.totp_secret) if user.totp_secret else None


def code_matches(secret: str, code: str, *, after_step: int | None = None, at: float | None = None) -> int | None:
    """The time step a code belongs to (this one, or one either side for a slow clock), or None. A step at or
    before `after_step` was used already: a code works once."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    moment = at if at is not None else _time.time()
    step = int(moment // totp.interval)
    for candidate in (step, step - 1, step + 1):
        if (after_step is None or candidate > after_step) and secrets.compare_digest(
                totp.generate_otp(candidate), code):
            return candidate
    return None


def check_code(session: Session, settings: PortalSettings, user_id: str, code: str, address: str | None) -> SignIn:
    """Check the second factor's code of a user past the password, unless refused; a wrong code is a failure. The
    throttle's locks are taken before the user's row, in the same order as a sign-in's (no deadlock between them)."""
    attempt = Attempt(session, settings, user_id, address)
    user = session.get(User, user_id, with_for_update=True)
    assert user is not None
    refused = attempt.refused(user.id)  # refused meanwhile, from this address
    if refused is not None:
        return refused
    secret = totp_secret(settings, user)
    step = code_matches(secret, code, after_step=user.totp_last_step) if secret else None
    if step is None:
        return attempt.failed(user.id, "wrong_code")
    user.totp_last_step = step
    attempt.succeeded()
    _attempt(session, user.id, "code_ok", address)
    return SignIn("ok", user, subject=user.id)


def enable_second_factor(session: Session, settings: PortalSettings, user: User, secret: str, code: str) -> bool:
    step = code_matches(secret, code)
    if step is None:
        return False
    user.totp_secret = sealing.seal(settings, secret)
    user.totp_enabled_at = now()
    user.totp_last_step = step
    return True


# -- sessions that end ---------------------------------------------------------------------------------------
def end_sessions(session: Session, user_id: str, why: str, *, except_id: Any = None) -> int:
    """Sign the user out everywhere (but `except_id`, the browser asking)."""
    stmt = sa.update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    if except_id is not None:
        stmt = stmt.where(LoginSession.id != except_id)
    return session.execute(stmt.values(ended_at=now(), ended_why=why)).rowcount  # type: ignore[attr-defined]


def change_password(session: Session, settings: PortalSettings, user: User, new_password: str, *,
                    keep_session: Any = None, temporary: bool = False) -> None:
    """A new password signs the user out everywhere else (the browser that changed it stays signed in)."""
    user.password_hash = hash_password(settings, new_password)
    user.password_changed_at = now()
    user.must_change_password = temporary
    end_sessions(session, user.id, "password_changed", except_id=keep_session)


# -- users and their events ----------------------------------------------------------------------------------
EDITABLE = ("display_name", "role", "region", "district", "mahalla", "email", "phone", "telegram_chat_id",
            "language", "supervisor_id", "quiet_start", "quiet_end", "active")


def create_user(session: Session, settings: PortalSettings, values: dict[str, Any], password: str) -> User:
    user = User(id=values["id"], password_hash=hash_password(settings, password), must_change_password=True, version=1,
                **{k: values.get(k) for k in EDITABLE if k in values})
    if user.active is None:
        user.active = True
    session.add(user)
    session.flush()
    publish(session, user)
    return user


def update_user(session: Session, user: User, values: dict[str, Any]) -> bool:
    """Apply the changes; publish the user again if anything changed. A user made inactive is signed out."""
    changed = False
    for key in EDITABLE:
        if key in values and getattr(user, key) != values[key]:
            setattr(user, key, values[key])
            changed = True
    if changed:
        user.version += 1
        if not user.active:
            end_sessions(session, user.id, "deactivated")
        publish(session, user)
    return changed


def publish(session: Session, user: User) -> None:
    """Tell the other services of the user as they are now (portal.user.changed)."""
    add_event(session, user_changed(user))


# -- what an administrator does to an account ------------------------------------------------------------------
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied from a screen


def temporary_password(user_id: str) -> str:
    """A password to hand over once (the user must change it at first sign-in): 4 groups of 4, easy to type."""
    while True:
        password = "-".join("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
        if not password_problems(password, user_id):
            return password


def reset_password(session: Session, settings: PortalSettings, user: User) -> str:
    """A new temporary password: the old one stops working, the user is signed out everywhere and must choose their
    own at the next sign-in. Returns the password, to be shown once."""
    password = temporary_password(user.id)
    change_password(session, settings, user, password, temporary=True)
    return password


def refused_until(session: Session, settings: PortalSettings, user_ids: list[str]) -> dict[str, datetime]:
    """{user id: until} for the users refused now from some address (or delayed): what an administrator sees."""
    subjects = {subject_of(settings, u): u for u in user_ids}
    found = throttle.refused_subjects(session, sign_in_failure, throttle_rule(settings), subjects, now())
    return {subjects[s]: until for s, until in found.items()}


def failures_counted(session: Session, settings: PortalSettings, user_id: str) -> int:
    """The user's failed sign-ins within the window, from every address."""
    subject = subject_of(settings, user_id)
    found = throttle.failures(session, sign_in_failure, throttle_rule(settings), [subject], now())
    return found[subject][0] if subject in found else 0


def unlock(session: Session, settings: PortalSettings, user: User) -> bool:
    """Forget the user's failed sign-ins from every address (which lifts their refusals and delay); False when there
    were none."""
    return throttle.forget(session, sign_in_failure, subject_of(settings, user.id)) > 0


def reset_second_factor(session: Session, user: User) -> bool:
    """Forget the user's authenticator (a lost phone): they are signed out everywhere, and where their role requires
    a second factor they set it up again at the next sign-in. False when it was off."""
    had = user.totp_secret is not None or user.totp_enabled_at is not None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    end_sessions(session, user.id, "second_factor_reset")
    return had
