"""Notify on the real database, with a real local SMTP server and local HTTP servers that answer like an SMS gateway
and the Telegram Bot API: routing, every channel, retries and fallback, quiet hours, escalation up the chain, the
daily digest, the signed link, the directory from the portal's events, and the figures for managers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from notify.app import create_app
from notify.delivery import dispatch_due
from notify.handlers import handlers
from notify.queries import supervisors_above
from notify.timers import escalate_due, send_digests
from qadam.db import make_engine, make_session_factory, transaction
from qadam.events import delivered
from qadam.quarters import quarter_end, quarter_start, quarters_before
from qadam.web import PAGE_HEADERS
from qadam_contracts.enrollment import EnrolmentStatusChanged, OrderEnded, OrderExpiring, OrderIssued, SupportWorkerChanged
from qadam_contracts.portal import UserChanged
from qadam_contracts.reasons import Reason
from qadam_contracts.risk import FlagAcknowledged, FlagRaised, LevelChanged
from qadam_testing import FakeSmsGateway, FakeTelegram, MailCatcher, Stack

REGION, DISTRICT = "Samarqand viloyati", "Urgut"


@pytest.fixture(scope="module")
def stack(servers, jwt_keys):
    """notify's own database and vhost for these tests: on the run's shared stack, the whole system the
    cross-service tests keep running (when pytest-xdist gives them the same worker) has a notify worker that sends
    any pending delivery of that database, these tests' too, to its own mail catcher (seen: the flow tests found
    no e-mail)."""
    own = Stack(f"qadam_f{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("notify",)).open()
    yield own
    own.close()


@pytest.fixture(scope="module")
def app_for(stack):
    """notify's app on this module's own stack."""
    made = create_app(stack.base_settings("notify"))
    return lambda service: made


@pytest.fixture
def fakes():
    mail, sms, telegram = MailCatcher().start(), FakeSmsGateway(token="sms-secret").start(), FakeTelegram().start()
    yield mail, sms, telegram
    for server in (mail, sms, telegram):
        server.stop()


@pytest.fixture
def notify_db(stack, fakes, app_for):
    """notify's settings on this module's database, its session factory and engine; the database holds no alert or
    delivery of an earlier test: the escalation sweep and the dispatcher take every alert that is due, oldest first
    and a batch at a time, so at a test's later moments (now + 10 minutes, + 20) every earlier test's open alert fell
    due too and was escalated up its chain first (the tests late in the file took 4-11 s where alone they take 0.3)."""
    mail, sms, telegram = fakes
    settings = stack.settings("notify", smtp_port=mail.port, sms_gateway_url=sms.url, sms_gateway_token="sms-secret",
                              telegram_api_url=telegram.api_url, telegram_bot_token=telegram.token,
                              escalate_critical_seconds=60.0, escalate_high_seconds=600.0, delivery_max_attempts=2,
                              delivery_backoff_seconds=0.01, portal_url="https://portal.qadam.test",
                              # these tests read the reasons in what is sent: every channel marked in the country
                              # (what leaves over one that is not: test_message_content)
                              email_in_country=True, sms_in_country=True, telegram_in_country=True)
    engine = make_engine(settings.database_url)
    with engine.begin() as c:  # the contacts (each test's people have names of their own) and the routing stay
        c.execute(sa.text("TRUNCATE delivery_attempt, delivery, notification, digest"))
    yield settings, make_session_factory(engine), engine
    engine.dispose()


def people(suffix: str) -> dict[str, str]:
    return {k: f"{k}-{suffix}" for k in ("inspector", "psychologist", "supervisor", "chief", "support")}


def user_event(user_id: str, role: str, version: int = 1, **fields):
    data = {"user_id": user_id, "role": role, "region": REGION, "district": DISTRICT, "language": "uz-Latn",
            "email": f"{user_id}@iiv.uz", "phone": None, "telegram_chat_id": None, "supervisor_id": None,
            "quiet_hours": None, "active": True, "version": version} | fields
    return delivered(UserChanged(**data))


def flag_event(who: dict[str, str], level: str = "critical", flag_id: uuid.UUID | None = None, **extra):
    return delivered(FlagRaised(**{
        "flag_id": flag_id or uuid.uuid4(), "enrolment_id": uuid.uuid4(), "participant_code": "P-2026-004321",
        "rule_id": "incident.order_breach", "rule_version": 1, "level": level,
        "reasons": ["Incident reported by the prevention inspector: breach of the protection order on 2026-11-29."],
        "evidence": {}, "region": REGION, "district": DISTRICT, "inspector_id": who["inspector"],
        "psychologist_id": who["psychologist"], "raised_at": datetime.now(UTC)} | extra))


def deliver(settings, factory, *events) -> None:
    table = handlers.bind(settings=settings)
    for event in events:
        with transaction(factory) as s:
            table[type(event.data)](s, event)


def directory(settings, factory, who: dict[str, str], **inspector_fields) -> None:
    deliver(settings, factory,
            user_event(who["inspector"], "inspector", phone="+998901112233", telegram_chat_id="7001",
                       supervisor_id=who["supervisor"], language="ru", **inspector_fields),
            user_event(who["psychologist"], "psychologist", supervisor_id=who["supervisor"], language="kaa"),
            user_event(who["supervisor"], "supervisor", supervisor_id=who["chief"]),
            user_event(who["chief"], "supervisor", district=None))


def drain(settings, factory, now: datetime | None = None) -> None:
    """Send everything due (other tests' deliveries too: the dispatcher takes them a batch at a time)."""
    while dispatch_due(settings, factory, now) == 0:
        pass


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as c:
        return c.execute(sa.text(sql), params).all()


def test_a_critical_flag_reaches_the_inspector_in_app_by_email_telegram_and_sms_in_his_language(notify_db, fakes):
    settings, factory, engine = notify_db
    mail, sms, telegram = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, flag_event(who))
    drain(settings, factory)
    [email] = mail.to(f"{who['inspector']}@iiv.uz")
    [text] = sms.to("+998901112233")
    [chat] = telegram.to("7001")
    for body in (email.get_content(), text["text"], chat["text"]):
        assert "P-2026-004321" in body and f"{settings.ack_link_url}/" in body
    assert "КРИТИЧ" in email["Subject"].upper() or "КРИТИЧ" in email.get_content().upper()  # Russian, his language
    assert text["authorization"] == "Bearer sms-secret"
    [(status,)] = rows(engine, "SELECT count(*) FROM notification WHERE user_id = :u", u=who["inspector"])
    assert status == 1
    log = rows(engine, "SELECT d.channel, d.status, a.outcome FROM delivery d JOIN notification n ON n.id = "
                       "d.notification_id JOIN delivery_attempt a ON a.delivery_id = d.id WHERE n.user_id = :u "
                       "ORDER BY d.channel", u=who["inspector"])
    assert [tuple(r) for r in log] == [("email", "sent", "sent"), ("sms", "sent", "sent"),
                                       ("telegram", "sent", "sent")]


def test_the_same_flag_delivered_twice_sends_one_message_per_person_and_channel(notify_db, fakes):
    settings, factory, engine = notify_db
    mail, sms, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    flag = uuid.uuid4()
    first, again = flag_event(who, flag_id=flag), flag_event(who, flag_id=flag)  # two envelopes, one flag
    deliver(settings, factory, first, again)
    drain(settings, factory)
    drain(settings, factory)
    assert len(mail.to(f"{who['inspector']}@iiv.uz")) == 1 and len(sms.to("+998901112233")) == 1
    assert len(mail.to(f"{who['psychologist']}@iiv.uz")) == 1


def test_a_failing_smtp_server_is_retried_logged_and_the_message_falls_back_to_another_channel(notify_db, fakes):
    settings, factory, engine = notify_db
    mail, _, telegram = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    mail.fail_next = 5
    deliver(settings, factory, flag_event(who, level="medium"))  # medium: e-mail only, by the default routing
    for _ in range(3):
        drain(settings, factory, now=datetime.now(UTC) + timedelta(seconds=5))
    attempts = rows(engine, "SELECT d.channel, d.status, a.outcome, a.error, d.fallback_of IS NOT NULL FROM delivery d "
                            "JOIN notification n ON n.id = d.notification_id JOIN delivery_attempt a ON "
                            "a.delivery_id = d.id WHERE n.user_id = :u ORDER BY a.id", u=who["inspector"])
    assert [(r[0], r[2]) for r in attempts] == [("email", "error"), ("email", "error"), ("telegram", "sent")]
    assert all(r[3] for r in attempts[:2]) and attempts[2][4]  # each error kept; telegram carried it instead
    assert len(telegram.to("7001")) == 1 and mail.to(f"{who['inspector']}@iiv.uz") == []


