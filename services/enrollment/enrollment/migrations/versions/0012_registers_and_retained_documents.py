"""registers and documents under retention: sessions' sessions kept as a projection (`session_view`, from
`sessions.session.planned` and `.changed`) for the attendance registers; a document names a session (a register) or
an enrolment; and a document's PDF and facts can be purged when the retention period of the man it names is over,
keeping its number, kind, dates, hashes and check code. The append-only trigger allows that purge and nothing else.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# Frozen here. The one change allowed to a kept document: its PDF and facts set to NULL, once, with the time of the
# purge and the facts' digest (the check code is over the digest); every other column as it was.
PURGEABLE = """
CREATE OR REPLACE FUNCTION qadam_append_only_document() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  purge_columns CONSTANT text[] := ARRAY['pdf', 'facts', 'facts_sha256', 'purged_at'];
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL
     AND NEW.pdf IS NULL AND NEW.facts IS NULL AND NEW.facts_sha256 IS NOT NULL
     AND (OLD.facts_sha256 IS NULL OR NEW.facts_sha256 = OLD.facts_sha256)
     AND to_jsonb(NEW) - purge_columns = to_jsonb(OLD) - purge_columns THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
"""
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION qadam_append_only_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
"""
TRIGGERS_OFF = "ALTER TABLE document DISABLE TRIGGER document_append_only"
TRIGGERS_ON = "ALTER TABLE document ENABLE TRIGGER document_append_only"


def upgrade() -> None:
    op.create_table(
        'session_view',
        sa.Column('session_id', sa.Uuid(), nullable=False),
        sa.Column('cohort_id', sa.Uuid(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('enrolment_id', sa.Uuid(), nullable=True),
        sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_view')),
    )
    op.create_index(op.f('ix_session_view_cohort_id'), 'session_view', ['cohort_id'], unique=False)
    # schema changes are not row updates: the trigger (row-level) does not see them
    op.add_column('document', sa.Column('session_id', sa.Uuid(), nullable=True))
    op.add_column('document', sa.Column('facts_sha256', sa.String(length=64), nullable=True))
    op.add_column('document', sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
    op.alter_column('document', 'enrolment_id', existing_type=sa.Uuid(), nullable=True)
    op.alter_column('document', 'facts', existing_type=postgresql.JSONB(), nullable=True)
    op.alter_column('document', 'pdf', existing_type=sa.LargeBinary(), nullable=True)
    op.create_index(op.f('ix_document_session_id'), 'document', ['session_id'], unique=False)
    op.create_check_constraint(op.f('ck_document_about'), 'document', 'enrolment_id IS NOT NULL OR session_id IS NOT NULL')
    op.create_check_constraint(op.f('ck_document_purged'), 'document',
                               '(purged_at IS NULL) = (pdf IS NOT NULL AND facts IS NOT NULL)')
    op.execute(PURGEABLE)


def downgrade() -> None:
    op.execute(APPEND_ONLY)
    op.execute(TRIGGERS_OFF)  # registers and purged documents cannot come back to the older table
    op.execute("DELETE FROM document WHERE session_id IS NOT NULL OR purged_at IS NOT NULL")
    op.execute(TRIGGERS_ON)
    op.drop_constraint(op.f('ck_document_purged'), 'document', type_='check')
    op.drop_constraint(op.f('ck_document_about'), 'document', type_='check')
    op.drop_index(op.f('ix_document_session_id'), table_name='document')
    op.alter_column('document', 'pdf', existing_type=sa.LargeBinary(), nullable=False)
    op.alter_column('document', 'facts', existing_type=postgresql.JSONB(), nullable=False)
    op.alter_column('document', 'enrolment_id', existing_type=sa.Uuid(), nullable=False)
    op.drop_column('document', 'purged_at')
    op.drop_column('document', 'facts_sha256')
    op.drop_column('document', 'session_id')
    op.drop_index(op.f('ix_session_view_cohort_id'), table_name='session_view')
    op.drop_table('session_view')
