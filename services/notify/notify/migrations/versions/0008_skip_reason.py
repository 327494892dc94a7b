"""notify, issue 19: a skipped delivery says why as a code (`skip_reason`), which each reader says in its own
language, instead of an English sentence in `last_error` that the portal matched back. The sentences notify wrote
before are read into their codes (and cleared: `last_error` keeps only a failed sending's error, the far side's own
words); the downgrade writes them back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# every sentence notify wrote for a skipped delivery, and its code (frozen here: notify's code writes no sentence now)
SENTENCES = {
    "no e-mail address on file for this user": "no_email",
    "no phone number on file for this user": "no_phone",
    "no Telegram chat on file for this user": "no_telegram_chat",
    "sms is not set up here": "sms_not_set_up",
    "telegram is not set up here": "telegram_not_set_up",
    "no address on file for this user (the alerts stay in the in-app inbox)": "no_address",
}


def upgrade() -> None:
    op.add_column('delivery', sa.Column('skip_reason', sa.String(length=30), nullable=True))
    for sentence, code in SENTENCES.items():
        op.execute(sa.text("UPDATE delivery SET skip_reason = :code, last_error = NULL "
                           "WHERE status = 'skipped' AND last_error = :sentence")
                   .bindparams(code=code, sentence=sentence))


def downgrade() -> None:
    for sentence, code in SENTENCES.items():
        op.execute(sa.text("UPDATE delivery SET last_error = :sentence WHERE skip_reason = :code AND last_error IS NULL")
                   .bindparams(code=code, sentence=sentence))
    op.drop_column('delivery', 'skip_reason')
