"""Recount every stored aggregate of the database: a migration's backfill and the seed's last
step, in transactions of a bounded number of records.

The write path keeps the aggregates current one write at a time (graphdb/writes/customers
`aggregates`, graphdb/writes/referrals `networks`); this recomputes them all with the very same
statements, so a database written before they existed, or by a bulk load that does not compute
them (the seed), reads exactly as if every write had kept them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdb.batches import BatchWriter
from graphdb.driver import Graph
from graphdb.writes import customers, referrals

#: customers (or referrers) per transaction at most: a few seconds of work on a busy 2-core
#: machine; a transaction that outlasts the timeout is split like any other batch
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
    only the networks, from the stored `totalSpent` as it is. Transactions are sized by
    `graphdb.batches.BatchWriter`, so a timeout too tight for `batch` records (a seed with a
    tiny `--tx-timeout`, a loaded machine) splits the work instead of failing it."""

    def slices(statement: str) -> Any:
        async def write(ids: Sequence[Any], limit: float) -> int:
            await graph.write(statement, {"ids": list(ids)}, timeout_s=limit)
            return len(ids)

        return write

    limit = graph.tx_timeout_s if timeout_s is None else timeout_s
    writer = BatchWriter(max_size=batch, timeout_s=limit, name="aggregates")
    recount = slices(customers.recount())
    after = ""
    while customers_too:
        rows = await graph.read(_CUSTOMER_PAGE, {"after": after, "n": batch})
        ids: list[str] = rows[0]["ids"]
        if not ids:
            break
        await writer.write(ids, recount)
        after = ids[-1]
    rows = await graph.read(referrals.REFERRERS)
    referrers: list[str] = sorted(rows[0]["ids"])
    await writer.write(referrers, slices(referrals.networks(upstream=False)))
