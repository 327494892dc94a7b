"""The papers' rules on plain data: when each kind may be issued, who issues and reads which, and the codes a report
gives his participation and his keeping to the plan."""

from __future__ import annotations

import pytest
from enrollment.domain.documents import (
    COMPLETED,
    EXIT_PROPOSED,
    IRREGULAR,
    KEEPS_TO_PLAN,
    LEFT,
    LEFT_FOR_NON_COMPLIANCE,
    NO_SESSIONS_YET,
    RARE,
    REGULAR,
    Standing,
    compliance,
    may_issue,
    may_read,
    not_issuable,
    participation,
)


@pytest.mark.parametrize(("standing", "issuable"), [
    (Standing("active", None, False), {"progress_report"}),
    (Standing("active", None, True), {"progress_report", "non_compliance_notice"}),
    (Standing("suspended", None, True), {"progress_report", "non_compliance_notice"}),
    (Standing("completed", None, False), {"progress_report", "completion_certificate"}),
    (Standing("closed", None, False), {"progress_report", "completion_certificate"}),
    (Standing("exited", "non_compliance", True), {"progress_report", "non_compliance_notice", "exit_notice"}),
    (Standing("exited", "new_violence", False), {"progress_report", "exit_notice"}),
    (Standing("excluded", "untreated_addiction", False), {"progress_report", "exit_notice"}),
])
def test_each_kind_is_issued_only_where_his_standing_allows_it(standing, issuable):
    kinds = ("progress_report", "non_compliance_notice", "completion_certificate", "exit_notice")
    assert {k for k in kinds if not_issuable(k, standing) is None} == issuable


def test_the_letters_are_the_inspectors_and_supervisors_and_the_certificate_the_psychologists():
    assert may_issue("inspector", "progress_report") and may_issue("supervisor", "exit_notice")
    assert not may_issue("inspector", "completion_certificate") and may_read("inspector", "completion_certificate")
    assert may_issue("psychologist", "completion_certificate") and not may_issue("psychologist", "progress_report")
    assert not may_read("psychologist", "non_compliance_notice")
    for role in ("manager", "support_worker", "auditor", "administrator"):
        assert not any(may_read(role, k) or may_issue(role, k) for k in
                       ("progress_report", "non_compliance_notice", "completion_certificate", "exit_notice"))


def test_participation_is_said_from_attendance_among_the_sessions_he_owed():
    assert participation(0, 0, 75) == NO_SESSIONS_YET
    assert participation(6, 2, 75) == REGULAR  # 75 %
    assert participation(3, 2, 75) == IRREGULAR  # 60 %
    assert participation(1, 3, 75) == RARE


def test_compliance_follows_his_standing():
    assert compliance(Standing("active", None, False)) == KEEPS_TO_PLAN
    assert compliance(Standing("active", None, True)) == EXIT_PROPOSED
    assert compliance(Standing("exited", "non_compliance", True)) == LEFT_FOR_NON_COMPLIANCE
    assert compliance(Standing("exited", "moved_away", False)) == LEFT
    assert compliance(Standing("closed", None, False)) == COMPLETED
