"""Root read fields: decode arguments, compile, run one statement, shape the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from core import global_id
from graphdb.compiler import Compiled, compile_connection, compile_node, compile_nodes
from graphdb.compiler.errors import QueryArgumentError
from graphdb.segments import StaleSegments
from resolvers.audit import require_reader
from resolvers.call import Call
from resolvers.segments import cache as segment_cache


async def run(call: Call, compile_: Callable[[], Compiled]) -> Any:
    """Compile, run the one statement, shape the result.

    Only a read of segment members can need a second statement: when the statement meets a
    segment this process did not know at its current version, the segment registry is reloaded
    and the statement compiled and run again (resolvers/segments/cache.py).
    """
    graph = call.graph
    for attempt in range(2):
        compiled = compile_()
        rows = await graph.read(
            compiled.cypher, compiled.params, as_decoded=call.settings.fast_path
        )
        try:
            return compiled.shape(rows)
        except StaleSegments:
            if attempt == 0:
                await segment_cache.reload(graph, call.selection.schema)
    raise GraphQLError(
        "A segment changed while it was being read; run the query again.",
        extensions={"code": "CONFLICT"},
    )


async def list_entities(call: Call, entity: str) -> Any:
    max_page = call.settings.max_page_size
    return await run(call, lambda: compile_connection(call, entity, max_page))


def decode_id(value: str, argument: str) -> tuple[str, str]:
    try:
        return global_id.decode(value)
    except global_id.InvalidGlobalId as exc:
        raise QueryArgumentError(
            f"`{argument}` is not an id issued by this API.", code="INVALID_ID", argument=argument
        ) from exc


async def me(call: Call) -> Any:
    """The viewer's own User record, read through the compiler like any node."""
    principal = call.principal
    if principal is None:
        return None
    max_page = call.settings.max_page_size
    return await run(call, lambda: compile_node(call, "User", principal.user_id, max_page))


def _may_read(call: Call, type_names: set[str]) -> None:
    """An audit event by id answers to the auditLog's rule: MANAGER and ADMIN only."""
    if "AuditEvent" in type_names:
        require_reader(call, "audit events")


async def node(call: Call, id_: str) -> Any:
    type_name, raw = decode_id(id_, "id")
    _may_read(call, {type_name})
    max_page = call.settings.max_page_size
    return await run(call, lambda: compile_node(call, type_name, raw, max_page))


async def nodes(call: Call, ids: list[str]) -> list[Any]:
    if len(ids) > call.settings.max_page_size:
        raise QueryArgumentError(
            f"`ids`: at most {call.settings.max_page_size} ids per call.",
            code="PAGE_TOO_LARGE",
            argument="ids",
        )
    decoded: list[tuple[str, str] | None] = []
    for i, value in enumerate(ids):
        try:
            decoded.append(global_id.decode(value))
        except global_id.InvalidGlobalId:
            raise QueryArgumentError(
                f"`ids[{i}]` is not an id issued by this API.",
                code="INVALID_ID",
                argument=f"ids.{i}",
            ) from None
    _may_read(call, {d[0] for d in decoded if d is not None})
    max_page = call.settings.max_page_size
    return list(await run(call, lambda: compile_nodes(call, decoded, max_page)))


async def segment(call: Call, id_: str) -> Any:
    type_name, raw = decode_id(id_, "id")
    if type_name != "Segment":
        raise QueryArgumentError(
            f"`id` names a {type_name}, not a Segment.", code="WRONG_TYPE", argument="id"
        )
    max_page = call.settings.max_page_size
    return await run(call, lambda: compile_node(call, "Segment", raw, max_page))
