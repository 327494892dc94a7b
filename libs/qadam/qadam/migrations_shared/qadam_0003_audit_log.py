"""the audit log: every read and write of an API, append-only (triggers refuse UPDATE, DELETE, TRUNCATE) and
hash-chained

Until this branch each service created it in a revision of its own (qadam.migrations.create_audit_table_v1); a
database migrated then already has it, so the table and its triggers are created here only where they are absent.

Revision ID: qadam_0003
Revises: qadam_0002
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'qadam_0003'
down_revision = 'qadam_0002'
branch_labels = None
depends_on = None

# Frozen here as qadam.db.append_only_trigger_sql("audit_log") wrote them for each service's copy. Only a superuser (or the
# table's owner) can switch them off, and the audit chain shows what was done then.
CREATE_APPEND_ONLY_TRIGGERS = """
CREATE OR REPLACE FUNCTION qadam_append_only_audit_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION qadam_append_only_audit_log();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION qadam_append_only_audit_log();
"""
DROP_APPEND_ONLY_TRIGGERS = ("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log; "
                             "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log; "
                             "DROP FUNCTION IF EXISTS qadam_append_only_audit_log();")


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table('audit_log'):
        _create_table()
    if not _has_trigger('audit_log', 'audit_log_append_only'):
        op.execute(CREATE_APPEND_ONLY_TRIGGERS)


def downgrade() -> None:
    op.execute(DROP_APPEND_ONLY_TRIGGERS)
    op.drop_table('audit_log')


def _create_table() -> None:
    op.create_table(
        'audit_log',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.String(length=100), nullable=False),
        sa.Column('role', sa.String(length=30), nullable=False),
        sa.Column('action', sa.String(length=5), nullable=False, comment='read (GET, HEAD) or write'),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('route', sa.String(length=300), nullable=False,
                  comment='the URL rule, never the path or query string'),
        sa.Column('record', postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  comment='the ids named in the path'),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=True, comment='X-Audit-Reason, when given'),
        sa.Column('correlation_id', sa.String(length=200), nullable=True),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.CheckConstraint("action IN ('read', 'write')", name=op.f('ck_audit_log_action')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
    op.create_index('ix_audit_log_user_id', 'audit_log', ['user_id', 'at'], unique=False)


def _has_trigger(table: str, trigger: str) -> bool:
    return op.get_bind().execute(sa.text(
        "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(:t) AND tgname = :g"), {"t": table, "g": trigger}
    ).first() is not None
