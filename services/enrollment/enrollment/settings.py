"""enrollment's own settings, over the kit's (`qadam.config.Settings`): what only enrollment reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from qadam.config import Settings, setting

from .domain.orders import WorkingCalendar


@dataclass(frozen=True)
class EnrollmentSettings(Settings):
    """What a enrollment process reads: the kit's settings, and these."""

    plan_due_working_days: int = setting(
        "QADAM_PLAN_DUE_WORKING_DAYS", 2,
        "Working days after a protection order within which its correction plan is due (Resolution No. 441).")
    working_weekdays: str = setting(
        "QADAM_WORKING_WEEKDAYS", "1,2,3,4,5",
        "ISO weekdays that are working days (Monday = 1); `1,2,3,4,5,6` for a six-day week.")
    public_holidays: str = setting(
        "QADAM_PUBLIC_HOLIDAYS", "",
        "Public holidays that are not working days, as comma-separated ISO dates (e.g. 2026-03-21,2026-09-01).")
    order_expiry_warning_days: int = setting(
        "QADAM_ORDER_EXPIRY_WARNING_DAYS", 7, "Days before a protection order expires when an unfinished programme is flagged.")
    order_scan_seconds: float = setting(
        "QADAM_ORDER_SCAN_SECONDS", 300.0, "How often enrollment's worker looks for overdue plans and expiring orders.")
    retention_days: int = setting(
        "QADAM_RETENTION_DAYS", 1826,
        "a participant whose enrolments all ended (completed and followed up, closed, exited, excluded) "
        "and whose protection orders all expired longer ago than this is anonymised by `python -m "
        "enrollment.retention`; the figures reports need are kept (5 years: see README, Deployment and data "
        "protection).")
    retention_batch_size: int = setting(
        "QADAM_RETENTION_BATCH_SIZE", 500, "participants the retention command anonymises in one transaction.")

    @property
    def working_weekdays_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.working_weekdays.split(",") if d.strip())

    @property
    def public_holidays_set(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d.strip()) for d in self.public_holidays.split(",") if d.strip())

    @property
    def working_calendar(self) -> WorkingCalendar:
        """The working days a correction plan is due in."""
        return WorkingCalendar(working_days=self.plan_due_working_days, working_weekdays=self.working_weekdays_set,
                               holidays=self.public_holidays_set)
