"""notify's own settings, over the kit's (`qadam.config.Settings`): its channels, escalation, digests and links."""

from __future__ import annotations

from dataclasses import dataclass

from qadam.config import Settings, setting


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
    sms_gateway_url: str = setting(
        "QADAM_SMS_GATEWAY_URL", "",
        "URL of the HTTP SMS gateway (or an adapter in front of Eskiz, Play Mobile...) that takes a POST of "
        'JSON `{"to", "text", "id"}`. Empty: SMS off.')
    sms_gateway_token: str = setting(
        "QADAM_SMS_GATEWAY_TOKEN", "", "bearer token sent to the SMS gateway. Empty: SMS off.")
    telegram_api_url: str = setting(
        "QADAM_TELEGRAM_API_URL", "https://api.telegram.org", "base URL of the Telegram Bot API.")
    telegram_bot_token: str = setting(
        "QADAM_TELEGRAM_BOT_TOKEN", "", "token of the Telegram bot that sends alerts. Empty: Telegram off.")
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
