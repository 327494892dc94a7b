"""Idempotency-Key: the first answer of a POST, kept for its retries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
from qadam.migrations import create_idempotency_table_v1, drop_idempotency_table_v1

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table_v1(op)


def downgrade() -> None:
    drop_idempotency_table_v1(op)