def test_quiet_hours_hold_a_high_alert_until_morning_but_not_a_critical_one(notify_db, fakes):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who, quiet_hours={"start": "00:00", "end": "23:59"})
    deliver(settings, factory, flag_event(who, level="high"), flag_event(who, level="critical"))
    drain(settings, factory)
    mails = mail.to(f"{who['inspector']}@iiv.uz")
    assert len(mails) == 1 and "P-2026-004321" in mails[0].get_content()
    [(held,)] = rows(engine, "SELECT count(*) FROM delivery d JOIN notification n ON n.id = d.notification_id "
                             "WHERE n.user_id = :u AND n.level = 'high' AND d.status = 'pending' "
                             "AND d.next_attempt_at > now()", u=who["inspector"])
    assert held == 2  # e-mail and Telegram, until his quiet hours end
    assert len(mail.to(f"{who['psychologist']}@iiv.uz")) == 2  # she keeps no quiet hours


def test_an_unacknowledged_critical_alert_escalates_up_the_chain_with_a_reminder_and_an_acknowledged_one_does_not(
        notify_db, fakes, token, app_for):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    waiting, answered = flag_event(who), flag_event(who)
    deliver(settings, factory, waiting, answered)
    client = app_for("notify").test_client()
    inbox = client.get("/notifications", headers={"Authorization": f"Bearer {token(who['inspector'], 'inspector')}"})
    [answered_id] = [n["id"] for n in inbox.get_json()["items"] if n["flag_id"] == str(answered.data.flag_id)]
    assert client.post(f"/notifications/{answered_id}/acknowledge", headers={
        "Authorization": f"Bearer {token(who['inspector'], 'inspector')}"}).status_code == 200

    soon = datetime.now(UTC) + timedelta(seconds=30)
    assert escalate_due(settings, factory, now=soon) == 0  # not yet: critical escalates after 60 s here
    later = datetime.now(UTC) + timedelta(seconds=61)
    escalate_due(settings, factory, now=later)
    escalated = rows(engine, "SELECT user_id, escalation_step, flag_id FROM notification WHERE kind = 'escalation' "
                             "AND flag_id IN (:a, :b)", a=waiting.data.flag_id, b=answered.data.flag_id)
    assert [(r.user_id, r.escalation_step, r.flag_id) for r in escalated] == [
        (who["supervisor"], 1, waiting.data.flag_id)]  # the inspector and psychologist both went to him: once
    drain(settings, factory)
    reminders = rows(engine, "SELECT n.user_id FROM delivery d JOIN notification n ON n.id = d.notification_id "
                             "WHERE d.purpose = 'reminder' AND d.channel = 'email' AND n.flag_id = :f ORDER BY 1",
                     f=waiting.data.flag_id)
    assert [r.user_id for r in reminders] == sorted([who["inspector"], who["psychologist"]])
    [to_supervisor] = mail.to(f"{who['supervisor']}@iiv.uz")
    assert "P-2026-004321" in to_supervisor.get_content()
    # the supervisor does not answer either: up the chain to his own supervisor, and no further than the chain
    escalate_due(settings, factory, now=later + timedelta(seconds=61))
    chain = rows(engine, "SELECT user_id, escalation_step FROM notification WHERE kind = 'escalation' AND flag_id = :f "
                         "ORDER BY escalation_step", f=waiting.data.flag_id)
    assert [(r.user_id, r.escalation_step) for r in chain] == [(who["supervisor"], 1), (who["chief"], 2)]
    assert rows(engine, "SELECT count(*) FROM notification WHERE kind = 'escalation' AND flag_id = :f",
                f=answered.data.flag_id)[0][0] == 0


def test_low_alerts_wait_for_one_daily_digest(notify_db, fakes):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, flag_event(who, level="low"), flag_event(who, level="low"))
    drain(settings, factory)
    assert mail.to(f"{who['inspector']}@iiv.uz") == []
    morning = datetime.now(settings.zone).replace(hour=settings.digest_hour, minute=5)
    if morning <= datetime.now(settings.zone):  # the next digest morning after these alerts, whatever the hour now
        morning += timedelta(days=1)
    morning = morning.astimezone(UTC)
    assert send_digests(settings, factory, now=morning) >= 1
    assert send_digests(settings, factory, now=morning) == 0
    drain(settings, factory)
    [digest] = mail.to(f"{who['inspector']}@iiv.uz")
    assert digest.get_content().count("P-2026-004321") == 2


def test_users_and_contacts_come_from_the_portals_events_and_an_older_event_changes_nothing(notify_db, app_for, token):
    settings, factory, _ = notify_db
    user = f"insp-{uuid.uuid4().hex[:6]}"
    deliver(settings, factory, user_event(user, "inspector", version=3, phone="+998935550000", language="uz-Cyrl",
                                          quiet_hours={"start": "22:00", "end": "07:00"}),
            user_event(user, "inspector", version=2, phone="+998900000000", language="en"))
    client = app_for("notify").test_client()
    seen = client.get(f"/contacts/{user}", headers={"Authorization": f"Bearer {token(user, 'inspector')}"}).get_json()
    assert (seen["phone"], seen["language"], seen["quiet_hours"]) == ("+998935550000", "uz-Cyrl",
                                                                     {"start": "22:00", "end": "07:00"})


def test_the_signed_link_in_a_message_acknowledges_its_alert_and_a_forged_one_nothing(notify_db, fakes, app_for,
                                                                                         token):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, flag_event(who, level="high"))
    drain(settings, factory)
    [email] = mail.to(f"{who['psychologist']}@iiv.uz")
    link = next(w for w in email.get_content().split() if w.startswith(settings.ack_link_url))
    path = "/ack/" + link.rsplit("/", 1)[1].rstrip(".,")
    client = app_for("notify").test_client()
    page = client.get(path)
    assert page.status_code == 200 and "P-2026-004321" in page.get_data(as_text=True)
    assert rows(engine, "SELECT acknowledged_at FROM notification WHERE user_id = :u", u=who["psychologist"])[0][0] is None
    assert client.post(path).status_code == 200
    [(via,)] = rows(engine, "SELECT acknowledged_via FROM notification WHERE user_id = :u", u=who["psychologist"])
    assert via == "link"
    forged = client.post(path[:-3] + "AAA")
    assert forged.status_code == 404 and forged.content_type == "application/problem+json"


def test_routing_rules_are_data_an_administrator_changes(notify_db, app_for, token):
    client = app_for("notify").test_client()
    admin = {"Authorization": f"Bearer {token('adm', 'administrator')}"}
    current = client.get("/routing", headers=admin).get_json()
    bad = client.post("/routing", headers=admin, json={"rules": [{"id": "x", "event": "nope"}], "note": "oops"})
    assert bad.status_code == 422 and "rules[0]" in bad.get_json()["errors"]
    manager = {"Authorization": f"Bearer {token('mgr', 'manager', region=REGION)}"}
    assert client.post("/routing", headers=manager, json={"rules": current["rules"], "note": "n"}).status_code == 403
    try:
        again = client.post("/routing", headers=admin, json={"rules": current["rules"], "note": "unchanged, re-saved"})
        assert again.status_code == 201 and again.get_json()["version"] == current["version"] + 1
    finally:
        _, _, engine = notify_db
        with engine.begin() as c:
            c.execute(sa.text("DELETE FROM routing_rule_set WHERE version > :v"), {"v": current["version"]})


