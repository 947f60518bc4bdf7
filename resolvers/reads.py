"""Root read fields: decode arguments, compile, run one statement, shape the result."""

from __future__ import annotations

from typing import Any

from resolvers.compiler import compile_connection, compile_node, compile_nodes
from resolvers.compiler.errors import QueryArgumentError
from schema import global_id
from schema.context import Info


async def list_entities(info: Info, entity: str) -> Any:
    compiled = compile_connection(info, entity, info.context.settings.max_page_size)
    rows = await info.context.graph.read(compiled.cypher, compiled.params)
    return compiled.shape(rows)


def decode_id(value: str, argument: str) -> tuple[str, str]:
    try:
        return global_id.decode(value)
    except global_id.InvalidGlobalId as exc:
        raise QueryArgumentError(
            f"`{argument}` is not an id issued by this API.", code="INVALID_ID", argument=argument
        ) from exc


async def node(info: Info, id_: str) -> Any:
    type_name, raw = decode_id(id_, "id")
    compiled = compile_node(info, type_name, raw, info.context.settings.max_page_size)
    rows = await info.context.graph.read(compiled.cypher, compiled.params)
    return compiled.shape(rows)


async def nodes(info: Info, ids: list[str]) -> list[Any]:
    if len(ids) > info.context.settings.max_page_size:
        raise QueryArgumentError(
            f"`ids`: at most {info.context.settings.max_page_size} ids per call.",
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
    compiled = compile_nodes(info, decoded, info.context.settings.max_page_size)
    rows = await info.context.graph.read(compiled.cypher, compiled.params)
    return list(compiled.shape(rows))
