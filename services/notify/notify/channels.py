"""The ways a notification leaves Qadam: e-mail over SMTP, SMS through an HTTP gateway, Telegram through the Bot API.

Every channel takes an address and a rendered `Message` and either returns (sent) or raises `DeliveryFailed`,
which says whether trying again can help (`permanent=False`: a timeout, a 5xx, "too many requests") or not
(`permanent=True`: a 400, a blocked bot, a channel nobody configured), and why as a code (`code`, domain.failures)
that each reader says in its own language. Error texts never carry a token or the message itself, since they are
stored on the delivery and logged.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import requests
from qadam.config import SettingProblem

from .domain.failures import BAD_ADDRESS, NO_ADDRESS, NO_ANSWER, NOT_SET_UP, OTHER, REFUSED
from .domain.routing import Route
from .domain.templates import Message
from .settings import NotifySettings

CHANNELS = ("email", "sms", "telegram")


class DeliveryFailed(Exception):
    """A channel did not take the message. `reason`: the technical detail (English, for the log and administrators).
    `code`: why, as one of domain.failures' codes, for a reader to be told in their language. `permanent`: retrying
    cannot help (ask another channel or a person). `retry_after`: seconds the far side asked us to wait, when it
    said."""

    def __init__(self, reason: str, permanent: bool = False, *, code: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.permanent = permanent
        self.retry_after = retry_after


class Channel(Protocol):
    name: str

    def send(self, address: str, message: Message, *, message_id: str) -> None:
        """Send `message` to `address`; `message_id` is stable across retries. Raises DeliveryFailed."""
        ...


def configured(settings: NotifySettings, name: str) -> bool:
    """Whether this installation can send over the channel at all (an SMS gateway and a Telegram bot are optional)."""
    if name == "sms":
        return bool(settings.sms_gateway_url and settings.sms_gateway_token)
    if name == "telegram":
        return bool(settings.telegram_api_url and settings.telegram_bot_token)
    return True


# what each optional channel needs set before it can send (e-mail needs only its relay, which has a default)
NEEDS = {"sms": ("sms_gateway_url", "sms_gateway_token"), "telegram": ("telegram_api_url", "telegram_bot_token")}


def unset_for_routing(settings: NotifySettings, routes: Iterable[Route]) -> list[SettingProblem]:
    """The settings of a channel that `routes` send over and that are empty (the channel cannot send), each naming
    the routes that use it. In production these stop notify's worker at start, and a change of the routing."""
    using: dict[str, list[str]] = {}
    for route in routes:
        for name in route.channels:
            using.setdefault(name, []).append(route.id)
    problems: list[SettingProblem] = []
    for name, needed in NEEDS.items():
        for field_name in needed if name in using else ():
            if not getattr(settings, field_name):
                problems.append(SettingProblem(settings.env_name(field_name), (
                    f"empty, but the routing in force sends over {name} ({', '.join(using[name])}); set it, or "
                    f"take {name} out of those routes (an administrator: POST /routing)")))
    return problems


def channel(settings: NotifySettings, name: str) -> Channel:
    """The channel called `name` ("email", "sms" or "telegram"), configured from `settings`."""
    if name == "email":
        return EmailChannel(settings)
    if name == "sms":
        return SmsChannel(settings)
    if name == "telegram":
        return TelegramChannel(settings)
    raise ValueError(f"No channel {name!r}: one of {', '.join(CHANNELS)}.")


# -- e-mail ------------------------------------------------------------------------------------------------------
def send_email(settings: NotifySettings, *, to: str, subject: str, body: str, message_id: str) -> None:
    """Send one e-mail; a stable Message-ID lets mail systems drop a copy resent after a crash."""
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{message_id}@qadam>"
    message.set_content(body)
    try:
        with _smtp(settings) as smtp:
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=_smtp_permanent(exc),
                             code=_smtp_code(exc)) from exc


def _smtp(settings: NotifySettings) -> smtplib.SMTP:
    """A connection to the relay, encrypted as QADAM_SMTP_TLS says (the relay's certificate verified against the
    system's CAs): `tls` from the first byte, `starttls` before anything is sent (a relay that does not offer it is
    refused: smtplib raises), `none` plain; then signed in as QADAM_SMTP_USER where one is set."""
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds
    if settings.smtp_tls == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    if settings.smtp_tls == "starttls":
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    if settings.smtp_user:
        try:  # only ever over TLS: NotifySettings refuses a user name with QADAM_SMTP_TLS=none
            smtp.login(settings.smtp_user, settings.smtp_password)
        except BaseException:
            smtp.close()
            raise
    return smtp


def _smtp_code(exc: Exception) -> str:
    """The mail server answered with an error (a reply code, recipients or sender refused), or it never answered: no
    connection, a timeout, a connection dropped midway."""
    if isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(exc, smtplib.SMTPException):
        return NO_ANSWER
    return REFUSED


