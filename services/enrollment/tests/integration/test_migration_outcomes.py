"""Migration 0013 on enrolments that ended before it: each one that ended as a programme ends gets its outcome from
enrollment's own rows (how and when he left, a later order, a later referral: an enrolment or a wait for a place); a
transfer, a death and an open enrolment get none; the downgrade drops the tables."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from alembic import command
from qadam_testing import migrated_back

# (status, exit reason, day he left): what the outcome says of him (None: no outcome)
ENDED = {
    "completed": ("completed", None, date(2025, 3, 1), "completed"),
    "closed": ("closed", None, date(2025, 3, 1), "completed"),
    "non_compliance": ("exited", "non_compliance", date(2025, 3, 1), "non_compliance"),
    "custody": ("exited", "custody", date(2025, 3, 1), "dropout"),
    "transferred": ("exited", "transferred", date(2025, 3, 1), None),
    "died": ("exited", "died", date(2025, 3, 1), None),
    "active": ("active", None, None, None),
}


def test_enrolments_that_ended_before_it_get_their_outcome_from_enrollments_own_rows(isolated_stack):
    config, engine = migrated_back(isolated_stack("enrollment"), "enrollment", "0012")
    programme, cohort, later_cohort = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    men = {name: (uuid.uuid4(), uuid.uuid4()) for name in ENDED}
    try:
        with engine.begin() as c:
            c.execute(sa.text("INSERT INTO programme (id, lineage_id, version, name, sessions_required, "
                              "max_unexcused_absences, created_by) VALUES (:p, :p, 2, 'Migrated', 8, 2, 't')"),
                      {"p": programme})
            c.execute(sa.text("INSERT INTO cohort (id, programme_id, name, region, district, facilitator_ids, "
                              "start_date, created_by) VALUES (:c, :p, :name, 'R', 'D', ARRAY['psy'], "
                              "DATE '2024-12-02', 't')"),
                      [{"c": cohort, "p": programme, "name": "A"}, {"c": later_cohort, "p": programme, "name": "B"}])
            for number, (name, (status, reason, left, _how)) in enumerate(ENDED.items()):
                man, enrolment = men[name]
                c.execute(sa.text("INSERT INTO participant (id, code, full_name, birth_date, sex, region, district, "
                                  "preferred_language, created_by) VALUES (:id, :code, 'Test', DATE '1980-01-01', "
                                  "'male', 'R', 'D', 'uz', 't')"), {"id": man, "code": f"P-2025-9100{number:02d}"})
                c.execute(sa.text("INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, inspector_id, "
                                  "psychologist_id, region, district, status, status_reason, finished_on, created_by) "
                                  "VALUES (:e, :m, :c, :p, 'i', 'psy', 'R', 'D', :status, :reason, :left, 't')"),
                          {"e": enrolment, "m": man, "c": cohort, "p": programme, "status": status, "reason": reason,
                           "left": left})
            completed = men["completed"][0]  # a new order and a new referral after he left; an order before
            c.execute(sa.text("INSERT INTO protection_order (id, number, participant_id, issued_by, region, district, "
                              "issued_on, expires_on) VALUES (:id, :n, :m, 'i', 'R', 'D', :on, :until)"),
                      [{"id": uuid.uuid4(), "n": f"HO-MIG-{day}", "m": completed, "on": day, "until": date(2026, 1, 1)}
                       for day in (date(2024, 11, 20), date(2025, 6, 9), date(2025, 8, 1))])
            c.execute(sa.text("INSERT INTO enrolment (id, participant_id, cohort_id, programme_id, inspector_id, "
                              "psychologist_id, region, district, status, enrolled_at, created_by) VALUES (:e, :m, "
                              ":c, :p, 'i', 'psy', 'R', 'D', 'referred', TIMESTAMPTZ '2025-06-12 09:00+00', 't')"),
                      {"e": uuid.uuid4(), "m": completed, "c": later_cohort, "p": programme})
            c.execute(sa.text("INSERT INTO waiting_place (id, participant_id, cohort_id, inspector_id, psychologist_id, "
                              "region, district, since, asked_by) VALUES (:id, :m, :c, 'i', 'psy', 'R', 'D', "
                              "TIMESTAMPTZ '2025-04-02 09:00+00', 't')"),
                      {"id": uuid.uuid4(), "m": men["custody"][0], "c": later_cohort})  # waiting for a place again

        command.upgrade(config, "heads")
        with engine.connect() as c:
            facts = {r.enrolment_id: r for r in c.execute(sa.text("SELECT * FROM outcome"))}
        for name, (_status, _reason, left, how) in ENDED.items():
            fact = facts.get(men[name][1])
            if how is None:
                assert fact is None, name
            else:
                assert (fact.how, fact.left_on, fact.programme_version, fact.region) == (how, left, 2, "R"), name
        mine = facts[men["completed"][1]]
        assert (mine.new_order_on, mine.re_referred_on) == (date(2025, 6, 9), date(2025, 6, 12))
        assert mine.breach_on is None and mine.intake_level is None  # risk's events arrive from now on
        assert facts[men["custody"][1]].re_referred_on == date(2025, 4, 2)

        command.downgrade(config, "0012")
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT to_regclass('outcome')")).scalar() is None
    finally:
        command.upgrade(config, "heads")
        engine.dispose()
