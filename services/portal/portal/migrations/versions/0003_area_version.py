"""areas: a district's version, raised by every change and carried by portal.area.changed

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('area', sa.Column('version', sa.Integer(), server_default='1', nullable=False,
                                    comment='raised by every change of a district; carried by portal.area.changed'))


def downgrade() -> None:
    op.drop_column('area', 'version')
