"""Customer accounts: the links an account carries and the facts its delete rule needs."""

from __future__ import annotations

from graphdb import rankings

#: kind and linked company of customer `$id`
ACCOUNT_STATE = (
    "MATCH (c:Customer {id: $id}) OPTIONAL MATCH (c)-[:ACCOUNT_OF]->(co:Company) "
    "RETURN c.kind AS kind, co.id AS companyId LIMIT 1"
)

#: another customer that already is the account of company `$companyId`
COMPANY_ACCOUNT_HOLDER = (
    "MATCH (:Company {id: $companyId})<-[:ACCOUNT_OF]-(c:Customer) WHERE c.id <> $id "
    "RETURN c.id AS id LIMIT 1"
)

#: replace the account's company with `$companyId` (null: no company)
SET_COMPANY = (
    "MATCH (c:Customer {id: $id}) "
    "OPTIONAL MATCH (c)-[r:ACCOUNT_OF]->(:Company) DELETE r "
    "WITH DISTINCT c MATCH (co:Company {id: $companyId}) MERGE (c)-[:ACCOUNT_OF]->(co)"
)

#: replace the account manager with user `$userId` (null: nobody)
SET_MANAGER = (
    "MATCH (c:Customer {id: $id}) "
    "OPTIONAL MATCH (c)<-[r:MANAGES]-(:User) DELETE r "
    "WITH DISTINCT c MATCH (u:User {id: $userId}) MERGE (u)-[:MANAGES]->(c)"
)

#: how many orders customer `$id` placed (the delete rule)
ORDER_COUNT = "MATCH (c:Customer {id: $id}) RETURN COUNT { (c)-[:PLACED]->(:Order) } AS n"


#: the rankings' stored facts (see `aggregates`): churn's, and revenueConcentration's bucket;
#: derived for the reads, not the customer's own data, so audit diffs and subject-access
#: exports leave them out
DERIVED_PROPS = ("medianGapDays", "atRiskAfter", "riskBand", "revenueBucket")

#: A regular buyer (median gap at least this many days) can be at risk; docs/intelligence.md
MIN_MEDIAN_GAP_DAYS = 1


def aggregates(*, interactions: bool = False) -> str:
    """Clauses that recompute the aggregates of the customer bound to `c` from its orders (and
    with `interactions`, `lastInteractionAt` from its interactions), written only where they
    changed.

    `medianGapDays` and `atRiskAfter` are churn's: the median of the gaps between consecutive
    orders in days, computed exactly as `Customer.churnRisk` computes it, and, for a regular
    buyer (3 orders or more, median gap of a day or more), a second before the instant after
    which it is at risk: `lastOrderAt` plus max(2 x median gap, 14 days), minus one second
    because the rule compares whole seconds and the stored instant is rounded to nanoseconds
    (so "atRiskAfter < asOf" never misses a customer; the rule itself then decides). An
    instant rather than a flag, so each read compares it with its own "now"; its range index
    makes atRiskCustomers a range read of the customers that can be at risk. A regular buyer's
    `riskBand` is its median gap on a log scale (graphdb/rankings `risk_band`): atRiskCustomers
    walks the (riskBand, lastOrderAt) index a few customers per band instead of scoring every
    customer at risk. A customer with revenue stores its `revenueBucket` (graphdb/rankings
    `revenue_bucket`), and the same statement moves its revenue between the buckets of the
    `RevenueBucket` histogram (`move_revenue`), so revenueConcentration reads the histogram
    instead of every customer's totalSpent.
    """
    last_interaction = (
        "CALL (c) { OPTIONAL MATCH (i:Interaction)-[:WITH]->(c) "
        "RETURN max(i.occurredAt) AS lastInteraction } "
        if interactions
        else "WITH c, n, total, first, last, median, riskAfter, band, "
        "c.lastInteractionAt AS lastInteraction "
    )
    return (
        "CALL (c) { OPTIONAL MATCH (c)-[:PLACED]->(o:Order) WITH o ORDER BY o.placedAt "
        "WITH count(o) AS n, coalesce(sum(o.total), 0) AS total, collect(o.placedAt) AS ts "
        "WITH n, total, ts, [i IN range(1, size(ts) - 1) | "
        "duration.inSeconds(ts[i - 1], ts[i]).seconds / 86400.0] AS gaps "
        "UNWIND (CASE WHEN size(gaps) = 0 THEN [null] ELSE gaps END) AS g "
        "WITH n, total, ts, percentileCont(g, 0.5) AS median "
        "RETURN n, total, head(ts) AS first, last(ts) AS last, median, "
        f"CASE WHEN size(ts) >= 3 AND median >= {MIN_MEDIAN_GAP_DAYS} "
        "THEN last(ts) + duration({seconds: 86400 * "
        "CASE WHEN 2 * median > 14 THEN 2 * median ELSE 14 END - 1}) END AS riskAfter, "
        f"CASE WHEN size(ts) >= 3 AND median >= {MIN_MEDIAN_GAP_DAYS} "
        f"THEN {rankings.risk_band('median')} END AS band }} "
        f"{last_interaction}"
        "WITH c, n, total, first, last, median, riskAfter, band, lastInteraction, "
        f"{rankings.revenue_bucket('total')} AS bucket "
        "WHERE c.orderCount IS NULL OR c.orderCount <> n "
        "OR c.totalSpent IS NULL OR c.totalSpent <> total "
        "OR (c.firstOrderAt IS NULL) <> (first IS NULL) OR c.firstOrderAt <> first "
        "OR (c.lastOrderAt IS NULL) <> (last IS NULL) OR c.lastOrderAt <> last "
        "OR (c.lastInteractionAt IS NULL) <> (lastInteraction IS NULL) "
        "OR c.lastInteractionAt <> lastInteraction "
        "OR (c.medianGapDays IS NULL) <> (median IS NULL) OR c.medianGapDays <> median "
        "OR (c.atRiskAfter IS NULL) <> (riskAfter IS NULL) OR c.atRiskAfter <> riskAfter "
        "OR (c.riskBand IS NULL) <> (band IS NULL) OR c.riskBand <> band "
        "OR (c.revenueBucket IS NULL) <> (bucket IS NULL) OR c.revenueBucket <> bucket "
        "WITH c, n, total, first, last, median, riskAfter, band, lastInteraction, bucket, "
        "c.revenueBucket AS oldBucket, c.totalSpent AS oldTotal "
        "SET c.orderCount = n, c.totalSpent = total, c.firstOrderAt = first, "
        "c.lastOrderAt = last, c.lastInteractionAt = lastInteraction, "
        "c.medianGapDays = median, c.atRiskAfter = riskAfter, c.riskBand = band, "
        "c.revenueBucket = bucket WITH * "
        f"{rankings.move_revenue('oldBucket', 'oldTotal', 'bucket', 'total')}"
    )


def recount(*, interactions: bool = False) -> str:
    """Recount the stored aggregates of customers `$ids` from their orders: `orderCount`,
    `totalSpent`, `firstOrderAt`, `lastOrderAt`, churn's `medianGapDays` and `atRiskAfter` (and
    with `interactions`, `lastInteractionAt` from their interactions). The one definition of
    those aggregates: placeOrder, imports, merges, GDPR erasure and the seed all write them
    through it (placeOrder appends `aggregates()` to its own statement). Unchanged values are not
    written, so re-importing the same orders writes nothing. The referral networks upstream of a
    customer whose `totalSpent` changed are recomputed by `graphdb/writes/referrals.NETWORKS`."""
    return "UNWIND $ids AS cid MATCH (c:Customer {id: cid}) " + aggregates(
        interactions=interactions
    )
