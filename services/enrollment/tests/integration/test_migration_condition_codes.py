"""Migration 0010 on orders written before it: a free-text line that says exactly a standard condition in English
(as the demo and the API's example wrote them) becomes its code, every other line stays as typed, and the downgrade
writes the codes back as English lines."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from alembic import command
from qadam_testing import migrated_back

TYPED = {
    "demo": ["No contact with the victim", "No weapons."],
    "mixed": ["no contact", "Не употреблять алкоголь"],
    "own": ["Spirtli ichimlik ichmaslik", "No contact with the victim at Amir Temur 5"],  # not exactly a preset
    "none": [],
}


def test_english_lines_of_the_standard_conditions_become_codes_and_every_other_line_stays(isolated_stack):
    config, engine = migrated_back(isolated_stack("enrollment"), "enrollment", "0009")
    man, ids = uuid.uuid4(), {name: uuid.uuid4() for name in TYPED}
    try:
        with engine.begin() as c:
            c.execute(sa.text(
                "INSERT INTO participant (id, code, full_name, name_key, birth_date, sex, region, district, "
                "preferred_language, created_by) VALUES (:id, 'P-2026-900001', 'Test Man', 'test man', "
                "DATE '1980-01-01', 'male', 'R', 'D', 'ru', 'test')"), {"id": man})
            c.execute(sa.text(
                "INSERT INTO protection_order (id, number, participant_id, issued_by, region, district, issued_on, "
                "expires_on, status, conditions) VALUES (:id, :number, :man, 'insp-1', 'R', 'D', DATE '2026-11-01', "
                "DATE '2026-12-31', 'active', CAST(:conditions AS jsonb))"),
                [{"id": ids[name], "number": f"HO-M-{name}", "man": man, "conditions": json.dumps(typed)}
                 for name, typed in TYPED.items()])

        command.upgrade(config, "heads")
        with engine.connect() as c:
            rows = {r.id: (r.condition_codes, r.conditions) for r in c.execute(sa.text(
                "SELECT id, condition_codes, conditions FROM protection_order"))}
        assert rows[ids["demo"]] == (["no_contact", "no_weapons"], [])
        assert rows[ids["mixed"]] == (["no_contact"], ["Не употреблять алкоголь"])
        assert rows[ids["own"]] == ([], TYPED["own"])
        assert rows[ids["none"]] == ([], [])

        command.downgrade(config, "0009")
        with engine.connect() as c:
            back = {r.id: r.conditions for r in c.execute(sa.text("SELECT id, conditions FROM protection_order"))}
        assert back[ids["mixed"]] == ["Not to contact the victim, in person, by phone or online",
                                      "Не употреблять алкоголь"]
        assert back[ids["own"]] == TYPED["own"]
    finally:
        command.upgrade(config, "heads")
        engine.dispose()
