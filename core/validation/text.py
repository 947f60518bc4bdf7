"""Free text, names, handles, enum values, SKUs and external ids: what people type."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from core.validation._base import (
    _FORBIDDEN_CATEGORIES,
    _SKU_RE,
    EXTERNAL_ID_MAX_LENGTH,
    SKU_MAX_LENGTH,
    ValidatorBase,
    _describe_characters,
    _show,
    _type_name,
)
from core.validation.errors import Code, FieldName


class TextChecks(ValidatorBase):
    """Free text, names, handles, enum values, SKUs and external ids."""

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
