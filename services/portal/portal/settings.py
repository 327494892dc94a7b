"""The portal's own settings, over the kit's (`qadam.config.Settings`): the services it calls, sign-in and cookies."""

from __future__ import annotations

from dataclasses import dataclass

from qadam.config import Settings, setting


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
        "failed sign-ins in a row (password or code) that lock an account.")
    portal_lockout_minutes: int = setting(
        "QADAM_PORTAL_LOCKOUT_MINUTES", 15, "how long a locked account stays locked.")
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

    @property
    def totp_roles(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.portal_totp_roles.split(",") if r.strip())
