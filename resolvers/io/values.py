"""Values as people write them in spreadsheets, turned into the API's canonical forms.

An imported cell goes through the mutations' validation, which accepts one spelling of each
value: ISO dates, decimal points, ISO country codes. Files exported from Excel or another CRM in
Slovakia, Czechia, Poland, Hungary or Germany say `24.12.1980`, `1 234,50`, `0,0125` and
`Slovakia` or `Slovensko`; this module rewrites such cells before validation, by the kind of
field they feed:

- dates (`birthday`, `startedOn`, `endedOn`, and the date part of `placedAt`, `occurredAt`,
  `referredAt`): `24.12.1980` (always day first), `1980-12-24`, `1980. 12. 24.`, and
  `24/12/1980` or `12/24/1980` read in the order of `--locale` (en-US: month first; the
  others: day first). Without a locale a slash date is read only when one order alone makes
  sense (`24/12/1980`); `03/04/2025` is an AMBIGUOUS_DATE error naming --locale, never a guess.
  In XLSX, a whole number in a date column is an Excel serial date (29579 → 1980-12-24).
- numbers (money, counts, scores): thousands grouped by spaces (also no-break and thin spaces),
  apostrophes, dots or commas, and a decimal comma or point. The locale's decimal mark decides
  `1,234` and `1.234`; without a locale, `1,234` (which reads as 1234 or as 1.234) is an
  AMBIGUOUS_NUMBER error, while `1 234,50`, `0,0125` and `12,5` are clear.
- countries: ISO alpha-2 codes as before, alpha-3 codes (SVK) and names in English and in the
  languages of the files we expect (Slovakia, Slovensko, Slovensko, Słowacja, Szlovákia,
  Slowakei, …) become the alpha-2 code; phone numbers are then read in that country.

A cell that matches none of these forms is passed on unchanged, so the validation's own error
(INVALID_DATE, INVALID_MONEY, INVALID_COUNTRY…) reports it exactly as the API would. JSON values
that are not strings are never touched.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from core.validation import FieldError, Validator

AMBIGUOUS_DATE: Final = "AMBIGUOUS_DATE"
AMBIGUOUS_NUMBER: Final = "AMBIGUOUS_NUMBER"

DATE_FIELDS: Final = frozenset({"birthday", "startedOn", "endedOn"})
DATETIME_FIELDS: Final = frozenset({"placedAt", "occurredAt", "referredAt"})
DECIMAL_FIELDS: Final = frozenset({"annualRevenue", "price", "unitPrice", "sentiment"})
INTEGER_FIELDS: Final = frozenset({"leadScore", "employeeCount", "quantity"})
COUNTRY_FIELDS: Final = frozenset({"country"})
_ALL_FIELDS: Final = (
    DATE_FIELDS | DATETIME_FIELDS | DECIMAL_FIELDS | INTEGER_FIELDS | COUNTRY_FIELDS
)

#: Languages whose country names are always understood (besides the locale's own).
NAME_LANGUAGES: Final = ("en", "sk", "cs", "pl", "hu", "de")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
_COUNTRY_CODE = re.compile(r"[A-Z]{2}", re.ASCII)
_DMY = re.compile(r"(\d{1,2})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{4})\.?", re.ASCII)
_YMD = re.compile(r"(\d{4})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{1,2})\.?", re.ASCII)
_TIME_TAIL = re.compile(
    r"(.*?)[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)", re.ASCII
)
_SPACES = re.compile(r"[ \u00a0\u2009\u202f'\u2019]")
_GROUPED_SPACES = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u2009\u202f'\u2019]\d{3})+(?:[.,]\d+)?")
_NUMBER = re.compile(r"([+-]?)(\d[\d.,]*)", re.ASCII)
#: Excel serial dates that can be a year between 1900 and 2200.
_SERIAL_RANGE = range(61, 110_000)


@dataclass(frozen=True)
class Conventions:
    """How a locale writes dates and numbers."""

    tag: str
    language: str
    day_first: bool
    decimal: str


@functools.cache
def conventions(tag: str) -> Conventions:
    """The conventions of a BCP 47 tag such as sk-SK or en-US, from the CLDR data in babel."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError) as exc:
        raise ValueError(
            f"Unknown locale {tag!r}; use e.g. sk-SK, cs-CZ, pl-PL, hu-HU, de-DE, en-GB or en-US."
        ) from exc
    pattern = str(locale.date_formats["short"].pattern)
    return Conventions(
        tag=tag,
        language=str(locale.language),
        # Only month-first locales (en-US) read 03/04 as March; year-first ones (hu-HU) write
        # y. m. d., and read a d/m/y date day first like the rest of Europe.
        day_first=not pattern.lstrip().startswith("M"),
        decimal=str(locale.number_symbols.get("latn", {}).get("decimal", ".")),
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\s.\-_,'()]+", " ", "".join(c for c in decomposed if c.isascii())).strip()


#: Long or older names that CLDR does not list, folded.
_EXTRA_COUNTRY_NAMES: Final = {
    "ceska republika": "CZ",
    "czech republic": "CZ",
    "slovenska republika": "SK",
    "slovak republic": "SK",
    "rzeczpospolita polska": "PL",
    "magyarorszag": "HU",
    "bundesrepublik deutschland": "DE",
    "great britain": "GB",
    "england": "GB",
    "usa": "US",
    "u s a": "US",
}


@functools.cache
def _country_names(language: str | None) -> dict[str, str]:
    """Folded country name or alpha-3 code → alpha-2, in English, the expected languages and
    `language`."""
    import pycountry
    from babel import Locale

    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names[_fold(country.alpha_3)] = code
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(_fold(value), code)
    languages = [*NAME_LANGUAGES, *([language] if language else [])]
    for lang in languages:
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(_fold(name), code)
    for name, code in _EXTRA_COUNTRY_NAMES.items():
        names.setdefault(name, code)
    return names


def _serial_date(serial: int) -> dt.date:
    """An Excel (1900 date system) serial number as a date; serials from 61 on (1900-03-01)."""
    return dt.date(1899, 12, 30) + dt.timedelta(days=serial)


class ValueReader:
    """Rewrites the locale-formatted cells of a row (keyed by field) into canonical forms."""

    def __init__(self, locale: str | None = None, *, excel_serials: bool = False) -> None:
        self.locale = conventions(locale) if locale else None
        self.excel_serials = excel_serials

    def read(self, v: Validator, row: Mapping[str, Any]) -> dict[str, Any]:
        """`row` with its dates, numbers and countries canonical; ambiguities added to `v`."""
        out = dict(row)
        for name in _ALL_FIELDS.intersection(row):
            value = row[name]
            if not isinstance(value, str):
                continue
            text = value.strip()
            if name in COUNTRY_FIELDS:
                out[name] = self.country(text)
            elif name in DATE_FIELDS:
                out[name] = self.date(v, name, text)
            elif name in DATETIME_FIELDS:
                out[name] = self.datetime(v, name, text)
            elif name in INTEGER_FIELDS:
                out[name] = self.number(v, name, text, integer=True)
            else:
                out[name] = self.number(v, name, text, integer=False)
        return out

    # --- countries -------------------------------------------------------------------------------

    def country(self, text: str) -> str:
        if len(text) == 2 and _COUNTRY_CODE.fullmatch(text.upper()):
            return text
        found = _country_names(self.locale.language if self.locale else None).get(_fold(text))
        return found or text

    # --- dates -----------------------------------------------------------------------------------

    def date(self, v: Validator, field: str, text: str) -> str:
        if _ISO_DATE.fullmatch(text):
            return text
        if self.excel_serials and text.isdigit() and int(text) in _SERIAL_RANGE:
            return _serial_date(int(text)).isoformat()
        ymd = _YMD.fullmatch(text)
        if ymd:
            return _iso(int(ymd[1]), int(ymd[3]), int(ymd[4])) or text
        dmy = _DMY.fullmatch(text)
        if not dmy:
            return text
        first, separator, second, year = int(dmy[1]), dmy[2], int(dmy[3]), int(dmy[4])
        day_first = _iso(year, second, first)
        month_first = _iso(year, first, second)
        if separator == "." or (self.locale is not None and self.locale.day_first):
            return day_first or text
        if self.locale is not None:
            return month_first or text
        if day_first and month_first and day_first != month_first:
            v.add(
                field,
                AMBIGUOUS_DATE,
                f"{text!r} is {day_first} read day first and {month_first} read month first; "
                "say which with --locale (e.g. en-GB or sk-SK: day first; en-US: month first) "
                "or write it as YYYY-MM-DD.",
            )
            return text
        return day_first or month_first or text

    def datetime(self, v: Validator, field: str, text: str) -> str:
        """The date part of a date and time, rewritten as a date; the rest is left to the
        validation (which asks for an offset when there is none)."""
        split = _TIME_TAIL.fullmatch(text)
        day, time = (split[1].strip(), split[2].replace(" ", "")) if split else (text, None)
        rewritten = self.date(v, field, day)
        if rewritten == day:
            return text
        if time is None:
            return rewritten
        return f"{rewritten}T{time if time[2] == ':' else '0' + time}"

    # --- numbers ---------------------------------------------------------------------------------

    def number(self, v: Validator, field: str, text: str, *, integer: bool) -> str:
        if _PLAIN_NUMBER.fullmatch(text) and (
            self.locale is None or self.locale.decimal == "." or not _looks_grouped(text, ".")
        ):
            return _drop_zero_fraction(text) if integer else text
        compact = text
        if _GROUPED_SPACES.fullmatch(text):
            compact = _SPACES.sub("", text)
        match = _NUMBER.fullmatch(compact)
        if not match:
            return text
        sign, digits = match[1], match[2]
        canonical = self._digits(v, field, text, digits)
        if canonical is None:
            return text
        canonical = sign + canonical
        return _drop_zero_fraction(canonical) if integer else canonical

    def _digits(self, v: Validator, field: str, text: str, digits: str) -> str | None:
        """`digits` (digits, dots and commas) as a plain decimal, or None if it is no number."""
        has_comma, has_dot = "," in digits, "." in digits
        if has_comma and has_dot:
            decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
            group = "." if decimal == "," else ","
            whole, _, fraction = digits.rpartition(decimal)
            if not _valid_groups(whole, group) or not fraction.isdigit():
                return None
            return whole.replace(group, "") + "." + fraction
        if not has_comma and not has_dot:
            return digits
        mark = "," if has_comma else "."
        if digits.count(mark) > 1:
            return digits.replace(mark, "") if _valid_groups(digits, mark) else None
        whole, _, fraction = digits.partition(mark)
        if not whole or not fraction.isdigit():
            return None
        could_group = len(fraction) == 3 and whole != "0" and len(whole) <= 3
        if not could_group:
            return f"{whole}.{fraction}"
        if self.locale is not None:
            return f"{whole}.{fraction}" if self.locale.decimal == mark else whole + fraction
        if mark == ".":
            return f"{whole}.{fraction}"  # the API's own form: a point is a decimal point
        v.add(
            field,
            AMBIGUOUS_NUMBER,
            f"{text!r} is {whole}{fraction} if the comma groups thousands and {whole}.{fraction} "
            "if it is a decimal comma; say which with --locale (e.g. sk-SK or de-DE: decimal "
            "comma; en-GB or en-US: thousands) or write it without a thousands separator.",
        )
        return None


def unambiguous_errors(errors: list[FieldError]) -> list[FieldError]:
    """`errors` without the validation's own complaint about a value already reported as
    ambiguous (03/04/2025 is AMBIGUOUS_DATE, not also INVALID_DATE)."""
    ambiguous = {e.field for e in errors if e.code in (AMBIGUOUS_DATE, AMBIGUOUS_NUMBER)}
    if not ambiguous:
        return errors
    return [
        e
        for e in errors
        if e.field not in ambiguous or e.code in (AMBIGUOUS_DATE, AMBIGUOUS_NUMBER)
    ]


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _valid_groups(digits: str, group: str) -> bool:
    """True when `digits` is 1-3 digits, then groups of three, separated by `group`."""
    parts = digits.split(group)
    return (
        all(p.isdigit() for p in parts)
        and 1 <= len(parts[0]) <= 3
        and all(len(p) == 3 for p in parts[1:])
    )


def _looks_grouped(text: str, group: str) -> bool:
    """True when a decimal-comma locale would read `text`'s point as a thousands separator."""
    digits = text.lstrip("+-")
    return group in digits and digits.split(group)[0] != "0" and _valid_groups(digits, group)


def _drop_zero_fraction(text: str) -> str:
    """'1234.00' → '1234' (a count written with decimals); other fractions stay, and fail."""
    whole, dot, fraction = text.partition(".")
    return whole if dot and fraction.strip("0") == "" else text
