"""risk, issue 17: each man's runs of unexcused absences kept as sessions now publishes them, each different set of
runs once with every combination of session kinds it is over (a man with group sessions only had the same runs
kept eight times, once per combination counting group sessions)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def shared(kept: list) -> list:
    """[{session_kinds: [kind, ...], runs}, ...] -> [{session_kinds: [[kind, ...], ...], runs}, ...] (frozen)."""
    grouped: dict = {}
    for over in kept:
        if over["session_kinds"] and isinstance(over["session_kinds"][0], list):
            return kept  # kept in the new form already
        key = json.dumps(over["runs"], sort_keys=True)
        grouped.setdefault(key, {"session_kinds": [], "runs": over["runs"]})["session_kinds"].append(
            over["session_kinds"])
    return list(grouped.values())


def each(kept: list) -> list:
    """The other way: one entry per combination."""
    if not kept or not isinstance(kept[0]["session_kinds"][0], list):
        return kept  # in the old form already
    return [{"session_kinds": kinds, "runs": over["runs"]} for over in kept for kinds in over["session_kinds"]]


def _convert(how) -> None:
    conn = op.get_bind()
    rows = [{"e": r.enrolment_id, "runs": json.dumps(how(r.runs))}
            for r in conn.execute(sa.text("SELECT enrolment_id, runs FROM absence_runs_fact"))]
    if rows:
        conn.execute(sa.text("UPDATE absence_runs_fact SET runs = CAST(:runs AS jsonb) WHERE enrolment_id = :e"), rows)


def upgrade() -> None:
    _convert(shared)


def downgrade() -> None:
    _convert(each)
