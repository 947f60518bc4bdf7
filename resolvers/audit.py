"""auditLog: the change history of one record, newest first, for MANAGER and ADMIN.

The events are read like any other list: the compiler turns the whole selection into one
statement (graphdb/compiler `compile_audit_log`), a keyset-paginated connection on (at, uuid)
descending, so a deep page costs what the first page costs. The same roles rule covers an event
read by its global id through `node(id:)` and `nodes(ids:)` (resolvers/reads.py).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from core import global_id
from graphdb.compiler import compile_audit_log
from graphdb.compiler.errors import QueryArgumentError
from resolvers.call import Call

READERS = frozenset({"ADMIN", "MANAGER"})


def forbidden(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def require_reader(call: Call, what: str) -> None:
    if call.viewer.role not in READERS:
        raise forbidden(f"Only managers and administrators may read {what}.")


async def audit_log(call: Call, entity_id: str) -> Any:
    """The connection of events about `entity_id` (a global id of any type, even of a record
    since deleted or erased), shaped by response key like every compiled read."""
    require_reader(call, "the audit log")
    try:
        _, raw_id = global_id.decode(entity_id)
    except global_id.InvalidGlobalId as exc:
        raise QueryArgumentError(
            "`entityId` is not an id issued by Rapport.", code="INVALID_ID", argument="entityId"
        ) from exc
    compiled = compile_audit_log(call, raw_id, call.settings.max_page_size)
    rows = await call.graph.read(compiled.cypher, compiled.params)
    return compiled.shape(rows)
