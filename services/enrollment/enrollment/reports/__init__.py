"""Enrollment's reports for programme managers: the completion report (completion.py: one aggregate query, its
figures suppressed by domain/disclosure.py), its downloads (downloads.py), and the national roll-up by region and
month (rollup.py). Reads only."""

from __future__ import annotations

from ..domain.disclosure import median_of, suppress, suppress_consistent
from .completion import GROUP_BY, Report, completion_query, completion_report, completion_report_for
from .rollup import Rollup, national_rollup_for

__all__ = ["GROUP_BY", "Report", "Rollup", "completion_query", "completion_report", "completion_report_for",
           "median_of", "national_rollup_for", "suppress", "suppress_consistent"]
