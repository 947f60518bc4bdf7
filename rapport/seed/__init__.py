"""`rapport seed`: a realistic, deterministic demo and benchmark graph.

`seed_graph(graph, customers, seed)` writes the graph that `customers` and `seed` define (same
arguments, same ids, values and relationships) and returns a `SeedReport`;
`planted_duplicates(customers, seed)` lists the near-duplicate customer pairs it plants, without
touching the database. See docs/seed.md.
"""

from __future__ import annotations

import itertools
import time

from rich.console import Console

from graphdb import aggregates
from graphdb.driver import Graph
from graphdb.seed import has_customers, wipe_graph
from rapport.seed.customers import World
from rapport.seed.load import SeedError, SeedReport, foreign_credentials, write_batches
from rapport.seed.plans import DuplicatePair
from rapport.seed.rows import GraphRows, batches
from rapport.seed.vocab import TODAY

__all__ = [
    "TODAY",
    "DuplicatePair",
    "SeedError",
    "SeedReport",
    "foreign_credentials",
    "has_customers",
    "planted_duplicates",
    "seed_graph",
    "wipe_graph",
]


async def seed_graph(
    graph: Graph,
    customers: int,
    seed: int,
    *,
    batch_size: int = 5000,
    progress: bool = True,
    console: Console | None = None,
    tx_timeout_s: float = 60.0,
) -> SeedReport:
    """Write the seeded graph into `graph` (which should hold no seeded data yet).

    Nodes first, then relationships, at most `batch_size` rows per UNWIND statement and
    transaction: fewer when a transaction would not finish within `tx_timeout_s` (a
    transaction that times out is split; see graphdb/batches.py).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    rows = GraphRows(World(customers, seed))
    report = SeedReport(customers=customers, seed=seed)
    started = time.perf_counter()
    stream = itertools.chain(
        batches(rows.node_rows(), batch_size), batches(rows.rel_rows(), batch_size)
    )
    await write_batches(
        graph, stream, report, progress=progress, console=console, timeout_s=tx_timeout_s
    )
    # the rows carry the order aggregates; churn's and the referral networks are the database's
    # own computation (graphdb/aggregates.py), the same the write path and migration 13 use
    await aggregates.backfill(graph, timeout_s=tx_timeout_s)
    report.elapsed_s = time.perf_counter() - started
    return report


def planted_duplicates(customers: int, seed: int) -> list[DuplicatePair]:
    """The (original, near-duplicate) customer pairs `seed_graph(customers, seed)` plants."""
    return list(World(customers, seed).duplicate_pairs())
