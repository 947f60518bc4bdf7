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

from resolvers.compiler.errors import QueryArgumentError


def signature(entity: str, keys: list[tuple[str, bool]]) -> str:
    text = entity + "|" + ",".join(f"{name}:{'d' if desc else 'a'}" for name, desc in keys)
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def _encode_value(value: Any) -> Any:
    if isinstance(value, Neo4jDateTime):
        return {"dt": value.to_native().isoformat()}
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, Neo4jDate):
        return {"d": value.to_native().isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        raise ValueError("bad cursor value")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("bad cursor value")


def encode(sig: str, values: list[Any]) -> str:
    payload = orjson.dumps({"s": sig, "v": [_encode_value(v) for v in values]})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode(cursor: str, sig: str, n_keys: int, argument: str) -> list[Any]:
    """Sort values from a cursor, or a QueryArgumentError naming the argument."""
    if not isinstance(cursor, str) or len(cursor) > 2048:
        raise QueryArgumentError(
            f"`{argument}` is not a valid cursor.", code="INVALID_CURSOR", argument=argument
        )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(data, dict) or not isinstance(data.get("v"), list):
            raise ValueError("shape")
        values = [_decode_value(v) for v in data["v"]]
    except (ValueError, binascii.Error, UnicodeError, orjson.JSONDecodeError) as exc:
        raise QueryArgumentError(
            f"`{argument}` is not a valid cursor. Use a cursor returned by this list.",
            code="INVALID_CURSOR",
            argument=argument,
        ) from exc
    if data.get("s") != sig or len(values) != n_keys:
        raise QueryArgumentError(
            f"`{argument}` is a cursor from a different list or ordering. Cursors only work "
            "with the same field and the same orderBy they were returned for.",
            code="FOREIGN_CURSOR",
            argument=argument,
        )
    return values
