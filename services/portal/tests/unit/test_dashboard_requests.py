"""The manager's dashboard as a plan: which reports it asks the services for, for the period chosen (no service)."""

from __future__ import annotations

from datetime import date

from portal.views import manager


def test_the_dashboard_asks_the_services_for_the_period_chosen():
    period, errors = manager.read_period({"from": "2026-01-01", "to": "2026-06-30"}, today=date.today(),
                                         may_choose_region=False)
    assert errors == {}
    asked = manager.dashboard_requests(period, is_admin=False, language="kaa")
    assert ("enrollment", "/reports/completion",
            {"group_by": "programme", "from": "2026-01-01", "to": "2026-06-30", "region": None,
             "format": "json", "lang": "kaa"}) in asked  # its own labels in the reader's language
    assert ("notify", "/figures", {"since": "2026-01-01", "until": "2026-06-30", "region": None}) in asked
