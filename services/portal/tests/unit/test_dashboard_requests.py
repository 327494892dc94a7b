"""The manager's dashboard as a plan: which reports it asks the services for, for the period chosen (no service)."""

from __future__ import annotations

from datetime import date

from portal.views import manager


def test_the_dashboard_asks_the_services_for_the_period_chosen():
    period, errors = manager.read_period({"from": "2026-01-01", "to": "2026-06-30"}, today=date.today(),
                                         may_choose_region=False)
    assert errors == {}
    asked = manager.dashboard_requests(period, national=False, language="kaa")
    assert ("enrollment", "/reports/completion",
            {"group_by": "programme", "from": "2026-01-01", "to": "2026-06-30", "region": None,
             "format": "json", "lang": "kaa"}) in asked  # its own labels in the reader's language
    assert ("notify", "/figures", {"since": "2026-01-01", "until": "2026-06-30", "region": None}) in asked


def test_a_national_reader_asks_for_the_whole_country_without_the_alert_figures_and_for_a_region_with_them():
    """An administrator's or a national analyst's dashboard: the whole country's completion report alone (notify
    reports one region at a time), or a region chosen with its alert figures."""
    period, _errors = manager.read_period({"region": ""}, today=date(2026, 6, 30), may_choose_region=True)
    assert [service for service, _path, _query in manager.dashboard_requests(period, national=True, language="ru")] \
        == ["enrollment"]
    chosen, _errors = manager.read_period({"region": "Buxoro viloyati"}, today=date(2026, 6, 30), may_choose_region=True)
    asked = manager.dashboard_requests(chosen, national=True, language="ru")
    assert [(service, query["region"]) for service, _path, query in asked] == [
        ("enrollment", "Buxoro viloyati"), ("notify", "Buxoro viloyati")]
