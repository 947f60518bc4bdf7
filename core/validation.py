"""Input validation shared by every GraphQL mutation and the bulk importer.

One code path on purpose: a contact that the importer accepts must be one the API would accept,
and vice versa, or the two slowly drift into storing different shapes of the same data.

A `Validator` collects `FieldError`s rather than raising at the first problem, so a salesperson
who submits a form (or a file of 5,000 rows) sees every problem at once instead of fixing them one
round trip at a time. Each method returns the *normalised* value to store, or None when the input
was invalid (an error is then recorded) or simply absent. Error codes are stable API: clients
match on them, humans read the messages.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final

import email_validator
import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from core.money import SCALE, to_storage

FieldName = str | int | tuple[str | int, ...]
"""A field relative to the validator's prefix: "email", or ("lines", 2, "quantity")."""


class Code(StrEnum):
    """Stable error codes. Clients branch on these, so never rename one; add new ones instead."""

    REQUIRED = "REQUIRED"
    BLANK = "BLANK"
    TOO_LONG = "TOO_LONG"
    CONTROL_CHARACTERS = "CONTROL_CHARACTERS"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_COUNTRY = "INVALID_COUNTRY"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_MONEY = "INVALID_MONEY"
    NEGATIVE_AMOUNT = "NEGATIVE_AMOUNT"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_DATE = "INVALID_DATE"
    DATE_IN_FUTURE = "DATE_IN_FUTURE"
    INVALID_DATETIME = "INVALID_DATETIME"
    MISSING_TIMEZONE = "MISSING_TIMEZONE"
    INVALID_ENUM = "INVALID_ENUM"
    INVALID_SKU = "INVALID_SKU"
    INVALID_EXTERNAL_ID = "INVALID_EXTERNAL_ID"
    # Recorded by callers through Validator.add, listed here so every code has one home.
    DUPLICATE = "DUPLICATE"
    NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field.

    `field` is the path inside the GraphQL input, e.g. ("input", "lines", "2", "quantity"), so a
    client can put the message next to the exact widget (or spreadsheet cell) that caused it.
    """

    field: tuple[str, ...]
    code: str
    message: str
    #: DUPLICATE: the global id of the record that already has the value
    existing_id: str | None = None


class ValidationFailed(Exception):
    """Raised once, after validation, carrying every problem found.

    The GraphQL layer turns `errors` into a structured error payload; the message is only a
    fallback for logs.
    """

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        summary = "; ".join(f"{'.'.join(e.field)}: {e.message}" for e in self.errors[:5])
        more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        super().__init__(f"{len(self.errors)} invalid field(s): {summary}{more}")


# --- limits -----------------------------------------------------------------------------------

EMAIL_MAX_LENGTH: Final = 254  # RFC 5321's path limit minus the angle brackets
MONEY_MAX: Final = Decimal(10) ** 12  # well inside int64 after scaling; larger is a typo
MONEY_MAX_TEXT_LENGTH: Final = 64
YEAR_MIN: Final = 1900
YEAR_MAX: Final = 2200
SKU_MAX_LENGTH: Final = 64
EXTERNAL_ID_MAX_LENGTH: Final = 128
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
_MAX_NUMBER_TEXT_LENGTH: Final = 64  # longer numeric strings are garbage, and int() gets slow

# Characters that render as nothing (or break layouts, exports and terminal output) and that no
# legitimate name or note needs: controls (Cc), invisible formatting (Cf, e.g. zero-width spaces
# and bidi overrides used to disguise text), lone surrogates (Cs, which cannot be encoded as
# UTF-8 and would crash the driver) and the Unicode line/paragraph separators (Zl, Zp), which are
# newlines that most software does not display as such.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

_DECIMAL_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,6})?", re.ASCII)
_INTEGER_RE: Final = re.compile(r"[+-]?\d{1,30}", re.ASCII)
_COUNTRY_RE: Final = re.compile(r"[A-Za-z]{2}", re.ASCII)
_CURRENCY_RE: Final = re.compile(r"[A-Za-z]{3}", re.ASCII)
_SKU_RE: Final = re.compile(r"[A-Za-z0-9._-]{1,64}", re.ASCII)
_E164_RE: Final = re.compile(r"\+[1-9]\d{6,14}", re.ASCII)
_PLAIN_EMAIL_RE: Final = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}",
    re.ASCII,
)
_TRUE_WORDS: Final = frozenset({"true", "yes", "1"})
_FALSE_WORDS: Final = frozenset({"false", "no", "0"})


_PHONE_EXTENSION: Final = "extension"


@functools.lru_cache(maxsize=8192)
def _e164(text: str, region: str | None) -> str | None:
    """The E.164 form of a stripped phone text read in `region`: None when it is not a valid
    number, `_PHONE_EXTENSION` when it carries an extension. Pure, so cached: parsing and
    validating cost ~20 µs, and imports repeat numbers (switchboards, shared lines)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if number.extension:
        return _PHONE_EXTENSION
    if not phonenumbers.is_valid_number(number):
        return None
    formatted = str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if not _E164_RE.fullmatch(formatted):  # pragma: no cover - defensive, never seen
        return None
    return formatted


