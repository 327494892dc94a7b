"""Risk's HTTP routes: each parses, authorises, calls one command (risk.commands) or query (risk.queries),
and answers. Flags, incidents, the instrument and assessments, the rules, the explanation and the levels."""

from .assessments import blp as assessments
from .explanation import blp as explanation
from .flags import blp as flags
from .incidents import blp as incidents
from .levels import blp as levels
from .rules import blp as rules

BLUEPRINTS = [flags, incidents, assessments, rules, explanation, levels]
