"""Who is calling, and may they: RS256 JWT verification and deny-by-default access.

Every endpoint must say who may call it (`@allow(...)`) or that anyone may (`@public`); an endpoint
that says neither answers 403 to everyone, so a forgotten decorator closes a door instead of opening it.
Record-level scoping (the cohorts a user is assigned, the area a role covers) is the endpoint's own job, with the
principal's claims in hand.

The kit knows no role by name: the roles, and how far each reaches, are an AccessPolicy the app is given
(Qadam's is qadam_contracts.roles.ACCESS_POLICY).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
import structlog
from flask import Flask, current_app, g, request

from .config import DEVELOPMENT_KEY_MARK, Settings
from .errors import Problem
from .log import get_logger
from .names import same_place
from .private_files import write_owner_only

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

# PyJWT and cryptography (about 12 MB in a process) are imported where tokens are verified, signed or made, not
# here: a worker imports this module for the principal and the access filters its commands share with the routes,
# and never touches a token.

F = TypeVar("F", bound=Callable[..., Any])
log = get_logger(__name__)


class Reach(StrEnum):
    """How far a role's area goes; a token must name the area its reach needs, or it sees nothing."""

    EVERYWHERE = "everywhere"  # every region: the token needs no area
    REGION = "region"
    DISTRICT = "district"


@dataclass(frozen=True)
class Principal:
    """The verified caller: a user id, a role, the area the role covers and how far that area reaches (made by an
    AccessPolicy, which knows the role's reach)."""

    user_id: str
    role: str
    region: str | None = None
    district: str | None = None
    mahalla: str | None = None
    reach: Reach = field(kw_only=True)

    @property
    def has_area(self) -> bool:
        """Whether the token names the area its role is scoped by. Roles scoped by assignment (to the records that
        name the user) still need it: a token without its area sees nothing, whatever names it."""
        if self.reach is Reach.EVERYWHERE:
            return True
        if not self.region:
            return False
        return not (self.reach is Reach.DISTRICT and not self.district)

    def assigned(self, user_id: str | None) -> bool:
        """Whether a record naming `user_id` (as the person responsible for it) is this principal's by assignment:
        the id is theirs and the token names their area (without it, an assignment opens nothing either)."""
        return self.has_area and user_id == self.user_id

    def covers(self, *, region: str | None = None, district: str | None = None) -> bool:
        """Whether a record in (region, district) lies inside this principal's area.

        Fails closed: a token without the area its role is scoped by covers nothing. Places are compared folded
        (names.fold): Xo'jeli typed with a typewriter apostrophe is Xoʻjeli.
        """
        if not self.has_area:
            return False
        if self.reach is Reach.EVERYWHERE:
            return True
        return same_place(self.region, region) and (self.reach is not Reach.DISTRICT
                                                    or same_place(self.district, district))


@dataclass(frozen=True)
class AccessPolicy:
    """The roles a token may carry and how far each reaches, given to the kit by whoever builds the app: `everywhere`
    roles see every area, `district_scoped` ones a district, `national_unless_placed` ones every area when the
    principal is placed in no region and their region when it is, the rest a region; `audit_readers` may read a
    service's audit log. A role the policy does not list is refused."""

    roles: frozenset[str]
    everywhere: frozenset[str]
    district_scoped: frozenset[str]
    audit_readers: frozenset[str]
    national_unless_placed: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = (self.everywhere | self.district_scoped | self.audit_readers | self.national_unless_placed) \
            - self.roles
        if unknown:
            raise ValueError(f"the policy names roles it does not list: {', '.join(sorted(unknown))}")
        if self.everywhere & self.district_scoped:
            raise ValueError("a role cannot reach everywhere and one district at once")
        if self.national_unless_placed & (self.everywhere | self.district_scoped):
            raise ValueError("a role reaching everywhere unless placed in a region has no other reach")

    @classmethod
    def of(cls, roles: Iterable[str], *, everywhere: Iterable[str], district_scoped: Iterable[str],
           audit_readers: Iterable[str], national_unless_placed: Iterable[str] = ()) -> AccessPolicy:
        """A policy over plain strings (a StrEnum's members are kept as their values)."""
        return cls(frozenset(map(str, roles)), frozenset(map(str, everywhere)), frozenset(map(str, district_scoped)),
                   frozenset(map(str, audit_readers)), frozenset(map(str, national_unless_placed)))

    def reach(self, role: str, region: str | None = None) -> Reach:
        """How far `role` reaches for a principal placed in `region` (None: placed in none); a ValueError for a role
        the policy does not list. Only a `national_unless_placed` role's reach depends on the region."""
        if role not in self.roles:
            raise ValueError(f"{role!r} is not a role")
        if role in self.everywhere:
            return Reach.EVERYWHERE
        if role in self.national_unless_placed:
            return Reach.REGION if region else Reach.EVERYWHERE
        return Reach.DISTRICT if role in self.district_scoped else Reach.REGION

    def principal(self, user_id: str, role: str, region: str | None = None, district: str | None = None,
                  mahalla: str | None = None) -> Principal:
        """The principal of a verified user; a ValueError for a role the policy does not list."""
        return Principal(user_id, str(role), region, district, mahalla, reach=self.reach(role, region))


