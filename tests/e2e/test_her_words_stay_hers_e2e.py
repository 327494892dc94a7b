"""Her words stay hers, end to end over RabbitMQ (DOMAIN.md, safety rules): her support worker reports that the woman
is afraid, in words that could identify her; everything his psychologist, inspector, supervisor and manager can read
about him afterwards, in risk, in notify and in their e-mail, says only that victim support reported a safety concern,
when, and its level."""

from __future__ import annotations

from datetime import date, datetime
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from qadam_contracts.reasons import reason
from qadam_testing import wait_until
from qadam_words.reasons import render
from story import Story, staff_member
from test_slice_e2e import notifications

pytestmark = pytest.mark.e2e

HER_WORDS = ("Dilnoza", "Chilonzor", "bakery", "terrified")
NEVER = (*HER_WORDS, "victim_fear", "fear", "afraid")


def texts_of(mail: Message) -> list[str]:
    return [str(mail["Subject"])] + [part.get_content() for part in mail.walk() if part.get_content_maintype() == "text"]


def test_what_her_support_worker_reports_reaches_perpetrator_facing_staff_only_as_a_safety_concern(
        system, system_mail, token):
    story = Story(system.urls, token)
    group = story.set_up_group(participants=0)
    worker_id = f"vsw-{story.suffix}"
    worker = token(worker_id, "support_worker", region=story.region, district=story.district)
    staff_member(system.stack.amqp_url, story, worker_id, "support_worker")
    supervisor = token(f"sup-{story.suffix}", "supervisor", region=story.region, district=story.district)
    person = story.ok("POST", "enrollment", "/participants", story.inspector, {
        "full_name": f"Sardor Tursunov {story.suffix}", "birth_date": "1985-06-02", "region": story.region,
        "district": story.district, "preferred_language": "uz-Latn"})
    referral = {"participant_id": person["id"], "cohort_id": group["cohort"]["id"], "inspector_id": story.inspector_id,
                "psychologist_id": story.psychologist_id, "referral_source": "inspector_initiative",
                "victim_support_worker_id": worker_id}
    # enrollment names her once its staff directory has her (from the portal's event)
    enrolment = wait_until(lambda: (r := story.call("POST", "enrollment", "/enrolments", story.inspector, referral)
                                    ).status_code == 201 and r.json(), timeout=30, what="enrollment to know her")
    for action in ("assess", "start"):
        story.ok("POST", "enrollment", f"/enrolments/{enrolment['id']}/transitions", story.psychologist,
                 {"action": action})
    his = enrolment["id"]
    wait_until(lambda: story.call("GET", "risk", f"/enrolments/{his}/risk", worker).status_code == 200, timeout=20,
               what="risk to learn of the enrolment and her support worker")

    reported = story.ok("POST", "risk", f"/enrolments/{his}/incidents", worker, {
        "kind": "victim_fear", "occurred_on": tashkent_today().isoformat(), "severity": "serious",
        "details": "Dilnoza is terrified: he waited for her outside the Chilonzor bakery twice."})
    [flag] = reported["flags"]
    assert flag["level"] == "critical" and flag["source"] == "victim_support"

    for who in (story.inspector, story.psychologist):
        wait_until(lambda w=who: notifications(story, w), timeout=20, what="the critical alert")
    for user in (story.inspector_id, story.psychologist_id):
        wait_until(lambda u=user: system_mail.to(f"{u}@mahalla.uz"), timeout=20, what="the e-mail")

    said = f"A safety concern was reported by victim support on {tashkent_today().isoformat()}, level critical."
    for who in (story.psychologist, story.inspector, supervisor, story.manager):
        answers = [story.call("GET", "risk", path, who) for path in (
            f"/flags?enrolment_id={his}", f"/flags/{flag['id']}", f"/enrolments/{his}/risk",
            f"/enrolments/{his}/incidents")]
        alerts = story.call("GET", "notify", "/notifications", who)
        answers.append(alerts)
        if alerts.status_code == 200:
            answers += [story.call("GET", "notify", f"/notifications/{n['id']}", who) for n in alerts.json()["items"]]
        for answer in answers:
            for word in NEVER:
                assert word.lower() not in answer.text.lower(), (answer.url, word)
        flags = story.call("GET", "risk", f"/flags?enrolment_id={his}", who).json()
        assert [f["reasons"] for f in flags["items"]] == [[said]]
    explained = story.ok("GET", "risk", f"/enrolments/{his}/risk", story.inspector, status=200)
    # read aloud in English (the default), its date as English writes it: still only a date and a level
    aloud = render(reason("concern", on=tashkent_today().isoformat(), level="critical"), "en")
    assert explained["level"] == "critical" and any(aloud in line for line in explained["read_aloud"])
    mails = [m for m in system_mail.messages if m["To"] != f"{worker_id}@mahalla.uz"]
    assert [m for m in mails if m["To"] in (f"{story.inspector_id}@mahalla.uz", f"{story.psychologist_id}@mahalla.uz")]
    for mail in mails:
        for text in texts_of(mail):
            for word in NEVER:
                assert word.lower() not in text.lower(), (mail["To"], word)

    # her support worker still reads her report in full
    [hers] = story.ok("GET", "risk", f"/enrolments/{his}/incidents", worker, status=200)["items"]
    assert hers["kind"] == "victim_fear" and "Chilonzor bakery" in hers["details"]


def tashkent_today() -> date:
    """The day in Tashkent, the services' time zone: after 19:00 UTC it is already tomorrow there."""
    return datetime.now(ZoneInfo("Asia/Tashkent")).date()
