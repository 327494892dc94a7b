"""The kit's shared Alembic branch (label "qadam"): the tables every service carries, created once here.

The outbox (with its NOTIFY trigger), the inbox, the idempotency keys and the audit log used to be created by a
copy of the same migration in every service. They are now revisions of this one branch, which `qadam.migrations`
adds to every service's version locations; each service's history names the revision it needs in `depends_on`
(the revision ids below), so a fresh database gets the shared tables before the service's own ones.

A database migrated before this branch existed already holds these tables (its service revisions made them), so
each revision here creates only what is absent, and the service revisions that used to make them are kept, as
no-ops, under their old ids. A change to a shared table is a new revision at the end of this branch.
"""

BRANCH = "qadam"
BUS_TABLES = "qadam_0001"  # outbox (and its NOTIFY trigger) and inbox
IDEMPOTENCY = "qadam_0002"  # idempotency_record
AUDIT_LOG = "qadam_0003"  # audit_log and its append-only triggers
