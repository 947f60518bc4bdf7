"""Saved segments read from the database into the registry the read compiler dispatches on
(graphdb/segments.py), with their stored filters decoded against the live GraphQL schema.

Decoding needs the schema (a saved filter is re-validated when it is read, resolvers/segments/
codec.py), which is why it happens here and the registry below only holds the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphdb import segments as segment_statements
from graphdb.segments import SEGMENTS, SavedSegment
from resolvers.segments import codec

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from graphdb.driver import Graph


def from_record(schema: GraphQLSchema, record: dict[str, Any]) -> SavedSegment:
    channel, purpose = record.get("channel"), record.get("purpose")
    consent = (str(channel), str(purpose)) if channel and purpose else None
    try:
        flt, invalid = codec.loads(schema, record.get("filter")), None
    except codec.StoredFilterInvalid as exc:
        flt, invalid = {}, str(exc)
    return SavedSegment(str(record["id"]), int(record["version"]), flt, consent, invalid)


async def find(graph: Graph, schema: GraphQLSchema, id_or_name: str) -> SavedSegment | None:
    """A segment by raw id or exact name (for the command line), read from the database."""
    rows = await graph.read(
        segment_statements.BY_ID_OR_NAME,
        {"key": id_or_name},
    )
    return from_record(schema, rows[0]) if rows else None


async def reload(graph: Graph, schema: GraphQLSchema) -> None:
    """Read every segment into the registry (they are few: saved lists, not data)."""
    rows = await graph.read(segment_statements.ALL)
    SEGMENTS.replace(from_record(schema, row) for row in rows)