def test_managers_see_how_fast_alerts_reached_people_and_were_answered_by_district_and_level(notify_db, fakes, app_for,
                                                                                              token):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    district = f"Urgut-{who['inspector']}"
    directory(settings, factory, who)
    # the high alerts (2) are a small cell, and something else must be hidden with them, or the month's alerts of the
    # region would give them back (notify's rule, over the whole country at once): here the medium ones (4, a small
    # cell too), so the critical ones stay shown (with the high alone beside them, they would be hidden)
    deliver(settings, factory, *(flag_event(who, level="critical", district=district) for _ in range(3)),
            flag_event(who, level="high", district=district),
            *(flag_event(who, level="medium", district=district) for _ in range(2)))
    drain(settings, factory)
    client = app_for("notify").test_client()
    inspector = {"Authorization": f"Bearer {token(who['inspector'], 'inspector')}"}
    first = next(n for n in client.get("/notifications", headers=inspector).get_json()["items"]
                 if n["level"] == "critical")
    client.post(f"/notifications/{first['id']}/acknowledge", headers=inspector)
    manager = {"Authorization": f"Bearer {token('mgr', 'manager', region=REGION)}"}
    figures = client.get("/figures", headers=manager).get_json()
    rows_here = {r["level"]: r for r in figures["rows"] if r["district"] == district}
    critical, high = rows_here["critical"], rows_here["high"]
    assert (critical["alerts"], critical["flags"], critical["messaged"], critical["acknowledged"]) == (6, 3, 6, 1)
    assert critical["message_p50_s"] >= critical["in_app_p50_s"] >= 0 and critical["ack_p50_s"] >= 0
    assert not critical["suppressed"]
    assert high["suppressed"] and high["alerts"] is None and high["ack_p50_s"] is None  # 2 alerts: a small cell
    assert rows_here["medium"]["suppressed"] and rows_here["medium"]["alerts"] is None  # 4
    other = {"Authorization": f"Bearer {token('mgr-b', 'manager', region='Buxoro viloyati')}"}
    assert all(r["district"] != district for r in client.get("/figures", headers=other).get_json()["rows"])
    assert client.get("/figures", headers=inspector).status_code == 403


def test_an_analyst_reads_the_alert_figures_of_his_region_or_any_region_he_chooses_and_no_alert(notify_db, fakes,
                                                                                                 app_for, token):
    """A regional analyst reads his region's figures as its manager does, and is refused another region's; a national
    one chooses the region (one at a time, as an administrator does); neither reads an alert."""
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    district = f"Urgut-{who['inspector']}"
    directory(settings, factory, who)
    deliver(settings, factory, *(flag_event(who, level="critical", district=district) for _ in range(3)))
    drain(settings, factory)
    client = app_for("notify").test_client()
    manager = {"Authorization": f"Bearer {token('mgr', 'manager', region=REGION)}"}
    regional = {"Authorization": f"Bearer {token('analyst-samarqand', 'analyst', region=REGION)}"}
    national = {"Authorization": f"Bearer {token('analyst-uz', 'analyst')}"}
    managers = client.get("/figures", headers=manager).get_json()
    assert any(r["district"] == district and r["alerts"] == 6 for r in managers["rows"])
    assert client.get("/figures", headers=regional).get_json() == managers
    assert client.get("/figures", headers=national, query_string={"region": REGION}).get_json() == managers
    refused = client.get("/figures", headers=regional, query_string={"region": "Buxoro viloyati"})
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert client.get("/figures", headers=national).status_code == 422  # which region: his to say
    for analyst in (regional, national):
        for path in ("/notifications", f"/notifications/{uuid.uuid4()}", "/routing", "/escalations/unassigned",
                     f"/contacts/{who['inspector']}", "/audit"):
            assert client.get(path, headers=analyst).status_code == 403, path


def test_a_district_s_alerts_over_several_quarters_are_shown_only_where_each_quarter_shows_them(notify_db, fakes,
                                                                                                  app_for, token):
    """Six alerts in the last quarter and two in this one: the last quarter's row is shown, this one's is hidden, and
    so is the row over both (else the two periods' difference would tell this quarter's two). Days are refused."""
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    district = f"Kattaqo'rg'on-{who['inspector']}"
    directory(settings, factory, who)
    deliver(settings, factory, *(flag_event(who, level="critical", district=district) for _ in range(4)))
    drain(settings, factory)
    today = datetime.now(settings.zone).date()
    this_quarter = (quarter_start(today), quarter_end(today))
    last_quarter = (quarters_before(today, 1), quarter_start(today) - timedelta(days=1))
    moved = datetime.combine(last_quarter[0] + timedelta(days=10), time(12), tzinfo=settings.zone)
    with engine.begin() as c:  # six of the eight alerts were raised in the last quarter
        c.execute(sa.text(
            "UPDATE notification SET created_at = :moved, event_at = :moved - interval '1 minute' WHERE id IN "
            "(SELECT id FROM notification WHERE district = :district AND kind = 'alert' ORDER BY id LIMIT 6)"),
            {"moved": moved, "district": district})
    client = app_for("notify").test_client()
    manager = {"Authorization": f"Bearer {token('mgr', 'manager', region=REGION)}"}

    def row(since, until):
        answer = client.get("/figures", headers=manager, query_string={"since": since.isoformat(),
                                                                       "until": until.isoformat()})
        assert answer.status_code == 200, answer.get_json()
        return next(r for r in answer.get_json()["rows"] if r["district"] == district)

    assert row(*last_quarter)["alerts"] == 6
    assert row(*this_quarter)["suppressed"]
    both = row(last_quarter[0], this_quarter[1])
    assert both["suppressed"] and both["alerts"] is None  # 8 alerts, but 2 of them this quarter
    days = client.get("/figures", headers=manager, query_string={"since": (today - timedelta(days=30)).isoformat()})
    assert days.status_code == 422 and list(days.get_json()["errors"]) == ["since"]


def test_an_address_no_mail_header_takes_fails_that_delivery_alone(notify_db, fakes):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, user_event(who["inspector"], "inspector", version=2, email="bad@iiv.uz\nBcc: x@y.z"))
    deliver(settings, factory, flag_event(who, level="medium"))
    drain(settings, factory)
    [(status, why, error)] = rows(engine, "SELECT d.status, d.failure_reason, d.last_error FROM delivery d JOIN "
                                          "notification n ON n.id = d.notification_id WHERE n.user_id = :u",
                                  u=who["inspector"])
    assert (status, why) == ("failed", "bad_address") and error
    assert len(mail.to(f"{who['psychologist']}@iiv.uz")) == 1  # the others still go


def test_a_failed_sending_keeps_why_as_a_code_beside_its_error_and_one_that_goes_in_the_end_keeps_neither(
        notify_db, fakes, app_for, token):
    settings, factory, engine = notify_db
    mail, sms, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    mail.fail_next, mail.fail_reply = 5, "550 5.1.1 no such user"
    sms.fail_next(1, status=503)
    deliver(settings, factory, flag_event(who))  # critical: e-mail, Telegram and SMS to the inspector

    drain(settings, factory)

    def deliveries() -> dict[str, tuple]:
        return {r[0]: tuple(r[1:]) for r in rows(
            engine, "SELECT d.channel, d.status, d.failure_reason, d.last_error FROM delivery d JOIN notification n "
                    "ON n.id = d.notification_id WHERE n.user_id = :u AND d.purpose = 'alert'", u=who["inspector"])}
    now = deliveries()
    assert now["email"][:2] == ("failed", "refused") and "550" in now["email"][2]  # the detail stays, in English
    assert now["sms"][:2] == ("pending", "refused") and "503" in now["sms"][2]  # to be tried again
    assert now["telegram"] == ("sent", None, None)
    client = app_for("notify").test_client()
    his = {"Authorization": f"Bearer {token(who['inspector'], 'inspector')}"}
    [alert] = client.get("/notifications", headers=his).get_json()["items"]
    shown = client.get(f"/notifications/{alert['id']}", headers=his).get_json()["deliveries"]
    assert {(d["channel"], d["status"], d["failure_reason"]) for d in shown} == {
        ("email", "failed", "refused"), ("sms", "pending", "refused"), ("telegram", "sent", None)}

    drain(settings, factory, now=datetime.now(UTC) + timedelta(seconds=5))
    assert deliveries()["sms"] == ("sent", None, None)  # it went in the end: nothing to say why


