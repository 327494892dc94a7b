"""Risk's HTTP routes: flags, incidents, the instrument and assessments, the rules, and the explanation."""

from .assessments import blp as assessments
from .explanation import blp as explanation
from .flags import blp as flags
from .incidents import blp as incidents
from .levels import blp as levels
from .rules import blp as rules

BLUEPRINTS = [flags, incidents, assessments, rules, explanation, levels]
