"""Snapshots of the whole (small) test graph, to prove that a refused mutation wrote nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from graphdb.driver import Graph

#: Bookkeeping outside the customer graph: migrations, and API keys (whose lastUsedAt the
#: authentication layer writes in the background).
_OURS = "NOT n:RapportMigration AND NOT n:ApiKey"

_NODES = (
    f"MATCH (n) WHERE {_OURS} AND NOT n:RevenueBucket "
    "RETURN labels(n) AS labels, properties(n) AS props ORDER BY n.id, elementId(n)"
)
_RELS = (
    "MATCH (a)-[r]->(b) WHERE NOT b:ApiKey RETURN type(r) AS type, a.id AS start, b.id AS end, "
    "properties(r) AS props ORDER BY type, start, end, elementId(r)"
)


async def counts(graph: Graph) -> tuple[int, int]:
    """(nodes, relationships) outside the migration bookkeeping."""
    rows = await graph.read(
        f"RETURN COUNT {{ MATCH (n) WHERE {_OURS} RETURN n }} AS n, "
        "COUNT { MATCH ()-[r]->(b) WHERE NOT b:ApiKey RETURN r } AS r"
    )
    return int(rows[0]["n"]), int(rows[0]["r"])


#: the revenue histogram per bucket: a write picks one of a bucket's stripes at random, so its
#: nodes are compared by their sums
_HISTOGRAM = (
    "MATCH (h:RevenueBucket) WITH h.bucket AS bucket, sum(h.customers) AS customers, "
    "sum(h.revenue) AS revenue WHERE customers <> 0 OR revenue <> 0 "
    "RETURN bucket, customers, revenue ORDER BY bucket"
)


async def snapshot(graph: Graph) -> tuple[list[Any], list[Any]]:
    """Every node (the revenue histogram by its sums) and relationship with its properties."""
    nodes = await graph.read(_NODES) + await graph.read(_HISTOGRAM)
    return nodes, await graph.read(_RELS)


@asynccontextmanager
async def unchanged(graph: Graph) -> AsyncIterator[None]:
    """Assert that the block changed no node, relationship or property at all."""
    before_counts, before = await counts(graph), await snapshot(graph)
    yield
    after_counts, after = await counts(graph), await snapshot(graph)
    assert after_counts == before_counts, f"counts changed: {before_counts} -> {after_counts}"
    assert after == before, "the graph changed although the mutation was refused"
