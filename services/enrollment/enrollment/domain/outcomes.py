"""What became of a man after he left his programme: how he left, what counts as a new order, a breach or a new
complaint, the share of men with one within a follow-up window and its confidence interval, and the curve of time
to a new order. Pure rules over plain values; no I/O.

An outcome is kept for every enrolment that ended as a programme ends: completed (closed after its follow-up, too),
exited for non-compliance, or dropped out (exited for any other reason but transfer or death: the completion
report's rule). A man who was transferred went on elsewhere and a man who died has no outcome: neither is a cohort.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .lifecycle import EnrolmentStatus as S

COMPLETED, NON_COMPLIANCE, DROPOUT = "completed", "non_compliance", "dropout"
HOW_HE_LEFT = (COMPLETED, NON_COMPLIANCE, DROPOUT)
# An exit for these reasons is no outcome: he went on elsewhere, or died (the completion report's NOT_A_DROPOUT).
NOT_AN_OUTCOME = ("transferred", "died")
# The incidents risk publishes that enrollment counts after he left. A breach: of his protection order. A new
# complaint: what puts a new act of violence on record (a complaint, a police call-out, an arrest). Contact with the
# victim and stalking are warning signs, often breaches without a finding; her fear is hers. Neither is counted.
BREACH_KINDS = ("order_breach",)
COMPLAINT_KINDS = ("new_complaint", "police_callout", "arrest")
# The follow-up windows the report measures, in months after the day he left.
WINDOWS = (6, 12)
# z for a two-sided 95% interval: the 0.975 quantile of the standard normal distribution.
Z_95 = 1.959963984540054


def how_he_left(status: str, reason: str | None) -> str | None:
    """How an enrolment ended, as the outcome report groups it, or None: still open, excluded at intake,
    transferred or dead (no outcome)."""
    if status in (S.COMPLETED, S.CLOSED):
        return COMPLETED
    if status == S.EXITED:
        if reason in NOT_AN_OUTCOME:
            return None
        return NON_COMPLIANCE if reason == "non_compliance" else DROPOUT
    return None


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (Wilson 1927; Newcombe 1998, method 3), without continuity
    correction: (low, high), or None over no trials. It stays within [0, 1] and is sound at 0 and at n."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes in {trials} trials")
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    denominator = 1 + z2 / trials
    low, high = (centre - spread) / denominator, (centre + spread) / denominator
    # at 0 and at n one end is exactly 0 or 1; rounding must not leave it a hair outside
    return (0.0 if successes == 0 else max(0.0, low)), (1.0 if successes == trials else min(1.0, high))


@dataclass(frozen=True)
class Step:
    """The Kaplan–Meier curve at a day after leaving: men still at risk that morning, new orders that day, and the
    share without a new order up to and including it."""

    day: int
    at_risk: int
    events: int
    survival: float


def kaplan_meier(times: list[tuple[int, int, int]]) -> list[Step]:
    """The product-limit estimate from (day, men with a new order that day, men censored that day): one step per
    day with an event, in order. A man censored on a day of events is still at risk that day (the usual rule)."""
    at_risk = sum(events + censored for _, events, censored in times)
    by_day: dict[int, list[int]] = {}
    for day, events, censored in times:
        cell = by_day.setdefault(day, [0, 0])
        cell[0] += events
        cell[1] += censored
    survival = 1.0
    steps: list[Step] = []
    for day in sorted(by_day):
        events, censored = by_day[day]
        if events:
            survival *= 1 - events / at_risk
            steps.append(Step(day=day, at_risk=at_risk, events=events, survival=survival))
        at_risk -= events + censored
    return steps


def shown_steps(steps: list[Step], min_cell: int) -> list[Step]:
    """The steps that may be shown: the curve stops before the first day on which fewer than `min_cell` men were
    at risk (past it a step tells of one or two men)."""
    shown: list[Step] = []
    for step in steps:
        if step.at_risk < min_cell:
            break
        shown.append(step)
    return shown
