"""an order's standard conditions as codes: `condition_codes` beside the free-text `conditions`; a free-text line
that says exactly one of the standard conditions in English (as the demo, the API's example and the form's hint
wrote them) becomes its code, so that it is read in each reader's language; any other line stays as typed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Frozen here: the codes of 2026-12-06 (qadam_contracts.vocabulary.ORDER_CONDITIONS) in their order, and the English
# lines taken for them (compared lower-case, without a final full stop). Nothing else is guessed at.
CODES = ('no_contact', 'keep_away', 'no_weapons', 'correction_programme')
ENGLISH_LINES = {
    'no contact': 'no_contact',
    'no contact with the victim': 'no_contact',
    'no weapons': 'no_weapons',
}
# What a downgrade writes back for a code (the codes' English words of 2026-12-06).
ENGLISH_WORDS = {
    'no_contact': 'Not to contact the victim, in person, by phone or online',
    'keep_away': 'Not to approach the places where she lives, works or studies',
    'no_weapons': 'Not to own, carry or acquire weapons',
    'correction_programme': 'To attend the behaviour-correction programme',
}


def _orders(bind: sa.engine.Connection, where: str) -> list[Any]:
    return list(bind.execute(sa.text(f"SELECT id, conditions, condition_codes FROM protection_order WHERE {where}")))


def upgrade() -> None:
    op.add_column('protection_order', sa.Column('condition_codes', postgresql.JSONB(astext_type=sa.Text()),
                                                server_default='[]', nullable=False))
    bind = op.get_bind()
    for order_id, conditions, _codes in _orders(bind, "conditions <> '[]'::jsonb"):
        codes: set[str] = set()
        kept: list[str] = []
        for line in conditions or []:
            code = ENGLISH_LINES.get(str(line).strip().rstrip('.').strip().lower())
            if code is None:
                kept.append(line)
            else:
                codes.add(code)
        if codes:
            bind.execute(sa.text("UPDATE protection_order SET conditions = CAST(:conditions AS jsonb), "
                                 "condition_codes = CAST(:codes AS jsonb) WHERE id = :id"),
                         {"id": order_id, "conditions": json.dumps(kept, ensure_ascii=False),
                          "codes": json.dumps([c for c in CODES if c in codes])})


def downgrade() -> None:
    bind = op.get_bind()
    for order_id, conditions, codes in _orders(bind, "condition_codes <> '[]'::jsonb"):
        said = [ENGLISH_WORDS.get(code, code) for code in codes or []]
        bind.execute(sa.text("UPDATE protection_order SET conditions = CAST(:conditions AS jsonb) WHERE id = :id"),
                     {"id": order_id, "conditions": json.dumps([*said, *(conditions or [])], ensure_ascii=False)})
    op.drop_column('protection_order', 'condition_codes')
