"""The psychologist's pages, used as a psychologist would: today's work, the groups, a whole group's attendance on
one screen (refused with the participant named when a mark is missing), the notes, one man's history.

The demo sessions 1 and 2 belong to the browser test, which records them; these tests schedule sessions of their
own in the demo group (through sessions, as its psychologist) and record only those."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from portal_testkit import csrf_of
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_contracts.vocabulary import LANGUAGES
from qadam_words.vocabulary import reason_name, warning_sign_name

PSYCHOLOGIST = "psy-nukus-1"
MISSING = "X-Qadam-Missing-Translations"


# -- fixtures ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def psy_api(demo: dict[str, Any], jwt_keys: tuple[Path, Path]) -> Any:
    """call(method, path, body) on sessions as the demo group's psychologist."""
    defaults = Settings()
    token = issue_token(jwt_keys[0].read_bytes(), user_id=PSYCHOLOGIST, role="psychologist",
                        issuer=defaults.jwt_issuer, audience=defaults.jwt_audience, ttl_seconds=3600,
                        region=demo["users"][PSYCHOLOGIST].region, district=demo["users"][PSYCHOLOGIST].district)

    def call(method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, demo["urls"]["sessions"] + path, json=body, timeout=10,
                                headers={"Authorization": f"Bearer {token}"})

    return call


@pytest.fixture(scope="module")
def own_sessions(demo: dict[str, Any], psy_api: Any) -> dict[str, str]:
    """Two sessions of the demo group, started 40 and 20 minutes ago, that only these tests record: `open` stays
    unrecorded until the last test, `recorded` is recorded by the `recorded` fixture."""
    cohort_id = demo["cohort"]["id"]
    made: list[str] = []
    number = 40
    while len(made) < 2:
        start = datetime.now(UTC) - timedelta(minutes=40 - 20 * len(made))
        r = psy_api("POST", f"/cohorts/{cohort_id}/sessions", {
            "number": number, "scheduled_at": start.replace(microsecond=0).isoformat(),
            "topic": "Responsibility", "place": "Qizketken mahalla guzari"})
        number += 1
        if r.status_code == 409:  # that number is taken in this group: the next one
            continue
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
    return {"open": made[0], "recorded": made[1], "open_number": str(number - 2), "recorded_number": str(number - 1)}


