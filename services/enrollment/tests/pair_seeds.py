"""The rows the enrollment pair tests seed (test_report_pairs.py, test_nested_report_pairs.py, test_outcome_pairs.py,
test_outcome_nested_pairs.py): the fates a man's enrolment can have, and the participants, enrolments and outcomes
written straight to the database (the reports read them; no event flow is under test there)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

SESSIONS = range(7)  # the session a dropout last came to (0: none)
SOURCES = ["protection_order"] * 6 + ["court"] * 2 + ["inspector_initiative"] * 2 + ["self_referral"]
# status, exit reason: what became of a man (a dropout's session is drawn apart)
FATES = [("completed", None)] * 8 + [("closed", None)] * 2 + [("active", None)] * 5 + [("assessed", None)] * 2 + \
        [("suspended", None)] + [("exited", "non_compliance")] * 4 + [("exited", "withdrawn")] * 2 + \
        [("exited", "transferred")] * 2 + [("exited", "died")] + [("referred", None)] + [("excluded", None)]
# the completion report's classes of men, that exclude each other, and the classes each of its figures adds up
DROPOUT_CLASSES = [f"dropout@{s}" for s in SESSIONS]
CLASSES = ["active", "completed", "not_dropout", "other", *DROPOUT_CLASSES]
FIGURE_CLASSES = {"enrolments": CLASSES, "active": ["active"], "completed": ["completed"],
                  "exited": ["not_dropout", *DROPOUT_CLASSES], "dropouts": DROPOUT_CLASSES,
                  **{f"bin {s}": [f"dropout@{s}"] for s in SESSIONS}}
KNOWN = {"others": ["other"], "not dropouts": ["not_dropout"]}  # a reader may know them (the report assumes so)


def insert_participants(conn: sa.Connection, participants: list[dict[str, Any]]) -> None:
    """Participants: id, code, name, region, district."""
    conn.execute(sa.text(
        "INSERT INTO participant (id, code, full_name, birth_date, sex, region, district, preferred_language, "
        "created_by) VALUES (:id, :code, :name, DATE '1985-05-05', 'male', :region, :district, 'uz', 'test')"),
        participants)


def insert_enrolments(conn: sa.Connection, enrolments: list[dict[str, Any]], inspector: str) -> None:
    """Enrolments as the completion report reads them: id, participant_id, cohort_id, programme_id, source,
    psychologist, region, district, status, reason, enrolled_at, started_on, finished_on, attended (sessions recorded
    and attended), last (the last session's number)."""
    conn.execute(sa.text(
        "INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, referral_source, inspector_id, "
        "psychologist_id, region, district, status, status_reason, enrolled_at, started_on, finished_on, "
        "sessions_recorded, sessions_attended, excused_absences, unexcused_absences, last_session_number, "
        "last_attended_number, created_by) VALUES (:id, :participant_id, :cohort_id, :programme_id, :source, "
        ":inspector, :psychologist, :region, :district, :status, :reason, :enrolled_at, :started_on, "
        ":finished_on, :attended, :attended, 0, 0, :last, :last, 'test')"),
        [{**e, "inspector": inspector} for e in enrolments])


def insert_outcomes(conn: sa.Connection, enrolments: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> None:
    """Men who left a programme, as the outcome report reads them: their enrolments (id, participant, cohort,
    programme, region, district, status, reason, started, finished) and outcomes (enrolment, participant, how,
    left_on, programme, version, region, district, level, order, breach)."""
    conn.execute(sa.text(
        "INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, inspector_id, psychologist_id, region, "
        "district, status, status_reason, started_on, finished_on, created_by) VALUES (:id, :participant, :cohort, "
        ":programme, 'insp-1', 'psy-1', :region, :district, :status, :reason, :started, :finished, 'test')"),
        enrolments)
    conn.execute(sa.text(
        "INSERT INTO outcome (enrolment_id, participant_id, how, left_on, programme_id, programme_version, region, "
        "district, intake_level, new_order_on, breach_on) VALUES (:enrolment, :participant, :how, :left_on, "
        ":programme, :version, :region, :district, :level, :order, :breach)"), outcomes)


def drawn_fate(rng: random.Random, days: int) -> tuple[str, str | None, date, bool, int]:
    """A man's fate drawn at random (status, exit reason, the day he started within `days` of 1 January 2025, whether
    he began the sessions, how many he came to); the caller draws his referral source next."""
    status, reason = rng.choice(FATES)
    started = date(2025, 1, 1) + timedelta(days=rng.randrange(days))
    begun = status not in ("referred", "assessed", "excluded")
    came = rng.choice(list(SESSIONS)) if status == "exited" else 12 if status in ("completed", "closed") \
        else rng.randint(0, 6) if begun else 0
    return status, reason, started, begun, came