def test_a_rise_to_high_tells_her_support_worker_and_is_never_escalated_to_perpetrator_facing_supervisors(
        notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, user_event(who["support"], "support_worker"))
    flag = uuid.uuid4()
    rise = delivered(LevelChanged(
        enrolment_id=uuid.uuid4(), participant_code="P-2026-004321", from_level="medium", level="critical",
        version=2, changed_at=datetime.now(UTC), cause="incident", flag_ids=[flag], region=REGION,
        district=DISTRICT, inspector_id=who["inspector"], psychologist_id=who["psychologist"],
        victim_support_worker_id=who["support"]))
    deliver(settings, factory, rise, flag_event(who, flag_id=flag))
    # she acknowledges her notice; the inspector and psychologist do not acknowledge the flag
    with engine.begin() as c:
        c.execute(sa.text("UPDATE notification SET acknowledged_at = now() WHERE user_id = :u"), {"u": who["support"]})
    escalate_due(settings, factory, now=datetime.now(UTC) + timedelta(seconds=61))
    escalated = rows(engine, "SELECT n.user_id, e.responsibility FROM notification e JOIN notification n ON "
                             "n.id = e.escalates_id WHERE e.flag_id = :f ORDER BY 1", f=flag)
    # her acknowledgement did not stop theirs: one escalation to their shared supervisor, from one of their alerts
    assert len(escalated) == 1 and escalated[0].user_id in (who["inspector"], who["psychologist"])
    [told] = rows(engine, "SELECT kind, reason_codes FROM notification WHERE user_id = :u", u=who["support"])
    assert told.kind == "level_rise" and told.reason_codes == [{"code": "level_rise", "params": {
        "participant_code": "P-2026-004321", "from_level": "medium", "level": "critical"}}]
    assert rows(engine, "SELECT count(*) FROM notification WHERE kind = 'escalation' AND escalates_id IN "
                        "(SELECT id FROM notification WHERE user_id = :u)", u=who["support"])[0][0] == 0


def test_high_alerts_not_yet_due_never_hold_back_a_critical_one(notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, *(flag_event(who, level="high") for _ in range(60)))  # 120 alerts, due in 600 s
    critical = flag_event(who, level="critical")
    deliver(settings, factory, critical)
    escalate_due(settings, factory, now=datetime.now(UTC) + timedelta(seconds=61))
    assert rows(engine, "SELECT count(*) FROM notification WHERE kind = 'escalation' AND flag_id = :f",
                f=critical.data.flag_id)[0][0] == 1


def test_an_alert_that_found_no_address_goes_out_when_the_persons_details_arrive(notify_db, fakes):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    deliver(settings, factory, flag_event(who, level="high"))  # before the portal told notify who he is
    drain(settings, factory)
    assert mail.to(f"{who['inspector']}@iiv.uz") == []
    directory(settings, factory, who)
    drain(settings, factory)
    assert len(mail.to(f"{who['inspector']}@iiv.uz")) == 1


def test_the_signed_links_token_never_reaches_the_log(notify_db, fakes, app_for, caplog):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, flag_event(who, level="high"))
    drain(settings, factory)
    [email] = mail.to(f"{who['psychologist']}@iiv.uz")
    token = next(w for w in email.get_content().split() if w.startswith(settings.ack_link_url)).rsplit("/", 1)[1]
    caplog.clear()
    with caplog.at_level("INFO"):
        assert app_for("notify").test_client().get(f"/ack/{token}").status_code == 200
    assert "/ack/<string:token>" in caplog.text and token not in caplog.text


def test_acknowledging_an_alert_tells_risk_and_a_co_recipient_acting_in_risk_stops_only_her_own_chain(
        notify_db, fakes, app_for, token):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    acked, handled = flag_event(who), flag_event(who)
    deliver(settings, factory, acked, handled)
    client = app_for("notify").test_client()
    inspector = {"Authorization": f"Bearer {token(who['inspector'], 'inspector')}"}
    [mine] = [n for n in client.get("/notifications", headers=inspector).get_json()["items"]
              if n["flag_id"] == str(acked.data.flag_id)]
    client.post(f"/notifications/{mine['id']}/acknowledge", headers=inspector)
    client.post(f"/notifications/{mine['id']}/acknowledge", headers=inspector)  # again: nothing more
    told = rows(engine, "SELECT envelope->'data'->>'user_id', envelope->'data'->>'via' FROM outbox WHERE routing_key = "
                        "'notify.alert.acknowledged' AND envelope->'data'->>'flag_id' = :f", f=str(acked.data.flag_id))
    assert [tuple(r) for r in told] == [(who["inspector"], "api")]

    def handled_in_risk(by: str):
        return delivered(FlagAcknowledged(
            flag_id=handled.data.flag_id, enrolment_id=handled.data.enrolment_id,
            participant_code="P-2026-004321", by=by, at=datetime.now(UTC)))

    # the psychologist acknowledges the other flag in risk: her alert counts as acknowledged, his keeps waiting
    deliver(settings, factory, handled_in_risk(who["psychologist"]))
    states = rows(engine, "SELECT user_id, acknowledged_via FROM notification WHERE flag_id = :f ORDER BY user_id",
                  f=handled.data.flag_id)
    assert sorted(tuple(r) for r in states) == sorted([(who["inspector"], None), (who["psychologist"], "risk")])
    later = datetime.now(UTC) + timedelta(seconds=61)
    escalate_due(settings, factory, now=later)
    assert [r.user_id for r in rows(engine, "SELECT user_id FROM notification WHERE kind = 'escalation' AND "
                                            "flag_id = :f", f=handled.data.flag_id)] == [who["supervisor"]]
    # his supervisor acts in risk: the inspector's chain stops there, nothing goes to the chief
    deliver(settings, factory, handled_in_risk(who["supervisor"]))
    escalate_due(settings, factory, now=later + timedelta(seconds=61))
    assert rows(engine, "SELECT count(*) FROM notification WHERE kind = 'escalation' AND flag_id = :f",
                f=handled.data.flag_id)[0][0] == 1
    assert rows(engine, "SELECT count(*) FROM notification WHERE kind = 'escalation' AND flag_id = :f",
                f=acked.data.flag_id)[0][0] == 0  # acknowledged by the inspector himself: nothing went up