def _enrolments(demo: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(demo["enrolments"], key=lambda e: e["participant_code"])


def _whole_group(demo: dict[str, Any], page: str) -> dict[str, Any]:
    """The form as a psychologist fills it: the first man present and active, with homework done and a warning
    sign; the second absent with an excuse; the rest present."""
    men = _enrolments(demo)
    form: dict[str, Any] = {"csrf_token": csrf_of(page), "idem": re.search(r'name="idem" value="([^"]+)"', page)[1]}
    for e in men:
        form[f"status-{e['id']}"] = "present"
    first, second = men[0]["id"], men[1]["id"]
    form[f"participation-{first}"] = "3"
    form[f"homework-{first}"] = "yes"
    form[f"signs-{first}"] = ["denial_or_minimisation"]
    form[f"status-{second}"] = "excused"
    form[f"reason-{second}"] = "In hospital with his mother"
    form[f"participation-{second}"] = "2"  # tapped before he was marked absent: not kept
    return form


def _sessions_heard_every_move(portal_system: Any, database: Any) -> None:
    """Wait until sessions has handled every move of an enrolment enrollment published so far: the men's start
    reaches sessions as an event, and until then they are not taking part there."""
    with database("enrollment").connect() as c:
        moves = c.execute(sa.text("SELECT id FROM outbox WHERE routing_key = 'enrollment.status.changed'")).scalars()
        for message_id in moves.all():
            portal_system.wait_for_handled("sessions", "enrollment.status.changed", message_id=message_id)


@pytest.fixture(scope="module")
def recorded(client_for: Any, demo: dict[str, Any], own_sessions: dict[str, str], portal_system: Any,
             database: Any) -> dict[str, Any]:
    """The `recorded` session's attendance, recorded through the page, the form sent twice (a double tap)."""
    client = client_for(PSYCHOLOGIST, "en")
    url = f"/sessions/{own_sessions['recorded']}/attendance"
    form = _whole_group(demo, client.get(url).text)
    _sessions_heard_every_move(portal_system, database)
    first = client.post(url, data=form)
    again = client.post(url, data=form)
    after = client.get(again.headers.get("Location") or url)
    return {"first": first, "again": again, "after": after}


# -- today and the groups ------------------------------------------------------------------------------------------
def test_today_offers_to_record_each_started_unrecorded_session(client_for, demo, own_sessions):
    page = client_for(PSYCHOLOGIST, "en").get("/today")
    assert page.status_code == 200
    assert MISSING not in page.headers
    assert "Nukus, group 1" in page.text
    assert re.search(rf'<a class="button" href="/sessions/{own_sessions["open"]}/attendance">Record attendance',
                     page.text)
    assert "My cohorts" in page.text and re.search(r"\d+ taking part", page.text)


def test_today_lists_the_call_owed_after_an_unexcused_absence_and_records_how_it_went(client_for, demo, psy_api):
    """A man absent without excuse two days ago: his call is overdue on her Today page, in every language, and she
    records its outcome there; the call leaves the list."""
    man = _enrolments(demo)[-1]  # not the man the browser test marks absent
    number, start = 60, (datetime.now(UTC) - timedelta(hours=50)).replace(microsecond=0)
    while (made := psy_api("POST", f"/cohorts/{demo['cohort']['id']}/sessions", {
            "number": number, "scheduled_at": start.isoformat()})).status_code == 409:
        number += 1
    assert made.status_code == 201, made.text
    marked = psy_api("POST", f"/sessions/{made.json()['id']}/attendance",
                     {"marks": [{"enrolment_id": man["id"], "status": "unexcused"}]})
    assert marked.status_code == 201, marked.text
    for language in LANGUAGES:
        page = client_for(PSYCHOLOGIST, language).get("/today")
        assert page.status_code == 200 and MISSING not in page.headers, language
    client = client_for(PSYCHOLOGIST, "en")
    page = client.get("/today").text
    row = re.search(rf'<tr class="overdue">(?:(?!</tr>).)*{man["participant_code"]}.*?</tr>', page, re.S)
    assert row, page
    assert f"Session {number}" in row[0] and "Overdue" in row[0] and "Reached him" in row[0]
    action = re.search(r'action="(/calls/[0-9a-f-]+/outcome)"', row[0])[1]
    idem = re.search(r'name="idem" value="([^"]+)"', row[0])[1]
    unchosen = client.post(action, data={"csrf_token": csrf_of(page), "idem": idem, "outcome": ""})
    assert unchosen.status_code == 302 and "Choose how the call went" in client.get("/today").text
    sent = client.post(action, data={"csrf_token": csrf_of(page), "idem": idem, "outcome": "reached"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/today")
    after = client.get("/today").text
    assert f"The call to {man['participant_code']} is recorded: Reached him." in after
    assert action not in after
    done = psy_api("GET", "/calls?status=done").json()["items"]
    assert [c["outcome"] for c in done if c["id"] in action] == ["reached"]


def test_cohorts_page_shows_programme_area_status_and_next_session(client_for, demo):
    page = client_for(PSYCHOLOGIST, "en").get("/cohorts")
    assert page.status_code == 200
    row = re.search(r"<tr>\s*<td><a href=\"/cohorts/[^\"]+\">Nukus, group 1</a>.*?</tr>", page.text, re.S)
    assert row, page.text
    assert "Statutory correction programme" in row[0]
    assert "Nukus / Qizketken" in row[0]
    assert "Group forming" in row[0] or "Group running" in row[0]
    assert "Session 3" in row[0] or "Session 4" in row[0]  # the next session still to come


def test_cohort_page_lists_its_men_and_its_sessions_in_programme_order(client_for, demo, own_sessions):
    page = client_for(PSYCHOLOGIST, "en").get(f"/cohorts/{demo['cohort']['id']}")
    assert page.status_code == 200
    for e in demo["enrolments"]:
        assert f'href="/enrolments/{e["id"]}">{e["participant_code"]}</a>' in page.text  # his place in the programme
        assert f'href="/enrolments/{e["id"]}/attendance"' in page.text  # and his attendance
    sessions = page.text.split("<h2>Sessions</h2>")[1]
    order = [sessions.index(f"<td>Session {n}</td>") for n in (1, 2, 3, 4, int(own_sessions["open_number"]))]
    assert order == sorted(order)


# -- recording attendance --------------------------------------------------------------------------------------
def test_attendance_form_has_one_row_per_man_and_nothing_chosen(client_for, demo, own_sessions):
    page = client_for(PSYCHOLOGIST, "en").get(f"/sessions/{own_sessions['open']}/attendance")
    assert page.status_code == 200
    for e in demo["enrolments"]:
        assert f'<span class="who" id="who-{e["id"]}">{e["participant_code"]}</span>' in page.text
        assert f'role="group" aria-labelledby="who-{e["id"]}"' in page.text
        assert f'for="reason-{e["id"]}"' in page.text
    assert " checked" not in page.text
    assert "Threatened to kill" in page.text and "Save the attendance of 6 participants" in page.text


def test_a_man_without_a_mark_is_named_and_nothing_is_recorded(client_for, demo, own_sessions):
    client = client_for(PSYCHOLOGIST, "en")
    url = f"/sessions/{own_sessions['open']}/attendance"
    form = _whole_group(demo, client.get(url).text)
    forgotten = _enrolments(demo)[4]
    del form[f"status-{forgotten['id']}"]
    page = client.post(url, data=form)
    assert page.status_code == 422
    assert f"{forgotten['participant_code']}: choose present, late, excused absence or unexcused absence." in page.text
    assert f'href="#status-{forgotten["id"]}"' in page.text  # the summary leads to his row
    assert 'value="excused" checked' in page.text  # what was chosen is kept
    assert "Save the attendance" in client.get(url).text  # still unrecorded


def test_an_excused_absence_without_its_reason_is_refused(client_for, demo, own_sessions):
    client = client_for(PSYCHOLOGIST, "en")
    url = f"/sessions/{own_sessions['open']}/attendance"
    form = _whole_group(demo, client.get(url).text)
    second = _enrolments(demo)[1]
    form[f"reason-{second['id']}"] = "  "
    page = client.post(url, data=form)
    assert page.status_code == 422
    assert f"{second['participant_code']}: an excused absence needs its reason." in page.text
    assert f'aria-describedby="reason-{second["id"]}-error"' in page.text


def test_recording_the_group_goes_to_the_notes_once_even_when_sent_twice(client_for, demo, own_sessions, recorded):
    notes_url = f"/sessions/{own_sessions['recorded']}/notes"
    assert recorded["first"].status_code == 302, recorded["first"].text[:3000]
    assert recorded["first"].headers["Location"].endswith(notes_url)
    assert recorded["again"].status_code == 302  # the double tap replays the first answer
    assert recorded["again"].headers["Location"].endswith(notes_url)
    assert "Attendance of 6 participants is recorded" in recorded["after"].text
    marks = client_for(PSYCHOLOGIST, "en").get(f"/sessions/{own_sessions['recorded']}/attendance").text
    assert marks.count("Amendments<span") == 6  # one mark each, not two


def test_recorded_attendance_is_shown_read_only_with_amendments(client_for, demo, own_sessions, recorded):
    client = client_for(PSYCHOLOGIST, "en")
    page = client.get(f"/sessions/{own_sessions['recorded']}/attendance")
    assert page.status_code == 200
    # nothing records it again (its one form prints the paper register)
    assert f"<form method=\"post\" action=\"/sessions/{own_sessions['recorded']}/attendance" not in page.text
    assert "/register\" class=\"register-form\"" in page.text
    assert page.text.count("Amendments<span") == 6
    assert "In hospital with his mother" in page.text
    assert "Denies or minimises the violence" in page.text


def test_history_shows_the_mark_with_participation_and_warning_signs(client_for, demo, own_sessions, recorded):
    first, second = _enrolments(demo)[:2]
    page = client_for(PSYCHOLOGIST, "en").get(f"/enrolments/{first['id']}/attendance")
    assert page.status_code == 200
    assert f"Attendance of {first['participant_code']}" in page.text
    row = re.search(rf"Session {own_sessions['recorded_number']}</a>.*?</tr>", page.text, re.S)
    assert row, page.text
    assert "Present" in row[0] and "Actively" in row[0] and "Did it" in row[0]
    assert "Denies or minimises the violence" in row[0]
    assert "<dt>Enrolment</dt>" in page.text and "Active in the programme" in page.text.split("<dt>Enrolment</dt>")[1][:200]
    other = client_for(PSYCHOLOGIST, "en").get(f"/enrolments/{second['id']}/attendance").text
    row = re.search(rf"Session {own_sessions['recorded_number']}</a>.*?</tr>", other, re.S)
    assert row and "Excused absence" in row[0] and "In hospital with his mother" in row[0]
    assert "Takes part" not in row[0]  # participation tapped for an absent man is not kept


def test_a_mark_is_corrected_by_an_amendment_that_keeps_the_old_one(client_for, demo, own_sessions, recorded):
    client = client_for(PSYCHOLOGIST, "en")
    third = _enrolments(demo)[2]
    url = f"/sessions/{own_sessions['recorded']}/attendance/{third['id']}/amendments"
    page = client.get(url)
    assert page.status_code == 200 and "The mark has not been corrected." in page.text
    refused = client.post(url, data={"csrf_token": csrf_of(page.text), "idem": str(uuid.uuid4()), "status": "late",
                                     "reason": ""})
    assert refused.status_code == 422 and "Say why the recorded mark was wrong." in refused.text
    same = client.post(url, data={"csrf_token": csrf_of(page.text), "idem": str(uuid.uuid4()), "status": "present",
                                  "reason": "Checking"})
    assert same.status_code == 422 and "The mark says this already" in same.text
    done = client.post(url, data={"csrf_token": csrf_of(page.text), "idem": str(uuid.uuid4()), "status": "late",
                                  "reason": "He came 20 minutes late; marked present by mistake"})
    assert done.status_code == 302
    page = client.get(url)
    row = re.search(r"<tbody>.*?</tbody>", page.text.split("Earlier values")[1], re.S)
    assert row and "Present" in row[0] and "Came late" in row[0] and "marked present by mistake" in row[0]


# -- notes -------------------------------------------------------------------------------------------------------
def test_notes_are_marked_confidential_and_a_written_note_is_listed(client_for, demo, own_sessions, recorded):
    client = client_for(PSYCHOLOGIST, "en")
    url = f"/sessions/{own_sessions['recorded']}/notes"
    page = client.get(url)
    assert page.status_code == 200
    assert "Confidential." in page.text and "sealed" in page.text
    empty = client.post(url, data={"csrf_token": csrf_of(page.text), "idem": str(uuid.uuid4()), "text": " "})
    assert empty.status_code == 422 and "Write the note before saving it." in empty.text
    first = _enrolments(demo)[0]
    saved = client.post(url, data={"csrf_token": csrf_of(page.text), "idem": str(uuid.uuid4()), "about": first["id"],
                                   "text": "Spoke of his anger at the inspector's visit.\nCalm by the end."})
    assert saved.status_code == 302
    page = client.get(url)
    assert "The note is saved and sealed." in page.text
    note = re.search(r'<article class="card note".*?</article>', page.text, re.S)
    assert note and first["participant_code"] in note[0] and "Calm by the end." in note[0]


# -- who may see what ----------------------------------------------------------------------------------------------
def test_a_session_days_away_takes_no_attendance_yet(client_for, psy_api, demo):
    sessions = psy_api("GET", f"/cohorts/{demo['cohort']['id']}/sessions?page_size=100").json()["items"]
    later = next(s for s in sessions if s["number"] == 4)
    page = client_for(PSYCHOLOGIST, "en").get(f"/sessions/{later['id']}/attendance")
    assert page.status_code == 200
    assert "an hour before the session starts" in page.text and "Save the attendance" not in page.text


def test_a_supervisor_reads_the_group_but_records_nothing(client_for, demo, own_sessions, recorded):
    client = client_for("sup-nukus", "en")
    page = client.get(f"/cohorts/{demo['cohort']['id']}")
    assert page.status_code == 200
    assert "Record attendance" not in page.text and "/notes" not in page.text
    first = _enrolments(demo)[0]
    assert client.get(f"/enrolments/{first['id']}/attendance").status_code == 200
    assert client.get(f"/sessions/{own_sessions['open']}/attendance").status_code == 403
    assert client.get(f"/sessions/{own_sessions['recorded']}/notes").status_code == 403
    assert client.get("/today").status_code == 403


def test_an_inspector_is_refused_the_psychologists_pages(client_for, demo):
    client = client_for("insp-nukus-1", "en")
    for url in ("/today", "/cohorts", f"/cohorts/{demo['cohort']['id']}"):
        assert client.get(url).status_code == 403


# -- every page in every language ----------------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_translated(client_for, demo, own_sessions, recorded, language):
    client = client_for(PSYCHOLOGIST, language)
    first, third = _enrolments(demo)[0], _enrolments(demo)[2]
    pages = ["/today", "/cohorts", f"/cohorts/{demo['cohort']['id']}",
             f"/sessions/{own_sessions['open']}/attendance",
             f"/sessions/{own_sessions['recorded']}/attendance",
             f"/sessions/{own_sessions['recorded']}/attendance/{third['id']}/amendments",
             f"/sessions/{own_sessions['recorded']}/notes",
             f"/enrolments/{first['id']}/attendance"]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert MISSING not in page.headers, (url, language)
    # the form's own errors too
    url = f"/sessions/{own_sessions['open']}/attendance"
    refused = client.post(url, data={"csrf_token": csrf_of(client.get(url).text), "idem": str(uuid.uuid4()),
                                     f"status-{first['id']}": "excused"})
    assert refused.status_code == 422
    assert MISSING not in refused.headers, language
    supervisor = client_for("sup-nukus", language).get(f"/cohorts/{demo['cohort']['id']}")
    assert MISSING not in supervisor.headers, language


@pytest.mark.parametrize("language", ["kaa", "kaa-Cyrl", "ru"])
def test_the_reasons_to_move_a_man_and_the_warning_signs_are_in_the_readers_language(client_for, demo, own_sessions,
                                                                                    language):
    # both kept once in the shared vocabulary (qadam_words), not in the portal's catalogues
    client = client_for(PSYCHOLOGIST, language)
    page = html.unescape(client.get(f"/enrolments/{_enrolments(demo)[0]['id']}").text)
    for code in ("non_compliance", "moved_away", "custody"):
        assert f">{reason_name(code, language)}</option>" in page, code
    assert not {"Non-compliance", "Moved away", "In custody"} & set(re.findall(r">([^<]+)</option>", page))
    form = html.unescape(client.get(f"/sessions/{own_sessions['open']}/attendance").text)
    assert warning_sign_name("threat_to_kill", language) in form and "Threatened to kill" not in form


def test_the_open_session_is_recorded_last(client_for, demo, own_sessions):
    """Leave no session of ours unrecorded for the tests that follow (the browser's today page)."""
    client = client_for(PSYCHOLOGIST, "en")
    url = f"/sessions/{own_sessions['open']}/attendance"
    assert client.post(url, data=_whole_group(demo, client.get(url).text)).status_code == 302
    assert own_sessions["open"] not in client.get("/today").text.split("Still to record")[1].split("My cohorts")[0]


# -- a paper register ----------------------------------------------------------------------------------------------
def test_attendance_copied_from_a_paper_register_keeps_its_number_and_the_day_it_was_held(client_for, demo, psy_api):
    """A session of four days ago, its attendance copied from paper today: held the day after it was planned."""
    number, planned = 80, (datetime.now(UTC) - timedelta(days=4)).replace(microsecond=0)
    while (made := psy_api("POST", f"/cohorts/{demo['cohort']['id']}/sessions", {
            "number": number, "scheduled_at": planned.isoformat()})).status_code == 409:
        number += 1
    assert made.status_code == 201, made.text
    url = f"/sessions/{made.json()['id']}/attendance"
    client = client_for(PSYCHOLOGIST, "ru")
    page = client.get(url).text
    assert "Внесено из бумажного журнала" in page and 'name="register_number"' in page
    form: dict[str, Any] = {"csrf_token": csrf_of(page), "idem": re.search(r'name="idem" value="([^"]+)"', page)[1],
                            **{f"status-{e['id']}": "present" for e in _enrolments(demo)}}
    held_on = (planned.astimezone(Settings().zone) + timedelta(days=1)).date()
    no_number = client.post(url, data=form | {"held_on": held_on.isoformat()})
    assert no_number.status_code == 422
    assert "День, отличный от запланированного, берётся из бумажного журнала" in no_number.text
    recorded = client.post(url, data=form | {"register_number": "NK-80", "held_on": held_on.isoformat()})
    assert recorded.status_code == 302, recorded.text[:3000]
    shown = client.get(url).text
    assert "из бумажного журнала № NK-80, кем: " in shown and "Проведено " in shown, shown
