"""The stored aggregates against a from-scratch recomputation in Python (issue 16 target 3).

The write path keeps churn's `medianGapDays`/`atRiskAfter`/`riskBand` and every referrer's
`downstreamSize`/`downstreamDepth`/`downstreamRevenue` (besides `orderCount`, `totalSpent`,
`firstOrderAt`, `lastOrderAt`) in the same transaction as each change; after any write the
stored values must be what a recount of the whole graph gives. The recount here is written
independently of the Cypher that maintains them: plain Python over the orders and REFERRED
edges read back raw.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from typing import Any

from graphdb.driver import Graph

MIN_MEDIAN_GAP_DAYS = 1  # docs/intelligence.md#churn
#: atRiskCustomers' bands (graphdb/rankings.py): 8 per doubling of the median gap, 128 in all
BANDS_PER_DOUBLING, BANDS = 8, 128
#: revenueConcentration's histogram (graphdb/rankings.py): 64 buckets per doubling of totalSpent
REVENUE_BUCKETS_PER_DOUBLING = 64


def band_holds(band: int, median: float) -> bool:
    """Whether a regular buyer with this median gap may be in `band`: the property the band walk
    of atRiskCustomers relies on (its floor is at most the median gap; the last band is open)."""
    floor = 2.0 ** (band / BANDS_PER_DOUBLING)
    ceiling = math.inf if band == BANDS - 1 else 2.0 ** ((band + 1) / BANDS_PER_DOUBLING)
    return floor * (1 - 1e-9) <= median < ceiling * (1 + 1e-9)


def bucket_holds(bucket: int, total: int) -> bool:
    """Whether a customer who spent `total` storage units may be in revenue `bucket`: the
    bucket's floor is at most its spend and the next bucket's floor above it."""
    floor = 2.0 ** (bucket / REVENUE_BUCKETS_PER_DOUBLING)
    ceiling = 2.0 ** ((bucket + 1) / REVENUE_BUCKETS_PER_DOUBLING)
    return floor * (1 - 1e-9) <= total < ceiling * (1 + 1e-9)


async def assert_histogram(graph: Graph) -> None:
    """Every customer with revenue is in a bucket that holds its spend, nobody else is in one,
    and the histogram's count and revenue per bucket are those of the customers in it."""
    customers = await graph.read(
        "MATCH (c:Customer) RETURN c.id AS id, c.totalSpent AS total, c.revenueBucket AS bucket"
    )
    want: dict[int, list[int]] = {}
    for c in customers:
        if not c["total"]:
            assert c["bucket"] is None, c
            continue
        assert c["bucket"] is not None and bucket_holds(c["bucket"], c["total"]), c
        counts = want.setdefault(c["bucket"], [0, 0])
        counts[0] += 1
        counts[1] += c["total"]
    rows = await graph.read(
        "MATCH (h:RevenueBucket) RETURN h.bucket AS bucket, sum(h.customers) AS customers, "
        "sum(h.revenue) AS revenue"
    )
    got = {r["bucket"]: [r["customers"], r["revenue"]] for r in rows if r["customers"] != 0}
    assert all(r["revenue"] == 0 for r in rows if r["customers"] == 0), rows
    assert got == want


def _instant(value: Any) -> dt.datetime | None:
    return None if value is None else value.to_native()  # type: ignore[no-any-return]


def _churn(placed: list[dt.datetime]) -> tuple[float | None, dt.datetime | None]:
    """(median gap in days, a second before the customer is at risk) of these orders."""
    placed = sorted(placed)
    gaps = [int((b - a).total_seconds()) / 86400.0 for a, b in itertools.pairwise(placed)]
    median = statistics.median(gaps) if gaps else None
    if len(placed) < 3 or median is None or median < MIN_MEDIAN_GAP_DAYS:
        return median, None
    return median, placed[-1] + dt.timedelta(days=max(2 * median, 14), seconds=-1)


