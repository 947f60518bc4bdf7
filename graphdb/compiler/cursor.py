"""Keyset cursors: the sort-key values of an item plus a signature of the ordering.

The signature (entity and sort keys) makes a cursor from another list or another ordering a
clear error instead of a silently wrong page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from typing import Any

import orjson
from neo4j.time import Date as Neo4jDate
from neo4j.time import DateTime as Neo4jDateTime

from core import temporal
from core.model import Kind
from graphdb.compiler.errors import QueryArgumentError


def signature(entity: str, keys: list[tuple[str, bool]]) -> str:
    text = entity + "|" + ",".join(f"{name}:{'d' if desc else 'a'}" for name, desc in keys)
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def _encode_value(value: Any) -> Any:
    if temporal.is_wire(value):
        return {"dt": temporal.iso(value)}
    if isinstance(value, Neo4jDateTime):
        return {"dt": value.to_native().isoformat()}
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, Neo4jDate):
        return {"d": value.to_native().isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


class _BadValue(ValueError):
    pass


def _decode_value(value: Any, kind: Kind, nullable: bool) -> Any:
    """A sort value of the type its key has, or _BadValue: a forged or mangled cursor never
    reaches Cypher (where a string compared with a date-time silently matches nothing)."""
    if value is None:
        if nullable:
            return None
        raise _BadValue("null for a key that is never null")
    if kind is Kind.DATETIME:
        if not isinstance(value, dict) or set(value) != {"dt"} or not isinstance(value["dt"], str):
            raise _BadValue("not a date-time")
        parsed = dt.datetime.fromisoformat(value["dt"])
        if parsed.tzinfo is None:
            raise _BadValue("date-time without offset")
        parsed.astimezone(dt.UTC)  # OverflowError at the ends of the calendar
        return parsed
    if kind is Kind.DATE:
        if not isinstance(value, dict) or set(value) != {"d"} or not isinstance(value["d"], str):
            raise _BadValue("not a date")
        return dt.date.fromisoformat(value["d"])
    if kind in (Kind.INT, Kind.MONEY):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
            raise _BadValue("not an integer")
        return value
    if kind is Kind.FLOAT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _BadValue("not a number")
        return value
    if kind is Kind.BOOL:
        if not isinstance(value, bool):
            raise _BadValue("not a boolean")
        return value
    if not isinstance(value, str):  # ID, String, Enum
        raise _BadValue("not a string")
    return value


def encode(sig: str, values: list[Any]) -> str:
    payload = orjson.dumps({"s": sig, "v": [_encode_value(v) for v in values]})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode(cursor: str, sig: str, kinds: list[tuple[Kind, bool]], argument: str) -> list[Any]:
    """Sort values from a cursor, or a QueryArgumentError naming the argument.

    The one cursor decoder: anything that is not a cursor this list returned (not base64, not
    JSON, the wrong shape, a value of the wrong type for its sort key, a date beyond the
    calendar) is INVALID_CURSOR; a real cursor of another list or ordering is FOREIGN_CURSOR.
    """
    invalid = QueryArgumentError(
        f"`{argument}` is not a valid cursor. Use a cursor returned by this list.",
        code="INVALID_CURSOR",
        argument=argument,
    )
    if not isinstance(cursor, str) or len(cursor) > 2048:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, orjson.JSONDecodeError) as exc:
        raise invalid from exc
    if not isinstance(data, dict) or set(data) != {"s", "v"} or not isinstance(data["v"], list):
        raise invalid
    if data["s"] != sig or len(data["v"]) != len(kinds):
        if not isinstance(data["s"], str):
            raise invalid
        raise QueryArgumentError(
            f"`{argument}` is a cursor from a different list or ordering. Cursors only work "
            "with the same field and the same orderBy they were returned for.",
            code="FOREIGN_CURSOR",
            argument=argument,
        )
    try:
        return [
            _decode_value(v, kind, nullable)
            for v, (kind, nullable) in zip(data["v"], kinds, strict=True)
        ]
    except (ValueError, TypeError, OverflowError) as exc:
        raise invalid from exc
