"""Enrollment's reports for programme managers: the completion report (completion.py: one aggregate query, its
figures suppressed by domain/disclosure.py) and its downloads (downloads.py). Reads only."""

from __future__ import annotations

from ..domain.disclosure import median_of, suppress, suppress_consistent
from .completion import GROUP_BY, Report, completion_query, completion_report, completion_report_for

__all__ = ["GROUP_BY", "Report", "completion_query", "completion_report", "completion_report_for", "median_of",
           "suppress", "suppress_consistent"]
