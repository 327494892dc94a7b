"""Every process of every service, run with QADAM_ENV=production, refuses to start on a development key and says
which setting; with keys made for production (and notify's links, TLS and channels set), it starts. The web apps
are built in this process; the workers run as the processes Kubernetes starts (`python -m <service>.worker`)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import requests
from notify.commands import change_routing
from qadam.auth import issue_token
from qadam.config import ProductionRefusal
from qadam_testing import FakeSmsGateway, FakeTelegram, Stack, free_port, production_key_files, wait_until, worker_process

SERVICES = ("enrollment", "sessions", "risk", "notify", "portal")
DEVELOPMENT_KEYS = {"QADAM_JWT_PUBLIC_KEY_FILE", "QADAM_SEALING_KEY_FILE"}


@pytest.fixture(scope="module")
def production_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {name: str(path) for name, path in production_key_files(tmp_path_factory.mktemp("production-keys")).items()}


def notify_fit(sms: FakeSmsGateway | None = None, telegram: FakeTelegram | None = None) -> dict[str, Any]:
    """notify's own settings as production wants them (the fakes' addresses are this machine's, which no check
    minds: they are where notify sends, not links people follow)."""
    return {"portal_url": "https://portal.qadam.example.uz", "ack_link_url": "https://portal.qadam.example.uz/ack",
            "smtp_tls": "starttls",
            "sms_gateway_url": sms.url if sms else "https://sms.qadam.example.uz/send", "sms_gateway_token": "sms-secret",
            "telegram_api_url": telegram.api_url if telegram else "http://telegram-bot-api.qadam.svc:8081",
            "telegram_bot_token": telegram.token if telegram else "1:bot-secret"}


def build(stack: Stack, service: str, **overrides: Any) -> Any:
    return import_module(f"{service}.app").create_app({**stack.base_settings(service), **overrides})


@pytest.mark.parametrize("service", SERVICES)
def test_each_web_process_refuses_development_keys_in_production_naming_the_settings(stack, service):
    # the run's keys are development ones (the harness makes them as `qadam keys` does)
    with pytest.raises(ProductionRefusal) as caught:
        build(stack, service, env="production", **(notify_fit() if service == "notify" else {}))
    assert DEVELOPMENT_KEYS <= {p.env for p in caught.value.problems}
    assert "QADAM_SEALING_KEY_FILE" in str(caught.value.code)


@pytest.mark.parametrize("service", SERVICES)
def test_each_web_process_with_production_settings_starts_and_answers(stack, production_keys, service):
    # the harness's portal hashes passwords at argon2's cheapest (tests only); production refuses that, so the
    # production-fit portal is given production's own
    fit = notify_fit() if service == "notify" else {"portal_password_hash": "rfc9106"} if service == "portal" else {}
    app = build(stack, service, env="production", **production_keys, **fit)
    assert app.test_client().get("/healthz").status_code == 200


def test_a_web_process_under_gunicorn_stops_at_once_saying_which_setting(stack):
    from qadam.gunicorn_conf import gunicorn_argv

    env = {**stack.environment("risk", env="production"), "SERVICE": "risk"}  # SERVICE: as the image sets it
    argv = [*gunicorn_argv("risk", f"127.0.0.1:{free_port()}", 1), "risk.app:create_app()"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "QADAM_ENV=production" in done.stderr and "QADAM_SEALING_KEY_FILE" in done.stderr, done.stderr[-2000:]


def test_notifys_web_process_names_each_link_to_this_machine_and_smtp_without_tls(stack, production_keys):
    with pytest.raises(ProductionRefusal) as caught:
        build(stack, "notify", env="production", **production_keys)
    assert [p.env for p in caught.value.problems] == ["QADAM_PORTAL_URL", "QADAM_ACK_LINK_URL", "QADAM_SMTP_TLS"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_worker_process_refuses_development_keys_in_production_and_exits_saying_which(stack, service, tmp_path):
    env = stack.environment(service, env="production", **(notify_fit() if service == "notify" else {}))
    done = subprocess.run([sys.executable, "-m", f"{service}.worker"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "QADAM_ENV=production" in done.stderr and "QADAM_SEALING_KEY_FILE" in done.stderr, done.stderr[-2000:]


def test_notifys_worker_refuses_a_routing_that_sends_over_a_channel_not_set_up(isolated_stack, production_keys,
                                                                                tmp_path):
    own = isolated_stack("notify")
    fit = notify_fit()
    # the shipped routing sends critical flags by SMS and Telegram: without the bot's token, no start
    env = own.environment("notify", env="production", **production_keys, **{**fit, "telegram_bot_token": ""})
    done = subprocess.run([sys.executable, "-m", "notify.worker"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "QADAM_TELEGRAM_BOT_TOKEN" in done.stderr and "flag.critical" in done.stderr, done.stderr[-2000:]


def test_notifys_worker_with_a_production_configuration_starts_and_is_healthy(isolated_stack, production_keys,
                                                                              tmp_path):
    own = isolated_stack("notify")
    sms, telegram = FakeSmsGateway(token="sms-secret").start(), FakeTelegram().start()
    port = free_port()
    worker = worker_process(own, "notify", tmp_path, env="production", worker_http_port=port,
                            worker_http_host="127.0.0.1", **production_keys, **notify_fit(sms, telegram)).start()
    try:
        def healthy() -> bool:
            assert worker.popen is not None and worker.popen.poll() is None, worker.log_path.read_text()[-2000:]
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(healthy, timeout=60)
    finally:
        worker.stop()
        sms.stop()
        telegram.stop()


def test_notifys_web_process_refuses_a_routing_over_a_channel_not_set_up_and_a_change_to_one(isolated_stack,
                                                                                            production_keys):
    own = isolated_stack("notify")
    no_sms = {**notify_fit(), "sms_gateway_token": ""}
    # the shipped routing sends critical flags by SMS: without the gateway's token, no start
    with pytest.raises(ProductionRefusal) as caught:
        build(own, "notify", env="production", **production_keys, **no_sms)
    assert [p.env for p in caught.value.problems] == ["QADAM_SMS_GATEWAY_TOKEN"]
    assert "flag.critical" in str(caught.value.code)

    # an installation without SMS first takes it out of the routing (here in development, as an administrator)...
    rules = json.loads((Path(str(import_module("notify").__file__)).parent / "defaults/routing.json").read_text())
    without_sms = [{**rule, "channels": [c for c in rule["channels"] if c != "sms"]} for rule in rules]
    development = build(own, "notify")
    with development.app_context(), development.extensions["qadam_sessions"].begin() as s:
        change_routing(s, rules=without_sms, note="no SMS gateway yet", by="admin-1")
    # ...then starts in production, and refuses a routing that would bring SMS back
    app = build(own, "notify", env="production", **production_keys, **no_sms)
    signed = issue_token(Path(production_keys["jwt_private_key_file"]).read_bytes(), user_id="admin-1",
                         role="administrator", issuer="qadam-portal", audience="qadam")
    admin = {"Authorization": f"Bearer {signed}"}
    response = app.test_client().post("/routing", json={"rules": rules, "note": "as shipped"}, headers=admin)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert "QADAM_SMS_GATEWAY_TOKEN" in json.dumps(response.get_json())
    response = app.test_client().post("/routing", json={"rules": without_sms, "note": "still no SMS"}, headers=admin)
    assert response.status_code == 201, response.get_data(as_text=True)
