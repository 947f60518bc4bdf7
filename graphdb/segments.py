"""Saved segments as the database layer knows them: the statements that read them (every one
for the registry, one by id after a write, one by id or exact name for the command line; one
projection, so the three cannot drift) and the in-process registry the read compiler dispatches
on.

A segment's filter decides which Cypher its `customers` field runs, so it must be known when
the statement is compiled, before the database is asked anything. Every process keeps the
segments it knows (id, version, decoded filter, consent rule) in `SEGMENTS`. Compiled
statements dispatch on `segment.id` *and* `segment.version`: a segment this process does not
know, or knows at an older version (changed by another process), yields a `stale` marker
instead of members. The reader then reloads the registry (resolvers/segments/cache.py decodes
the stored filters) and runs the statement again, so answers are never stale; reads cost one
statement whenever the registry is current, which is always the case after this process's own
writes (they update it inside the write).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_FIELDS = (
    "RETURN s.id AS id, s.version AS version, s.filter AS filter, "
    "s.requireConsentChannel AS channel, s.requireConsentPurpose AS purpose"
)

ALL = f"MATCH (s:Segment) {_FIELDS}"
BY_ID = f"MATCH (s:Segment {{id: $id}}) {_FIELDS}"
BY_ID_OR_NAME = f"MATCH (s:Segment) WHERE s.id = $key OR s.name = $key {_FIELDS}"


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


SEGMENTS = SegmentRegistry()
