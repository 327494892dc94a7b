"""safety first: her support worker checked against the staff directory, districts against the portal's areas,
critical flags held against completion, the exit review, absence alert thresholds, names folded across scripts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""
import json
import re
import unicodedata

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Frozen here as they were written (qadam.names.fold; the statutory template's exit review; alert thresholds).
EXIT_REVIEW_TOPIC = "Exit review and safety plan"
ALERTS = {"statutory": (2, 2), "extended_group": (3, 2)}
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h", "һ": "h", "ң": "n", "ә": "a",
    "ө": "o", "ү": "u", "ұ": "u", "і": "i",
}
_DROP = dict.fromkeys(map(ord, "ʻʼ'`‘’ʹ´"), None)
_E_SOUNDED_YE = re.compile(r"(?<![^\Waeiou])e")


def _fold(text: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", latin.replace("ı", "i"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _E_SOUNDED_YE.sub("ye", plain.translate(_DROP).replace("kh", "x").replace("w", "o"))


def upgrade() -> None:
    op.create_table('staff_member',
    sa.Column('user_id', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('district', sa.String(length=100), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_staff_member'))
    )
    op.create_table('known_district',
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('mahallas', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('region', 'district', name=op.f('pk_known_district'))
    )
    op.create_table('risk_flag',
    sa.Column('flag_id', sa.Uuid(), nullable=False),
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('flag_id', name=op.f('pk_risk_flag'))
    )
    op.create_index(op.f('ix_risk_flag_enrolment_id'), 'risk_flag', ['enrolment_id'], unique=False)
    op.add_column('programme', sa.Column('alert_unexcused_absences', sa.Integer(), nullable=True))
    op.add_column('programme', sa.Column('alert_consecutive_absences', sa.Integer(), nullable=True))
    op.add_column('programme', sa.Column('absence_call_hours', sa.Integer(), server_default='48', nullable=True))
    op.add_column('enrolment', sa.Column('exit_review_attended', sa.Boolean(), server_default=sa.false(),
                                         nullable=False))
    op.add_column('enrolment', sa.Column('completion_proposed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('enrolment', sa.Column('completion_proposal', postgresql.JSONB(astext_type=sa.Text()),
                                         nullable=True))
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    for template, (unexcused, consecutive) in ALERTS.items():
        conn.execute(sa.text("UPDATE programme SET alert_unexcused_absences = :u, alert_consecutive_absences = :c "
                             "WHERE template = :t"), {"u": unexcused, "c": consecutive, "t": template})
    # The statutory programme ends with its exit review: marked on each version's curriculum that has it last.
    for pid, curriculum in conn.execute(sa.text(
            "SELECT id, curriculum FROM programme WHERE template = 'statutory'")).all():
        if curriculum and curriculum[-1].get("topic") == EXIT_REVIEW_TOPIC:
            curriculum[-1]["exit_review"] = True
            conn.execute(sa.text("UPDATE programme SET curriculum = CAST(:c AS jsonb) WHERE id = :i"),
                         {"c": json.dumps(curriculum), "i": pid})
    for pid, full_name in conn.execute(sa.text(
            "SELECT id, full_name FROM participant WHERE anonymised_at IS NULL")).all():
        conn.execute(sa.text("UPDATE participant SET name_key = :k WHERE id = :i"), {"k": _fold(full_name), "i": pid})


def downgrade() -> None:
    op.drop_column('enrolment', 'completion_proposal')
    op.drop_column('enrolment', 'completion_proposed_at')
    op.drop_column('enrolment', 'exit_review_attended')
    op.drop_column('programme', 'absence_call_hours')
    op.drop_column('programme', 'alert_consecutive_absences')
    op.drop_column('programme', 'alert_unexcused_absences')
    op.drop_index(op.f('ix_risk_flag_enrolment_id'), table_name='risk_flag')
    op.drop_table('risk_flag')
    op.drop_table('known_district')
    op.drop_table('staff_member')
