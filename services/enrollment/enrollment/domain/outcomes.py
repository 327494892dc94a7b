"""What became of a man after he left his programme: how he left, what counts as a new order, a breach or a new
complaint, the share of men with one within a follow-up window and its confidence interval, and the curve of time
to a new order. Pure rules over plain values; no I/O.

An outcome is kept for every enrolment that ended as a programme ends: completed (closed after its follow-up, too),
exited for non-compliance, or dropped out (exited for any other reason but transfer or death: the completion
report's rule). A man who was transferred went on elsewhere and a man who died has no outcome: neither is a cohort.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from qadam.quarters import add_months

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
# The curve of time to a new order: by whole months after leaving, up to the longest window.
CURVE_MONTHS = WINDOWS[-1]
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



def followed_months(quarter_last_day: date, as_of: date) -> int:
    """The whole months after leaving (0 to CURVE_MONTHS) that have passed by `as_of` for every man who left in the
    quarter that ends on `quarter_last_day`: the quarter rule. A quarter is in a window's figures when this reaches
    it, so what they count of a quarter depends on the day asked only through it, never on a man's own day."""
    months = 0
    while months < CURVE_MONTHS and add_months(quarter_last_day, months + 1) <= as_of:
        months += 1
    return months


def windows_in(quarter_last_day: date, as_of: date) -> tuple[int, ...]:
    """The windows (WINDOWS) a quarter of leaving is in on `as_of`."""
    followed = followed_months(quarter_last_day, as_of)
    return tuple(months for months in WINDOWS if months <= followed)


@dataclass(frozen=True)
class MonthStep:
    """The curve at a whole month after leaving: men without a new order at its start, new orders within it, and the
    share without a new order up to its end."""

    month: int
    at_risk: int
    events: int
    survival: float


@dataclass(frozen=True)
class QuarterOfLeaving:
    """What the curve needs of a quarter of leaving: its men, their first new orders by month after leaving (1 to
    CURVE_MONTHS; a man with none within them is in no month), and the months followed for all of them."""

    men: int
    orders: dict[int, int]
    followed: int

    def shown_months(self, min_cell: int) -> int:
        """The months of this quarter's own curve that may be shown: while at least `min_cell` of its men are at
        risk at a month's start, up to the months followed."""
        at_risk, months = self.men, 0
        while months < self.followed and at_risk >= min_cell:
            months += 1
            at_risk -= self.orders.get(months, 0)
        return months


def month_curve(quarters: Iterable[QuarterOfLeaving], min_cell: int) -> list[MonthStep]:
    """The curve of time to a new order over a run of quarters of leaving, by whole months.

    It is drawn over the quarters whose first window (6 months) has passed for every man, up to the first month one
    of them would not show in its own curve (fewer than `min_cell` of its men at risk, or not followed that long):
    so every figure of it is a sum of figures each quarter's own curve shows, and two curves, of two runs or of two
    days, differ only by such sums. Every man of it is followed to its last month, so the Kaplan–Meier estimate is
    here the plain share: nobody is censored before it ends."""
    counted = [q for q in quarters if q.men and q.followed >= WINDOWS[0]]
    if not counted:
        return []
    last = min(q.shown_months(min_cell) for q in counted)
    at_risk = sum(q.men for q in counted)
    men, steps = at_risk, []
    for month in range(1, last + 1):
        events = sum(q.orders.get(month, 0) for q in counted)
        steps.append(MonthStep(month=month, at_risk=at_risk, events=events, survival=(at_risk - events) / men))
        at_risk -= events
    return steps
