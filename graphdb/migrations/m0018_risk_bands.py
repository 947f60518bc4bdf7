"""Migration 18, atRiskCustomers stays flat as the database grows (issue 16 target 3).

Migration 13's `atRiskAfter` index finds the customers at risk, but they are a share of all
customers, and ranking them by riskScore (which depends on the read's `asOf`) scored every one:
1.1 s at a million customers. Each regular buyer now also stores `riskBand`, its median gap on a
log scale (graphdb/rankings `risk_band`), and an index on (riskBand, lastOrderAt) lets the read
take a bounded number of customers per band (graphdb/rankings `at_risk_top`).

The backfill bands every customer that migration 13 (or the write path since) gave a median
gap, by id order in bounded transactions; safe to run again.
"""

from __future__ import annotations

from graphdb import batches, rankings
from graphdb.driver import Graph

STATEMENTS: tuple[str, ...] = (
    "CREATE INDEX customer_risk_band IF NOT EXISTS FOR (n:Customer) ON (n.riskBand, n.lastOrderAt)",
)

BATCH = 5_000

#: band the regular buyers among customers with ids in ($after, $last]
_BAND = (
    "MATCH (c:Customer) WHERE c.id > $after AND c.id <= $last AND c.atRiskAfter IS NOT NULL "
    f"SET c.riskBand = {rankings.risk_band('c.medianGapDays')}"
)


async def backfill(graph: Graph, *, batch: int = BATCH) -> None:
    """Band every regular buyer stored before this migration."""
    await batches.by_customer_ranges(graph, _BAND, batch=batch)
