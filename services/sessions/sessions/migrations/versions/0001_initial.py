"""initial

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = ('sessions',)  # `sessions@head`: this service's own head, beside the shared branch's (`qadam@head`)
depends_on = 'qadam_0001'  # the outbox and the inbox


# The outbox and inbox this revision used to create are the kit's shared branch now (qadam_0001, which this
# revision depends on); a database migrated before keeps the tables this revision made then.
def upgrade() -> None:
    op.create_table('cohort_view',
    sa.Column('cohort_id', sa.Uuid(), nullable=False),
    sa.Column('programme_id', sa.Uuid(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('facilitator_ids', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('sessions_required', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cohort_id', name=op.f('pk_cohort_view'))
    )
    op.create_table('group_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('cohort_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_session')),
    sa.UniqueConstraint('cohort_id', 'number', name='uq_group_session_cohort_number')
    )
    op.create_index(op.f('ix_group_session_cohort_id'), 'group_session', ['cohort_id'], unique=False)
    op.create_table('roster_entry',
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('cohort_id', sa.Uuid(), nullable=False),
    sa.Column('participant_code', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_roster_entry'))
    )
    op.create_index(op.f('ix_roster_entry_cohort_id'), 'roster_entry', ['cohort_id'], unique=False)
    op.create_table('attendance_mark',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('excuse_reason', sa.String(length=500), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['group_session.id'], name=op.f('fk_attendance_mark_session_id_group_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_mark')),
    sa.UniqueConstraint('session_id', 'enrolment_id', name='uq_attendance_mark_session_enrolment')
    )
    op.create_index(op.f('ix_attendance_mark_enrolment_id'), 'attendance_mark', ['enrolment_id'], unique=False)
    op.create_index(op.f('ix_attendance_mark_session_id'), 'attendance_mark', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_attendance_mark_session_id'), table_name='attendance_mark')
    op.drop_index(op.f('ix_attendance_mark_enrolment_id'), table_name='attendance_mark')
    op.drop_table('attendance_mark')
    op.drop_index(op.f('ix_roster_entry_cohort_id'), table_name='roster_entry')
    op.drop_table('roster_entry')
    op.drop_index(op.f('ix_group_session_cohort_id'), table_name='group_session')
    op.drop_table('group_session')
    op.drop_table('cohort_view')
