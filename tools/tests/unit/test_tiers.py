"""The units of work of a parallel run (qadam_testing.tiers.scope_of): which tests must stay on one worker, and
which folders' files may go to different workers."""

from __future__ import annotations

from pathlib import Path

from qadam_testing.tiers import LONGEST_FIRST, SPLIT_BY_FILE, SYSTEM_SCOPE, SYSTEM_SCOPES, scope_of


def test_the_tests_of_one_running_system_stay_together():
    assert scope_of("tests/e2e/test_escalation_e2e.py::test_x") == SYSTEM_SCOPE
    assert scope_of("tests/access/test_access_matrix.py::test_y[a]") == SYSTEM_SCOPE
    assert scope_of("services/portal/tests/integration/test_no_english.py::test_z") == "services/portal/tests/integration"
    assert scope_of("tests/browser/test_whole_case.py::test_w") == "tests/browser"


def test_a_split_folder_is_a_scope_per_file_and_other_folders_stay_whole():
    assert scope_of("services/enrollment/tests/integration/test_reports.py::test_a[10]") == \
        "services/enrollment/tests/integration/test_reports.py"
    assert scope_of("tests/api/test_schemathesis.py::test_b[risk]") == "tests/api/test_schemathesis.py"
    assert scope_of("tests/chaos/test_chaos.py::test_c") == "tests/chaos"
    assert scope_of("tests/chaos/test_rabbit_cluster.py::test_d") == "tests/chaos/test_rabbit_cluster.py"
    assert scope_of("services/enrollment/tests/unit/test_outcomes.py::test_e") == "services/enrollment/tests/unit"


def test_the_ordered_scopes_are_scopes_and_no_system_is_split():
    # a name in LONGEST_FIRST that no test has would order nothing: each is what scope_of gives for its tests
    for scope in LONGEST_FIRST:
        assert scope_of(f"{scope}::test_x" if scope.endswith(".py") else f"{scope}/test_a.py::test_x") in (
            scope, SYSTEM_SCOPE), scope
    assert not any(system.startswith(SPLIT_BY_FILE) for system in SYSTEM_SCOPES)
    root = Path(__file__).resolve().parents[3]
    assert [scope for scope in LONGEST_FIRST if scope != SYSTEM_SCOPE and not (root / scope).exists()] == []