_ACCESS_ATTR = "__qadam_access__"
PUBLIC = "public"


def allow(*roles: str) -> Callable[[F], F]:
    """Let a verified principal with one of `roles` in; everyone else is refused."""

    def mark(view: F) -> F:
        setattr(view, _ACCESS_ATTR, frozenset(map(str, roles)))
        return view

    return mark


def public(view: F) -> F:
    """No token needed (health, metrics, the API document)."""
    setattr(view, _ACCESS_ATTR, PUBLIC)
    return view


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:  # only reachable from a @public view, which must not ask
        raise Problem(401, "This endpoint needs a bearer token.")
    return principal


class TokenVerifier:
    """Verifies the identity provider's tokens with its public key: from a PEM file, or from its published JWKS (`jwks_url`),
    fetched when first needed and again when a token names a key not yet seen (the identity provider rotated its key)."""

    def __init__(self, public_key_pem: bytes | None = None, *, policy: AccessPolicy, issuer: str, audience: str,
                 leeway: int = 30,
                 max_lifetime: int = Settings.token_ttl_seconds, jwks_url: str | None = None,
                 jwks_cooldown: float = 30.0, clock: Callable[[], float] = time.time) -> None:
        import jwt
        from cryptography.hazmat.primitives import serialization

        if public_key_pem is None and not jwks_url:
            raise ValueError("a public key or a JWKS URL is needed")
        self._key = serialization.load_pem_public_key(public_key_pem) if public_key_pem is not None else None
        # An unknown key id refetches the set at most once per `jwks_cooldown` seconds (forged ids cannot hammer the
        # identity provider); it publishes a new key before it signs with it, so a rotation never waits on this.
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=False, lifespan=300, timeout=10,
                                     cooldown_duration=jwks_cooldown) if jwks_url else None
        self.policy = policy  # the roles a token may carry, and how far each reaches
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        # what "now" is, in seconds since 1970: a test moves it instead of sleeping until a token expires
        self._clock = clock
        # The identity provider's tokens live QADAM_TOKEN_TTL_SECONDS: a longer one (a day, a year) was not issued by a
        # sign-in, and one that leaked must not open the services for longer than a sign-in's token would.
        self._max_lifetime = max_lifetime
        # A signature check costs more than the rest of authorisation: a token verified once is
        # remembered (bounded, and only until it expires) so the next request with it skips the RSA.
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    CACHE_SIZE = 2048

    @classmethod
    def from_settings(cls, settings: Settings, policy: AccessPolicy) -> TokenVerifier:
        if settings.jwks_url:
            verifier = cls(None, policy=policy, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                           leeway=settings.jwt_leeway_seconds, max_lifetime=settings.token_ttl_seconds,
                           jwks_url=settings.jwks_url)
            verifier.prefetch()
            return verifier
        path = settings.key_path("public")
        if not path.exists():
            raise SystemExit(
                f"No JWT public key at {path}: run `qadam keys` (development) or set QADAM_JWT_PUBLIC_KEY_FILE."
            )
        return cls(path.read_bytes(), policy=policy, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                   leeway=settings.jwt_leeway_seconds, max_lifetime=settings.token_ttl_seconds)

    def verify(self, token: str) -> Principal:
        with self._lock:
            known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if self._clock() <= expires + self._leeway:
                return principal
            raise Problem(401, "The token has expired; sign in again.")
        principal, expires = self._verify_signed(token)
        with self._lock:
            self._verified[token] = (principal, expires)
            while len(self._verified) > self.CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    def prefetch(self, *, attempts: int = 120, pause: float = 1.0) -> threading.Thread | None:
        """Fetch the published keys now, in the background, until they come (the identity provider may still be starting):
        a request is then never the one that waits on the identity provider, which may itself be waiting on this service."""
        import jwt

        if self._jwks is None:
            return None
        jwks = self._jwks

        def fetch() -> None:
            for _ in range(attempts):
                try:
                    jwks.get_signing_keys()
                    log.info("jwks_fetched")
                    return
                except jwt.PyJWKClientError:
                    time.sleep(pause)
            log.warning("jwks_not_fetched", attempts=attempts)

        thread = threading.Thread(target=fetch, name="jwks-prefetch", daemon=True)
        thread.start()
        return thread

    def _signing_key(self, token: str) -> Any:
        import jwt

        if self._jwks is None:
            return self._key
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError:
            log.warning("jwks_unreachable", exc_info=True)
            raise Problem(503, "The identity provider's keys cannot be fetched just now; try again in a moment.") from None
        except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
            raise Problem(401, f"The token is not valid: {exc}.") from None

    def _verify_signed(self, token: str) -> tuple[Principal, float]:
        import jwt

        key = self._signing_key(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Problem(401, "The token has expired; sign in again.") from None
        except jwt.InvalidTokenError as exc:
            raise Problem(401, f"The token is not valid: {exc}.") from None
        issued, expires = claims["iat"], claims["exp"]
        # PyJWT reads "exp": "9999999999" (text) as a number; Qadam's tokens carry numbers and nothing else
        if not (_seconds(issued) and _seconds(expires)):
            raise Problem(401, "The token is not valid: its `iat` and `exp` must be numbers (seconds since 1970).")
        # PyJWT judged the expiry by the wall clock; the verifier's own clock has the last word (the same one
        # outside tests)
        if self._clock() > expires + self._leeway:
            raise Problem(401, "The token has expired; sign in again.")
        if expires - issued > self._max_lifetime + self._leeway:
            raise Problem(401, f"The token is not valid: it lives {expires - issued:g} seconds, longer than the "
                               f"{self._max_lifetime} of a token the identity provider signs; sign in again.")
        role = claims.get("role")
        if not isinstance(role, str) or role not in self.policy.roles:
            raise Problem(401, f"The token's role {role!r} is not one Qadam knows.")
        return self.policy.principal(str(claims["sub"]), role, claims.get("region"), claims.get("district"),
                                     claims.get("mahalla")), float(expires)


def _seconds(value: Any) -> bool:
    """Whether a claim holds a time in seconds: a finite JSON number, not text, not true or false."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def init_auth(app: Flask, verifier: TokenVerifier) -> None:
    """Check every request against its endpoint's declared access before the view runs."""
    app.extensions["qadam_verifier"] = verifier

    @app.before_request
    def _authorise() -> None:
        view = app.view_functions.get(request.endpoint or "")
        if view is None:  # 404 / 405: let routing answer
            return None
        if request.method == "OPTIONS":  # a preflight carries no token; the real request is checked
            return None
        access = access_rule(app, request.endpoint or "", request.method)
        if access == PUBLIC:
            return None
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Problem(401, "Send a bearer token: `Authorization: Bearer <token>`.")
        principal = current_app.extensions["qadam_verifier"].verify(header[len("Bearer "):].strip())
        g.principal = principal
        structlog.contextvars.bind_contextvars(user_id=principal.user_id, role=principal.role)
        if access is None:
            log.warning("endpoint_without_access_rule", endpoint=request.endpoint)
            raise Problem(403, "This endpoint has no access rule, so nobody may call it.")
        assert isinstance(access, frozenset)
        if principal.role not in access:
            allowed = ", ".join(sorted(access))
            raise Problem(403, f"{a_or_an(principal.role)} {principal.role} may not do this; it is for: {allowed}.")
        return None


def a_or_an(word: str) -> str:
    """The article an English role name takes in a problem's detail: "An analyst", "A manager"."""
    return "An" if word[:1].lower() in "aeiou" else "A"


def report_region(principal: Principal, asked: str | None) -> str | None:
    """The region an aggregate report covers: the choice (None: the whole country) of whoever reaches everywhere;
    everyone else's own region, and a 403 when they ask for another or their token names none."""
    if principal.reach is Reach.EVERYWHERE:
        return asked
    if not principal.region:
        raise Problem(403, "Your token names no region, and a report covers one: ask an administrator to set yours.")
    if asked is not None and not same_place(asked, principal.region):
        raise Problem(403, f"{a_or_an(principal.role)} {principal.role} sees the reports of their own "
                           f"region ({principal.region}) only; leave out `region`.")
    return principal.region


def access_rule(app: Flask, endpoint: str, method: str) -> frozenset[str] | str | None:
    """The access declared for an endpoint and method: roles, PUBLIC, or None (nobody)."""
    if endpoint in app.extensions.get("qadam_public_endpoints", ()):
        return PUBLIC
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the rule sits on the method that serves this verb
        handler = getattr(view_class, "head" if method == "HEAD" and hasattr(view_class, "head") else
                          "get" if method == "HEAD" else method.lower(), None)
        return getattr(handler, _ACCESS_ATTR, None)
    return getattr(view, _ACCESS_ATTR, None)


def mark_public_endpoint(app: Flask, endpoint: str) -> None:
    app.extensions.setdefault("qadam_public_endpoints", set()).add(endpoint)


def generate_keypair(private_path: Path, public_path: Path, *, development: bool = True) -> None:
    """Write a new RSA key pair (`qadam keys`). A development pair starts with a line that says so (PEM's
    explanatory text, which PEM readers skip), and a process with QADAM_ENV=production refuses it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    mark = (DEVELOPMENT_KEY_MARK + "\n").encode() if development else b""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write_owner_only(private_path, mark + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    # the public half too: nobody else on the machine needs it (the services get it from the identity provider's JWKS)
    write_owner_only(public_path, mark + key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def issue_token(
    private_key_pem: bytes,
    *,
    user_id: str,
    role: str,
    issuer: str,
    audience: str,
    region: str | None = None,
    district: str | None = None,
    mahalla: str | None = None,
    ttl_seconds: int = Settings.token_ttl_seconds,
    now: float | None = None,
) -> str:
    """Sign a token: the identity provider for a signed-in user; `qadam token` and tests directly. Its header names the key
    (`kid`, the key's RFC 7638 thumbprint) so that services holding the JWKS pick the right one."""
    import jwt

    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": user_id,
        "role": str(role),
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    for name, value in (("region", region), ("district", district), ("mahalla", mahalla)):
        if value:
            claims[name] = value
    private, kid = _signing_key(private_key_pem)
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})


