"""Issue 19: one way to write a date per language, on a page, in an e-mail and in an export alike.

A serious incident is reported for one of the demo men on a day some days ago: risk flags it, and the flag's reason
(a code with the incident's day) reaches his inspector as an alert. In each language, that day must read the same
in the reason on the man's page, in the alert's e-mail as notify renders it from the notification's reason codes,
and in the dashboard's Excel export of the period from that day's quarter ("Started from" on its notes sheet): the
language's own date (qadam_words' formats), never the ISO day the codes carry.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from notify.domain.templates import render
from openpyxl import load_workbook
from portal_testkit import csrf_of
from qadam.auth import issue_token
from qadam.config import Settings
from qadam.quarters import quarter_start
from qadam_contracts.vocabulary import LANGUAGES
from qadam_testing import wait_until
from qadam_words import words
from qadam_words.reasons import joined, render_all

INSPECTOR, MANAGER = "insp-nukus-1", "mgr-karakalpakstan"
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)
DAYS_AGO = 4


def _text(page: str) -> str:
    """The page's text, spaces between tags and lines made one (a language's own spaces, U+202F in "2 дек. 2026 г.",
    kept)."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(TAGS.sub(" ", page)))


@pytest.fixture(scope="module")
def incident(client_for: Any, demo: dict[str, Any], jwt_keys: tuple[Path, Path]) -> dict[str, Any]:
    """The incident's day, the man's enrolment and the alert notify made of its flag (as notify's API gives it to
    his inspector: the reason codes beside the level, the code and the link)."""
    day = date.today() - timedelta(days=DAYS_AGO)
    enrolment = demo["enrolments"][2]
    client = client_for(INSPECTOR, "en")
    path = f"/participants/{enrolment['id']}/incident"
    form = client.get(path).text
    idem = re.search(r'name="idem" value="([^"]+)"', form)
    sent = client.post(path, data={"csrf_token": csrf_of(form), "idem": idem.group(1) if idem else "",
                                   "kind": "order_breach", "severity": "serious", "occurred_on": day.isoformat(),
                                   "details": ""})
    assert sent.status_code == 302, sent.text[:2000]
    defaults, user = Settings(), demo["users"][INSPECTOR]
    token = issue_token(jwt_keys[0].read_bytes(), user_id=user.id, role="inspector", issuer=defaults.jwt_issuer,
                        audience=defaults.jwt_audience, ttl_seconds=600, region=user.region, district=user.district)

    def alert() -> dict[str, Any] | None:
        answer = requests.get(demo["urls"]["notify"] + "/notifications?page_size=100", timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return next((n for n in answer.json()["items"] if n["participant_code"] == enrolment["participant_code"]
                     and any(r.get("code") == "incident" and r.get("params", {}).get("on") == day.isoformat()
                             for r in n.get("reason_codes") or [])), None)

    found = wait_until(alert, timeout=30, what="the incident's alert in notify")
    return {"day": day, "enrolment": enrolment, "alert": found}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reason_s_day_reads_the_same_on_the_page_in_the_e_mail_and_in_the_export(client_for, incident,
                                                                                     language):
    day: date = incident["day"]
    written = words("reasons", language).format_date(day)
    assert written != day.isoformat()
    alert = incident["alert"]
    said = joined(alert["reason_codes"], language)  # the reason in this language, as every renderer says it
    assert written in said, said

    # the page: the flag's reason on the man's page, the day written so
    page = client_for(INSPECTOR, language).get(f"/participants/{incident['enrolment']['id']}")
    assert page.status_code == 200
    shown = _text(page.text)
    incident_said = render_all([r for r in alert["reason_codes"] if r["code"] == "incident"], language)[0]
    assert incident_said.rstrip(".") in shown, (language, incident_said)
    assert day.isoformat() not in shown

    # the e-mail: notify's alert, from the notification's codes, in this language
    mail = render("alert", language, participant_code=alert["participant_code"], level=alert["level"],
                  reason=said, link="https://qadam.example/alerts/1", ack_link="https://qadam.example/ack/1")
    assert written in mail.text
    # the short text (SMS, Telegram) writes the language's narrow spaces as plain ones, the date otherwise the same
    assert re.sub(r"[\u00a0\u202f]", " ", written) in mail.short
    assert day.isoformat() not in mail.text

    # the export: the dashboard's workbook of the period that starts with that day's quarter (a report's period is
    # whole quarters), in this language: its first day written as the reason writes a day
    manager = client_for(MANAGER, language)
    export = manager.get(f"/dashboard/export.xlsx?from={day.isoformat()}&to={date.today().isoformat()}")
    assert export.status_code == 200, export.text[:2000]
    book = load_workbook(io.BytesIO(export.data), read_only=True)
    cells = [str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    first = words("reasons", language).format_date(quarter_start(day))
    assert first in cells, (language, first, [c for c in cells if re.search(r"\d", c)][:20])
