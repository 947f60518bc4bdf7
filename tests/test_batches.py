"""`graphdb.batches.BatchWriter`: transactions sized by time, on the real database.

The statement under test writes one node per row and then does work proportional to the rows
in its transaction (a count over `range`), so a big transaction outlasts a timeout that one
row fits a thousand times over: which transactions time out does not depend on the machine's
speed or load, only on the ratio, and the ratio is fixed by the statement.
"""

from __future__ import annotations

import time

import pytest

from graphdb.batches import BatchTooSlow, BatchWriter, statement_slices
from graphdb.driver import Graph

#: One node per row, then `$work` steps per row in the same transaction (Neo4j checks the
#: transaction timeout between rows, so a long count is interrupted and nothing is written).
_BURN = (
    "UNWIND $rows AS row CREATE (:BatchProbe {n: row}) "
    "WITH row CALL { WITH row UNWIND range(1, $work) AS i RETURN count(i) AS steps } "
    "RETURN count(*) AS written"
)


def _burning(graph: Graph, work: int) -> object:
    """A WriteSlice for `_BURN` with `work` steps per row."""

    async def write(rows: list[int], timeout_s: float) -> int:
        result = await graph.write(_BURN, {"rows": list(rows), "work": work}, timeout_s=timeout_s)
        return int(result[0]["written"]) if result else 0

    return write


async def _seconds(graph: Graph, work: int, rows: int) -> float:
    """The quickest of three transactions of `rows` rows, after two that warm the database up
    (planning, and the JIT of a freshly started server, make the first runs several times
    slower)."""
    write = _burning(graph, work)
    times = []
    for _ in range(5):
        began = time.perf_counter()
        await write(list(range(rows)), 60.0)  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    await graph.write("MATCH (p:BatchProbe) DELETE p")
    return min(times[2:])


async def test_a_transaction_past_the_timeout_is_split_until_its_parts_fit(graph: Graph) -> None:
    """64 rows asked for as one transaction, with a timeout of a third of the quickest 64-row
    transaction measured just before: the first attempt must time out and be split, the
    smaller parts fit, and every row is written exactly once (a timed-out transaction wrote
    nothing). The time is measured on the statement itself, so the margin does not depend on
    the machine."""
    work = 100_000
    timeout = await _seconds(graph, work, 64) / 3
    one = await _seconds(graph, work, 1)
    assert timeout >= 2 * one, "the rows' work must outweigh a transaction's fixed cost"
    writer = BatchWriter(max_size=64, timeout_s=timeout, name="probes")
    written = await writer.write(list(range(64)), _burning(graph, work))  # type: ignore[arg-type]
    assert written == 64
    assert writer.splits >= 1
    stored = await graph.read(
        "MATCH (p:BatchProbe) RETURN count(p) AS nodes, count(DISTINCT p.n) AS distinct"
    )
    assert stored == [{"nodes": 64, "distinct": 64}]


async def test_a_single_row_past_the_timeout_is_a_clear_error_naming_the_setting(
    graph: Graph,
) -> None:
    """When even one row cannot finish, the writer gives up after its attempts with a message
    that says what to raise; nothing of the row is written."""
    work = 2_000_000
    one_row = await _seconds(graph, work, 1)
    writer = BatchWriter(max_size=4, timeout_s=one_row / 20, name="probes", attempts=2)
    with pytest.raises(BatchTooSlow) as raised:
        await writer.write([1], _burning(graph, work))  # type: ignore[arg-type]
    assert "probes: one row did not finish" in raised.value.message
    assert "RAPPORT_BATCH_TX_TIMEOUT" in raised.value.message
    assert await graph.read("MATCH (p:BatchProbe) RETURN count(p) AS nodes") == [{"nodes": 0}]


async def test_quick_transactions_grow_back_to_the_largest_size(graph: Graph) -> None:
    """A writer that starts small on an idle database doubles after each quick transaction,
    never past its maximum, and writes every row once."""
    writer = BatchWriter(max_size=64, timeout_s=30.0, target_s=30.0, size=1, name="probes")
    written = await writer.write(
        list(range(300)),
        statement_slices(
            graph,
            "UNWIND $rows AS row CREATE (:BatchProbe {n: row}) RETURN count(*) AS written",
        ),
    )
    assert written == 300
    assert writer.size == 64
    assert writer.splits == 0
    assert await graph.read("MATCH (p:BatchProbe) RETURN count(DISTINCT p.n) AS n") == [{"n": 300}]