def _smtp_permanent(exc: Exception) -> bool:
    """5xx replies (mailbox unknown, message refused) will not change on a retry; 4xx and lost connections may."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


class EmailChannel:
    name = "email"

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def send(self, address: str, message: Message, *, message_id: str) -> None:
        _require_address(self.name, address)
        if "@" not in address or any(c in address for c in "\r\n"):  # no mail header could carry it
            raise DeliveryFailed("email: the address is not an e-mail address", permanent=True, code=BAD_ADDRESS)
        send_email(self.settings, to=address, subject=message.subject, body=message.text, message_id=message_id)


# -- SMS through an HTTP gateway ----------------------------------------------------------------------------------
PHONE = re.compile(r"\+?[0-9]{7,15}")


class SmsChannel:
    """A generic HTTP SMS gateway (Uzbek providers such as Eskiz or Play Mobile sit behind one): POST JSON
    `{"to": "+998...", "text": ..., "id": ...}` with a bearer token; the gateway can drop a repeated `id`."""

    name = "sms"

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def send(self, address: str, message: Message, *, message_id: str) -> None:
        url, token = self.settings.sms_gateway_url, self.settings.sms_gateway_token
        if not url or not token:
            raise DeliveryFailed("sms gateway not configured", permanent=True, code=NOT_SET_UP)
        to = _phone(address)
        response = _post_json(self.name, url, {"to": to, "text": message.short, "id": message_id},
                              headers={"Authorization": f"Bearer {token}"},
                              timeout=self.settings.channel_timeout_seconds, secret=token)
        if 200 <= response.status_code < 300:
            return
        status = response.status_code
        raise DeliveryFailed(f"sms gateway answered {status}: {_snippet(response.text, token)}", code=REFUSED,
                             permanent=not _transient_status(status), retry_after=_retry_after_header(response))


def _phone(address: str) -> str:
    """An international number as `+998...`; spaces, dashes and brackets people type are dropped."""
    _require_address("sms", address)
    digits = re.sub(r"[\s\-()]", "", address)
    if not PHONE.fullmatch(digits):
        raise DeliveryFailed("sms: the address is not a phone number in international form (+998...)", permanent=True,
                             code=BAD_ADDRESS)
    return digits if digits.startswith("+") else f"+{digits}"


def _transient_status(status: int) -> bool:
    return status in (408, 429) or status >= 500


def _retry_after_header(response: requests.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


# -- Telegram through the Bot API ----------------------------------------------------------------------------------
class TelegramChannel:
    """The Bot API's sendMessage to the recipient's chat id (known once they have started a chat with the bot)."""

    name = "telegram"

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def send(self, address: str, message: Message, *, message_id: str) -> None:
        base, token = self.settings.telegram_api_url.rstrip("/"), self.settings.telegram_bot_token
        if not base or not token:
            raise DeliveryFailed("telegram bot not configured", permanent=True, code=NOT_SET_UP)
        _require_address(self.name, address)
        response = _post_json(self.name, f"{base}/bot{token}/sendMessage",
                              {"chat_id": address, "text": message.short, "disable_web_page_preview": True},
                              headers={}, timeout=self.settings.channel_timeout_seconds, secret=token)
        try:
            reply: Any = response.json()
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            status = response.status_code
            raise DeliveryFailed(f"telegram answered {status} without the Bot API's JSON: {_snippet(response.text, token)}",
                                 permanent=not _transient_status(status), code=REFUSED)
        if reply.get("ok") is True:
            return
        code = reply.get("error_code")
        code = code if isinstance(code, int) else response.status_code
        parameters = reply.get("parameters")
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise DeliveryFailed(f"telegram {code}: {_snippet(str(reply.get('description', '')), token)}",
                             permanent=not _transient_status(code), code=REFUSED,
                             retry_after=float(retry_after) if isinstance(retry_after, int | float) else None)


# -- shared ---------------------------------------------------------------------------------------------------------
def _require_address(channel_name: str, address: str) -> None:
    if not address or not address.strip():
        raise DeliveryFailed(f"{channel_name}: the recipient has no address for this channel", permanent=True,
                             code=NO_ADDRESS)


def _post_json(channel_name: str, url: str, payload: dict[str, Any], *, headers: dict[str, str], timeout: float,
               secret: str) -> requests.Response:
    """POST `payload`; no answer in time, or no connection, is a transient failure. Redirects are not followed
    (a gateway that redirects a POST is misconfigured, and the redirect would carry the token elsewhere)."""
    try:
        return requests.post(url, json=payload, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.Timeout as exc:
        raise DeliveryFailed(f"{channel_name}: no answer within {timeout:g}s ({type(exc).__name__})",
                             code=NO_ANSWER) from None
    except requests.RequestException as exc:
        # requests' messages quote the URL, and Telegram's URL holds the bot token; no connection (refused, a name
        # that does not resolve, TLS) is no answer, anything else (a URL requests cannot use) is told as it came
        raise DeliveryFailed(f"{channel_name}: {type(exc).__name__}: {_snippet(str(exc), secret)}",
                             code=NO_ANSWER if isinstance(exc, requests.ConnectionError) else OTHER) from None


def _snippet(text: str, secret: str, limit: int = 200) -> str:
    cleaned = " ".join(text.split())
    if secret:
        cleaned = cleaned.replace(secret, "***")
    return cleaned[:limit]
