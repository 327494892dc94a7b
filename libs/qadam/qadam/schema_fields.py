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


class Date(fields.Date):
    """A calendar date between 1900-01-01 and 2100-12-31: a birth date or an order's day outside them is a typing
    mistake (a year 0026, 20266), and refused as one instead of stored."""

    EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not self.EARLIEST <= day <= self.LATEST:
            raise ValidationError(f"A date from {self.EARLIEST.isoformat()} to {self.LATEST.isoformat()}.")
        return day


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
