"""The in-process registry of saved segments that lets a segment's members compile into the
reading statement.

A segment's filter decides which Cypher its `customers` field runs, so it must be known when
the statement is compiled, before the database is asked anything. Every process keeps the
segments it knows (id, version, decoded filter, consent rule) here. Compiled statements
dispatch on `segment.id` *and* `segment.version`: a segment this process does not know, or
knows at an older version (changed by another process), yields a `stale` marker instead of
members. The reader then reloads the registry and runs the statement again, so answers are
never stale; reads cost one statement whenever the registry is current, which is always the
case after this process's own writes (they update it inside the write).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphdb import segments as segment_statements
from resolvers.segments import codec

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from graphdb.driver import Graph


class StaleSegments(Exception):
    """A compiled statement met segments the registry did not know at their current version."""


@dataclass(frozen=True)
class SavedSegment:
    id: str
    version: int
    #: the filter as the query compiler takes it (graphql-core coerced), {} for everyone
    filter: dict[str, Any]
    #: (channel, purpose) a member must have granted, or None
    consent: tuple[str, str] | None
    #: why the stored filter can no longer be used (a schema change), or None
    invalid: str | None = None


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


class SegmentRegistry:
    def __init__(self) -> None:
        self._by_id: dict[str, SavedSegment] = {}
        #: grows with every change, so plan caches keyed on it never serve an old dispatch
        self.generation = 0

    def get(self, segment_id: str) -> SavedSegment | None:
        return self._by_id.get(segment_id)

    def all(self) -> list[SavedSegment]:
        return sorted(self._by_id.values(), key=lambda s: s.id)

    def put(self, segment: SavedSegment) -> None:
        self._by_id[segment.id] = segment
        self.generation += 1

    def drop(self, segment_id: str) -> None:
        if self._by_id.pop(segment_id, None) is not None:
            self.generation += 1

    def replace(self, segments: Iterable[SavedSegment]) -> None:
        self._by_id = {s.id: s for s in segments}
        self.generation += 1

    async def reload(self, graph: Graph, schema: GraphQLSchema) -> None:
        """Read every segment (they are few: saved lists, not data)."""
        rows = await graph.read(segment_statements.ALL)
        self.replace(from_record(schema, row) for row in rows)


SEGMENTS = SegmentRegistry()
