"""each man's attendance version: the version of the absence runs published with his marks

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 21:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'attendance_version',
        sa.Column('enrolment_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_attendance_version')),
    )
    # the marks recorded so far count as one recording each: the next runs published rank above anything before
    op.execute("INSERT INTO attendance_version (enrolment_id, version) "
               "SELECT enrolment_id, count(*) FROM attendance_mark GROUP BY enrolment_id")


def downgrade() -> None:
    op.drop_table('attendance_version')
