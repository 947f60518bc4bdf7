"""Migration 19, revenueConcentration stays flat as the database grows (issue 16 target 3).

The read summed every customer's totalSpent to learn the grand total and where the share is
reached: 430 ms at a million customers. Each customer with revenue now stores `revenueBucket`,
its totalSpent on a log scale (graphdb/rankings `revenue_bucket`), and `(:RevenueBucket)` nodes
keep each bucket's count and revenue, moved by the write path in the same statement as the
totalSpent they follow (graphdb/writes/customers `aggregates`). The read sums the histogram and
walks one bucket through the (revenueBucket, totalSpent) index (graphdb/rankings
`concentration_head`).

The backfill buckets every customer with revenue by id order in bounded transactions, then
rebuilds the histogram from the customers in one statement (absolute values, keyed by slot, so
running it again, or twice at once, leaves the same histogram).
"""

from __future__ import annotations

from graphdb import batches, rankings
from graphdb.driver import Graph

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT revenue_bucket_slot IF NOT EXISTS "
    "FOR (h:RevenueBucket) REQUIRE h.slot IS UNIQUE",
    "CREATE INDEX customer_revenue_bucket IF NOT EXISTS "
    "FOR (n:Customer) ON (n.revenueBucket, n.totalSpent)",
)

BATCH = 5_000

#: bucket the customers with ids in ($after, $last]
_BUCKET = (
    "MATCH (c:Customer) WHERE c.id > $after AND c.id <= $last "
    f"SET c.revenueBucket = {rankings.revenue_bucket('c.totalSpent')}"
)

#: the histogram, from the customers' buckets (stripe 0 of each bucket holds it all)
_REBUILD = (
    "CALL () { MATCH (h:RevenueBucket) DELETE h } "
    "CALL () { MATCH (c:Customer) WHERE c.revenueBucket IS NOT NULL "
    "WITH c.revenueBucket AS b, count(*) AS k, sum(c.totalSpent) AS r "
    f"MERGE (h:RevenueBucket {{slot: b * {rankings.REVENUE_STRIPES}}}) "
    "SET h.bucket = b, h.customers = k, h.revenue = r }"
)


async def backfill(graph: Graph, *, batch: int = BATCH) -> None:
    """Bucket every customer stored before this migration, then build the histogram."""
    await batches.by_customer_ranges(graph, _BUCKET, batch=batch)
    await graph.write(_REBUILD)
