"""notify's own settings, over the kit's (`qadam.config.Settings`): its channels, escalation, digests and links."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from qadam.config import SettingProblem, Settings, local_link_problem, setting

SMTP_TLS = ("none", "starttls", "tls")
CARRIES = ("auto", "code", "reason")
# Telegram's own Bot API servers are outside Uzbekistan: a message sent through them leaves the country
TELEGRAM_CLOUD_HOSTS = ("api.telegram.org",)


@dataclass(frozen=True)
class NotifySettings(Settings):
    """What a notify process reads: the kit's settings, and these."""

    portal_url: str = setting(
        "QADAM_PORTAL_URL", "http://127.0.0.1:8000", "Base of the links that alerts carry into the portal."
    )
    smtp_host: str = setting("QADAM_SMTP_HOST", "127.0.0.1", "SMTP server for e-mail alerts.")
    smtp_port: int = setting("QADAM_SMTP_PORT", 1025, "SMTP port.")
    smtp_sender: str = setting("QADAM_SMTP_SENDER", "alerts@qadam.local", "From address of e-mail alerts.")
    smtp_timeout_seconds: float = setting("QADAM_SMTP_TIMEOUT_SECONDS", 10.0, "SMTP connect and send timeout.")
    smtp_tls: str = setting(
        "QADAM_SMTP_TLS", "none",
        "`starttls` (the relay's submission port, usually 587: the connection turns to TLS before anything is sent), "
        "`tls` (TLS from the first byte, usually port 465) or `none` (plain: the development mail catcher only; "
        "QADAM_ENV=production refuses it). The relay's certificate is verified against the system's CAs.")
    smtp_user: str = setting(
        "QADAM_SMTP_USER", "",
        "user name notify signs in to the SMTP relay with (SMTP AUTH), after TLS. Empty: no sign-in (a relay that "
        "trusts notify's address). A user name with QADAM_SMTP_TLS=none stops notify at start: the password would "
        "cross the network in the clear.")
    smtp_password: str = setting(
        "QADAM_SMTP_PASSWORD", "", "password for QADAM_SMTP_USER (a secret: deploy/k8s/secret.yaml).")
    email_in_country: bool = setting(
        "QADAM_EMAIL_IN_COUNTRY", False,
        "`true` where the SMTP relay, and every mail server after it up to the recipients' mailboxes, stand in "
        "Uzbekistan: e-mail then carries the reason in words (QADAM_EMAIL_CARRIES `auto`).")
    email_carries: str = setting(
        "QADAM_EMAIL_CARRIES", "auto",
        "what an e-mail says: `code` (the participant's code, the level and the links), `reason` (and the reason in "
        "words) or `auto` (`reason` where QADAM_EMAIL_IN_COUNTRY, else `code`). The portal always shows the whole "
        "reason. QADAM_ENV=production refuses `reason` on a channel not marked in the country.")
    sms_gateway_url: str = setting(
        "QADAM_SMS_GATEWAY_URL", "",
        "URL of the HTTP SMS gateway (or an adapter in front of Eskiz, Play Mobile...) that takes a POST of "
        'JSON `{"to", "text", "id"}`. Empty: SMS off.')
    sms_gateway_token: str = setting(
        "QADAM_SMS_GATEWAY_TOKEN", "", "bearer token sent to the SMS gateway. Empty: SMS off.")
    sms_in_country: bool = setting(
        "QADAM_SMS_IN_COUNTRY", False,
        "`true` where the SMS gateway and the operators behind it keep messages in Uzbekistan: SMS then carries the "
        "reason in words (QADAM_SMS_CARRIES `auto`).")
    sms_carries: str = setting(
        "QADAM_SMS_CARRIES", "auto",
        "what an SMS says: `code`, `reason` or `auto`, as QADAM_EMAIL_CARRIES (with QADAM_SMS_IN_COUNTRY).")
    telegram_api_url: str = setting(
        "QADAM_TELEGRAM_API_URL", "",
        "base URL of a Telegram Bot API server inside the country (the self-hosted `telegram-bot-api`, e.g. "
        "`http://telegram-bot-api.qadam.svc:8081`). Empty: Telegram off. Telegram's own api.telegram.org is outside "
        "the country: QADAM_ENV=production refuses it.")
    telegram_bot_token: str = setting(
        "QADAM_TELEGRAM_BOT_TOKEN", "", "token of the Telegram bot that sends alerts. Empty: Telegram off.")
    telegram_in_country: bool = setting(
        "QADAM_TELEGRAM_IN_COUNTRY", False,
        "`true` only where what the Bot API server sends stays in Uzbekistan (Telegram's servers that deliver it "
        "to the phone are abroad, so leave it `false` unless that changes): Telegram then carries the reason in "
        "words (QADAM_TELEGRAM_CARRIES `auto`).")
    telegram_carries: str = setting(
        "QADAM_TELEGRAM_CARRIES", "auto",
        "what a Telegram message says: `code`, `reason` or `auto`, as QADAM_EMAIL_CARRIES (with "
        "QADAM_TELEGRAM_IN_COUNTRY).")
    channel_timeout_seconds: float = setting(
        "QADAM_CHANNEL_TIMEOUT_SECONDS", 10.0, "connect and read timeout of the SMS gateway and Telegram.")
    delivery_max_attempts: int = setting(
        "QADAM_DELIVERY_MAX_ATTEMPTS", 8, "attempts on one channel before a delivery is marked failed."
    )
    delivery_backoff_seconds: float = setting(
        "QADAM_DELIVERY_BACKOFF_SECONDS", 2.0, "first retry delay of a failed delivery; doubles each attempt."
    )
    escalate_critical_seconds: float = setting(
        "QADAM_ESCALATE_CRITICAL_SECONDS", 1800.0,
        "an unacknowledged critical alert goes to the recipient's supervisor after this long (and again up "
        "the chain), with a reminder to the recipient.")
    escalate_high_seconds: float = setting(
        "QADAM_ESCALATE_HIGH_SECONDS", 14400.0, "the same for a high alert.")
    escalation_max_steps: int = setting(
        "QADAM_ESCALATION_MAX_STEPS", 3, "how many supervisors up the chain an alert is escalated at most.")
    escalation_scan_seconds: float = setting(
        "QADAM_ESCALATION_SCAN_SECONDS", 15.0,
        "how often the worker looks for alerts to escalate and digests to send.")
    digest_hour: int = setting(
        "QADAM_DIGEST_HOUR", 8, "local hour (QADAM_TIME_ZONE) from which each day's digest of lower alerts goes.")
    ack_link_url: str = setting(
        "QADAM_ACK_LINK_URL", "http://127.0.0.1:8004/ack",
        "base of the signed acknowledgement link in messages (notify's public `/ack/{token}`). Where users are "
        "outside this machine, a public address: on Kubernetes `$(QADAM_PORTAL_URL)/ack`, the portal's Ingress "
        "sending `/ack` to notify (deploy/k8s/notify.yaml).")
    ack_link_days: int = setting("QADAM_ACK_LINK_DAYS", 7, "how long a signed acknowledgement link works.")

    def __post_init__(self) -> None:
        for name, allowed in (("smtp_tls", SMTP_TLS), ("email_carries", CARRIES), ("sms_carries", CARRIES),
                              ("telegram_carries", CARRIES)):
            if getattr(self, name) not in allowed:
                raise SystemExit(f"{self.env_name(name)}={getattr(self, name)!r} is not one of {', '.join(allowed)}")
        if self.smtp_user and self.smtp_tls == "none":
            raise SystemExit("QADAM_SMTP_USER is set with QADAM_SMTP_TLS=none: the SMTP password would cross the "
                             "network in the clear; `starttls` (port 587) or `tls` (port 465)")

    def in_country(self, channel: str) -> bool:
        """Whether `channel` ("email", "sms", "telegram") is marked as staying inside the country."""
        return bool(getattr(self, f"{channel}_in_country"))

    def carries_reason(self, channel: str) -> bool:
        """Whether a message over `channel` carries the reason in words (else the code, the level and the links)."""
        carries = getattr(self, f"{channel}_carries")
        return carries == "reason" or (carries == "auto" and self.in_country(channel))

    def production_problems(self) -> list[SettingProblem]:
        problems = super().production_problems()
        for name in ("portal_url", "ack_link_url"):
            problem = local_link_problem(self, name)
            if problem:
                problems.append(problem)
        if self.smtp_tls not in ("starttls", "tls"):
            problems.append(SettingProblem("QADAM_SMTP_TLS", f"{self.smtp_tls!r}: e-mail would cross the network "
                                           "in the clear; `starttls` (port 587) or `tls` (port 465)"))
        if self.smtp_user and not self.smtp_password:
            problems.append(SettingProblem("QADAM_SMTP_PASSWORD", f"empty, while QADAM_SMTP_USER is "
                                           f"{self.smtp_user!r}: the relay would refuse every e-mail"))
        host = (urlsplit(self.telegram_api_url).hostname or "").rstrip(".").lower()
        if host in TELEGRAM_CLOUD_HOSTS:
            problems.append(SettingProblem("QADAM_TELEGRAM_API_URL", f"{self.telegram_api_url} is Telegram's own "
                                           "server, outside the country; a Bot API server inside it (the "
                                           "self-hosted telegram-bot-api), or empty: Telegram off"))
        for channel in ("email", "sms", "telegram"):
            if getattr(self, f"{channel}_carries") == "reason" and not self.in_country(channel):
                problems.append(SettingProblem(
                    self.env_name(f"{channel}_carries"),
                    f"`reason` sends the reason in words over {channel}, which is not marked in the country "
                    f"({self.env_name(f'{channel}_in_country')}); `auto` or `code`"))
        return problems
