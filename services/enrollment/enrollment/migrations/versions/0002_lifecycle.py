"""lifecycle, protection orders, programme versions, progress; the two programme templates of DOMAIN.md

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:05:38.145156
"""
import json
import re
import unicodedata
import uuid
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Frozen here: the name folding (qadam.names.fold, which enrollment.domain.name_key calls) and the two programme
# templates (enrollment.domain.programmes), exactly as this revision used them when it still imported them, so that
# a later change to either cannot change what this revision does. (0006 folds every name again with its own copy.)
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


def _curriculum(topics: list[str], *, exit_review_last: bool = False) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"number": i + 1, "topic": topic} for i, topic in enumerate(topics)]
    if exit_review_last:
        items[-1]["exit_review"] = True
    return items


TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "key": "statutory",
        "name": "Statutory correction programme (Uzbekistan)",
        "description": ("The programme written into a protection order since Resolution No. 441 (2025): an individual "
                        "plan agreed with the Inson centre within two working days of the order, about a month of "
                        "psychological correction. One unexcused absence: the psychologist calls within 48 hours; "
                        "two: the inspector is alerted. Completion at 75% attendance or more plus an exit review."),
        "curriculum": _curriculum([
            "Intake and individual plan", "Responsibility for violence", "Anger and stress: recognising the signs",
            "Power and control in the family", "Effects of violence on women and children",
            "Communication without violence", "Alcohol, drugs and violence", "Exit review and safety plan"],
            exit_review_last=True),
        "sessions_per_week": 2,
        "session_minutes": 90,
        "completion_attendance_percent": 75,
        "max_unexcused_absences": 2,
        "max_consecutive_absences": 2,
        "makeup_sessions_count": True,
        "follow_up_months": 3,
        "review_at_session": None,
        "group_size_min": 1,
        "group_size_max": 12,
        "facilitators_per_group": 1,
    },
    {
        "key": "extended_group",
        "name": "Extended group programme",
        "description": ("24 weekly two-hour group sessions for 8-12 men with two facilitators, reviewed at session "
                        "12. Three unexcused absences in all, or two in a row, propose exit."),
        "curriculum": _curriculum([
            "Welcome and group agreement", "What counts as violence", "Responsibility and excuses",
            "Power and control", "Jealousy and controlling behaviour", "Anger: body signals and time-out",
            "Stress, work and money", "Alcohol and drugs", "Respectful communication", "Listening",
            "Conflict without violence", "Mid-programme review", "Effects on children", "Fathering",
            "Women's rights and the law", "Protection orders and what they require", "Sexual respect",
            "Family and in-laws", "Separation and divorce without violence", "Relapse: warning signs",
            "Making amends", "Safety and future plans", "Looking back", "Closing review"]),
        "sessions_per_week": 1,
        "session_minutes": 120,
        "completion_attendance_percent": 85,
        "max_unexcused_absences": 2,
        "max_consecutive_absences": 1,
        "makeup_sessions_count": False,
        "follow_up_months": 6,
        "review_at_session": 12,
        "group_size_min": 8,
        "group_size_max": 12,
        "facilitators_per_group": 2,
    },
)


