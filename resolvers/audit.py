"""auditLog: the change history of one record, newest first, for MANAGER and ADMIN.

One Cypher statement per page: the total and the page, keyset-paginated on (at, id)
descending, so a deep page costs what the first page costs. The statement is written here
rather than compiled: AuditEvent is not part of the entity model the compiler serves.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError

from core import global_id
from graphdb import audit as cypher
from resolvers.call import Call

READERS = frozenset({"ADMIN", "MANAGER"})


@dataclass(frozen=True)
class AuditRow:
    id: str
    at: dt.datetime
    actor_id: str | None
    actor_email: str | None
    action: str
    entity_type: str
    entity_id: str
    changes: Any


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    cursors: list[str]
    total: int
    has_next: bool
    has_previous: bool


def forbidden(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def bad_argument(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def require_reader(call: Call, what: str) -> None:
    if call.viewer.role not in READERS:
        raise forbidden(f"Only managers and administrators may read {what}.")


def encode_cursor(at: dt.datetime, event_id: str) -> str:
    raw = orjson.dumps([at.isoformat(), event_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, event_id = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        parsed = dt.datetime.fromisoformat(at)
        if not isinstance(event_id, str) or parsed.tzinfo is None:
            raise ValueError(cursor)
        return parsed, event_id
    except (binascii.Error, ValueError, TypeError, UnicodeError, orjson.JSONDecodeError) as exc:
        raise bad_argument("`after` is not a cursor from this list.") from exc


def _native(value: Any) -> dt.datetime:
    native = value.to_native() if hasattr(value, "to_native") else value
    assert isinstance(native, dt.datetime)
    return native


def _row(event: dict[str, Any]) -> AuditRow:
    entity_type = str(event["entityType"])
    try:
        entity_id = global_id.encode(entity_type, str(event["entityId"]))
    except ValueError:  # pragma: no cover - every stored entity type has global ids
        entity_id = str(event["entityId"])
    actor = event.get("actorId")
    return AuditRow(
        id=str(event["id"]),
        at=_native(event["at"]),
        actor_id=global_id.encode("User", actor) if actor else None,
        actor_email=event.get("actorEmail"),
        action=str(event["action"]),
        entity_type=entity_type,
        entity_id=entity_id,
        changes=orjson.loads(event.get("changes") or "{}"),
    )


async def audit_log(call: Call, entity_id: str, first: int, after: str | None) -> AuditPage:
    require_reader(call, "the audit log")
    limit = call.settings.max_page_size
    if first < 0 or first > limit:
        raise bad_argument(f"`first` must be between 0 and {limit}.")
    try:
        _, raw_id = global_id.decode(entity_id)
    except global_id.InvalidGlobalId as exc:
        raise GraphQLError(
            "This is not an id issued by Rapport.", extensions={"code": "INVALID_ID"}
        ) from exc
    after_at, after_id = decode_cursor(after) if after else (None, None)
    rows = await call.graph.read(
        cypher.AUDIT_PAGE,
        {"entityId": raw_id, "afterAt": after_at, "afterId": after_id, "limit": first + 1},
    )
    total = int(rows[0]["total"]) if rows else 0
    events = [_row(e) for e in (rows[0]["events"] if rows else [])]
    page = events[:first]
    return AuditPage(
        rows=page,
        cursors=[encode_cursor(r.at, r.id) for r in page],
        total=total,
        has_next=len(events) > first,
        has_previous=after is not None,
    )