@functools.lru_cache(maxsize=1024)
def _registered(registry: Any, key: str, code: str) -> bool:
    """True when the pycountry `registry` has an entry whose `key` is `code` (cached: every
    imported address asks about the same few countries)."""
    return registry.get(**{key: code}) is not None


def _show(value: object, limit: int = 40) -> str:
    """Quote a user's value for a message: shortened, with invisible characters made visible."""
    text = value if isinstance(value, str) else repr(value)
    shortened = text if len(text) <= limit else text[: limit - 1] + "…"
    visible = "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in _FORBIDDEN_CATEGORIES else c
        for c in shortened
    )
    return f"'{visible}'"


def _type_name(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        Decimal: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _describe_characters(chars: Iterable[str]) -> str:
    """Name offending characters the way a support engineer can look them up (U+200B ...)."""
    unique = list(dict.fromkeys(chars))
    names = [f"U+{ord(c):04X} {unicodedata.name(c, '')}".rstrip() for c in unique[:3]]
    return ", ".join(names) + (", …" if len(unique) > 3 else "")


def _plain_email(text: str) -> str | None:
    """The normalised form of a plain ASCII address, or None to go the full (slow) way.

    A fast path for bulk imports, where email_validator's Unicode handling costs more than
    everything else in a row. It only answers for addresses that email_validator provably
    accepts unchanged apart from case (dot-atom local part of letters, digits, "_", "+", "-";
    a domain of LDH labels without "--", so no IDNA; an alphabetic TLD; no special-use domain)
    and otherwise defers to it; tests/test_import_export.py checks the two agree.
    """
    if len(text) > EMAIL_MAX_LENGTH or not _PLAIN_EMAIL_RE.fullmatch(text):
        return None
    local, _, domain = text.lower().rpartition("@")
    if len(local) > 64 or "--" in domain:
        return None
    special = email_validator.SPECIAL_USE_DOMAIN_NAMES  # read live: it is a mutable global
    if any(domain == d or domain.endswith("." + d) for d in special):
        return None
    return f"{local}@{domain}"


class Validator:
    """Collects every problem in one input, and hands back normalised values.

    Usage::

        v = Validator()
        email = v.email("email", data.get("email"), required=True)
        phone = v.phone("phone", data.get("phone"))
        v.raise_if_any()

    `prefix` is prepended to every field path ("input" for a mutation argument, or
    ("rows", "17") in the importer). `default_phone_region` is where numbers written without a
    country code are assumed to be (a Slovak sales team writes "0905 123 456").
    """

    def __init__(
        self, prefix: tuple[str, ...] = ("input",), default_phone_region: str = "SK"
    ) -> None:
        region = default_phone_region.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            # A configuration mistake, not user input: fail loudly at construction.
            raise ValueError(f"unknown phone region {default_phone_region!r}")
        self.prefix: tuple[str, ...] = tuple(prefix)
        self.default_phone_region: str = region
        self._errors: list[FieldError] = []

    # --- bookkeeping ----------------------------------------------------------------------------

    @property
    def errors(self) -> list[FieldError]:
        """A copy, so callers cannot accidentally clear another scope's errors."""
        return list(self._errors)

    @property
    def ok(self) -> bool:
        return not self._errors

    def raise_if_any(self) -> None:
        """Raise ValidationFailed with every recorded error; do nothing if there are none."""
        if self._errors:
            raise ValidationFailed(self._errors)

    def scoped(self, field: FieldName) -> Validator:
        """A validator for a nested object that records into this one's error list.

        Lets a caller validate ``input.lines[2]`` with the same helpers (``line.integer
        ("quantity", ...)``) while still reporting everything together.
        """
        child = Validator(self.path(field), self.default_phone_region)
        child._errors = self._errors
        return child

    def path(self, field: FieldName) -> tuple[str, ...]:
        """The full path of `field`: the prefix followed by the field's parts as strings."""
        parts = field if isinstance(field, tuple) else (field,)
        return self.prefix + tuple(str(p) for p in parts)

    def add(self, field: FieldName, code: str, message: str) -> None:
        """Record an error found outside this class (DUPLICATE, NOT_FOUND, cross-field rules)."""
        self._errors.append(FieldError(self.path(field), str(code), message))

    # --- shared preamble ------------------------------------------------------------------------

    def _absent(self, field: FieldName, value: object, required: bool) -> bool:
        """True when there is nothing to check: None, or text that is only whitespace.

        Records REQUIRED for a missing required value and BLANK for whitespace-only text
        (whatever kind of field it is), so clients can rely on those two codes everywhere.
        """
        if value is None:
            if required:
                self.add(field, Code.REQUIRED, "This field is required.")
            return True
        if isinstance(value, str) and not value.strip():
            self.add(field, Code.BLANK, "This field must not be empty.")
            return True
        return False

    def _present_string(
        self, field: FieldName, value: object, *, required: bool, wrong_type: Code
    ) -> str | None:
        """Handle absent and non-text values; return the text stripped, or None to stop.

        None is returned both when the value is legitimately absent and when an error was
        recorded, which is exactly when the public method must return None too.
        """
        if self._absent(field, value, required):
            return None
        if not isinstance(value, str):
            self.add(field, wrong_type, f"Expected text, got {_type_name(value)}.")
            return None
        return value.strip()

    # --- text -----------------------------------------------------------------------------------

    def text(
        self,
        field: FieldName,
        value: object,
        *,
        required: bool = False,
        max_length: int = 200,
        allow_newlines: bool = False,
    ) -> str | None:
        """Free text: NFC, trimmed, printable, bounded.

        NFC so that "Ján" typed on a Mac (decomposed) and on Windows (composed) compare, sort and
        de-duplicate as the same name. With `allow_newlines`, Windows line endings become "\\n" so
        notes do not carry stray carriage returns.
        """
        if self._absent(field, value, required):
            return None
        if not isinstance(value, str):
            self.add(field, Code.INVALID_VALUE, f"Expected text, got {_type_name(value)}.")
            return None
        if allow_newlines:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        stripped = value.strip()
        allowed = ("\n", "\t") if allow_newlines else ()
        if stripped.isprintable():
            # Fast path (bulk imports): str.isprintable() is False for every character of the
            # forbidden categories (Cc, Cf, Cs, Zl, Zp are all non-printable), so a printable text
            # has nothing to refuse; for ASCII, NFC changes nothing either.
            if stripped.isascii():
                return self._bounded(field, stripped, max_length)
            return self._bounded(field, unicodedata.normalize("NFC", stripped).strip(), max_length)
        if stripped.isascii():
            # In ASCII the forbidden characters are exactly the non-printable ones (controls).
            bad = [c for c in stripped if not c.isprintable() and c not in allowed]
            if not bad:
                return self._bounded(field, stripped, max_length)
        bad = [
            c
            for c in stripped
            if c == "\x00"  # always: NUL truncates strings in C libraries and log pipelines
            or (c not in allowed and unicodedata.category(c) in _FORBIDDEN_CATEGORIES)
        ]
        if bad:
            self.add(
                field,
                Code.CONTROL_CHARACTERS,
                "The text contains invisible or control characters "
                f"({_describe_characters(bad)}); please retype it.",
            )
            return None
        # NFC cannot introduce whitespace at the ends, but strip again so that is never a worry.
        return self._bounded(field, unicodedata.normalize("NFC", stripped).strip(), max_length)

    def _bounded(self, field: FieldName, normalised: str, max_length: int) -> str | None:
        if not normalised:
            self.add(field, Code.BLANK, "This field must not be empty.")
            return None
        if len(normalised) > max_length:
            self.add(
                field,
                Code.TOO_LONG,
                f"Must be at most {max_length} characters (this is {len(normalised)}).",
            )
            return None
        return normalised

    def name(
        self, field: FieldName, value: object, *, required: bool = False, max_length: int = 200
    ) -> str | None:
        """A person's or company's name: text on a single line (it appears in lists and headers)."""
        return self.text(field, value, required=required, max_length=max_length)

    def url_or_handle(
        self, field: FieldName, value: object, max_length: int = 200, *, required: bool = False
    ) -> str | None:
        """A video-call link or handle ("https://meet.example.com/abc", "skype:jan.novak").

        Whitespace inside is rejected because a link or handle with a space in it does not work
        when clicked or dialled, and it is usually two values pasted into one field.
        """
        text = self.text(field, value, required=required, max_length=max_length)
        if text is None:
            return None
        if any(c.isspace() for c in text):
            self.add(field, Code.INVALID_VALUE, f"{_show(text)} must not contain spaces.")
            return None
        return text

    # --- contact details -----------------------------------------------------------------------

    def email(self, field: FieldName, value: object, *, required: bool = False) -> str | None:
        """An e-mail address, normalised for de-duplication.

        The whole address is lower-cased. RFC 5321 allows case-sensitive local parts, but no
        mail system in practice uses them, and "Jan.Novak@" and "jan.novak@" being two customers
        is a far worse problem. DNS is never consulted: validation must be offline and fast.
        """
        text = self._present_string(field, value, required=required, wrong_type=Code.INVALID_EMAIL)
        if text is None:
            return None
        if len(text) > EMAIL_MAX_LENGTH:
            self.add(
                field,
                Code.TOO_LONG,
                f"An e-mail address can be at most {EMAIL_MAX_LENGTH} characters.",
            )
            return None
        fast = _plain_email(text)
        if fast is not None:
            return fast
        try:
            normalised = self._validate_email(text)
            lowered = normalised.lower()
            if lowered != normalised:
                # Lower-casing can in rare cases produce a different (or invalid) address, so the
                # lower-cased form is validated again rather than trusted.
                lowered = self._validate_email(lowered).lower()
        except EmailNotValidError as exc:
            self.add(
                field,
                Code.INVALID_EMAIL,
                f"{_show(text)} is not a valid e-mail address: {exc}",
            )
            return None
        if len(lowered) > EMAIL_MAX_LENGTH:
            self.add(
                field,
                Code.TOO_LONG,
                f"An e-mail address can be at most {EMAIL_MAX_LENGTH} characters.",
            )
            return None
        return lowered

    @staticmethod
    def _validate_email(text: str) -> str:
        # Every option is spelled out: email_validator reads unspecified ones from module-level
        # globals that any other import could change.
        result = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=True,
            allow_empty_local=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            strict=True,  # enforces the 64-character local-part limit, off by default
            globally_deliverable=True,
            test_environment=False,
        )
        return f"{result.local_part}@{result.domain}"

    def phone(
        self,
        field: FieldName,
        value: object,
        *,
        region: str | None = None,
        required: bool = False,
    ) -> str | None:
        """A phone number, stored as E.164 ("+421905123456") so the same number always matches.

        Numbers without a country code are read as local to `region` (for example the contact's
        country) or else the validator's default region. Extensions are rejected rather than
        silently dropped, since E.164 has no place for them.
        """
        text = self._present_string(field, value, required=required, wrong_type=Code.INVALID_PHONE)
        if text is None:
            return None
        chosen = (region or self.default_phone_region).upper()
        parse_region = chosen if chosen in phonenumbers.SUPPORTED_REGIONS else None
        formatted = _e164(text, parse_region)
        if formatted == _PHONE_EXTENSION:
            self.add(
                field,
                Code.INVALID_PHONE,
                f"{_show(text)} has an extension; store the main number only "
                "and put the extension in a note.",
            )
            return None
        if formatted is None:
            self.add(field, Code.INVALID_PHONE, self._phone_message(text, parse_region))
            return None
        return formatted

    @staticmethod
    def _phone_message(text: str, region: str | None) -> str:
        """Explain with a real example, since "invalid" alone does not tell anyone what to type."""
        example = phonenumbers.example_number_for_type(
            region or "SK", phonenumbers.PhoneNumberType.MOBILE
        )
        sample = (
            phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            if example is not None
            else "+421 912 123 456"
        )
        where = ""
        if region is not None:
            country = pycountry.countries.get(alpha_2=region)
            where = f" for {country.name if country is not None else region}"
        return (
            f"{_show(text)} is not a valid phone number{where}. "
            f"Write it with the country code, e.g. {sample}."
        )

    # --- codes ----------------------------------------------------------------------------------

    def country(self, field: FieldName, value: object, *, required: bool = False) -> str | None:
        """An ISO 3166-1 alpha-2 code ("SK"), the form every other system exchanges."""
        return self._iso_code(
            field,
            value,
            required=required,
            code=Code.INVALID_COUNTRY,
            pattern=_COUNTRY_RE,
            registry=pycountry.countries,
            key="alpha_2",
            what="a two-letter ISO country code such as SK, CZ or PL",
        )

    def currency(self, field: FieldName, value: object, *, required: bool = False) -> str | None:
        """An ISO 4217 code ("EUR"); amounts are meaningless without one."""
        return self._iso_code(
            field,
            value,
            required=required,
            code=Code.INVALID_CURRENCY,
            pattern=_CURRENCY_RE,
            registry=pycountry.currencies,
            key="alpha_3",
            what="a three-letter ISO currency code such as EUR, CZK or PLN",
        )

    def _iso_code(
        self,
        field: FieldName,
        value: object,
        *,
        required: bool,
        code: Code,
        pattern: re.Pattern[str],
        registry: Any,
        key: str,
        what: str,
    ) -> str | None:
        """An upper-cased ISO code from `registry`; a near miss gets a "Did you mean" hint."""
        text = self._present_string(field, value, required=required, wrong_type=code)
        if text is None:
            return None
        upper = text.upper()
        if pattern.fullmatch(text) and _registered(registry, key, upper):
            return upper
        hint = ""
        try:
            found = registry.lookup(text)
            hint = f" Did you mean {getattr(found, key)} ({found.name})?"
        except LookupError:
            pass
        self.add(field, code, f"{_show(text)} is not {what}.{hint}")
        return None
        code = text.upper()
        if _CURRENCY_RE.fullmatch(text) and pycountry.currencies.get(alpha_3=code) is not None:
            return code
        hint = ""
        try:
            found = pycountry.currencies.lookup(text)
            hint = f" Did you mean {found.alpha_3} ({found.name})?"
        except LookupError:
            pass
        self.add(
            field,
            Code.INVALID_CURRENCY,
            f"{_show(text)} is not a three-letter ISO currency code such as EUR, CZK or PLN.{hint}",
        )
        return None

    def enum(
        self, field: FieldName, value: object, allowed: Iterable[str], *, required: bool = False
    ) -> str | None:
        """One of a fixed set of values, returned in its canonical spelling.

        Matching is exact first, then case-insensitive if that is unambiguous, so an imported
        spreadsheet saying "won" still maps to WON.
        """
        options = tuple(allowed)
        text = self._present_string(field, value, required=required, wrong_type=Code.INVALID_ENUM)
        if text is None:
            return None
        if text in options:
            return text
        folded = [o for o in options if o.casefold() == text.casefold()]
        if len(folded) == 1:
            return folded[0]
        listed = ", ".join(options[:20]) + (", …" if len(options) > 20 else "")
        self.add(field, Code.INVALID_ENUM, f"{_show(text)} is not one of: {listed}.")
        return None

    def sku(self, field: FieldName, value: object, *, required: bool = False) -> str | None:
        """A product code; upper-cased because "ab-1" and "AB-1" are never different products."""
        text = self._present_string(field, value, required=required, wrong_type=Code.INVALID_SKU)
        if text is None:
            return None
        if not _SKU_RE.fullmatch(text):
            self.add(
                field,
                Code.INVALID_SKU,
                f"{_show(text)} is not a valid SKU: use 1 to {SKU_MAX_LENGTH} letters A-Z, "
                "digits, dots, dashes or underscores.",
            )
            return None
        return text.upper()

    def external_id(self, field: FieldName, value: object, *, required: bool = False) -> str | None:
        """An identifier from another system (ERP, old CRM), kept byte-for-byte.

        Unlike other text it is neither trimmed nor normalised: it must match the other system
        exactly, so surrounding spaces are an error to fix at the source, not to hide. Integers
        are accepted because JSON exports often carry numeric ids.
        """
        if self._absent(field, value, required):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.add(field, Code.INVALID_EXTERNAL_ID, f"Expected text, got {_type_name(value)}.")
            return None
        problem = None
        if len(value) > EXTERNAL_ID_MAX_LENGTH:
            problem = f"must be at most {EXTERNAL_ID_MAX_LENGTH} characters"
        elif value != value.strip():
            problem = "must not start or end with spaces"
        elif not value.isprintable():
            problem = "must not contain control or invisible characters"
        if problem is not None:
            self.add(
                field, Code.INVALID_EXTERNAL_ID, f"{_show(value)} is not a valid id: {problem}."
            )
            return None
        return value

    # --- numbers --------------------------------------------------------------------------------

    def money(
        self,
        field: FieldName,
        value: str | Decimal | int | float | None,
        *,
        required: bool = False,
    ) -> int | None:
        """An amount of money, returned as the storage integer (see core.money).

        Floats are refused outright, even 12.5: a float has already lost precision before it
        reaches us (0.1 + 0.2), and accepting "nice" floats would hide the client bug that sends
        them. Money travels as decimal strings.
        """
        if self._absent(field, value, required):
            return None
        if isinstance(value, bool | float):
            self.add(field, Code.INVALID_MONEY, "Money must be a decimal string, never a float.")
            return None
        amount: Decimal
        if isinstance(value, Decimal):
            amount = value
        elif isinstance(value, int):
            amount = Decimal(value)
        elif isinstance(value, str):
            parsed = self._parse_money_text(field, value)
            if parsed is None:
                return None
            amount = parsed
        else:
            self.add(
                field,
                Code.INVALID_MONEY,
                f"Money must be a decimal string such as '12.50', got {_type_name(value)}.",
            )
            return None
        if not amount.is_finite():
            self.add(field, Code.INVALID_MONEY, f"{_show(str(value))} is not an amount of money.")
            return None
        if amount < 0:
            self.add(field, Code.NEGATIVE_AMOUNT, "The amount must not be negative.")
            return None
        if amount > MONEY_MAX:
            self.add(field, Code.OUT_OF_RANGE, "The amount must be at most 1000000000000.00.")
            return None
        try:
            return to_storage(amount)
        except ValueError:
            self.add(
                field,
                Code.INVALID_MONEY,
                f"{_show(str(value))} has more than {SCALE} decimal places.",
            )
            return None

    def _parse_money_text(self, field: FieldName, value: str) -> Decimal | None:
        text = value.strip()
        if len(text) <= MONEY_MAX_TEXT_LENGTH and _DECIMAL_RE.fullmatch(text):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex bounds the exponent
                pass
        hint = ""
        if re.fullmatch(r"[+-]?\d+,\d+", text, re.ASCII):
            hint = " Use a dot as the decimal separator."
        self.add(
            field,
            Code.INVALID_MONEY,
            f"{_show(text)} is not an amount: write digits with an optional decimal point, "
            f"e.g. 1250.50, without currency or thousands separators.{hint}",
        )
        return None

    def integer(
        self,
        field: FieldName,
        value: object,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
    ) -> int | None:
        """A whole number. Without bounds it is still limited to Neo4j's 64-bit integers.

        Strings of digits are accepted for the importer (CSV has no types); floats are not,
        because 2.5 items is a mistake that should be seen, not truncated.
        """
        if self._absent(field, value, required):
            return None
        number: int
        if isinstance(value, bool):
            self.add(field, Code.INVALID_VALUE, "Expected a whole number, got true/false.")
            return None
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and _INTEGER_RE.fullmatch(value.strip()):
            number = int(value.strip())
        else:
            self.add(field, Code.INVALID_VALUE, f"{_show(value)} is not a whole number.")
            return None
        low = INT64_MIN if minimum is None else minimum
        high = INT64_MAX if maximum is None else maximum
        if not low <= number <= high:
            self.add(field, Code.OUT_OF_RANGE, _range_message(number, minimum, maximum))
            return None
        return number

    def boolean(self, field: FieldName, value: object, *, required: bool = False) -> bool | None:
        """A yes/no value. GraphQL sends true/false; a file may say true/false, yes/no or 1/0."""
        if self._absent(field, value, required):
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str | int):
            folded = str(value).strip().casefold()
            if folded in _TRUE_WORDS:
                return True
            if folded in _FALSE_WORDS:
                return False
        self.add(field, Code.INVALID_VALUE, f"{_show(value)} is not true or false.")
        return None

    def lead_score(self, field: FieldName, value: object, *, required: bool = False) -> int | None:
        """A lead score, 0 (cold) to 100 (ready to buy)."""
        return self.integer(field, value, minimum=0, maximum=100, required=required)

    def number(
        self,
        field: FieldName,
        value: object,
        *,
        minimum: float,
        maximum: float,
        required: bool = False,
    ) -> float | None:
        """A bounded real number such as sentiment (-1..1) or relationship strength (0..1).

        Bounds are compared exactly (via Decimal) before converting to float, so huge integers
        cannot overflow and 1.0000000000000000001 is not rounded into range.
        """
        if self._absent(field, value, required):
            return None
        exact: Decimal
        if isinstance(value, bool):
            self.add(field, Code.INVALID_VALUE, "Expected a number, got true/false.")
            return None
        if isinstance(value, int | float | Decimal):
            exact = Decimal(value)
        elif (
            isinstance(value, str)
            and len(value) <= _MAX_NUMBER_TEXT_LENGTH
            and _DECIMAL_RE.fullmatch(value.strip())
        ):
            exact = Decimal(value.strip())
        else:
            self.add(field, Code.INVALID_VALUE, f"{_show(value)} is not a number.")
            return None
        if not exact.is_finite():
            self.add(field, Code.INVALID_VALUE, "The number must be finite (not NaN or infinity).")
            return None
        if not Decimal(minimum) <= exact <= Decimal(maximum):
            self.add(field, Code.OUT_OF_RANGE, _range_message(exact, minimum, maximum))
            return None
        return float(exact) + 0.0  # + 0.0 turns -0.0 into 0.0

    # --- dates and times -----------------------------------------------------------------------

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


def _range_message(
    value: int | Decimal, minimum: int | float | None, maximum: int | float | None
) -> str:
    """'Must be between 0 and 100' style wording, for whichever bounds exist."""
    if minimum is not None and maximum is not None:
        bounds = f"between {_number_text(minimum)} and {_number_text(maximum)}"
    elif minimum is not None:
        bounds = f"at least {_number_text(minimum)}"
    else:
        bounds = f"at most {_number_text(maximum)}"
    shown = str(value) if len(str(value)) <= 30 else str(value)[:29] + "…"
    return f"Must be {bounds} (got {shown})."


def _number_text(bound: int | float | None) -> str:
    """Bounds as people write them: 100, 0.5, -1 (never 1.0 or 1e+02)."""
    if isinstance(bound, float) and bound.is_integer():
        return str(int(bound))
    return str(bound)
