"""What every kind of value check shares: the error list, field paths, the absent/blank rules,
limits and the helpers that quote a user's value in a message."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

import phonenumbers

from core.validation.errors import Code, FieldError, FieldName, ValidationFailed

YEAR_MIN: Final = 1900
YEAR_MAX: Final = 2200
SKU_MAX_LENGTH: Final = 64
EXTERNAL_ID_MAX_LENGTH: Final = 128
# Characters that render as nothing (or break layouts, exports and terminal output) and that no
# legitimate name or note needs: controls (Cc), invisible formatting (Cf, e.g. zero-width spaces
# and bidi overrides used to disguise text), lone surrogates (Cs, which cannot be encoded as
# UTF-8 and would crash the driver) and the Unicode line/paragraph separators (Zl, Zp), which are
# newlines that most software does not display as such.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SKU_RE: Final = re.compile(r"[A-Za-z0-9._-]{1,64}", re.ASCII)


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


class ValidatorBase:
    """Error bookkeeping and the shared preamble of every check (REQUIRED, BLANK, wrong type).

    The checks for each kind of value are mixins over this base (text, contact, places,
    numbers, dates), combined into `core.validation.Validator`."""

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

    def path(self, field: FieldName) -> tuple[str, ...]:
        """The full path of `field`: the prefix followed by the field's parts as strings."""
        parts = field if isinstance(field, tuple) else (field,)
        return self.prefix + tuple(str(p) for p in parts)

    def add(self, field: FieldName, code: str, message: str) -> None:
        """Record an error found outside this class (DUPLICATE, NOT_FOUND, cross-field rules)."""
        self._errors.append(FieldError(self.path(field), str(code), message))

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
