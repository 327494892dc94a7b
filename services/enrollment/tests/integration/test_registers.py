"""Attendance registers (issue 21, the fifth kind) over HTTP on the real database: sessions' sessions kept from their
events (through the handlers and the inbox, as the worker runs them), a session's register printed blank and, once
recorded, with each man's mark, in each language; its text read back (pypdf): codes and initials, never a full name,
no English word in a non-English one; its first page drawn as PNG under var/documents/; kept, checked and audited as
the other papers are; and printed only by a psychologist who facilitates the group."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from enrollment.documents import words as W  # noqa: N812 (the words as constants: W.TITLES)
from enrollment.handlers import handlers
from enrollment_papers import VOCABULARY, Office, digits, read_paper, said, set_standing
from qadam.db import make_engine, make_session_factory
from qadam.events import delivered
from qadam.inbox import Outcome, handle_once
from qadam_contracts.sessions import SessionChanged, SessionPlanned
from qadam_contracts.vocabulary import LANGUAGES
from qadam_testing import bearer

PLACE = "Mahalla guzari, 12"
# Uzbek and Karakalpak letters an initial must carry through; each name is suffixed with digits (Office.enrolment)
NAMES = ("Oʻtkir Xoʻjayev", "Ǵayrat Ńurlanov", "Бахтияр Қосымбетов")
INITIALS = ("O. X.", "Ǵ. Ń.", "Б. Қ.")
MARKS = ("present", "unexcused", "excused")
FORMS = ("blank", "held")


class Group:
    """A group of three men in the programme, its facilitator, and two sessions sessions told enrollment of: one not
    recorded yet, one whose marks are recorded."""

    def __init__(self, office: Office, stack: Any) -> None:
        self.office, self.url = office, stack.database_url("enrollment")
        self.settings = stack.settings("enrollment")
        self.cohort = office.cohort()
        self.men = [office.enrolment(self.cohort, name, f"198{n}-0{n + 1}-1{n}") for n, name in enumerate(NAMES)]
        for man in self.men:
            set_standing(self.url, man["id"], status="active", started_on=date(2026, 11, 3))
        self.at = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)  # 14:30 in Nukus (UTC+5)
        self.blank = self.session(2, self.at + timedelta(days=7))
        self.held = self.session(1, self.at)
        engine = make_engine(self.url)
        with engine.begin() as conn:  # sessions' marks as enrollment keeps them (seeded as the reports' tests do)
            for man, mark in zip(self.men, MARKS, strict=True):
                conn.execute(sa.text(
                    "INSERT INTO attendance_record (enrolment_id, session_id, session_number, session_kind, "
                    "scheduled_at, status, recorded_at) VALUES (:e, :s, 1, 'group', :at, :mark, :at)"),
                    {"e": man["id"], "s": self.held, "at": self.at, "mark": mark})
        engine.dispose()

    def tell(self, event: SessionPlanned) -> Outcome:
        """The event as the worker hands it to enrollment's handler (inbox and all)."""
        engine = make_engine(self.url)
        try:
            return handle_once(make_session_factory(engine), delivered(event),
                               handlers.bind(settings=self.settings)[type(event)])
        finally:
            engine.dispose()

    def session(self, number: int, at: datetime, **more: Any) -> uuid.UUID:
        session_id = uuid.uuid4()
        assert self.tell(self.planned(session_id, number, at, **more)) == Outcome.HANDLED
        return session_id

    def planned(self, session_id: uuid.UUID, number: int, at: datetime, *, kind: type[SessionPlanned] = SessionPlanned,
                status: str = "scheduled", changed_at: datetime | None = None) -> SessionPlanned:
        return kind(session_id=session_id, cohort_id=uuid.UUID(self.cohort["id"]), number=number, kind="group",
                    scheduled_at=at, place=PLACE, status=status, changed_at=changed_at or datetime.now(UTC))

    def register(self, session_id: uuid.UUID, language: str, who: dict | None = None, status: int = 201) -> Any:
        return self.office.ok("POST", f"/sessions/{session_id}/register", who or self.office.psychologist,
                              {"language": language}, status=status)


@pytest.fixture(scope="module")
def office(app_for, token) -> Office:
    return Office(app_for("enrollment").test_client(), token)


@pytest.fixture(scope="module")
def group(office: Office, stack) -> Group:
    return Group(office, stack)


@pytest.fixture(scope="module")
def registers(office: Office, group: Group) -> dict[tuple[str, str], tuple[dict, bytes, str]]:
    """Both forms in every language, printed once for the module: (the answer, the PDF, its text, whitespace as one
    space); the first page of each drawn under var/documents/ (git ignores it)."""
    made = {}
    for form, session_id in (("blank", group.blank), ("held", group.held)):
        for language in LANGUAGES:
            answer = group.register(session_id, language)
            pdf = office.pdf(answer["number"], who=office.psychologist)
            text = read_paper(pdf, f"attendance_register-{form}-{language}")
            made[form, language] = (answer, pdf, text)
    return made



