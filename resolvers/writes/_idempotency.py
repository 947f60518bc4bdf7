"""`idempotencyKey` for every create mutation, one mechanism for all of them.

placeOrder showed the way (resolvers/writes/orders.py: the key MERGEd under a unique
constraint, a fingerprint of the request kept with it, a differing replay refused); here it is
generalised so that `execute` can do it for any mutation:

- the key is scoped to the viewer (`<user id>:<key>`): one client's key never finds another's
  record;
- the fingerprint is a hash of the mutation's name and its whole `input` as sent (the key
  itself excluded, left-out fields excluded);
- in the mutation's transaction, after authorization and before any work, the key is claimed
  (graphdb/writes/idempotency.py). The first request creates the claim and, after its work,
  binds it to the record it created. A request that finds the claim of a committed request
  with the same fingerprint is a **replay**: it changes nothing, writes no audit event (the
  first request's stands) and returns that record as it is now. A different fingerprint is
  IDEMPOTENCY_KEY_REUSED. Concurrent requests with one key queue on the unique constraint, so
  exactly one does the work.

Keys are kept (like placeOrder's), so a retry is safe however late it comes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import orjson
from neo4j import AsyncManagedTransaction

from core.codes import WriteCode
from core.validation import FieldError, Validator
from graphdb.driver import run_in
from graphdb.writes import idempotency as cypher
from resolvers.call import ABSENT, Input

T = TypeVar("T")
Tx = AsyncManagedTransaction
FIELD = ("input", "idempotencyKey")


class KeyReused(Exception):
    """The key was used before for a different request (or another mutation)."""

    def __init__(self) -> None:
        self.error = FieldError(
            FIELD,
            WriteCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was already used for a different request; use a new key for "
            "a new record (a retry of the same request must send the same input).",
        )
        super().__init__(self.error.message)


@dataclasses.dataclass(frozen=True)
class Keyed(Generic[T]):
    """A mutation request that carries an idempotency key.

    `target` names the record a result is about (type, raw id); `replay` reads the payload for
    the record a committed request with this key produced.
    """

    scope: str
    fingerprint: str
    action: str
    target: Callable[[T], tuple[str, str] | None]
    replay: Callable[[Tx, str | None], Awaitable[T]]
    claim: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)


def _plain(value: Any) -> Any:
    """The input as JSON-able data: left-out fields dropped, enums by value."""
    if isinstance(value, Input):
        return {k: _plain(v) for k, v in value.given().items() if k != "idempotency_key"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def fingerprint(action: str, data: object) -> str:
    request = {"action": action, "input": _plain(data)}
    return hashlib.sha256(
        orjson.dumps(request, option=orjson.OPT_SORT_KEYS, default=str)
    ).hexdigest()


def requested_key(v: Validator, data: object) -> str | None:
    """The validated `idempotencyKey` of an input (None when not sent); errors go to `v`."""
    value = getattr(data, "idempotency_key", None)
    if value is None or value is ABSENT:
        return None
    return v.external_id("idempotencyKey", value)


def keyed(
    user_id: str,
    key: str | None,
    action: str,
    data: object,
    *,
    target: Callable[[T], tuple[str, str] | None],
    replay: Callable[[Tx, str | None], Awaitable[T]],
) -> Keyed[T] | None:
    if key is None:
        return None
    return Keyed(f"{user_id}:{key}", fingerprint(action, data), action, target, replay)


async def claim(tx: Tx, request: Keyed[T], at: dt.datetime) -> tuple[bool, str | None]:
    """Claim the key for this request: (True, None) to do the work, or (False, the raw id of
    the record to replay). Raises KeyReused when a committed request used the key with other
    input."""
    rows = await run_in(
        tx,
        cypher.CLAIM,
        {
            "scope": request.scope,
            "claim": request.claim,
            "action": request.action,
            "hash": request.fingerprint,
            "at": at,
        },
    )
    row = rows[0]
    if row["fresh"]:
        return True, None
    if row["action"] != request.action or row["requestHash"] != request.fingerprint:
        raise KeyReused()
    target = row["targetId"]
    return False, str(target) if target is not None else None


async def bind(tx: Tx, request: Keyed[T], result: T) -> None:
    """Remember which record this request created, for later replays."""
    target = request.target(result)
    if target is not None:
        type_name, raw_id = target
        await run_in(tx, cypher.BIND, {"scope": request.scope, "type": type_name, "id": raw_id})
