"""Fields every schema of Qadam uses where marshmallow's own would be too lenient."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from marshmallow import ValidationError, fields, validate


class Integer(fields.Integer):
    """A whole number. marshmallow's Integer cuts a fraction off without a word (0.005 becomes 0): this one
    refuses it, as the documents' `integer` says. Text of digits (a query string's) is still read."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float | decimal.Decimal) and value != int(value):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


# The dates Qadam's records can hold: a birth date, an order, an incident, a session. Outside them a date is a
# typing error (0026 for 2026), and date arithmetic near year 1 or 9999 overflows (a 500, not the caller's error).
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
_OUT_OF_RANGE = f"Give a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}."


class Date(fields.Date):
    """A calendar date from 1900-01-01 to 2100-12-31."""

    default_error_messages = {"out_of_range": _OUT_OF_RANGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise self.make_error("out_of_range")
        return day


class AwareDateTime(fields.AwareDateTime):
    """A moment with its time zone, on a day from 1900-01-01 to 2100-12-31 (as written, in its own zone)."""

    default_error_messages = {"out_of_range": _OUT_OF_RANGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            raise self.make_error("out_of_range")
        return moment


class NoControlCharacters(validate.Validator):
    """Text a person typed: no control characters (a NUL, an escape, a form feed). A place's name never has one,
    and a spreadsheet or a database would refuse it later, as an error of ours instead of the caller's."""

    error = "Control characters (below U+0020, or U+007F) are not allowed here."

    def __call__(self, value: str) -> str:
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise ValidationError(self.error)
        return value


def place(minimum: int = 1) -> list[validate.Validator]:
    """The validators of a region's, district's or mahalla's name (at most 100 characters)."""
    return [validate.Length(min=minimum or None, max=100), NoControlCharacters()]
