"""the date a session was planned for, kept through reschedules, and each cohort's session length: what programme
fidelity measures a session against

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 17:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('group_session', sa.Column('planned_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cohort_view', sa.Column('session_minutes', sa.Integer(), nullable=True))
    # a session scheduled before this keeps no trace of an earlier date: its plan is the date it has now (a session
    # rescheduled before this counts as planned for its new date)
    op.execute("UPDATE group_session SET planned_at = scheduled_at")
    # the reports on staff work read the sessions held in a period
    op.create_index('ix_group_session_held_at', 'group_session', ['held_at'], unique=False,
                    postgresql_where=sa.text("status = 'held'"))


def downgrade() -> None:
    op.drop_index('ix_group_session_held_at', table_name='group_session', postgresql_where=sa.text("status = 'held'"))
    op.drop_column('cohort_view', 'session_minutes')
    op.drop_column('group_session', 'planned_at')
