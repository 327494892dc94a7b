"""the call after an unexcused absence, and each cohort's hours for it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 15:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cohort_view', sa.Column('absence_call_hours', sa.Integer(), nullable=True))
    op.create_table(
        'absence_call',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('mark_id', sa.Uuid(), nullable=False),
        sa.Column('session_id', sa.Uuid(), nullable=False),
        sa.Column('cohort_id', sa.Uuid(), nullable=False),
        sa.Column('enrolment_id', sa.Uuid(), nullable=False),
        sa.Column('participant_code', sa.String(length=20), nullable=False),
        sa.Column('session_number', sa.Integer(), nullable=False),
        sa.Column('session_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('absence_on', sa.Date(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('psychologist_id', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('called_by', sa.String(length=100), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('overdue_published_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['mark_id'], ['attendance_mark.id'], name=op.f('fk_absence_call_mark_id_attendance_mark')),
        sa.ForeignKeyConstraint(['session_id'], ['group_session.id'], name=op.f('fk_absence_call_session_id_group_session')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_absence_call')),
    )
    op.create_index(op.f('ix_absence_call_mark_id'), 'absence_call', ['mark_id'], unique=False)
    op.create_index(op.f('ix_absence_call_cohort_id'), 'absence_call', ['cohort_id'], unique=False)
    op.create_index(op.f('ix_absence_call_enrolment_id'), 'absence_call', ['enrolment_id'], unique=False)
    op.create_index('uq_absence_call_open_mark', 'absence_call', ['mark_id'], unique=True,
                    postgresql_where=sa.text("status = 'open'"))
    op.create_index('ix_absence_call_overdue_scan', 'absence_call', ['due_at'], unique=False,
                    postgresql_where=sa.text("status = 'open' AND overdue_published_at IS NULL"))


def downgrade() -> None:
    op.drop_table('absence_call')
    op.drop_column('cohort_view', 'absence_call_hours')
