"""drop enrolment_contact: a flag names whom to tell, so notify keeps no projection of enrolments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('enrolment_contact')


def downgrade() -> None:
    op.create_table('enrolment_contact',
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('participant_code', sa.String(length=20), nullable=False),
    sa.Column('inspector_id', sa.String(length=100), nullable=False),
    sa.Column('psychologist_id', sa.String(length=100), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_enrolment_contact'))
    )
