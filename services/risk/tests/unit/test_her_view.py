"""What her support worker reads of his flags, worded without I/O (risk/domain/her_view.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from risk.domain.her_view import concern_of, flag_for_her, read_aloud_for_her


def test_a_flag_reaches_her_support_worker_as_its_level_kind_date_and_state_only():
    flag = {"id": uuid.uuid4(), "enrolment_id": uuid.uuid4(), "participant_code": "P-2026-000001", "level": "high",
            "status": "open", "raised_at": datetime(2026, 12, 1, 5, tzinfo=UTC), "rule_id": "consecutive_absences",
            "reasons": ["2 unexcused absences in a row (sessions 3 and 4)."],
            "evidence": {"session_numbers": [3, 4], "count": 2}}
    seen = flag_for_her(flag, concern_of("consecutive_absences", flag["evidence"]), date(2026, 12, 1))
    assert seen["reasons"] == ["A high flag about his absences, raised on 2026-12-01."]
    assert (seen["concern"], seen["evidence"]) == ("absences", {}) and "rule_id" not in seen
    assert concern_of("enrollment_signal", {"signal": "call_overdue"}) == "absences"
    assert concern_of("enrollment_signal", {"signal": "exit_proposed"}) == "programme"
    assert concern_of("a_kind_added_later", {}) == "other"
    lines = read_aloud_for_her("P-2026-000001", "critical", date(2026, 12, 2),
                               [("critical", "warning_sign", date(2026, 12, 2), None)], 1, "Decision support.")
    assert lines[2] == "1. Critical, about a warning sign, raised on 2026-12-02, not yet acknowledged."
    assert not any(ch in " ".join(lines) for ch in ("session", "unexcused"))
