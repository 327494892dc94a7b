"""One way to write a date, a number and a time per language: CLDR's, through Babel, where it has the data, and
the language's own where it has none.

Karakalpak in Latin script has almost no data in CLDR (a date comes out as "2026 M12 1", a number with the English
point): its dates are written the way offices in Nukus write them, day.month.year, and its numbers as Uzbek writes
them, a decimal comma and a space between thousands (the reason a CSV for it is separated by `;`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cached_property

from babel import Locale
from babel.dates import format_date as cldr_date
from babel.dates import format_datetime as cldr_datetime
from babel.numbers import format_decimal as cldr_decimal
from babel.numbers import format_percent as cldr_percent
from babel.numbers import get_decimal_symbol

from .catalogs import locale_name

NO_BREAK_SPACE = "\u00a0"
ENGLISH = Locale.parse("en")
DATE_FORMS = ("short", "medium", "long", "full")


@dataclass(frozen=True)
class OwnFormats:
    """A language's formats where CLDR has none: date patterns for every form, and its number symbols (numbers are
    formatted by CLDR's English rules, then its `.` and `,` are written as the language writes them)."""

    date: str | None  # None: CLDR's
    date_time: str | None
    decimal: str
    group: str


OWN_FORMATS = {
    "kaa": OwnFormats(date="dd.MM.yyyy", date_time="dd.MM.yyyy HH:mm", decimal=",", group=NO_BREAK_SPACE),
    # in Cyrillic script CLDR has Karakalpak's calendar ("1-дек 2026") but writes a number with the English point:
    # Karakalpakstan writes it as Uzbek and its Latin script do, a decimal comma
    "kaa-Cyrl": OwnFormats(date=None, date_time=None, decimal=",", group=NO_BREAK_SPACE),
}


@dataclass(frozen=True)
class Formats:
    """Dates and numbers in one language."""

    language: str

    def __post_init__(self) -> None:
        locale_name(self.language)  # a ValueError for a language Qadam does not speak

    @cached_property
    def locale(self) -> Locale:  # parsed once: a download formats a number per cell
        return Locale.parse(locale_name(self.language))

    @cached_property
    def own(self) -> OwnFormats | None:
        return OWN_FORMATS.get(self.language)

    @property
    def decimal_symbol(self) -> str:
        own = self.own
        return own.decimal if own else get_decimal_symbol(self.locale)

    @property
    def list_separator(self) -> str:
        """What separates a CSV's cells for a spreadsheet set to this language: `;` where the decimal sign is a
        comma (Excel takes the list separator from the regional settings, and there a comma is the decimal sign)."""
        return ";" if self.decimal_symbol == "," else ","

    def format_date(self, value: date, form: str = "medium") -> str:
        """A day: `form` one of short, medium, long, full, or a CLDR pattern such as `d MMMM`."""
        own = self.own
        if own and own.date and form in DATE_FORMS:
            form = own.date
        return cldr_date(value, form, locale=self._locale_for_patterns())

    def format_datetime(self, value: datetime, form: str = "medium", tz: tzinfo | None = None) -> str:
        """A moment, in `tz` (default: as it is)."""
        own = self.own
        if own and own.date_time and form in DATE_FORMS:
            form = own.date_time
        return cldr_datetime(value, form, tzinfo=tz or value.tzinfo, locale=self._locale_for_patterns())

    def format_number(self, value: int | float | Decimal, *, digits: int | None = None, grouping: bool = True) -> str:
        """A number; `digits`: exactly that many after the decimal sign (default: as many as it has);
        `grouping=False`: no separator between thousands (a figure a spreadsheet reads back)."""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return self._number(lambda locale: cldr_decimal(value, format=pattern, locale=locale,
                                                        decimal_quantization=digits is not None,
                                                        group_separator=grouping))

    def format_percent(self, value: int | float | Decimal, *, digits: int = 0) -> str:
        """A share (0.5) as a percentage (50 %), rounded to `digits` after the decimal sign."""
        def write(locale: Locale) -> str:
            pattern = locale.percent_formats[None].pattern  # "#,##0%", "#,##0 %" (Russian)
            if digits:
                pattern = re.sub(r"0(?=[^0]*$)", "0." + "0" * digits, pattern, count=1)
            return cldr_percent(value, format=pattern, locale=locale)

        return self._number(write)

    def _locale_for_patterns(self) -> Locale:
        # the own formats are numeric patterns: any locale writes them alike, English has every field
        return ENGLISH if self.own and self.own.date else self.locale

    def _number(self, write: Callable[[Locale], str]) -> str:
        own = self.own
        if own is None:
            return str(write(self.locale))
        return str(write(ENGLISH)).translate(str.maketrans(",.", own.group + own.decimal))
