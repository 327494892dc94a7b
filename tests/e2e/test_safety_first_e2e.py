"""Issue 16 end to end over RabbitMQ: one absence episode reaches each person as one alert with every reason, and
her support worker, linked after referral, hears of what bears on the woman's safety in her own language and of
nothing of his sessions."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from qadam_testing import wait_until
from story import Story, staff_member
from test_slice_e2e import notifications, record_first_session

pytestmark = pytest.mark.e2e


def test_two_absences_in_a_row_reach_each_person_as_one_alert_with_every_reason(system, system_mail, token):
    story = Story(system.urls, token)
    # the extended programme: two in a row alert his inspector, and (one allowed in a row) propose his exit
    group = story.set_up_group(participants=1, template="extended_group")
    his = group["enrolments"][0]["id"]
    record_first_session(story, group, [{"enrolment_id": his, "status": "unexcused"}])
    second = story.schedule(group["cohort"]["id"], 2, days_ago=3)
    story.record(second["id"], [(his, "unexcused")])

    def rules() -> set[str]:
        flags = story.ok("GET", "risk", f"/flags?enrolment_id={his}", story.inspector, status=200)["items"]
        return {f["rule_id"] for f in flags}
    wait_until(lambda: {"consecutive_absences", "programme.exit_proposed"} <= rules(), timeout=30,
               what="risk to flag the two absences in a row and the exit enrollment proposed")

    for who, user in ((story.inspector, story.inspector_id), (story.psychologist, story.psychologist_id)):
        [alert] = wait_until(lambda w=who: [a for a in notifications(story, w)
                                            if any("Exit from the programme" in r for r in a["reasons"])],
                             timeout=30, what="the exit proposal to join the absence alert")
        assert len(notifications(story, who)) == 1  # one episode, one alert
        assert any("2 unexcused absences in a row" in r for r in alert["reasons"])
        # its mail goes out after the alert is recorded (notify's delivery), once
        wait_until(lambda u=user: system_mail.to(f"{u}@mahalla.uz"), timeout=30, what="the alert's mail")
        assert len(system_mail.to(f"{user}@mahalla.uz")) == 1
    # the flags stay separate in risk
    assert len(story.ok("GET", "risk", f"/flags?enrolment_id={his}", story.inspector, status=200)["items"]) >= 2


def test_her_support_worker_linked_after_referral_hears_of_a_critical_flag_and_his_suspension_in_her_language(
        system, system_mail, token):
    story = Story(system.urls, token)
    group = story.set_up_group(participants=1, name="Ǵayrat Ańsatov")
    his = group["enrolments"][0]["id"]
    code = group["enrolments"][0]["participant_code"]
    worker_id = f"vsw-{story.suffix}"
    staff_member(system.stack.amqp_url, story, worker_id, "support_worker", language="kaa")
    # linked by his inspector once enrollment knows her from the directory (an unknown worker is refused)
    stranger = story.call("PUT", "enrollment", f"/enrolments/{his}/victim-support-worker", story.inspector,
                          {"victim_support_worker_id": f"nobody-{uuid.uuid4().hex[:6]}"})
    assert stranger.status_code == 422 and "victim_support_worker_id" in stranger.json()["errors"]
    wait_until(lambda: story.call("PUT", "enrollment", f"/enrolments/{his}/victim-support-worker", story.inspector,
                                  {"victim_support_worker_id": worker_id}).status_code == 200, timeout=30,
               what="enrollment to learn of her support worker")
    # the PUT's event reaches risk, whose critical flag then names her
    wait_until(lambda: story.call("GET", "risk", f"/enrolments/{his}/risk", token(
        worker_id, "support_worker", region=story.region, district=story.district)).status_code == 200,
        timeout=30, what="risk to learn she supports the woman")
    story.ok("POST", "risk", f"/enrolments/{his}/incidents", story.inspector, {
        "kind": "order_breach", "occurred_on": date.today().isoformat(), "severity": "serious"})
    story.ok("POST", "enrollment", f"/enrolments/{his}/transitions", story.psychologist,
             {"action": "suspend", "reason": "illness"})

    mails = wait_until(lambda: len(m := system_mail.to(f"{worker_id}@mahalla.uz")) >= 2 and m, timeout=30,
                       what="her two notices")
    texts = [f"{m['Subject']}\n{m.get_content()}" for m in mails]
    assert any("júdá joqarı qáwip" in t for t in texts)  # the critical flag, in Karakalpak
    assert any("toqtatıldı" in t for t in texts)  # his suspension
    for text in texts:
        assert code in text
        for never in ("Ańsatov", "Ansatov", "session", "absence", "breach", "illness", "sessiya"):
            assert never.lower() not in text.lower(), never
    assert len(system_mail.to(f"{worker_id}@mahalla.uz")) == 2
