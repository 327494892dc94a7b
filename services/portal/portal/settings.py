"""The portal's own settings, over the kit's (`qadam.config.Settings`): the services it calls, sign-in and cookies."""

from __future__ import annotations

from dataclasses import dataclass

from qadam.config import SettingProblem, Settings, setting


@dataclass(frozen=True)
class PortalSettings(Settings):
    """What a portal process reads: the kit's settings, and these."""

    web_threads: int = setting(
        "QADAM_WEB_THREADS", 4,
        "Threads of each gunicorn worker of the portal's web process: its pages wait on the services, which may ask "
        "it for its keys meanwhile.")
    enrollment_url: str = setting("QADAM_ENROLLMENT_URL", "http://127.0.0.1:8001", "base URL of enrollment's API.")
    sessions_url: str = setting("QADAM_SESSIONS_URL", "http://127.0.0.1:8002", "base URL of sessions' API.")
    risk_url: str = setting("QADAM_RISK_URL", "http://127.0.0.1:8003", "base URL of risk's API.")
    notify_url: str = setting("QADAM_NOTIFY_URL", "http://127.0.0.1:8004", "base URL of notify's API.")
    portal_api_timeout_seconds: float = setting(
        "QADAM_PORTAL_API_TIMEOUT_SECONDS", 10.0, "how long a page waits for a service's answer.")
    portal_idle_minutes: int = setting(
        "QADAM_PORTAL_IDLE_MINUTES", 30, "a sign-in with no request for this long is signed out.")
    portal_session_hours: int = setting(
        "QADAM_PORTAL_SESSION_HOURS", 12, "a sign-in ends after this long, however busy.")
    portal_lockout_failures: int = setting(
        "QADAM_PORTAL_LOCKOUT_FAILURES", 5,
        "failed sign-ins (password or code) on one user name from one address, within QADAM_PORTAL_LOCKOUT_MINUTES, "
        "after which that name is refused from that address (429) until the oldest of them is that old; the same "
        "name from another address is not.")
    portal_lockout_minutes: int = setting(
        "QADAM_PORTAL_LOCKOUT_MINUTES", 15,
        "the sliding window, in minutes, within which failed sign-ins are counted (by name and address, by address, "
        "by name).")
    portal_address_failures: int = setting(
        "QADAM_PORTAL_ADDRESS_FAILURES", 50,
        "failed sign-ins from one address (an IPv6 one: its /64), whatever the names, within the window, after which "
        "every sign-in from it is refused (429) until the window slides. An office behind one NAT address shares it.")
    portal_account_delay_after: int = setting(
        "QADAM_PORTAL_ACCOUNT_DELAY_AFTER", 10,
        "failed sign-ins on one user name from all addresses within the window, after which each next attempt on it "
        "waits a delay after the last failure (1 s, doubling with each further failure): a delay, never a lock.")
    portal_account_delay_most_seconds: int = setting(
        "QADAM_PORTAL_ACCOUNT_DELAY_MOST_SECONDS", 30,
        "the longest that delay grows to, in seconds: the most that anyone failing on a name can hold its owner back "
        "at each attempt.")
    portal_secure_cookies: bool = setting(
        "QADAM_PORTAL_SECURE_COOKIES", True,
        "cookies only over HTTPS (browsers also allow them on http://localhost); turn off only for a "
        "plain-HTTP trial on a closed network.")
    portal_trusted_proxies: int = setting(
        "QADAM_PORTAL_TRUSTED_PROXIES", 0,
        "reverse proxies (an ingress, a load balancer) in front of it whose X-Forwarded-For and "
        "X-Forwarded-Proto it believes: the client's address in sign-in records, HTTPS in links. 0: none.")
    portal_totp_roles: str = setting(
        "QADAM_PORTAL_TOTP_ROLES", "manager,administrator",
        "roles that must sign in with a second factor (TOTP); anyone else may turn it on.")

    portal_password_hash: str = setting(
        "QADAM_PORTAL_PASSWORD_HASH", "rfc9106",
        "how new passwords are hashed (argon2id): `rfc9106`, RFC 9106's second recommended parameters (3 passes over "
        "64 MiB, 4 lanes: some 0.2 s of CPU a hash); `cheapest`, for tests only (1 pass over 8 KiB), refused in "
        "production. A stored hash is checked with the parameters it was made with; a password hashed with others is "
        "hashed again at its next sign-in.")

    @property
    def totp_roles(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.portal_totp_roles.split(",") if r.strip())

    def production_problems(self) -> list[SettingProblem]:
        problems = super().production_problems()
        if self.portal_password_hash != "rfc9106":
            problems.append(SettingProblem(self.env_name("portal_password_hash"),
                                           f"{self.portal_password_hash!r} hashes passwords for tests only; use rfc9106"))
        return problems
