"""audit log: every read and write of the API, append-only and hash-chained

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
from qadam.migrations import create_audit_table_v1, drop_audit_table_v1

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table_v1(op)


def downgrade() -> None:
    drop_audit_table_v1(op)
