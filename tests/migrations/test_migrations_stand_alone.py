"""A migration carries what it needs frozen in itself: it imports only Alembic, SQLAlchemy and the standard library,
and reads no file, so that moving or changing a service's code or data (its rules, templates, name folding,
defaults) can never change what an old revision does. Checked by reading the files, without running them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from qadam.migrations import SHARED_VERSIONS, alembic_config
from qadam_tools.system import SERVICES

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = sorted([*ROOT.glob("services/*/*/migrations/versions/*.py"),
                     *(p for p in SHARED_VERSIONS.glob("*.py") if p.name != "__init__.py")])
ALLOWED = {"alembic", "sqlalchemy", "__future__"} | set(sys.stdlib_module_names)
# What would let a migration reach code or data outside itself at run time.
REACHING_OUT = {"__file__", "open", "read_text", "read_bytes", "files", "import_module", "__import__", "exec", "eval"}
SHARED_TABLES = {"outbox", "inbox", "idempotency_record", "audit_log"}


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_migrations_to_check():
    assert len(MIGRATIONS) >= 34 + 3  # the services' 34 revisions and the shared branch's 3


@pytest.mark.parametrize("path", MIGRATIONS, ids=_name)
def test_a_migration_imports_only_alembic_sqlalchemy_and_the_standard_library(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{_name(path)}: a relative import"
            imported.add(node.module or "")
    assert {m for m in imported if m.split(".")[0] not in ALLOWED} == set()


@pytest.mark.parametrize("path", MIGRATIONS, ids=_name)
def test_a_migration_reads_no_file_and_loads_no_code(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert used & REACHING_OUT == set()


@pytest.mark.parametrize("path", [p for p in MIGRATIONS if p.parent != SHARED_VERSIONS], ids=_name)
def test_no_service_migration_makes_its_own_copy_of_a_shared_table(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    made = {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "create_table"
            and node.args and isinstance(node.args[0], ast.Constant)}
    assert made & SHARED_TABLES == set()


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_history_depends_on_the_whole_shared_branch(service):
    """Every shared revision is reached from the service's head through `depends_on`: the history has one head,
    the service's own, and the shared branch under the label "qadam"."""
    script = ScriptDirectory.from_config(alembic_config(service, "postgresql+psycopg://unused/unused"))
    shared = {r.revision for r in script.walk_revisions("base", "qadam@head")}
    assert shared == {"qadam_0001", "qadam_0002", "qadam_0003"}
    [head] = script.revision_map.get_revisions("heads")
    assert head is not None and not head.revision.startswith("qadam_")
