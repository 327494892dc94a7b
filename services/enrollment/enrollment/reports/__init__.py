"""Enrollment's reports for programme managers: the completion report (completion.py: one aggregate query, its
figures suppressed by domain/disclosure.py), its downloads (downloads.py), and the national roll-up by region and
month (rollup.py); the outcome report (outcomes.py, over the outcomes kept per man, suppressed by
domain/outcome_disclosure.py) and its downloads (outcome_downloads.py). Reads only."""

from __future__ import annotations

from ..domain.disclosure import median_of, suppress, suppress_consistent
from .completion import GROUP_BY, Report, completion_query, completion_report, completion_report_for
from .outcomes import OUTCOME_GROUP_BY, OutcomeReport, outcome_report, outcome_report_for
from .rollup import Rollup, national_rollup_for

__all__ = ["GROUP_BY", "OUTCOME_GROUP_BY", "OutcomeReport", "Report", "Rollup", "completion_query", "completion_report",
           "completion_report_for", "median_of", "national_rollup_for", "outcome_report", "outcome_report_for",
           "suppress", "suppress_consistent"]
