"""Validation results: the field paths, stable codes and errors every layer reports.

Clients branch on the codes, so they live here once; `FieldError` is what a validator collects
and what a mutation payload or an import report shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

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
