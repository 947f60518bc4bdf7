"""Long work on a slow machine: write many rows in transactions sized by time, not by count.

The seed and imports hand over batches of rows; `BatchWriter.write` cuts each into
transactions of `size` rows, and adapts `size` to what the database manages:

- a transaction that ran past the timeout (QUERY_TIMEOUT, nothing written) is split in half
  and tried again, down to one row (only a single row that cannot finish is an error);
- after each success, `size` doubles when the transaction took under half of `target_s`
  (never past `max_size`) and halves when it took longer than `target_s`, so a busy machine
  gets smaller transactions and an idle one larger ones;
- a database that is unavailable (DATABASE_UNAVAILABLE after the driver's own retry budget)
  is waited for with exponential backoff, `attempts` times, before giving up.

Only statements whose batch is all-or-nothing go through here (UNWIND … CREATE/MERGE): a timed
out or unreachable transaction wrote nothing, so trying its rows again is safe. A lost commit
(COMMIT_UNKNOWN) is not retried: the rows may be written, so it is raised to the caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphdb.driver import DatabaseUnavailable, Graph, QueryTimedOut

#: Write a slice of rows in one transaction (under `timeout_s`); returns how many it wrote.
WriteSlice = Callable[[Sequence[Any], float], Awaitable[int]]

_FIRST_BACKOFF_S = 1.0
_MAX_BACKOFF_S = 30.0


class BatchTooSlow(QueryTimedOut):
    """Even a single row did not finish within the transaction timeout (QUERY_TIMEOUT)."""

    def __init__(self, name: str, timeout_s: float, attempts: int) -> None:
        super().__init__(timeout_s)
        self.message = (
            f"{name}: one row did not finish within the transaction timeout ({timeout_s:g} s) "
            f"in {attempts} attempt(s); raise RAPPORT_BATCH_TX_TIMEOUT"
        )
        self.args = (self.message,)


@dataclass
class BatchWriter:
    """Sizes transactions by time for one kind of row (see the module docstring)."""

    max_size: int
    timeout_s: float
    #: what is written (for messages)
    name: str = "batch"
    #: the time one transaction should take; half the timeout by default, at most 5 s
    target_s: float = 0.0
    attempts: int = 6
    size: int = 0
    #: how often a transaction timed out and was split, and how often the database was waited for
    splits: int = 0
    waits: int = 0

    def __post_init__(self) -> None:
        self.max_size = max(1, self.max_size)
        self.size = self.size or self.max_size
        if self.target_s <= 0:
            self.target_s = min(5.0, self.timeout_s / 2)

    async def write(self, rows: Sequence[Any], write_slice: WriteSlice) -> int:
        """Write every row of `rows`, in as many transactions as it takes; returns rows written."""
        written = 0
        start = 0
        failures = 0
        while start < len(rows):
            piece = rows[start : start + self.size]
            began = time.monotonic()
            try:
                written += await write_slice(piece, self.timeout_s)
            except QueryTimedOut as exc:
                if len(piece) == 1:  # a one-off (planning, a pause): tried again, a few times
                    failures += 1
                    if failures >= self.attempts:
                        raise BatchTooSlow(self.name, self.timeout_s, failures) from exc
                    continue
                self.size = max(1, len(piece) // 2)
                self.splits += 1
                continue
            except DatabaseUnavailable:
                failures += 1
                if failures >= self.attempts:
                    raise
                self.waits += 1
                await asyncio.sleep(min(_FIRST_BACKOFF_S * 2 ** (failures - 1), _MAX_BACKOFF_S))
                continue
            failures = 0
            start += len(piece)
            self._adapt(len(piece), time.monotonic() - began)
        return written

    def _adapt(self, rows: int, seconds: float) -> None:
        """Double after a transaction that took under half the target, halve after one over
        it: a transaction's fixed cost (round trips, commit) never shrinks batches to nothing."""
        if seconds < self.target_s / 2 and rows >= self.size:
            self.size = min(self.max_size, self.size * 2)
        elif seconds > self.target_s:
            self.size = max(1, self.size // 2)


def statement_slices(graph: Graph, cypher: str) -> WriteSlice:
    """A `WriteSlice` for an UNWIND $rows statement that returns `count(*) AS written`."""

    async def write(rows: Sequence[Any], timeout_s: float) -> int:
        result = await graph.write(cypher, {"rows": list(rows)}, timeout_s=timeout_s)
        return int(result[0]["written"]) if result else 0

    return write


#: the last id of the next `$n` customers after id `$after` (null: none left)
_CUSTOMER_PAGE_END = (
    "MATCH (c:Customer) WHERE c.id > $after WITH c.id AS id ORDER BY id LIMIT $n "
    "RETURN last(collect(id)) AS last"
)


async def by_customer_ranges(graph: Graph, statement: str, *, batch: int) -> None:
    """Run `statement` (which reads `$after` and `$last`) once per range of `batch` customer
    ids, in id order, each in a transaction of its own: a migration's backfill over every
    customer without one transaction holding the whole database."""
    after = ""
    while (
        last := (await graph.read(_CUSTOMER_PAGE_END, {"after": after, "n": batch}))[0]["last"]
    ) is not None:
        await graph.write(statement, {"after": after, "last": last})
        after = last
