"""Opaque Relay global ids: base64url of "<Type>:<uuid>".

Clients must treat ids as opaque; the type prefix lets `node(id:)` find the right label without
a lookup, and lets every mutation refuse an id of the wrong type with `WRONG_TYPE`.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from core.model import NODE_TYPES

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class InvalidGlobalId(ValueError):
    """The string is not an id this API issued."""


def encode(type_name: str, raw_id: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode().rstrip("=")


def decode(global_id: str, types: frozenset[str] = NODE_TYPES) -> tuple[str, str]:
    """Return (type name, raw uuid) or raise InvalidGlobalId.

    `types` defaults to what `node(id:)` resolves; a field whose ids name something else (an
    import job is not a node) passes its own set, so an id of that kind never reaches the
    node compiler.
    """
    if not isinstance(global_id, str) or not 0 < len(global_id) <= 128:
        raise InvalidGlobalId("malformed id")
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidGlobalId("malformed id") from exc
    type_name, sep, raw = text.partition(":")
    if not sep or type_name not in types or not _UUID.match(raw):
        raise InvalidGlobalId("malformed id")
    return type_name, raw


def new_raw_id() -> str:
    return str(uuid.uuid4())