@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("form", FORMS)
def test_a_register_names_each_man_by_code_and_initials_in_its_language(registers, group, form, language):
    answer, pdf, text = registers[form, language]
    codes = text.replace("- ", "-")
    assert pdf.startswith(b"%PDF-") and answer["kind"] == "attendance_register" and answer["language"] == language
    assert answer["session_id"] == str(group.blank if form == "blank" else group.held) and answer["enrolment_id"] is None
    assert answer["number"] in codes and answer["check_code"] in codes
    assert said(language, W.REGISTER_TITLES[form]) in text
    assert group.cohort["name"] in text and PLACE in text
    assert "14:30" in text  # the session's time in the country, not in UTC
    for man, initials in zip(group.men, INITIALS, strict=True):
        assert f"{man['participant_code']} {initials}" in codes  # his code beside his initials
        assert man["person"]["full_name"] not in text and man["person"]["full_name"].split()[0] not in text
        assert man["person"]["birth_date"] not in text
    assert said(language, W.FACILITATOR) in text and said(language, W.SIGNATURE) in text
    if form == "blank":
        assert said(language, W.PRESENT_TICK) in text and said(language, W.RECORDED_MARK) not in text
    else:
        for man, mark in zip(group.men, MARKS, strict=True):
            assert f"{man['participant_code']}" in codes and said(language, W.MARK_WORDS[mark]) in text
        assert said(language, W.RECORDED_MARK) in text and said(language, W.AS_RECORDED) in text


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
@pytest.mark.parametrize("form", FORMS)
def test_no_english_word_is_on_a_register_in_another_language(registers, group, office, form, language):
    answer, _pdf, text = registers[form, language]
    text = text.replace("- ", "-")
    for code in (answer["number"], answer["check_code"], *(m["participant_code"] for m in group.men),
                 group.cohort["name"], PLACE, office.psychologist_id, "QD"):
        text = text.replace(code, " ")
    assert VOCABULARY.english_in(text, language) == set(), text


def test_a_register_is_kept_and_checked_as_the_other_papers(office, registers, stack):
    answer, pdf, _text = registers["held", "ru"]
    checked = office.ok("GET", f"/documents/{answer['number']}?check={answer['check_code']}", {}, status=200)
    assert checked["genuine"] is True and checked["kind"] == "attendance_register"
    response = office.client.post(f"/documents/{answer['number']}/check", data=pdf, content_type="application/pdf")
    assert response.get_json()["genuine"] is True
    engine = make_engine(stack.database_url("enrollment"))
    try:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text("UPDATE document SET facts = '{}'::jsonb WHERE number = :n"), {"n": answer["number"]})
        with engine.connect() as conn:
            audited = conn.execute(sa.text("SELECT route, user_id FROM audit_log WHERE record->>'document' = :n "
                                           "ORDER BY id"), {"n": answer["number"]}).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in audited][0] == ("/sessions/<uuid:session_id>/register", office.psychologist_id)


def test_only_a_psychologist_who_facilitates_the_group_prints_or_reads_its_register(office, group, registers, token):
    number = registers["blank", "uz-Latn"][0]["number"]
    for who in (office.inspector, office.supervisor, office.manager, office.support):
        assert office.client.post(f"/sessions/{group.blank}/register", headers=who,
                                  json={"language": "ru"}).status_code == 403
        assert office.client.get(f"/documents/{number}/pdf", headers=who).status_code in (403, 404)
    stranger = bearer(token(f"psy-other-{digits()}", "psychologist", region=group.cohort["region"],
                            district=group.cohort["district"]))
    assert group.register(group.blank, "ru", who=stranger, status=404)["status"] == 404
    assert office.client.get(f"/documents/{number}/pdf", headers=stranger).status_code == 404
    assert group.register(uuid.uuid4(), "ru", status=404)["status"] == 404  # a session enrollment was not told of
    assert group.register(group.blank, "xx", status=422)["errors"]


def test_a_cancelled_session_has_no_register_and_an_older_change_arriving_late_changes_nothing(group):
    session_id = group.session(3, group.at + timedelta(days=14))
    cancelled_at = datetime.now(UTC)
    group.tell(group.planned(session_id, 3, group.at + timedelta(days=14), kind=SessionChanged, status="cancelled",
                             changed_at=cancelled_at))
    group.tell(group.planned(session_id, 3, group.at + timedelta(days=15), kind=SessionChanged,  # older, late
                             changed_at=cancelled_at - timedelta(minutes=5)))
    refused = group.register(session_id, "ru", status=409)
    assert refused["session_status"] == "cancelled"


def test_the_register_of_a_session_held_on_another_day_gives_the_day_it_was_held(office, group):
    """A session recorded from its paper register was held on the day the register gives, not the day planned: its
    register as recorded says when it was held (enrollment's marks carry sessions' `held_at`)."""
    planned_at = group.at + timedelta(days=14)  # 14:30 in Nukus, as planned
    held_at = planned_at + timedelta(days=2, minutes=45)  # 15:15, two days later, by the paper register
    session_id = group.session(3, planned_at)
    engine = make_engine(group.url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO attendance_record (enrolment_id, session_id, session_number, session_kind, scheduled_at, "
            "status, recorded_at) VALUES (:e, :s, 3, 'group', :held, 'present', :now)"),
            {"e": group.men[0]["id"], "s": session_id, "held": held_at, "now": datetime.now(UTC)})
    engine.dispose()
    answer = group.register(session_id, "en")
    pdf = office.pdf(answer["number"], who=office.psychologist)
    text = read_paper(pdf)
    assert "15:15" in text and "14:30" not in text
