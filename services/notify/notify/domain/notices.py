"""Her support worker's notices: what bears on her safety, as a code with its level (the routing rules choose by
level); never his attendance or notes."""

from __future__ import annotations

NOTICES = {"critical_flag": "critical", "suspended": "high", "exited": "high", "dropout": "high", "excluded": "high",
           "completed": "medium", "order_issued": "medium", "order_expiring": "high", "order_ended": "high"}


def status_notice(status: str, reason: str | None) -> str | None:
    """The notice a move of his enrolment gives her support worker, if any: suspension, exclusion, completion, exit
    (a dropout when he left for not keeping to the programme)."""
    if status == "exited":
        return "dropout" if reason == "non_compliance" else "exited"
    return status if status in ("suspended", "excluded", "completed") else None
