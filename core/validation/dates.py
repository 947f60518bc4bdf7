"""Dates, birthdays and timestamps; a timestamp without a timezone is refused, never guessed."""

from __future__ import annotations

import datetime as dt

from core.validation._base import YEAR_MAX, YEAR_MIN, ValidatorBase, _show, _type_name
from core.validation.errors import Code, FieldName
from core.validation.numbers import _MAX_NUMBER_TEXT_LENGTH


class DateChecks(ValidatorBase):
    """Dates, birthdays and timestamps; a timestamp without a timezone is refused, never guessed."""

    def date(self, field: FieldName, value: object, *, required: bool = False) -> dt.date | None:
        """A calendar date, given as a date or an ISO 8601 string ("2024-03-31").

        Years outside 1900..2200 are refused: in a customer database they are always typos
        (0224, 20245) and they break date arithmetic in reports.
        """
        if self._absent(field, value, required):
            return None
        parsed: dt.date
        if isinstance(value, dt.datetime):
            self.add(field, Code.INVALID_DATE, "Expected a date without a time of day.")
            return None
        if isinstance(value, dt.date):
            parsed = value
        elif isinstance(value, str):
            text = value.strip()
            try:
                if not text.isascii():
                    raise ValueError(text)
                parsed = dt.date.fromisoformat(text)
            except ValueError:
                self.add(
                    field,
                    Code.INVALID_DATE,
                    f"{_show(text)} is not a date; write it as YYYY-MM-DD, e.g. 2024-03-31.",
                )
                return None
        else:
            self.add(field, Code.INVALID_DATE, f"Expected a date, got {_type_name(value)}.")
            return None
        if not YEAR_MIN <= parsed.year <= YEAR_MAX:
            self.add(
                field,
                Code.OUT_OF_RANGE,
                f"The year must be between {YEAR_MIN} and {YEAR_MAX}.",
            )
            return None
        return parsed

    def birthday(
        self,
        field: FieldName,
        value: object,
        today: dt.date | None = None,
        *,
        required: bool = False,
    ) -> dt.date | None:
        """A date of birth: a date that is not in the future. `today` is injectable for tests."""
        parsed = self.date(field, value, required=required)
        if parsed is None:
            return None
        if parsed > (today or dt.date.today()):
            self.add(field, Code.DATE_IN_FUTURE, "A birthday cannot be in the future.")
            return None
        return parsed

    def datetime(
        self, field: FieldName, value: object, *, required: bool = False
    ) -> dt.datetime | None:
        """A moment in time, returned in UTC.

        A time without an offset is refused rather than guessed: the sales team spans time zones,
        and "10:00" in Bratislava and in Shanghai are eight hours apart.
        """
        if self._absent(field, value, required):
            return None
        parsed: dt.datetime
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, str):
            text = value.strip()
            try:
                if not text.isascii() or len(text) > _MAX_NUMBER_TEXT_LENGTH:
                    raise ValueError(text)
                parsed = dt.datetime.fromisoformat(text)
            except ValueError:
                self.add(
                    field,
                    Code.INVALID_DATETIME,
                    f"{_show(text)} is not a date and time; write it as ISO 8601 with an "
                    "offset, e.g. 2024-03-31T14:30:00+02:00.",
                )
                return None
        else:
            self.add(
                field,
                Code.INVALID_DATETIME,
                f"Expected a date and time, got {_type_name(value)}.",
            )
            return None
        if parsed.utcoffset() is None:
            self.add(
                field,
                Code.MISSING_TIMEZONE,
                "Include a time zone offset, e.g. 2024-03-31T14:30:00+02:00 or ...Z for UTC.",
            )
            return None
        if not YEAR_MIN <= parsed.year <= YEAR_MAX:
            self.add(
                field,
                Code.OUT_OF_RANGE,
                f"The year must be between {YEAR_MIN} and {YEAR_MAX}.",
            )
            return None
        return parsed.astimezone(dt.UTC)
