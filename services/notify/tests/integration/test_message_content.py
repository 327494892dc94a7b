"""What a message carries over each channel, read where it arrived (a real local SMTP server, SMS gateway and Bot
API): by default the code, the level and the links, and the reason in words only over a channel marked in the
country, or where its QADAM_<CHANNEL>_CARRIES says so; the in-app notification always keeps the whole reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from notify.channels import channel
from notify.delivery import dispatch_due
from notify.domain.templates import KINDS, render
from notify.handlers import handlers
from notify.settings import NotifySettings
from qadam.db import make_engine, make_session_factory, transaction
from qadam.events import delivered
from qadam_contracts.portal import UserChanged
from qadam_contracts.risk import FlagRaised
from qadam_testing import FakeSmsGateway, FakeTelegram, MailCatcher, Stack

CODE = "P-2026-000123"
LINK = "https://portal.qadam.test/alerts/4a722074"
ACK = "https://portal.qadam.test/ack/0f6c2b1e.1767225600.mac"
REASON = "2 unexcused absences in a row: sessions 1 and 2 (2026-11-16 to 2026-11-19)."
RULE_TITLE = "unexcused absences in a row"  # the rule's title is words about the reason too
NOTICE = "was suspended"  # what the notice to her support worker says happened
FIELDS: dict[str, dict[str, Any]] = {
    "alert": {"participant_code": CODE, "level": "high", "reason": REASON, "link": LINK, "ack_link": ACK,
              "rule_id": "consecutive_absences"},
    "reminder": {"participant_code": CODE, "level": "high", "reason": REASON, "link": LINK, "ack_link": ACK,
                 "minutes": 45},
    "escalation": {"participant_code": CODE, "level": "critical", "reason": REASON, "link": LINK, "ack_link": ACK,
                   "minutes": 90, "role": "inspector", "rule_id": "consecutive_absences"},
    "level_rise": {"participant_code": CODE, "from_level": "medium", "level": "critical", "link": LINK},
    "digest": {"day": "2026-12-01", "link": LINK,
               "items": [{"participant_code": CODE, "level": "low", "reason": REASON, "link": LINK}]},
    "safety_notice": {"participant_code": CODE, "notice": "suspended", "link": LINK},
}
ADDRESS = {"email": "inspector@iiv.uz", "sms": "+998901112233", "telegram": "7001"}
# (QADAM_<CHANNEL>_IN_COUNTRY, QADAM_<CHANNEL>_CARRIES) -> whether the reason leaves in words
SETTINGS = [(False, "auto", False), (True, "auto", True), (True, "code", False), (False, "code", False),
            (False, "reason", True), (True, "reason", True)]


@pytest.fixture
def fakes():
    servers = MailCatcher().start(), FakeSmsGateway(token="sms-secret").start(), FakeTelegram().start()
    yield servers
    for server in servers:
        server.stop()


def channel_settings(fakes, **changes: Any) -> NotifySettings:
    mail, sms, telegram = fakes
    return NotifySettings.from_env("notify", {}, smtp_port=mail.port, sms_gateway_url=sms.url,
                                   sms_gateway_token="sms-secret", telegram_api_url=telegram.api_url,
                                   telegram_bot_token=telegram.token, **changes)


def what_left(fakes, name: str) -> str:
    """The last message that arrived over `name`, as its reader sees it (an e-mail: subject and body)."""
    mail, sms, telegram = fakes
    if name == "email":
        received = mail.to(ADDRESS["email"])[-1]
        return f"{received['Subject']}\n{received.get_content()}"
    return str((sms.messages if name == "sms" else telegram.messages)[-1]["text"])


@pytest.mark.parametrize(("in_country", "carries", "reason_leaves"), SETTINGS)
@pytest.mark.parametrize("name", ["email", "sms", "telegram"])
def test_each_kind_over_each_channel_carries_the_reason_only_as_its_setting_says(fakes, name, in_country, carries,
                                                                                reason_leaves):
    settings = channel_settings(fakes, **{f"{name}_in_country": in_country, f"{name}_carries": carries})
    assert settings.carries_reason(name) is reason_leaves
    for kind in KINDS:
        message = render(kind, "en", carries_reason=settings.carries_reason(name), **FIELDS[kind])
        channel(settings, name).send(ADDRESS[name], message, message_id=f"{kind}-{name}")
        text = what_left(fakes, name)

        # always: the code (a digest's short text only counts its alerts) and the links (a short text: the one to
        # act on)
        assert CODE in text or kind == "digest" and name != "email", (kind, text)
        if name == "email":
            assert LINK in text and ("ack_link" not in FIELDS[kind] or ACK in text), (kind, text)
        else:
            assert (ACK if "ack_link" in FIELDS[kind] else LINK) in text, (kind, text)
        level = FIELDS[kind].get("level")
        if level:  # an e-mail's text says the level in words, a short text in capitals
            assert (level in text) if name == "email" else (level.upper() in text), (kind, text)
        if kind == "digest" and name == "email":
            assert "- P-2026-000123 — low:" in text, text
        words = [REASON, RULE_TITLE, REASON.split(":")[0]] if kind != "safety_notice" else [NOTICE]
        if kind == "level_rise":  # a rise carries its levels, and no reason to keep
            continue
        if kind == "digest" and name != "email":  # a digest's short text counts the alerts and links them
            assert not any(w in text for w in words), (kind, text)
        elif reason_leaves:
            assert any(w in text for w in words), (kind, text)
        else:
            assert not any(w in text for w in words), (kind, text)
            assert "in Qadam" in text, (kind, text)  # and says where the reason is


# -- through the dispatcher, as the worker sends -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def own_stack(servers, jwt_keys):
    own = Stack(f"qadam_m{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("notify",)).open()
    yield own
    own.close()


def deliver(settings: NotifySettings, factory, *events) -> None:
    table = handlers.bind(settings=settings)
    for event in events:
        with transaction(factory) as s:
            table[type(event.data)](s, event)


def test_a_critical_alert_carries_its_reason_by_email_marked_in_the_country_and_not_by_sms_or_telegram(own_stack,
                                                                                                     fakes):
    mail, sms, telegram = fakes
    settings = own_stack.settings("notify", smtp_port=mail.port, sms_gateway_url=sms.url,
                                  sms_gateway_token="sms-secret", telegram_api_url=telegram.api_url,
                                  telegram_bot_token=telegram.token, portal_url="https://portal.qadam.test",
                                  email_in_country=True)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    inspector, psychologist = f"insp-{uuid.uuid4().hex[:6]}", f"psy-{uuid.uuid4().hex[:6]}"
    region, district = "Samarqand viloyati", "Urgut"
    try:
        deliver(settings, factory, *[delivered(UserChanged(
            user_id=user, role=role, region=region, district=district, language="en", email=f"{user}@iiv.uz",
            phone="+998901112233" if role == "inspector" else None,
            telegram_chat_id="7001" if role == "inspector" else None, supervisor_id=None, quiet_hours=None,
            active=True, version=1)) for user, role in ((inspector, "inspector"), (psychologist, "psychologist"))])
        deliver(settings, factory, delivered(FlagRaised(
            flag_id=uuid.uuid4(), enrolment_id=uuid.uuid4(), participant_code=CODE,
            rule_id="incident.order_breach", rule_version=1, level="critical",
            reasons=["Incident reported by the prevention inspector: breach of the protection order on 2026-11-29."],
            evidence={}, region=region, district=district, inspector_id=inspector, psychologist_id=psychologist,
            raised_at=datetime.now(UTC))))
        while dispatch_due(settings, factory) == 0:
            pass

        [email] = mail.to(f"{inspector}@iiv.uz")
        [sent_sms] = sms.to("+998901112233")
        [chat] = telegram.to("7001")
        assert "breach of the protection order" in email.get_content()  # e-mail: marked in the country
        for text in (sent_sms["text"], chat["text"]):  # SMS and Telegram: not marked, so the code, level and links
            assert CODE in text and "CRITICAL" in text and "/ack/" in text
            assert "breach" not in text and "incident" not in text.lower(), text
            assert "the reason is in Qadam" in text
        with engine.connect() as c:  # the in-app notification, which the portal shows, keeps the whole reason
            reasons = c.execute(sa.text("SELECT reasons FROM notification WHERE user_id = :u"),
                                {"u": inspector}).scalar_one()
        assert "breach of the protection order" in " ".join(reasons)
    finally:
        engine.dispose()