async def expected(graph: Graph) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(customer aggregates by id, referral networks by referrer id) recomputed from scratch."""
    customers = await graph.read(
        "MATCH (c:Customer) RETURN c.id AS id, "
        "COLLECT { MATCH (c)-[:PLACED]->(o:Order) RETURN [o.total, o.placedAt] } AS orders"
    )
    edges = await graph.read(
        "MATCH (a)-[:REFERRED]->(b:Customer) WHERE a:Customer OR a:Contact "
        "RETURN a.id AS a, b.id AS b"
    )
    out: dict[str, dict[str, Any]] = {}
    for row in customers:
        orders = row["orders"]
        placed = [p.to_native() for _, p in orders if p is not None]
        median, risk_after = _churn(placed)
        out[row["id"]] = {
            "orderCount": len(orders),
            "totalSpent": sum(t or 0 for t, _ in orders),
            "firstOrderAt": min(placed, default=None),
            "lastOrderAt": max(placed, default=None),
            "medianGapDays": median,
            "atRiskAfter": risk_after,
        }
    children: dict[str, list[str]] = {}
    for e in edges:
        children.setdefault(e["a"], []).append(e["b"])
    networks: dict[str, dict[str, Any]] = {}
    for referrer in children:
        size, depth, revenue, level, frontier = 0, 0, 0, 0, [referrer]
        while frontier:
            level += 1
            frontier = [c for n in frontier for c in children.get(n, [])]
            if frontier:
                depth = level
            size += len(frontier)
            revenue += sum(out[c]["totalSpent"] for c in frontier)
        networks[referrer] = {
            "downstreamSize": size,
            "downstreamDepth": depth,
            "downstreamRevenue": revenue,
        }
    return out, networks


async def stored(graph: Graph) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    customers = await graph.read(
        "MATCH (c:Customer) RETURN c.id AS id, c.orderCount AS orderCount, "
        "c.totalSpent AS totalSpent, c.firstOrderAt AS firstOrderAt, "
        "c.lastOrderAt AS lastOrderAt, c.medianGapDays AS medianGapDays, "
        "c.atRiskAfter AS atRiskAfter, c.riskBand AS riskBand"
    )
    referrers = await graph.read(
        "MATCH (n) WHERE (n:Customer OR n:Contact) AND n.downstreamSize IS NOT NULL "
        "RETURN n.id AS id, n.downstreamSize AS downstreamSize, "
        "n.downstreamDepth AS downstreamDepth, n.downstreamRevenue AS downstreamRevenue"
    )
    out = {
        r["id"]: {
            **r,
            "firstOrderAt": _instant(r["firstOrderAt"]),
            "lastOrderAt": _instant(r["lastOrderAt"]),
            "atRiskAfter": _instant(r["atRiskAfter"]),
        }
        for r in customers
    }
    for r in out.values():
        del r["id"]
    return out, {r["id"]: {k: v for k, v in r.items() if k != "id"} for r in referrers}


async def assert_consistent(graph: Graph) -> None:
    """Every stored aggregate equals the from-scratch recount (floats to 1e-9 relative, the
    at-risk instant to a millisecond: the two sides round the median differently)."""
    want_customers, want_networks = await expected(graph)
    got_customers, got_networks = await stored(graph)
    assert got_networks == want_networks
    assert got_customers.keys() == want_customers.keys()
    for cid, want in want_customers.items():
        got = got_customers[cid]
        for key in ("orderCount", "totalSpent", "firstOrderAt", "lastOrderAt"):
            assert got[key] == want[key], (cid, key, got[key], want[key])
        if want["medianGapDays"] is None:
            assert got["medianGapDays"] is None, cid
        else:
            assert abs(got["medianGapDays"] - want["medianGapDays"]) <= 1e-9 * max(
                1.0, want["medianGapDays"]
            ), (cid, got, want)
        if want["atRiskAfter"] is None:
            assert got["atRiskAfter"] is None, (cid, got)
            assert got["riskBand"] is None, (cid, got)
        else:
            assert got["atRiskAfter"] is not None, (cid, want)
            assert abs(got["atRiskAfter"] - want["atRiskAfter"]) <= dt.timedelta(milliseconds=1)
            assert band_holds(got["riskBand"], want["medianGapDays"]), (cid, got, want)
    await assert_histogram(graph)
