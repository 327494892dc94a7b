"""audit log: every read and write of the API, append-only and hash-chained

Kept under its revision id so that databases migrated before stay on their history; what it created is the kit's shared
branch now (qadam_0003, which this revision depends on), made there only where it is absent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = 'qadam_0003'  # the audit log


def upgrade() -> None:
    pass  # the table is the shared branch's (qadam_0003)


def downgrade() -> None:
    pass  # the table is the shared branch's: it goes with a downgrade of that branch, not of this service