def upgrade() -> None:
    op.create_table('attendance_record',
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('session_number', sa.Integer(), nullable=False),
    sa.Column('session_kind', sa.String(length=20), server_default='group', nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('enrolment_id', 'session_id', name=op.f('pk_attendance_record'))
    )
    op.create_table('protection_order',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=50), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('conditions', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('status', sa.String(length=20), server_default='active', nullable=False),
    sa.Column('plan_agreed_on', sa.Date(), nullable=True),
    sa.Column('plan_overdue_reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expiry_reported_for', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_protection_order_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protection_order')),
    sa.UniqueConstraint('number', name=op.f('uq_protection_order_number'))
    )
    op.create_index(op.f('ix_protection_order_expires_on'), 'protection_order', ['expires_on'], unique=False)
    op.create_index(op.f('ix_protection_order_participant_id'), 'protection_order', ['participant_id'], unique=False)
    op.create_table('order_extension',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('previous_expiry', sa.Date(), nullable=False),
    sa.Column('new_expiry', sa.Date(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['protection_order.id'], name=op.f('fk_order_extension_order_id_protection_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_extension'))
    )
    op.create_index(op.f('ix_order_extension_order_id'), 'order_extension', ['order_id'], unique=False)
    op.create_table('enrolment_transition',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('from_cohort_id', sa.Uuid(), nullable=True),
    sa.Column('to_cohort_id', sa.Uuid(), nullable=True),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_enrolment_transition_enrolment_id_enrolment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_transition'))
    )
    op.create_index(op.f('ix_enrolment_transition_enrolment_id'), 'enrolment_transition', ['enrolment_id'], unique=False)
    op.add_column('cohort', sa.Column('capacity', sa.Integer(), server_default='12', nullable=False))
    op.add_column('cohort', sa.Column('schedule', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False))
    op.add_column('cohort', sa.Column('status', sa.String(length=20), server_default='forming', nullable=False))
    op.add_column('cohort', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.create_index(op.f('ix_cohort_region'), 'cohort', ['region'], unique=False)
    op.add_column('enrolment', sa.Column('programme_id', sa.Uuid(), nullable=True))
    op.add_column('enrolment', sa.Column('protection_order_id', sa.Uuid(), nullable=True))
    op.add_column('enrolment', sa.Column('referral_source', sa.String(length=30), server_default='protection_order', nullable=False))
    op.add_column('enrolment', sa.Column('victim_support_worker_id', sa.String(length=100), nullable=True))
    op.add_column('enrolment', sa.Column('region', sa.String(length=100), server_default='', nullable=False))
    op.add_column('enrolment', sa.Column('district', sa.String(length=100), server_default='', nullable=False))
    op.add_column('enrolment', sa.Column('status_reason', sa.String(length=40), nullable=True))
    op.add_column('enrolment', sa.Column('started_on', sa.Date(), nullable=True))
    op.add_column('enrolment', sa.Column('finished_on', sa.Date(), nullable=True))
    op.add_column('enrolment', sa.Column('follow_up_until', sa.Date(), nullable=True))
    op.add_column('enrolment', sa.Column('sessions_recorded', sa.Integer(), server_default='0', nullable=False))
    op.add_column('enrolment', sa.Column('sessions_attended', sa.Integer(), server_default='0', nullable=False))
    op.add_column('enrolment', sa.Column('excused_absences', sa.Integer(), server_default='0', nullable=False))
    op.add_column('enrolment', sa.Column('unexcused_absences', sa.Integer(), server_default='0', nullable=False))
    op.add_column('enrolment', sa.Column('consecutive_absences', sa.Integer(), server_default='0', nullable=False))
    op.add_column('enrolment', sa.Column('last_session_number', sa.Integer(), nullable=True))
    op.add_column('enrolment', sa.Column('last_attended_number', sa.Integer(), nullable=True))
    op.add_column('enrolment', sa.Column('exit_proposed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('enrolment', sa.Column('exit_proposal', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('enrolment', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.create_index(op.f('ix_enrolment_programme_id'), 'enrolment', ['programme_id'], unique=False)
    op.create_index(op.f('ix_enrolment_protection_order_id'), 'enrolment', ['protection_order_id'], unique=False)
    op.create_index(op.f('ix_enrolment_region'), 'enrolment', ['region'], unique=False)
    op.create_index('ix_enrolment_region_district_status', 'enrolment', ['region', 'district', 'status'], unique=False)
    op.create_foreign_key(op.f('fk_enrolment_programme_id_programme'), 'enrolment', 'programme', ['programme_id'], ['id'])
    op.create_foreign_key(op.f('fk_enrolment_protection_order_id_protection_order'), 'enrolment', 'protection_order', ['protection_order_id'], ['id'])
    op.add_column('participant', sa.Column('name_key', sa.String(length=300), server_default='', nullable=False))
    op.create_index('ix_participant_name_key_birth_date', 'participant', ['name_key', 'birth_date'], unique=False)
    op.add_column('programme', sa.Column('lineage_id', sa.Uuid(), nullable=True))
    op.execute("UPDATE programme SET lineage_id = id")
    op.alter_column('programme', 'lineage_id', nullable=False)
    op.add_column('programme', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('programme', sa.Column('template', sa.String(length=40), nullable=True))
    op.add_column('programme', sa.Column('description', sa.Text(), nullable=True))
    op.add_column('programme', sa.Column('region', sa.String(length=100), nullable=True))
    op.add_column('programme', sa.Column('curriculum', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False))
    op.add_column('programme', sa.Column('sessions_per_week', sa.Integer(), server_default='1', nullable=False))
    op.add_column('programme', sa.Column('session_minutes', sa.Integer(), server_default='120', nullable=False))
    op.add_column('programme', sa.Column('completion_attendance_percent', sa.Integer(), server_default='75', nullable=False))
    op.add_column('programme', sa.Column('max_consecutive_absences', sa.Integer(), server_default='2', nullable=False))
    op.add_column('programme', sa.Column('makeup_sessions_count', sa.Boolean(), server_default=sa.text('true'), nullable=False))
    op.add_column('programme', sa.Column('follow_up_months', sa.Integer(), server_default='3', nullable=False))
    op.add_column('programme', sa.Column('review_at_session', sa.Integer(), nullable=True))
    op.add_column('programme', sa.Column('group_size_min', sa.Integer(), server_default='8', nullable=False))
    op.add_column('programme', sa.Column('group_size_max', sa.Integer(), server_default='12', nullable=False))
    op.add_column('programme', sa.Column('facilitators_per_group', sa.Integer(), server_default='1', nullable=False))
    op.add_column('programme', sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.drop_constraint(op.f('uq_programme_name'), 'programme', type_='unique')
    op.create_unique_constraint('uq_programme_name', 'programme', ['name', 'version'])
    op.create_index(op.f('ix_programme_lineage_id'), 'programme', ['lineage_id'], unique=False)
    op.create_unique_constraint('uq_programme_lineage_version', 'programme', ['lineage_id', 'version'])
    _backfill()
    _ship_templates()


def _backfill() -> None:
    op.execute("UPDATE enrolment e SET region = c.region, district = c.district, programme_id = c.programme_id "
               "FROM cohort c WHERE c.id = e.cohort_id")
    conn = op.get_bind()
    for pid, full_name in conn.execute(sa.text("SELECT id, full_name FROM participant")).all():
        conn.execute(sa.text("UPDATE participant SET name_key = :k WHERE id = :i"), {"k": _fold(full_name), "i": pid})


def _ship_templates() -> None:
    conn = op.get_bind()
    for t in TEMPLATES:
        row = {k: v for k, v in t.items() if k != "key"}
        pid = uuid.uuid4()
        conn.execute(sa.text(
            "INSERT INTO programme (id, lineage_id, version, template, name, description, curriculum, sessions_required, "
            "sessions_per_week, session_minutes, completion_attendance_percent, max_unexcused_absences, "
            "max_consecutive_absences, makeup_sessions_count, follow_up_months, review_at_session, group_size_min, "
            "group_size_max, facilitators_per_group, created_by) VALUES (:id, :id, 1, :template, :name, :description, "
            "CAST(:curriculum AS jsonb), :sessions_required, :sessions_per_week, :session_minutes, "
            ":completion_attendance_percent, :max_unexcused_absences, :max_consecutive_absences, :makeup_sessions_count, "
            ":follow_up_months, :review_at_session, :group_size_min, :group_size_max, :facilitators_per_group, 'qadam') "
            "ON CONFLICT DO NOTHING"),
            {**row, "id": pid, "template": t["key"], "curriculum": json.dumps(row["curriculum"]),
             "sessions_required": len(row["curriculum"])})


def downgrade() -> None:
    op.execute("DELETE FROM programme WHERE template IS NOT NULL AND created_by = 'qadam'")
    op.drop_constraint('uq_programme_lineage_version', 'programme', type_='unique')
    op.drop_index(op.f('ix_programme_lineage_id'), table_name='programme')
    op.drop_constraint('uq_programme_name', 'programme', type_='unique')
    op.create_unique_constraint(op.f('uq_programme_name'), 'programme', ['name'], postgresql_nulls_not_distinct=False)
    op.drop_column('programme', 'retired')
    op.drop_column('programme', 'facilitators_per_group')
    op.drop_column('programme', 'group_size_max')
    op.drop_column('programme', 'group_size_min')
    op.drop_column('programme', 'review_at_session')
    op.drop_column('programme', 'follow_up_months')
    op.drop_column('programme', 'makeup_sessions_count')
    op.drop_column('programme', 'max_consecutive_absences')
    op.drop_column('programme', 'completion_attendance_percent')
    op.drop_column('programme', 'session_minutes')
    op.drop_column('programme', 'sessions_per_week')
    op.drop_column('programme', 'curriculum')
    op.drop_column('programme', 'region')
    op.drop_column('programme', 'description')
    op.drop_column('programme', 'template')
    op.drop_column('programme', 'version')
    op.drop_column('programme', 'lineage_id')
    op.drop_index('ix_participant_name_key_birth_date', table_name='participant')
    op.drop_column('participant', 'name_key')
    op.drop_constraint(op.f('fk_enrolment_protection_order_id_protection_order'), 'enrolment', type_='foreignkey')
    op.drop_constraint(op.f('fk_enrolment_programme_id_programme'), 'enrolment', type_='foreignkey')
    op.drop_index('ix_enrolment_region_district_status', table_name='enrolment')
    op.drop_index(op.f('ix_enrolment_region'), table_name='enrolment')
    op.drop_index(op.f('ix_enrolment_protection_order_id'), table_name='enrolment')
    op.drop_index(op.f('ix_enrolment_programme_id'), table_name='enrolment')
    op.drop_column('enrolment', 'version')
    op.drop_column('enrolment', 'exit_proposal')
    op.drop_column('enrolment', 'exit_proposed_at')
    op.drop_column('enrolment', 'last_attended_number')
    op.drop_column('enrolment', 'last_session_number')
    op.drop_column('enrolment', 'consecutive_absences')
    op.drop_column('enrolment', 'unexcused_absences')
    op.drop_column('enrolment', 'excused_absences')
    op.drop_column('enrolment', 'sessions_attended')
    op.drop_column('enrolment', 'sessions_recorded')
    op.drop_column('enrolment', 'follow_up_until')
    op.drop_column('enrolment', 'finished_on')
    op.drop_column('enrolment', 'started_on')
    op.drop_column('enrolment', 'status_reason')
    op.drop_column('enrolment', 'district')
    op.drop_column('enrolment', 'region')
    op.drop_column('enrolment', 'victim_support_worker_id')
    op.drop_column('enrolment', 'referral_source')
    op.drop_column('enrolment', 'protection_order_id')
    op.drop_column('enrolment', 'programme_id')
    op.drop_index(op.f('ix_cohort_region'), table_name='cohort')
    op.drop_column('cohort', 'version')
    op.drop_column('cohort', 'status')
    op.drop_column('cohort', 'schedule')
    op.drop_column('cohort', 'capacity')
    op.drop_index(op.f('ix_enrolment_transition_enrolment_id'), table_name='enrolment_transition')
    op.drop_table('enrolment_transition')
    op.drop_index(op.f('ix_order_extension_order_id'), table_name='order_extension')
    op.drop_table('order_extension')
    op.drop_index(op.f('ix_protection_order_participant_id'), table_name='protection_order')
    op.drop_index(op.f('ix_protection_order_expires_on'), table_name='protection_order')
    op.drop_table('protection_order')
    op.drop_table('attendance_record')
