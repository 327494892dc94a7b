"""The psychologist's casework forms read as she types them: a move's reason where the move needs one, a session
cancelled without a day, one moved only with its day and time, a session beside the plan for one man, at most four
co-facilitators."""

from __future__ import annotations

from datetime import date, time

import pytest
from flask import Flask
from portal.forms import ExtraSessionForm, FidelityForm, MoveForm, SessionChangeForm, read
from portal.i18n import init_i18n
from werkzeug.datastructures import MultiDict


@pytest.fixture(autouse=True)
def request_context() -> object:
    app = Flask("casework-forms-test")
    init_i18n(app, "Asia/Tashkent")
    with app.test_request_context("/?lang=en"):  # the messages in English, their msgids
        yield


@pytest.mark.parametrize("action", ["suspend", "exit", "exclude"])
def test_a_move_that_needs_a_reason_is_refused_without_one_of_its_own(action):
    assert read(MoveForm(), MultiDict({"action": action}))[1] == {"reason": "Choose the reason."}
    another_moves = "died" if action != "exit" else "illness"  # a reason of another move, not of this one
    assert read(MoveForm(), MultiDict({"action": action, "reason": another_moves}))[1] == {"reason": "Choose the reason."}


def test_a_move_without_a_reason_of_its_own_is_read_as_it_is():
    values, errors = read(MoveForm(), MultiDict({"action": "start", "reason": ""}))
    assert errors == {} and (values["action"], values["reason"]) == ("start", None)


def test_a_cancelled_session_needs_its_reason_and_no_day():
    values, errors = read(SessionChangeForm(), MultiDict({"cancel": "yes", "reason": "Navruz", "day": "not a day"}))
    assert errors == {} and values["cancel"] is True and values["day"] is None
    assert read(SessionChangeForm(), MultiDict({"cancel": "yes"}))[1] == {
        "reason": "Say why the session moves or is cancelled."}


def test_a_moved_session_needs_its_day_and_time():
    _values, errors = read(SessionChangeForm(), MultiDict({"cancel": "no", "reason": "The guzar is closed"}))
    assert errors == {"day": "Enter the day (year-month-day).", "time": "Enter the time it starts (hours:minutes)."}
    values, errors = read(SessionChangeForm(), MultiDict({"cancel": "no", "reason": "The guzar is closed",
                                                          "day": "2030-01-10", "time": "16:30"}))
    assert errors == {} and (values["day"], values["time"]) == (date(2030, 1, 10), time(16, 30))


def test_a_session_beside_the_plan_names_its_man_unless_it_is_the_groups():
    form = {"kind": "makeup", "number": "3", "day": "2030-01-10", "time": "10:00"}
    assert read(ExtraSessionForm(), MultiDict(form))[1] == {
        "enrolment_id": "A make-up, one-to-one or intake session is for one man: choose him."}
    assert read(ExtraSessionForm(), MultiDict(form | {"kind": "group"}))[1] == {}
    assert read(ExtraSessionForm(), MultiDict(form | {"number": "0"}))[1] == {
        "number": "The session's number in the programme: 1 to 500."}


def test_co_facilitators_are_one_a_line_and_at_most_four():
    values, errors = read(FidelityForm(), MultiDict({"module_delivered": "2. Anger", "co_facilitators": "A B\n\nC D"}))
    assert errors == {} and values["co_facilitators"] == ["A B", "C D"]
    assert "co_facilitators" in read(FidelityForm(), MultiDict({"module_delivered": "x",
                                                                "co_facilitators": "a\nb\nc\nd\ne"}))[1]
