"""Risk's pure rules on plain data: the facts of a case, the rules as data, the intake instrument, the level.
No I/O, no Flask, no SQLAlchemy session."""

from .facts import (
    LEVELS,
    OPEN_STATUSES,
    Assessment,
    Case,
    Finding,
    Incident,
    Mark,
    Observation,
    OrderSignal,
    highest,
    level_rank,
)
from .rules import DISCLAIMER, Context, Rule, RuleError, RuleSet, evaluate, new_findings, parse_rules

__all__ = [
    "DISCLAIMER", "LEVELS", "OPEN_STATUSES", "Assessment", "Case", "Context", "Finding", "Incident", "Mark",
    "Observation", "OrderSignal", "Rule", "RuleError", "RuleSet", "evaluate", "highest", "level_rank",
    "new_findings", "parse_rules",
]