def test_an_alert_with_no_supervisor_to_go_to_escalates_once_one_is_known(notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    lonely_region = f"Region {who['inspector']}"
    deliver(settings, factory, user_event(who["inspector"], "inspector", region=lonely_region),
            user_event(who["psychologist"], "psychologist", region=lonely_region))
    critical = flag_event(who, region=lonely_region)
    deliver(settings, factory, critical)
    first = datetime.now(UTC) + timedelta(seconds=61)
    escalate_due(settings, factory, now=first)

    def escalations() -> list:
        return rows(engine, "SELECT user_id FROM notification WHERE kind = 'escalation' AND flag_id = :f",
                    f=critical.data.flag_id)

    assert escalations() == []
    deliver(settings, factory, user_event(f"sup-{who['inspector']}", "supervisor", region=lonely_region))
    escalate_due(settings, factory, now=first + timedelta(seconds=122))
    assert [r.user_id for r in escalations()] == [f"sup-{who['inspector']}"]


# -- issue 16: alerts nobody can silence, her support worker in the loop, one alert per episode ------------------------
def ack_path(settings, mail, address: str) -> str:
    email = mail.to(address)[-1]
    link = next(w for w in email.get_content().split() if w.startswith(settings.ack_link_url))
    return "/ack/" + link.rsplit("/", 1)[1].rstrip(".,")


def escalations(engine, flag_id) -> list[tuple[str, int]]:
    return [(r.user_id, r.escalation_step) for r in rows(
        engine, "SELECT user_id, escalation_step FROM notification WHERE kind = 'escalation' AND :f = ANY(flag_ids) "
                "ORDER BY escalation_step, user_id", f=flag_id)]


def test_psychologist_ack_does_not_stop_inspector_escalation_and_her_own_unanswered_alert_goes_to_her_supervisor(
        notify_db, fakes, app_for):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    her_supervisor = f"psy-sup-{who['psychologist']}"
    deliver(settings, factory, user_event(her_supervisor, "supervisor"),
            user_event(who["psychologist"], "psychologist", version=2, supervisor_id=her_supervisor))
    acked_by_her, unanswered = flag_event(who), flag_event(who)
    deliver(settings, factory, acked_by_her)
    drain(settings, factory)
    assert app_for("notify").test_client().post(ack_path(settings, mail, f"{who['psychologist']}@iiv.uz")).status_code == 200
    deliver(settings, factory, unanswered)
    escalate_due(settings, factory, now=datetime.now(UTC) + timedelta(seconds=61))
    assert escalations(engine, acked_by_her.data.flag_id) == [(who["supervisor"], 1)]  # his chain, still going
    assert escalations(engine, unanswered.data.flag_id) == sorted([(who["supervisor"], 1), (her_supervisor, 1)])


def test_an_alert_never_escalates_to_a_supervisor_of_another_district(notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    region = f"Region {who['inspector']}"
    deliver(settings, factory, user_event(who["inspector"], "inspector", region=region),
            user_event(who["psychologist"], "psychologist", region=region),
            user_event(f"a-{who['supervisor']}", "supervisor", region=region, district="Kattaqoʻrgʻon"),
            user_event(f"z-{who['chief']}", "supervisor", region=region, district=None))
    critical = flag_event(who, region=region)
    deliver(settings, factory, critical)
    escalate_due(settings, factory, now=datetime.now(UTC) + timedelta(seconds=61))
    # not the other district's supervisor (first by id), but the region's, above them both
    assert {u for u, _ in escalations(engine, critical.data.flag_id)} == {f"z-{who['chief']}"}


def test_alerts_nobody_can_be_escalated_to_are_listed_for_administrators_until_someone_is_found(
        notify_db, fakes, app_for, token):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    region = f"Region {who['inspector']}"
    deliver(settings, factory, user_event(who["inspector"], "inspector", region=region),
            user_event(who["psychologist"], "psychologist", region=region),
            user_event(f"other-{who['supervisor']}", "supervisor", region=region, district="Kattaqoʻrgʻon"))
    critical = flag_event(who, region=region)
    deliver(settings, factory, critical)
    first = datetime.now(UTC) + timedelta(seconds=61)
    escalate_due(settings, factory, now=first)
    client = app_for("notify").test_client()
    admin = {"Authorization": f"Bearer {token('adm', 'administrator')}"}
    listed = [n for page in range(1, 50) for n in client.get(f"/escalations/unassigned?page={page}&page_size=100",
                                                             headers=admin).get_json()["items"]
              if n["participant_code"] == "P-2026-004321" and n["region"] == region]
    assert sorted((n["user_id"], n["responsibility"], n["level"], n["district"]) for n in listed) == sorted([
        (who["inspector"], "inspector", "critical", DISTRICT), (who["psychologist"], "psychologist", "critical", DISTRICT)])
    assert all(n["waiting_since"] and n["last_tried_at"] and n["unassigned_since"] for n in listed)
    inspector = client.get("/escalations/unassigned", headers={
        "Authorization": f"Bearer {token(who['inspector'], 'inspector')}"})
    assert inspector.status_code == 403 and inspector.content_type == "application/problem+json"
    assert client.get("/escalations/unassigned?page_size=0", headers=admin).status_code == 422
    # a supervisor of his district is added: the next try finds him and the alert leaves the list
    deliver(settings, factory, user_event(f"sup-{who['inspector']}", "supervisor", region=region))
    escalate_due(settings, factory, now=first + timedelta(seconds=122))
    assert {u for u, _ in escalations(engine, critical.data.flag_id)} == {f"sup-{who['inspector']}"}
    assert rows(engine, "SELECT count(*) FROM notification WHERE unassigned_since IS NOT NULL AND :f = ANY(flag_ids)",
                f=critical.data.flag_id)[0][0] == 0


def test_flags_of_one_episode_reach_each_person_as_one_alert_whose_acknowledgement_covers_them_all(
        notify_db, fakes, app_for, token):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    episode, enrolment = uuid.uuid4(), uuid.uuid4()
    absences = flag_event(who, level="medium", episode_id=episode, enrolment_id=enrolment, rule_id="consecutive_absences",
                          reasons=["2 unexcused absences in a row."])
    exit_proposed = flag_event(who, level="high", episode_id=episode, enrolment_id=enrolment,
                               rule_id="programme.exit_proposed", reasons=["Exit from the programme proposed."])
    deliver(settings, factory, absences, exit_proposed, exit_proposed)
    drain(settings, factory)
    [alert] = rows(engine, "SELECT id, level, reasons, flag_ids FROM notification WHERE user_id = :u", u=who["inspector"])
    assert alert.level == "high" and alert.reasons == ["2 unexcused absences in a row.", "Exit from the programme proposed."]
    assert sorted(alert.flag_ids) == sorted([absences.data.flag_id, exit_proposed.data.flag_id])
    # the rise to high sent its messages again at the new level: the first e-mail, and the one of the rise
    mails = mail.to(f"{who['inspector']}@iiv.uz")
    assert len(mails) == 2 and "Exit from the programme proposed" in mails[1].get_content()
    client = app_for("notify").test_client()
    assert client.post(f"/notifications/{alert.id}/acknowledge", headers={
        "Authorization": f"Bearer {token(who['inspector'], 'inspector')}"}).status_code == 200
    told = rows(engine, "SELECT envelope->'data'->>'flag_id' FROM outbox WHERE routing_key = 'notify.alert.acknowledged' "
                        "AND envelope->'data'->>'user_id' = :u", u=who["inspector"])
    assert sorted(r[0] for r in told) == sorted(str(f) for f in alert.flag_ids)


def test_a_critical_alert_in_quiet_hours_escalates_from_its_delivery_even_when_an_episode_rises_to_it(
        notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who, quiet_hours={"start": "00:00", "end": "23:59"})
    episode = uuid.uuid4()
    high = flag_event(who, level="high", episode_id=episode)
    deliver(settings, factory, high)
    [(held_until,)] = rows(engine, "SELECT escalate_from FROM notification WHERE user_id = :u", u=who["inspector"])
    assert held_until > datetime.now(UTC) + timedelta(minutes=1)  # a high alert waits for his quiet hours to end
    before = datetime.now(UTC)
    deliver(settings, factory, flag_event(who, level="critical", episode_id=episode))
    [(level, starts)] = rows(engine, "SELECT level, escalate_from FROM notification WHERE user_id = :u",
                             u=who["inspector"])
    assert level == "critical" and before - timedelta(seconds=1) <= starts <= datetime.now(UTC)
    due = rows(engine, "SELECT d.channel FROM delivery d JOIN notification n ON n.id = d.notification_id WHERE "
                       "n.user_id = :u AND d.purpose = 'rise_critical' AND d.next_attempt_at <= now() ORDER BY 1",
               u=who["inspector"])
    assert [r.channel for r in due] == ["email", "sms", "telegram"]  # at once, whatever his quiet hours
    escalate_due(settings, factory, now=datetime.now(UTC) + timedelta(seconds=61))
    assert (who["supervisor"], 1) in escalations(engine, high.data.flag_id)
    # a critical alert of its own: its wait starts when it is delivered, not when his quiet hours end
    critical = flag_event(who, level="critical")
    deliver(settings, factory, critical)
    [(created, starts)] = rows(engine, "SELECT created_at, escalate_from FROM notification WHERE user_id = :u AND "
                                       "flag_id = :f", u=who["inspector"], f=critical.data.flag_id)
    assert abs((starts - created).total_seconds()) < 5


def test_the_ack_page_shows_the_reasons_before_the_button_and_neither_code_nor_level_after(notify_db, fakes, app_for):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, flag_event(who, level="high"))
    drain(settings, factory)
    path = ack_path(settings, mail, f"{who['psychologist']}@iiv.uz")  # she reads Karakalpak
    client = app_for("notify").test_client()
    before = client.get(path)
    html = before.get_data(as_text=True)
    assert "breach of the protection order on 2026-11-29" in html and "P-2026-004321" in html
    assert html.index("breach of the protection order") < html.index("<button")
    assert "Alınǵanın tastıyıqlaw" in html and 'lang="kaa"' in html
    for page in (before, client.post(path), client.get(path)):
        assert page.headers["Content-Security-Policy"] == PAGE_HEADERS["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    after = client.get(path).get_data(as_text=True)
    assert "P-2026-004321" not in after and "joqarı" not in after.lower() and "Tastıyıqlandı" in after
    assert "participant_code" not in client.get(path, headers={"Accept": "application/json"}).get_json()


def test_a_contact_put_without_a_body_is_refused_and_keeps_the_addresses(notify_db, app_for, token):
    settings, factory, _ = notify_db
    user = f"insp-{uuid.uuid4().hex[:6]}"
    deliver(settings, factory, user_event(user, "inspector", phone="+998935550000"))
    client = app_for("notify").test_client()
    admin = {"Authorization": f"Bearer {token('adm', 'administrator')}"}
    for body in ({"data": b"", "content_type": "application/json"}, {"json": {}}, {}):
        refused = client.put(f"/contacts/{user}", headers=admin, **body)
        assert refused.status_code == 422 and refused.content_type == "application/problem+json", body
    kept = client.get(f"/contacts/{user}", headers=admin).get_json()
    assert (kept["email"], kept["phone"]) == (f"{user}@iiv.uz", "+998935550000")


def order_event(kind: type, who: dict[str, str], order: uuid.UUID, enrolment: uuid.UUID, **extra):
    data = {"order_id": order, "participant_code": "P-2026-004321", "enrolment_ids": [enrolment], "region": REGION,
            "district": DISTRICT, "issued_by": who["inspector"], "issued_on": datetime.now(UTC).date(),
            "expires_on": datetime.now(UTC).date() + timedelta(days=30)} | extra
    return delivered(kind(**data))


def test_her_support_worker_hears_of_critical_flags_his_programme_and_his_orders_in_her_language_and_nothing_else(
        notify_db, fakes):
    settings, factory, engine = notify_db
    mail, sms, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, user_event(who["support"], "support_worker", language="ru", phone="+998907770000"))
    enrolment, order = uuid.uuid4(), uuid.uuid4()
    status = delivered(EnrolmentStatusChanged(
        enrolment_id=enrolment, participant_code="P-2026-004321", cohort_id=uuid.uuid4(), region=REGION,
        district=DISTRICT, inspector_id=who["inspector"], psychologist_id=who["psychologist"],
        action="exit", from_status="active", status="exited", reason="non_compliance",
        changed_by=who["inspector"], changed_at=datetime.now(UTC), victim_support_worker_id=who["support"],
        version=5))
    events = [
        flag_event(who, enrolment_id=enrolment, victim_support_worker_id=who["support"], rule_id="consecutive_absences",
                   reasons=["3 unexcused absences in a row: sessions 4, 5 and 6."]),
        flag_event(who, level="high", enrolment_id=enrolment, victim_support_worker_id=who["support"]),  # not critical
        status, status,  # delivered twice
        order_event(OrderIssued, who, order, enrolment, victim_support_worker_id=who["support"]),
        order_event(OrderExpiring, who, order, enrolment, days_left=7, programme_unfinished=True),
        order_event(OrderEnded, who, order, enrolment, programme_unfinished=True,
                    ended_on=datetime.now(UTC).date(), how="revoked"),
    ]
    deliver(settings, factory, *events)
    drain(settings, factory)
    notices = rows(engine, "SELECT notice, kind, reasons, level FROM notification WHERE user_id = :u ORDER BY created_at",
                   u=who["support"])
    assert [(n.notice, n.kind, n.reasons) for n in notices] == [
        ("critical_flag", "safety_notice", []), ("dropout", "safety_notice", []), ("order_issued", "safety_notice", []),
        ("order_expiring", "safety_notice", []), ("order_ended", "safety_notice", [])]
    mails = mail.to(f"{who['support']}@iiv.uz")
    assert len(mails) == 5 and len(sms.to("+998907770000")) == 5
    for message in mails:
        text = message.get_content()
        assert "P-2026-004321" in text and "партнёр" in text  # Russian, her language
        assert "session" not in text and "absence" not in text and "4, 5" not in text
    # nothing of hers escalates to perpetrator-facing supervisors
    escalate_due(settings, factory, now=datetime.now(UTC) + timedelta(seconds=700))
    assert rows(engine, "SELECT count(*) FROM notification WHERE kind = 'escalation' AND escalates_id IN "
                        "(SELECT id FROM notification WHERE user_id = :u)", u=who["support"])[0][0] == 0


def support_worker_changed(who: dict[str, str], enrolment: uuid.UUID, worker: str | None, previous: str | None,
                           version: int, code: str = "P-2026-004321"):
    return delivered(SupportWorkerChanged(
        enrolment_id=enrolment, participant_code=code, cohort_id=uuid.uuid4(), region=REGION,
        district=DISTRICT, inspector_id=who["inspector"], psychologist_id=who["psychologist"],
        victim_support_worker_id=worker, previous_victim_support_worker_id=previous,
        changed_by=who["inspector"], changed_at=datetime.now(UTC), version=version))


def test_a_support_worker_linked_after_referral_hears_of_his_order_and_one_removed_does_not(notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, user_event(who["support"], "support_worker", language="ru", phone="+998907770001"))
    enrolment, order = uuid.uuid4(), uuid.uuid4()
    # the order was issued before anyone supported her; she is linked to his enrolment later
    deliver(settings, factory, order_event(OrderIssued, who, order, enrolment),
            support_worker_changed(who, enrolment, who["support"], None, 2),
            order_event(OrderExpiring, who, order, enrolment, days_left=7, programme_unfinished=True))
    drain(settings, factory)
    notices = rows(engine, "SELECT notice FROM notification WHERE user_id = :u", u=who["support"])
    assert [n.notice for n in notices] == ["order_expiring"]
    # removed from his case: the order's end is not hers to hear of any more
    deliver(settings, factory, support_worker_changed(who, enrolment, None, who["support"], 3),
            order_event(OrderEnded, who, order, enrolment, programme_unfinished=True,
                        ended_on=datetime.now(UTC).date(), how="expired"))
    drain(settings, factory)
    notices = rows(engine, "SELECT notice FROM notification WHERE user_id = :u", u=who["support"])
    assert [n.notice for n in notices] == ["order_expiring"]


def a_code() -> str:
    """A man of this test's own: notify keeps her support worker by his code too."""
    return f"P-2026-{uuid.uuid4().int % 1_000_000:06d}"


def test_an_order_issued_naming_one_support_worker_tells_the_one_who_replaced_her_of_its_end(notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    first, second, code = who["support"], f"{who['support']}-b", a_code()
    deliver(settings, factory, user_event(first, "support_worker"), user_event(second, "support_worker"))
    enrolment, order = uuid.uuid4(), uuid.uuid4()
    deliver(settings, factory,
            order_event(OrderIssued, who, order, enrolment, participant_code=code,
                        victim_support_worker_id=first),
            support_worker_changed(who, enrolment, second, first, 2, code=code),
            order_event(OrderEnded, who, order, enrolment, participant_code=code,
                        programme_unfinished=True, ended_on=datetime.now(UTC).date(), how="expired"))

    def notices(user: str) -> list[str]:
        return [n.notice for n in rows(engine, "SELECT notice FROM notification WHERE user_id = :u ORDER BY "
                                               "created_at", u=user)]

    assert notices(first) == ["order_issued"]  # she was told of the order; its end is no longer hers
    assert notices(second) == ["order_ended"]


def status_changed(who: dict[str, str], enrolment: uuid.UUID, code: str, status: str, worker: str | None,
                   version: int, reason: str | None = None):
    return delivered(EnrolmentStatusChanged(
        enrolment_id=enrolment, participant_code=code, cohort_id=uuid.uuid4(), region=REGION,
        district=DISTRICT, inspector_id=who["inspector"], psychologist_id=who["psychologist"],
        action=status, from_status="active", status=status, reason=reason,
        changed_by=who["inspector"], changed_at=datetime.now(UTC), victim_support_worker_id=worker,
        version=version))


def test_her_support_worker_hears_his_order_ended_while_he_is_in_follow_up_with_no_enrolment_open(notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, user_event(who["support"], "support_worker"))
    enrolment, order, code = uuid.uuid4(), uuid.uuid4(), a_code()
    # the order came before referral (nobody supported her yet); he completed, and is in follow-up: the order's end
    # lists no open enrolment of his
    deliver(settings, factory, order_event(OrderIssued, who, order, enrolment, participant_code=code),
            status_changed(who, enrolment, code, "completed", who["support"], 7),
            order_event(OrderEnded, who, order, enrolment, participant_code=code, enrolment_ids=[],
                        programme_unfinished=False, ended_on=datetime.now(UTC).date(), how="expired"))
    assert [n.notice for n in rows(engine, "SELECT notice FROM notification WHERE user_id = :u ORDER BY created_at",
                                   u=who["support"])] == ["completed", "order_ended"]


def sweep_until_judged(settings, factory, engine, notification_id, now: datetime) -> None:
    """Run the escalation sweep at `now` until this notification has been judged (other tests' alerts fall due
    too, and the sweep takes a batch at a time)."""
    for _ in range(50):
        [state] = rows(engine, "SELECT escalated_at, acknowledged_at FROM notification WHERE id = :n", n=notification_id)
        if state.escalated_at is not None or state.acknowledged_at is not None:
            return
        escalate_due(settings, factory, now=now)
    raise AssertionError(f"notification {notification_id} was never judged")


def bearer(token, user: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user, role)}"}


def notification_of(engine, user: str, subject: str):
    [found] = rows(engine, "SELECT * FROM notification WHERE user_id = :u AND subject = :s", u=user, s=subject)
    return found


@pytest.mark.parametrize("answered_by", [None, "supervisor", "inspector"])
def test_psychologist_ack_of_the_escalation_her_chain_brought_first_does_not_stop_the_inspectors_chain(
        notify_db, fakes, app_for, token, answered_by):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who, quiet_hours={"start": "00:00", "end": "23:59"})  # his wait starts at 23:59
    high = flag_event(who, level="high")
    subject = f"flag:{high.data.flag_id}"
    deliver(settings, factory, high)
    drain(settings, factory)
    his = notification_of(engine, who["inspector"], subject)
    sweep_until_judged(settings, factory, engine, notification_of(engine, who["psychologist"], subject).id,
                       datetime.now(UTC) + timedelta(seconds=601))
    assert escalations(engine, high.data.flag_id) == [(who["supervisor"], 1)]  # hers reached their supervisor
    client = app_for("notify").test_client()
    assert client.post(ack_path(settings, mail, f"{who['psychologist']}@iiv.uz")).status_code == 200
    later = his.escalate_from + timedelta(seconds=601)
    sweep_until_judged(settings, factory, engine, his.id, later)  # his chain reaches him too
    if answered_by is not None:
        user = who[answered_by]
        acked = notification_of(engine, user, subject)
        assert client.post(f"/notifications/{acked.id}/acknowledge",
                           headers=bearer(token, user, answered_by)).status_code == 200
    sweep_until_judged(settings, factory, engine, notification_of(engine, who["supervisor"], subject).id,
                       later + timedelta(seconds=601))
    assert escalations(engine, high.data.flag_id) == (
        [(who["supervisor"], 1), (who["chief"], 2)] if answered_by is None else [(who["supervisor"], 1)])


