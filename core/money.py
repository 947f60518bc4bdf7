"""Exact money for a database that has no decimal type.

Neo4j stores integers and IEEE floats only. Floats cannot represent 0.10 exactly, so sums drift
and equality breaks; strings sort lexically ("9.00" > "10.00"). We therefore store every amount
as a signed 64-bit integer count of ten-thousandths (``SCALE`` = 4 decimal places): sums in Cypher
stay exact, range queries and ORDER BY work, and four places cover unit prices below a cent.

All conversions here are done with integer arithmetic on the Decimal's digits rather than with
Decimal arithmetic, because Decimal arithmetic rounds silently to the context precision (28
digits by default) and money must never be rounded behind anyone's back.
"""

from __future__ import annotations

from decimal import Decimal

SCALE = 4
"""Decimal places kept in storage; an amount is stored as ``amount * 10**SCALE``."""

INT64_MAX = 2**63 - 1
"""Neo4j integers are signed 64-bit; a larger storage value would be rejected by the driver."""

_MAX_INTEGER_DIGITS = 1000
"""Refuse absurd exponents (``Decimal('1E+999999999')``) before expanding them into digits."""


def _scaled(amount: Decimal) -> int:
    """``amount * 10**SCALE`` as an exact int, or ValueError if that is not a whole number."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"expected a Decimal, got {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{amount} is not a finite amount")
    sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):  # pragma: no cover - finite Decimals have int exponents
        raise ValueError(f"{amount} is not a finite amount")
    if not any(digits):
        return 0  # any zero, including 0E+999999999 and -0.00000
    if amount.adjusted() >= _MAX_INTEGER_DIGITS:
        raise ValueError(f"{amount} is too large to be an amount of money")
    shift = exponent + SCALE
    if shift >= 0:
        magnitude = int("".join(map(str, digits)) + "0" * shift)
    else:
        if any(digits[shift:]):
            raise ValueError(f"{amount} has more than {SCALE} decimal places")
        magnitude = int("".join(map(str, digits[:shift])))
    return -magnitude if sign else magnitude


def to_storage(amount: Decimal) -> int:
    """Convert an amount to the integer stored in Neo4j, exactly or not at all.

    Trailing zeros beyond the fourth place are fine (``Decimal("1.500000")`` is exact); a
    significant fifth decimal is a ValueError rather than a rounding, because a silently rounded
    price is a wrong invoice.
    """
    value = _scaled(amount)
    if not -INT64_MAX <= value <= INT64_MAX:
        raise ValueError(f"{amount} does not fit in a 64-bit storage integer")
    return value


def from_storage(value: int | None) -> Decimal | None:
    """Convert a stored integer back to a Decimal with exactly ``SCALE`` places.

    None passes through so an absent property maps straight to a null GraphQL field.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a stored integer, got {type(value).__name__}")
    # Built from the digits, not by division, so the context precision can never round it.
    digits = tuple(int(d) for d in str(abs(value)))
    return Decimal((1 if value < 0 else 0, digits, -SCALE))


def format_stored(value: int) -> str:
    """`format_money(from_storage(value))` without building the Decimal: the API formats every
    stored amount it answers (59 in a customer's ten orders), and the Decimal was most of it."""
    whole, fraction = divmod(abs(value), 10**SCALE)
    decimals = f"{fraction:0{SCALE}d}".rstrip("0").ljust(2, "0")
    return f"{'-' if value < 0 else ''}{whole}.{decimals}"


def format_money(amount: Decimal) -> str:
    """The one canonical text form of an amount, used in the API and in exports.

    Always at least two decimal places (how people read money), at most ``SCALE`` (what we store),
    never an exponent (``str(Decimal("1E+3"))`` would be "1E+3", which spreadsheets and humans
    misread). Raises ValueError for amounts that storage could not represent exactly.
    """
    scaled = _scaled(amount)
    whole, fraction = divmod(abs(scaled), 10**SCALE)
    decimals = f"{fraction:0{SCALE}d}".rstrip("0").ljust(2, "0")
    return f"{'-' if scaled < 0 else ''}{whole}.{decimals}"