def _signing_key(private_key_pem: bytes) -> tuple[rsa.RSAPrivateKey, str]:
    """The key `private_key_pem` holds, read once per process, and its `kid`: reading a PEM RSA key checks the key
    (some 10 ms of CPU), once per token before, and a sign-in front end signs one per signed-in user every few
    minutes while tests sign one per call."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    known = _SIGNING_KEYS.get(private_key_pem)
    if known is None:
        private = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ValueError("the signing key is not an RSA private key")
        known = _SIGNING_KEYS[private_key_pem] = private, jwk_of(private.public_key())["kid"]
    return known


_SIGNING_KEYS: dict[bytes, tuple[rsa.RSAPrivateKey, str]] = {}


def jwk_of(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """The public key as a JWK, its `kid` the RFC 7638 thumbprint (the same key always gets the same id)."""
    numbers = public_key.public_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

    canonical = json.dumps({"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)}, separators=(",", ":"),
                           sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": b64(numbers.n), "e": b64(numbers.e)}


def jwks_document(*public_key_pems: bytes) -> dict[str, list[dict[str, str]]]:
    """The JWKS the identity provider publishes: every key a token in circulation may be signed with."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    keys = []
    for pem in public_key_pems:
        key = serialization.load_pem_public_key(pem)
        assert isinstance(key, rsa.RSAPublicKey)
        keys.append(jwk_of(key))
    return {"keys": keys}


def assignment_filter(principal: Principal, user_col: Any) -> Any:
    """A SQL condition: records naming the principal in `user_col` (Principal.assigned, as a query)."""
    return user_col == principal.user_id if principal.has_area else sa.false()


def area_filter(principal: Principal, region_col: Any, district_col: Any) -> Any:
    """A SQL condition: records inside the principal's area; none at all if the token lacks the area its role needs."""
    if not principal.has_area:
        return sa.false()
    if principal.reach is Reach.EVERYWHERE:
        return sa.true()
    if principal.reach is Reach.DISTRICT:
        return sa.and_(region_col == principal.region, district_col == principal.district)
    return region_col == principal.region
