"""What serialises two writers of one node in Neo4j 5: the facts the write path relies on.

Transaction A write-locks a customer and, once B is done (or after HOLD_S), bumps its version
and commits.
Transaction B starts while A holds the lock and runs one candidate statement. The results pin
down why `graphdb/writes/nodes.lock` is `SET n._lock = true REMOVE n._lock` and why the version
is read by the *next* statement.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from neo4j import AsyncManagedTransaction as Tx

from graphdb.driver import Graph, run_in
from graphdb.writes import nodes

#: How long A holds its lock at most while B's statement has not finished.
HOLD_S = 3.0
C1 = "MATCH (n:Customer {id: 'c1'}) "


async def _race(graph: Graph, statements: list[str]) -> tuple[bool, list[Any]]:
    """(whether B had to wait for A, values B's statements returned).

    A locks the customer and waits for B to finish, up to HOLD_S; then it bumps the version
    and commits. B runs its statements while A holds the lock. B "waited" when it finished only
    after A had stopped waiting: an order of events, not a stopwatch, so a slow machine cannot
    turn a wait into a non-wait or back.
    """
    await graph.write("CREATE (:Customer {id: 'c1', version: 1})")
    a_locked, a_releasing, b_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    waited: list[bool] = []
    seen: list[Any] = []

    async def a(tx: Tx) -> None:
        await run_in(tx, nodes.lock("Customer"), {"ids": ["c1"]})
        a_locked.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(b_done.wait(), HOLD_S)
        a_releasing.set()
        await run_in(tx, C1 + "SET n.version = n.version + 1")

    async def b(tx: Tx) -> None:
        await a_locked.wait()
        for statement in statements:
            rows = await run_in(tx, statement)
            seen.append(rows[0].get("v") if rows else None)
        waited.append(a_releasing.is_set())
        b_done.set()

    await asyncio.gather(graph.write_tx(a), graph.write_tx(b))
    return waited[0], seen


async def test_the_lock_statement_waits_for_the_holder_and_the_next_read_sees_its_commit(
    graph: Graph,
) -> None:
    waited, seen = await _race(
        graph, [nodes.lock("Customer").replace("$ids", "['c1']"), C1 + "RETURN n.version AS v"]
    )
    assert waited
    assert seen[1] == 2


async def test_a_property_read_in_the_locking_statement_itself_is_also_fresh(graph: Graph) -> None:
    _, seen = await _race(graph, [C1 + "SET n._lock = true REMOVE n._lock RETURN n.version AS v"])
    assert seen == [2]


@pytest.mark.parametrize(
    "statement",
    [
        # the right-hand side is evaluated before the lock is taken: a lost update
        C1 + "SET n.version = n.version RETURN n.version AS v",
        # a value carried through WITH before the SET is the pre-lock one
        C1 + "WITH n, n.version AS old SET n._lock = true REMOVE n._lock RETURN old AS v",
    ],
)
async def test_values_read_before_the_lock_are_stale(graph: Graph, statement: str) -> None:
    waited, seen = await _race(graph, [statement])
    assert waited
    assert seen == [1]


async def test_removing_an_absent_property_takes_no_lock(graph: Graph) -> None:
    waited, seen = await _race(graph, [C1 + "REMOVE n._nothing RETURN n.version AS v"])
    assert not waited
    assert seen == [1]
