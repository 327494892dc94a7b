"""the roster entry's responsible inspector

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 08:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('roster_entry', sa.Column('inspector_id', sa.String(length=100), nullable=True))
    op.create_index(op.f('ix_roster_entry_inspector_id'), 'roster_entry', ['inspector_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_roster_entry_inspector_id'), table_name='roster_entry')
    op.drop_column('roster_entry', 'inspector_id')
