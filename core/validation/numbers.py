"""Money, integers, numbers, booleans and lead scores, from JSON values or spreadsheet text."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

from core.money import SCALE, to_storage
from core.validation._base import ValidatorBase, _show, _type_name
from core.validation.errors import Code, FieldName

MONEY_MAX: Final = Decimal(10) ** 12  # well inside int64 after scaling; larger is a typo
MONEY_MAX_TEXT_LENGTH: Final = 64
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
_MAX_NUMBER_TEXT_LENGTH: Final = 64  # longer numeric strings are garbage, and int() gets slow

_DECIMAL_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,6})?", re.ASCII)
_INTEGER_RE: Final = re.compile(r"[+-]?\d{1,30}", re.ASCII)
_TRUE_WORDS: Final = frozenset({"true", "yes", "1"})
_FALSE_WORDS: Final = frozenset({"false", "no", "0"})


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


class NumberChecks(ValidatorBase):
    """Money, integers, numbers, booleans and lead scores, from JSON values or spreadsheet text."""

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