def test_a_flag_that_joins_an_acknowledged_episode_alert_is_an_alert_of_its_own_that_is_sent_and_escalates(
        notify_db, fakes, app_for, token):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    episode = uuid.uuid4()
    first = flag_event(who, episode_id=episode, reasons=["Breach of the protection order."])
    deliver(settings, factory, first)
    for role in ("inspector", "psychologist"):
        seen = notification_of(engine, who[role], f"episode:{episode}")
        assert app_for("notify").test_client().post(f"/notifications/{seen.id}/acknowledge",
                                                    headers=bearer(token, who[role], role)).status_code == 200
    after = flag_event(who, episode_id=episode, reasons=["Threats reported."])
    deliver(settings, factory, after, after)
    drain(settings, factory)
    own = notification_of(engine, who["inspector"], f"flag:{after.data.flag_id}")
    assert own.flag_ids == [after.data.flag_id] and own.reasons == ["Threats reported."]
    assert own.acknowledged_at is None
    assert notification_of(engine, who["inspector"], f"episode:{episode}").flag_ids == [first.data.flag_id]
    mails = mail.to(f"{who['inspector']}@iiv.uz")
    assert len(mails) == 2 and "Threats reported" in mails[1].get_content()
    sweep_until_judged(settings, factory, engine, own.id, datetime.now(UTC) + timedelta(seconds=61))
    assert escalations(engine, after.data.flag_id) == [(who["supervisor"], 1)]
    assert escalations(engine, first.data.flag_id) == []


