"""Recount every stored aggregate of the database: a migration's backfill and the seed's last
step, in transactions of a bounded number of records.

The write path keeps the aggregates current one write at a time (graphdb/writes/customers
`aggregates`, graphdb/writes/referrals `networks`); this recomputes them all with the very same
statements, so a database written before they existed, or by a bulk load that does not compute
them (the seed), reads exactly as if every write had kept them.
"""

from __future__ import annotations

from graphdb.driver import Graph
from graphdb.writes import customers, referrals

#: customers (or referrers) per transaction: a few seconds of work on a busy 2-core machine
BATCH = 2000

_CUSTOMER_PAGE = (
    "MATCH (c:Customer) WHERE c.id > $after WITH c.id AS id ORDER BY id LIMIT $n "
    "RETURN collect(id) AS ids"
)


async def backfill(
    graph: Graph, *, batch: int = BATCH, timeout_s: float | None = None, customers_too: bool = True
) -> None:
    """Recount the aggregates of every customer, then the referral network of every referrer
    (networks sum the customers' `totalSpent`, so they come second). Without `customers_too`
    only the networks, from the stored `totalSpent` as it is."""
    after = ""
    while customers_too:
        rows = await graph.read(_CUSTOMER_PAGE, {"after": after, "n": batch})
        ids: list[str] = rows[0]["ids"]
        if not ids:
            break
        await graph.write(customers.recount(), {"ids": ids}, timeout_s=timeout_s)
        after = ids[-1]
    rows = await graph.read(referrals.REFERRERS)
    referrers: list[str] = sorted(rows[0]["ids"])
    own = referrals.networks(upstream=False)
    for start in range(0, len(referrers), batch):
        await graph.write(own, {"ids": referrers[start : start + batch]}, timeout_s=timeout_s)
