"""a session's attendance as entered: when it was held, when and by whom it was entered, and the paper register it
was copied from

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('group_session', sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('group_session', sa.Column('register_number', sa.String(length=40), nullable=True))
    op.add_column('group_session', sa.Column('attendance_entered_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('group_session', sa.Column('attendance_entered_by', sa.String(length=100), nullable=True))
    # a session recorded before this was held when it was planned, and entered when its first mark was recorded (an
    # amendment re-dates its own mark, so the earliest mark of the session tells it, or near enough)
    op.execute("UPDATE group_session g SET held_at = g.scheduled_at, "
               "attendance_entered_at = (SELECT min(m.recorded_at) FROM attendance_mark m WHERE m.session_id = g.id) "
               "WHERE g.status = 'held'")


def downgrade() -> None:
    for column in ('attendance_entered_by', 'attendance_entered_at', 'register_number', 'held_at'):
        op.drop_column('group_session', column)