def flag_handled(flag, by: str):
    return delivered(FlagAcknowledged(
        flag_id=flag.data.flag_id, enrolment_id=flag.data.enrolment_id,
        participant_code=flag.data.participant_code, by=by, at=datetime.now(UTC)))


def test_acting_in_risk_on_one_flag_of_an_episode_leaves_the_alert_waiting_and_its_chain_going(notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    episode = uuid.uuid4()
    one, other = flag_event(who, episode_id=episode), flag_event(who, episode_id=episode)
    deliver(settings, factory, one, other,
            flag_handled(one, who["psychologist"]), flag_handled(other, who["psychologist"]),  # hers, all done
            flag_handled(one, who["inspector"]))  # he has acted on one flag of the two
    subject = f"episode:{episode}"
    assert notification_of(engine, who["inspector"], subject).acknowledged_at is None
    assert notification_of(engine, who["psychologist"], subject).acknowledged_via == "risk"
    sweep_until_judged(settings, factory, engine, notification_of(engine, who["inspector"], subject).id,
                       datetime.now(UTC) + timedelta(seconds=61))
    escalated = rows(engine, "SELECT n.user_id FROM notification e JOIN notification n ON n.id = e.escalates_id "
                             "WHERE e.kind = 'escalation' AND e.subject = :s", s=subject)
    assert [r.user_id for r in escalated] == [who["inspector"]]  # his chain, not stopped by half an answer
    deliver(settings, factory, flag_handled(other, who["inspector"]))
    assert notification_of(engine, who["inspector"], subject).acknowledged_via == "risk"


def test_a_flag_joining_an_episode_that_went_up_joins_the_supervisors_escalation_and_is_answered_only_in_full(
        notify_db, fakes):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    episode = uuid.uuid4()
    first = flag_event(who, episode_id=episode, reasons=["Breach of the protection order."])
    deliver(settings, factory, first)
    later = datetime.now(UTC) + timedelta(seconds=61)
    sweep_until_judged(settings, factory, engine, notification_of(engine, who["inspector"], f"episode:{episode}").id,
                       later)
    joined = flag_event(who, episode_id=episode, reasons=["Threats reported."])
    deliver(settings, factory, joined)
    went_up = notification_of(engine, who["supervisor"], f"episode:{episode}")
    assert sorted(went_up.flag_ids) == sorted([first.data.flag_id, joined.data.flag_id])
    assert went_up.reasons == ["Breach of the protection order.", "Threats reported."]
    # the supervisor acts in risk on the first flag only: his escalation still goes up to the chief
    deliver(settings, factory, flag_handled(first, who["supervisor"]))
    sweep_until_judged(settings, factory, engine, went_up.id, later + timedelta(seconds=61))
    assert (who["chief"], 2) in escalations(engine, joined.data.flag_id)


def test_the_escalation_sweep_reads_only_the_supervisor_lines_above_the_people_it_judges(notify_db):
    settings, factory, _ = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    looped = f"loop-{who['inspector']}"
    deliver(settings, factory, user_event(looped, "supervisor", supervisor_id=looped),  # a loop in the data
            user_event(f"other-{who['inspector']}", "inspector", supervisor_id=who["supervisor"]))
    with factory() as s:
        assert supervisors_above(s, people=[who["inspector"], looped]) == {
            who["inspector"]: who["supervisor"], who["supervisor"]: who["chief"], who["chief"]: None, looped: looped}


def test_a_flag_risk_raised_before_it_heard_she_was_removed_does_not_bring_her_back(notify_db, fakes):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, user_event(who["support"], "support_worker", language="ru", phone="+998907770002"))
    enrolment, order = uuid.uuid4(), uuid.uuid4()
    deliver(settings, factory, support_worker_changed(who, enrolment, who["support"], None, 2),
            support_worker_changed(who, enrolment, None, who["support"], 3))
    # risk had not yet heard of her removal when it raised a (lower) flag naming her: hearsay, not enrollment's word
    deliver(settings, factory, flag_event(who, level="medium", enrolment_id=enrolment,
                                          victim_support_worker_id=who["support"]),
            order_event(OrderEnded, who, order, enrolment, programme_unfinished=True,
                        ended_on=datetime.now(UTC).date(), how="expired"))
    drain(settings, factory)
    assert rows(engine, "SELECT notice FROM notification WHERE user_id = :u", u=who["support"]) == []


