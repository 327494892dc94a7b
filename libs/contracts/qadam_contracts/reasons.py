"""Why a flag was raised, as data: a reason is a code and its parameters (counts, session numbers, dates, a sign,
an incident's kind, an order's dates), never a sentence. Whoever shows one renders it in the reader's language
(`qadam_words.reasons.render`); the codes are the vocabulary below, shared by the producer (risk) and every reader
(notify, the portal).

Dates are ISO days (`2026-12-10`) as people where it happened read them; a moment is a local `2026-12-10T14:00`.
A reason may hold others (`cluster`'s `of`, `exit_proposed`'s `details`). `text` is an old flag's sentence that
could not be read back into a code: shown as it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import validate
from qadam.events import EventData, JSONObject, detail

# code -> the parameters it carries (each one always present; None where the fact is unknown)
REASON_PARAMS: dict[str, tuple[str, ...]] = {
    "consecutive_absences": ("count", "sessions", "first_on", "last_on"),
    "unexcused_absences": ("count", "sessions", "threshold", "on"),
    "absence_rate": ("missed", "window", "sessions", "up_to"),
    "warning_sign": ("sign", "on", "session", "more", "within_days"),
    "incident": ("kind", "on", "severity", "source"),
    # what perpetrator-facing staff read of her support worker's report (DOMAIN.md, safety rules): a date, a level
    "concern": ("on", "level"),
    "intake_band": ("on", "instrument", "score", "band"),
    "exit_proposed": ("details",),
    "exit_unexcused": ("count", "allowed"),
    "exit_consecutive": ("count", "allowed"),
    "exit_attendance": ("needed", "required", "percent"),
    "plan_overdue": ("issued_on", "due_on"),
    "order_expiring": ("expires_on", "days_left", "programme", "follow_up"),
    "call_overdue": ("absence_on", "session", "due_at"),
    "cluster": ("count", "levels", "within_days", "of"),
    "combination": ("within_days", "facts"),
    "assessment_due_first": ("enrolled_on", "due_on"),
    "assessment_due": ("last_on", "due_on"),
    "repeat_order": ("issued_on", "days", "previous_on"),
    # the rule's own words (its description), with the limit it flags at where it has one
    "rule": ("description",),
    "rule_in_a_row": ("description", "threshold"),
    "rule_in_all": ("description", "threshold"),
    "rule_rate": ("description", "percent", "window"),
    # notify's alert to her support worker that his level rose (a code and the levels, nothing of his sessions)
    "level_rise": ("participant_code", "from_level", "level"),
    "text": ("text",),
}
REASON_CODES = tuple(REASON_PARAMS)


@dataclass(frozen=True, kw_only=True, slots=True)
class Reason(EventData):
    """One reason a flag was raised: a code of REASON_CODES and its parameters (REASON_PARAMS names them)."""

    code: str = detail(validate=validate.OneOf(REASON_CODES), description="What kind of reason (the vocabulary).")
    params: JSONObject = detail(description="Its facts: counts, session numbers, ISO dates, a sign, a kind.")

    def as_data(self) -> JSONObject:
        """As stored and sent: `{"code": ..., "params": {...}}`."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def of(cls, data: Any) -> Reason:
        """From stored data (`{"code", "params"}`); anything else is an old sentence kept as `text`."""
        if isinstance(data, dict) and data.get("code") in REASON_PARAMS and isinstance(data.get("params"), dict):
            return cls(code=data["code"], params=data["params"])
        return cls(code="text", params={"text": str(data)})


def reason(code: str, **params: Any) -> Reason:
    """A reason of `code` with exactly its parameters (a ValueError for an unknown code or a missing or foreign
    parameter: a reason nobody can render is refused where it is made)."""
    wanted = REASON_PARAMS.get(code)
    if wanted is None:
        raise ValueError(f"unknown reason code {code!r}")
    if set(params) != set(wanted):
        raise ValueError(f"reason {code} takes {', '.join(wanted)}, not {', '.join(sorted(params))}")
    return Reason(code=code, params=params)
