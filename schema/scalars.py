"""Custom scalars: DateTime, Date, Decimal (money as a string) and JSON.

The compiled Cypher returns Neo4j temporal values and money as stored integers; serialising them
here keeps the result building a plain dictionary walk with no per-field conversion code.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as PyDecimal
from decimal import InvalidOperation
from typing import Any, NewType

import strawberry
from neo4j.time import Date as Neo4jDate
from neo4j.time import DateTime as Neo4jDateTime
from strawberry.types.scalar import ScalarDefinition

from core import temporal
from core.money import format_money, format_stored


def _serialize_datetime(value: Any) -> str:
    if temporal.is_wire(value):  # how the compiled reads return a DateTime
        return temporal.iso(value)
    if isinstance(value, Neo4jDateTime):
        value = value.to_native()
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return str(value.isoformat())
    raise ValueError(f"not a DateTime: {value!r}")


def _parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO 8601 string with an offset")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"'{value}' is not an ISO 8601 date-time") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"'{value}' has no UTC offset; write e.g. 2025-01-31T09:00:00+01:00")
    try:  # 9999-12-31T23:59:59-14:00 is in year 10000 in UTC, which nothing can store
        parsed.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(f"'{value}' is outside the years 0001-9999 once converted to UTC") from exc
    return parsed


def _serialize_date(value: Any) -> str:
    if isinstance(value, Neo4jDate):
        value = value.to_native()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ValueError(f"not a Date: {value!r}")


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("Date must be an ISO 8601 string, e.g. 1990-04-30")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not an ISO 8601 date (YYYY-MM-DD)") from exc


def _serialize_decimal(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError("not a Decimal")
    if isinstance(value, int):  # stored money: ten-thousandths
        return format_stored(value)
    if isinstance(value, PyDecimal):
        return format_money(value)
    raise ValueError(f"not a Decimal: {value!r}")


def _parse_decimal(value: Any) -> PyDecimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('Decimal must be a string such as "19.99" (never a float)')
    try:
        parsed = PyDecimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"'{value}' is not a decimal number") from exc
    if not parsed.is_finite():
        raise ValueError(f"'{value}' is not a finite decimal number")
    return parsed


DateTime = NewType("DateTime", dt.datetime)
Date = NewType("Date", dt.date)
Decimal = NewType("Decimal", PyDecimal)
JSON = NewType("JSON", object)

#: Registered with the schema through `StrawberryConfig(scalar_map=SCALAR_MAP)`.
SCALAR_MAP: dict[object, ScalarDefinition] = {
    DateTime: strawberry.scalar(
        name="DateTime",
        description="A point in time, ISO 8601 with a UTC offset, e.g. 2025-03-01T14:30:00+01:00.",
        serialize=_serialize_datetime,
        parse_value=_parse_datetime,
    ),
    Date: strawberry.scalar(
        name="Date",
        description="A calendar date, ISO 8601, e.g. 1987-06-15.",
        serialize=_serialize_date,
        parse_value=_parse_date,
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description='An exact decimal amount of money, as a string such as "1299.90". '
        "Never a float. The currency is given by the object's `currency` field.",
        serialize=_serialize_decimal,
        parse_value=_parse_decimal,
    ),
    JSON: strawberry.scalar(
        name="JSON",
        description="Arbitrary JSON.",
        serialize=lambda v: v,
        parse_value=lambda v: v,
    ),
}