def test_her_support_worker_reads_her_own_notices_over_http_and_nobody_elses(notify_db, app_for, token):
    settings, factory, engine = notify_db
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    deliver(settings, factory, user_event(who["support"], "support_worker"),
            flag_event(who, victim_support_worker_id=who["support"]))
    client = app_for("notify").test_client()
    her = {"Authorization": f"Bearer {token(who['support'], 'support_worker', region=REGION, district=DISTRICT)}"}
    [notice] = client.get("/notifications", headers=her).get_json()["items"]
    assert (notice["kind"], notice["notice"], notice["level"], notice["reasons"]) == (
        "safety_notice", "critical_flag", "critical", [])
    assert client.get(f"/notifications/{notice['id']}", headers=her).status_code == 200
    # his inspector's alert about the same flag, with its reasons, is his: as if it did not exist for her
    [(theirs,)] = rows(engine, "SELECT id FROM notification WHERE user_id = :u", u=who["inspector"])
    assert client.get(f"/notifications/{theirs}", headers=her).status_code == 404
    assert client.post(f"/notifications/{theirs}/acknowledge", headers=her).status_code == 404


# -- reasons as codes (issue 19): each person reads why in their own language -------------------------------------
EXPIRING = Reason(code="order_expiring", params={"expires_on": "2026-12-10", "days_left": 5, "programme": True,
                                                 "follow_up": False})
EXPIRING_EN = "His protection order expires on 2026-12-10 (5 days left) while his programme is unfinished."


def test_a_karakalpak_reader_reads_the_flags_reason_in_karakalpak_and_a_russian_one_in_russian(notify_db, fakes,
                                                                                                app_for):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)  # the inspector reads Russian, the psychologist Karakalpak
    deliver(settings, factory, flag_event(who, level="high", rule_id="order.expiring", reasons=[EXPIRING_EN],
                                          reason_codes=[EXPIRING]))
    drain(settings, factory)
    [stored] = rows(engine, "SELECT reasons, reason_codes FROM notification WHERE user_id = :u", u=who["psychologist"])
    assert stored.reasons == [EXPIRING_EN] and stored.reason_codes == [EXPIRING.as_data()]
    karakalpak = mail.to(f"{who['psychologist']}@iiv.uz")[-1].get_content()
    assert "Onıń qorǵaw orderiniń múddeti 10.12.2026 kúni tawsıladı (5 kún qaldı)" in karakalpak
    assert "protection order" not in karakalpak and "2026-12-10" not in karakalpak
    russian = mail.to(f"{who['inspector']}@iiv.uz")[-1].get_content()
    assert "Срок его охранного ордера истекает 10 дек. 2026" in russian and "protection order" not in russian
    client, path = app_for("notify").test_client(), ack_path(settings, mail, f"{who['psychologist']}@iiv.uz")
    assert "Onıń qorǵaw orderiniń múddeti" in client.get(path).get_data(as_text=True)
    shown = client.get(path, headers={"Accept": "application/json"}).get_json()
    assert shown["reasons"] == [EXPIRING_EN] and shown["said"][0].startswith("Onıń qorǵaw orderiniń múddeti")


def test_a_flag_joining_an_episode_adds_its_codes_and_the_digest_renders_them_in_the_readers_language(notify_db,
                                                                                                       fakes):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)
    episode = uuid.uuid4()
    plan = Reason(code="plan_overdue", params={"issued_on": "2026-11-20", "due_on": "2026-11-24"})
    deliver(settings, factory,
            flag_event(who, level="low", episode_id=episode, reasons=[EXPIRING_EN], reason_codes=[EXPIRING]),
            flag_event(who, level="low", episode_id=episode, reasons=["The correction plan ..."], reason_codes=[plan]))
    [alert] = rows(engine, "SELECT reason_codes FROM notification WHERE user_id = :u", u=who["psychologist"])
    assert alert.reason_codes == [EXPIRING.as_data(), plan.as_data()]
    morning = datetime.now(settings.zone).replace(hour=settings.digest_hour, minute=5)
    if morning <= datetime.now(settings.zone):
        morning += timedelta(days=1)
    send_digests(settings, factory, now=morning.astimezone(UTC))
    drain(settings, factory)
    [digest] = mail.to(f"{who['psychologist']}@iiv.uz")
    body = digest.get_content()
    assert "10.12.2026 kúni tawsıladı" in body and "dúzetiw rejesi 24.11.2026" in body
    assert "correction plan" not in body


def test_the_reminder_and_the_escalation_say_why_in_each_readers_language(notify_db, fakes):
    settings, factory, engine = notify_db
    mail, _, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)  # the psychologist reads Karakalpak, the supervisor Uzbek (Latin)
    deliver(settings, factory, flag_event(who, reasons=[EXPIRING_EN], reason_codes=[EXPIRING]))
    drain(settings, factory)
    escalate_due(settings, factory, now=datetime.now(UTC) + timedelta(seconds=61))
    drain(settings, factory)
    [reminder] = [m for m in mail.to(f"{who['psychologist']}@iiv.uz")][1:]
    assert "10.12.2026 kúni tawsıladı" in reminder.get_content()
    [to_supervisor] = mail.to(f"{who['supervisor']}@iiv.uz")
    assert "Uning himoya orderi muddati 10-dek, 2026 kuni tugaydi" in to_supervisor.get_content()
    for message in (reminder, to_supervisor):
        assert "protection order" not in message.get_content()


# -- why nothing was sent, as a code (issue 19): each reader says it in its own language ------------------------------
def test_a_skipped_delivery_says_why_as_a_code_and_notify_writes_no_sentence_for_it(notify_db, fakes, stack, app_for,
                                                                                    token):
    _, factory, engine = notify_db
    # an installation with neither an SMS gateway nor a Telegram bot
    settings = stack.settings("notify", smtp_port=fakes[0].port, portal_url="https://portal.qadam.test")
    who = people(uuid.uuid4().hex[:6])
    directory(settings, factory, who)  # the inspector has every address; the psychologist an e-mail address only
    deliver(settings, factory, flag_event(who))
    skipped = rows(engine, "SELECT n.user_id, d.channel, d.skip_reason, d.last_error FROM delivery d JOIN notification "
                           "n ON n.id = d.notification_id WHERE d.status = 'skipped' ORDER BY 1, 2")
    assert [tuple(r) for r in skipped] == [
        (who["inspector"], "sms", "sms_not_set_up", None), (who["inspector"], "telegram", "telegram_not_set_up", None),
        (who["psychologist"], "sms", "no_phone", None), (who["psychologist"], "telegram", "no_telegram_chat", None)]
    # the API publishes the code; the e-mail that went has neither
    client = app_for("notify").test_client()
    her = {"Authorization": f"Bearer {token(who['psychologist'], 'psychologist')}"}
    [alert] = client.get("/notifications", headers=her).get_json()["items"]
    shown = client.get(f"/notifications/{alert['id']}", headers=her).get_json()["deliveries"]
    assert {(d["channel"], d["status"], d["skip_reason"], d["last_error"]) for d in shown} == {
        ("email", "pending", None, None), ("sms", "skipped", "no_phone", None),
        ("telegram", "skipped", "no_telegram_chat", None)}
    # a digest for someone notify has no address for at all
    nobody = people(uuid.uuid4().hex[:6])
    deliver(settings, factory, flag_event(nobody, level="low"))
    morning = datetime.now(settings.zone).replace(hour=settings.digest_hour, minute=5)
    if morning <= datetime.now(settings.zone):
        morning += timedelta(days=1)
    assert send_digests(settings, factory, now=morning.astimezone(UTC)) >= 1
    [digest] = rows(engine, "SELECT d.status, d.skip_reason, d.last_error FROM delivery d JOIN digest g ON "
                            "g.id = d.digest_id WHERE g.user_id = :u", u=nobody["inspector"])
    assert tuple(digest) == ("skipped", "no_address", None)


def test_a_phone_number_given_later_sends_only_what_waited_for_a_phone(notify_db, fakes):
    settings, factory, engine = notify_db
    _, sms, _ = fakes
    who = people(uuid.uuid4().hex[:6])
    deliver(settings, factory, user_event(who["inspector"], "inspector", email=None))
    deliver(settings, factory, flag_event(who))  # critical: e-mail, Telegram and SMS, and he has none of them
    deliver(settings, factory, user_event(who["inspector"], "inspector", version=2, email=None, phone="+998907770011"))
    drain(settings, factory)
    assert len(sms.to("+998907770011")) == 1
    left = rows(engine, "SELECT d.channel, d.status, d.skip_reason FROM delivery d JOIN notification n ON "
                        "n.id = d.notification_id WHERE n.user_id = :u ORDER BY 1", u=who["inspector"])
    assert [tuple(r) for r in left] == [("email", "skipped", "no_email"), ("sms", "sent", None),
                                        ("telegram", "skipped", "no_telegram_chat")]
