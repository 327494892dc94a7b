"""notify, issue 19: a delivery keeps why its last sending failed as a code (`failure_reason`), which each reader says
in its own language, beside `last_error`, the technical detail in English for the log and administrators. Existing
deliveries with an error are read into their codes from the shapes of the errors notify wrote (anything else:
`other`); the downgrade drops the column (`last_error` was never changed).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# the errors notify wrote for a failed sending (PostgreSQL regular expressions over `last_error`, the first match
# wins) and their codes; frozen here as notify's channels wrote them up to this migration
SHAPES = (
    (r"^(sms gateway|telegram bot) not configured$", "not_set_up"),
    (r"^sms: the address is not a phone number in international form", "bad_address"),
    (r"^email: the address is not an e-mail address$", "bad_address"),
    (r"^ValueError: Header values may not contain linefeed or carriage return", "bad_address"),
    (r"^[a-z]+: the recipient has no address for this channel$", "no_address"),
    (r"^[a-z]+: no answer within ", "no_answer"),
    (r"^[a-z]+: (ConnectionError|ConnectTimeout|SSLError|ProxyError): ", "no_answer"),
    (r"^(SMTPServerDisconnected|OSError|TimeoutError|timeout|gaierror|ConnectionError|ConnectionRefusedError|"
     r"ConnectionResetError|ConnectionAbortedError|BrokenPipeError|SSLError): ", "no_answer"),
    (r"^SMTP[A-Za-z]*(Error|Refused|Exception): ", "refused"),
    (r"^sms gateway answered [0-9]+", "refused"),
    (r"^telegram answered [0-9]+ without the Bot API's JSON", "refused"),
    (r"^telegram [0-9]+: ", "refused"),
    (r"^the message could not be written: ", "unwritable"),
)


def upgrade() -> None:
    op.add_column('delivery', sa.Column('failure_reason', sa.String(length=30), nullable=True))
    failing = "status IN ('failed', 'pending') AND last_error IS NOT NULL AND failure_reason IS NULL"
    for shape, code in SHAPES:
        op.execute(sa.text(f"UPDATE delivery SET failure_reason = :code WHERE {failing} AND last_error ~ :shape")
                   .bindparams(code=code, shape=shape))
    op.execute(f"UPDATE delivery SET failure_reason = 'other' WHERE {failing}")


def downgrade() -> None:
    op.drop_column('delivery', 'failure_reason')
