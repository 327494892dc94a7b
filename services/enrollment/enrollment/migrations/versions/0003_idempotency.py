"""Idempotency-Key: the first answer of a POST, kept for its retries

Kept under its revision id so that databases migrated before stay on their history; what it created is the kit's shared
branch now (qadam_0002, which this revision depends on), made there only where it is absent.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = 'qadam_0002'  # the idempotency keys


def upgrade() -> None:
    pass  # the table is the shared branch's (qadam_0002)


def downgrade() -> None:
    pass  # the table is the shared branch's: it goes with a downgrade of that branch, not of this service
