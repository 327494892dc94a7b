"""audit log: every page a signed-in user opens or form they send, append-only and hash-chained

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op
from qadam.migrations import create_audit_table_v1, drop_audit_table_v1

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table_v1(op)


def downgrade() -> None:
    drop_audit_table_v1(op)
