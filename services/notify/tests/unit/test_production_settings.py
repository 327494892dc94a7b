"""notify's own checks under QADAM_ENV=production, each naming its setting: links to the machine itself, SMTP without
TLS, Telegram through Telegram's own servers abroad, the reason sent over a channel not marked in the country; and a
configuration fit for production passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from notify.settings import NotifySettings
from qadam import sealing
from qadam.config import ProductionRefusal, refuse_unfit_for_production
from qadam_testing import production_key_files


@pytest.fixture(scope="module")
def production_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    files = production_key_files(tmp_path_factory.mktemp("production-keys"))
    return {f"QADAM_{name.upper()}": str(path) for name, path in files.items()}


FIT = {
    "QADAM_ENV": "production",
    "QADAM_PORTAL_URL": "https://portal.qadam.example.uz",
    "QADAM_ACK_LINK_URL": "https://portal.qadam.example.uz/ack",
    "QADAM_SMTP_HOST": "smtp.qadam.example.uz", "QADAM_SMTP_PORT": "587", "QADAM_SMTP_TLS": "starttls",
    "QADAM_SMS_GATEWAY_URL": "https://sms.qadam.example.uz/send", "QADAM_SMS_GATEWAY_TOKEN": "sms-secret",
    "QADAM_TELEGRAM_API_URL": "http://telegram-bot-api.qadam.svc:8081", "QADAM_TELEGRAM_BOT_TOKEN": "1:bot-secret",
}


def settings(keys: dict[str, str], **changes: str) -> NotifySettings:
    return NotifySettings.from_env("notify", {**FIT, **keys, **changes})


def refused_settings(s: NotifySettings) -> list[str]:
    with pytest.raises(ProductionRefusal) as caught:
        refuse_unfit_for_production(s)
    return [p.env for p in caught.value.problems]


def test_a_configuration_fit_for_production_starts(production_keys):
    refuse_unfit_for_production(settings(production_keys))
    refuse_unfit_for_production(settings(production_keys, QADAM_SMTP_TLS="tls", QADAM_SMTP_PORT="465",
                                         QADAM_SMS_IN_COUNTRY="true", QADAM_SMS_CARRIES="reason"))


@pytest.mark.parametrize(("changes", "named"), [
    ({"QADAM_PORTAL_URL": "http://127.0.0.1:8000"}, "QADAM_PORTAL_URL"),
    ({"QADAM_PORTAL_URL": "http://localhost:8000"}, "QADAM_PORTAL_URL"),
    ({"QADAM_ACK_LINK_URL": "http://127.0.0.1:8004/ack"}, "QADAM_ACK_LINK_URL"),
    ({"QADAM_SMTP_TLS": "none"}, "QADAM_SMTP_TLS"),
    ({"QADAM_TELEGRAM_API_URL": "https://api.telegram.org"}, "QADAM_TELEGRAM_API_URL"),
    ({"QADAM_EMAIL_CARRIES": "reason"}, "QADAM_EMAIL_CARRIES"),
    ({"QADAM_TELEGRAM_CARRIES": "reason"}, "QADAM_TELEGRAM_CARRIES"),
])
def test_production_refuses_a_setting_fit_for_development_only_and_names_it(production_keys, changes: dict[str, Any],
                                                                           named: str):
    assert refused_settings(settings(production_keys, **changes)) == [named]


def test_a_smtp_user_without_a_password_is_refused_in_production(production_keys):
    assert refused_settings(settings(production_keys, QADAM_SMTP_USER="qadam-alerts")) == ["QADAM_SMTP_PASSWORD"]
    refuse_unfit_for_production(settings(production_keys, QADAM_SMTP_USER="qadam-alerts",
                                         QADAM_SMTP_PASSWORD="relay-secret"))


def test_a_smtp_user_over_plain_smtp_stops_notify_anywhere_since_the_password_would_go_in_the_clear():
    with pytest.raises(SystemExit, match="QADAM_SMTP_USER"):
        NotifySettings.from_env("notify", {"QADAM_SMTP_USER": "qadam-alerts", "QADAM_SMTP_PASSWORD": "secret"})
    assert NotifySettings.from_env("notify", {"QADAM_SMTP_USER": "qadam-alerts", "QADAM_SMTP_TLS": "starttls"})


def test_the_development_defaults_are_refused_all_at_once(production_keys):
    s = NotifySettings.from_env("notify", {"QADAM_ENV": "production", **production_keys})
    assert refused_settings(s) == ["QADAM_PORTAL_URL", "QADAM_ACK_LINK_URL", "QADAM_SMTP_TLS"]


def test_development_refuses_nothing():
    refuse_unfit_for_production(NotifySettings.from_env("notify", {"QADAM_TELEGRAM_API_URL": "https://api.telegram.org"}))


def test_telegram_is_off_until_a_bot_api_server_is_named():
    from notify.channels import configured

    assert NotifySettings().telegram_api_url == ""
    assert not configured(NotifySettings(telegram_bot_token="1:bot"), "telegram")
    assert configured(NotifySettings(telegram_bot_token="1:bot", telegram_api_url="http://tg.local:8081"), "telegram")


@pytest.mark.parametrize("variable", ["QADAM_SMTP_TLS", "QADAM_SMS_CARRIES"])
def test_a_value_no_choice_has_is_refused_naming_the_setting(variable):
    with pytest.raises(SystemExit, match=variable):
        NotifySettings.from_env("notify", {variable: "sometimes"})


@pytest.mark.parametrize(("in_country", "carries", "reason"), [
    ("false", "auto", False), ("true", "auto", True), ("true", "code", False), ("false", "reason", True),
    ("true", "reason", True)])
def test_what_a_channel_carries_follows_its_setting_and_whether_it_is_in_the_country(in_country, carries, reason):
    for channel in ("email", "sms", "telegram"):
        upper = channel.upper()
        s = NotifySettings.from_env("notify", {f"QADAM_{upper}_IN_COUNTRY": in_country,
                                               f"QADAM_{upper}_CARRIES": carries})
        assert s.carries_reason(channel) is reason, channel
        others = {"email", "sms", "telegram"} - {channel}
        assert not any(s.carries_reason(other) for other in others)


def test_unset_routing_channels_are_named_with_the_routes_that_use_them():
    from notify.channels import unset_for_routing
    from notify.domain.routing import parse_routing

    routes = parse_routing([
        {"id": "flag.critical", "event": "risk.flag.raised", "levels": ["critical"],
         "recipients": ["inspector"], "channels": ["email", "telegram", "sms"], "timing": "immediate"},
        {"id": "flag.high", "event": "risk.flag.raised", "levels": ["high"], "recipients": ["inspector"],
         "channels": ["email", "telegram"], "timing": "immediate"}])
    s = NotifySettings(sms_gateway_url="https://sms.example.uz", telegram_bot_token="1:bot")
    problems = unset_for_routing(s, routes)
    assert [p.env for p in problems] == ["QADAM_SMS_GATEWAY_TOKEN", "QADAM_TELEGRAM_API_URL"]
    assert "flag.critical, flag.high" in str(problems[1])
    email_only = parse_routing([{"id": "x", "event": "risk.flag.raised", "levels": ["high"],
                                 "recipients": ["inspector"], "channels": ["email"], "timing": "immediate"}])
    assert unset_for_routing(NotifySettings(), email_only) == []


def test_the_refusal_leaves_a_key_path_out_only_where_the_file_is_fine(production_keys, tmp_path):
    dev = tmp_path / "dev"
    sealing.ensure(dev / "sealing-keys.txt")
    refused = refused_settings(settings(production_keys, QADAM_SEALING_KEY_FILE=str(dev / "sealing-keys.txt")))
    assert refused == ["QADAM_SEALING_KEY_FILE"]
    assert Path(production_keys["QADAM_SEALING_KEY_FILE"]).read_text().startswith("# newest first")
