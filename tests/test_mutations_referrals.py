"""recordReferral: the first referral counts, and referrals never go round in a circle."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from neo4j import AsyncManagedTransaction as Tx

from graphdb.driver import Graph
from resolvers.writes.referrals import lock_trees
from tests._factories import new_contact, new_customer
from tests._gql import MALFORMED_ID, codes, error_fields, missing_id, mutate, ok, raw
from tests._graph_counts import unchanged


async def test_customer_referred_by_a_customer(client: httpx.AsyncClient, graph: Graph) -> None:
    anna = await new_customer(client, "ANNA")
    ben = await new_customer(client, "BEN")
    payload = ok(
        await mutate(
            client,
            "recordReferral",
            {
                "referrerId": anna,
                "referredId": ben,
                "referredAt": "2025-02-01T12:00:00Z",
                "channel": "word of mouth",
                "note": "Met at the trade fair.",
            },
            "referred { id name }",
        )
    )
    assert payload["referred"] == {"id": ben, "name": "BEN"}
    rows = await graph.read(
        "MATCH (a:Customer)-[r:REFERRED]->(b:Customer) "
        "RETURN a.externalId AS a, b.externalId AS b, r.channel AS channel, r.note AS note"
    )
    assert rows == [
        {"a": "ANNA", "b": "BEN", "channel": "word of mouth", "note": "Met at the trade fair."}
    ]


async def test_contact_can_refer_a_customer(client: httpx.AsyncClient, graph: Graph) -> None:
    contact = await new_contact(client)
    ben = await new_customer(client, "BEN")
    ok(await mutate(client, "recordReferral", {"referrerId": contact, "referredId": ben}))
    rows = await graph.read("MATCH (:Contact)-[r:REFERRED]->(:Customer) RETURN count(r) AS n")
    assert rows[0]["n"] == 1


async def test_second_referral_of_same_customer_is_rejected(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    anna = await new_customer(client, "ANNA")
    ben = await new_customer(client, "BEN")
    cyril = await new_customer(client, "CYRIL")
    ok(await mutate(client, "recordReferral", {"referrerId": anna, "referredId": ben}))
    async with unchanged(graph):
        payload = await mutate(
            client, "recordReferral", {"referrerId": cyril, "referredId": ben}, "referred { id }"
        )
    assert codes(payload) == ["ALREADY_REFERRED"]
    assert error_fields(payload) == [["input", "referredId"]]
    assert payload["referred"] is None


async def test_self_referral_is_rejected(client: httpx.AsyncClient, graph: Graph) -> None:
    anna = await new_customer(client, "ANNA")
    async with unchanged(graph):
        payload = await mutate(client, "recordReferral", {"referrerId": anna, "referredId": anna})
    assert codes(payload) == ["SELF_REFERRAL"]


async def test_referral_closing_a_cycle_is_rejected(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    a, b, c = [await new_customer(client, name) for name in ("A", "B", "C")]
    ok(await mutate(client, "recordReferral", {"referrerId": a, "referredId": b}))
    ok(await mutate(client, "recordReferral", {"referrerId": b, "referredId": c}))
    d = await new_customer(client, "D")
    async with unchanged(graph):
        # A is the origin, so it is not yet referred: only the cycle stands in the way.
        payload = await mutate(client, "recordReferral", {"referrerId": c, "referredId": a})
    assert codes(payload) == ["REFERRAL_CYCLE"]
    assert error_fields(payload) == [["input", "referrerId"]]
    ok(await mutate(client, "recordReferral", {"referrerId": c, "referredId": d}))


async def test_referral_ids_are_checked(client: httpx.AsyncClient, graph: Graph) -> None:
    anna = await new_customer(client, "ANNA")
    contact = await new_contact(client)
    async with unchanged(graph):
        contact_referred = await mutate(
            client, "recordReferral", {"referrerId": anna, "referredId": contact}
        )
        missing = await mutate(
            client,
            "recordReferral",
            {"referrerId": missing_id("Contact"), "referredId": missing_id("Customer")},
        )
        malformed = await mutate(
            client, "recordReferral", {"referrerId": MALFORMED_ID, "referredId": anna}
        )
        bad_date = await mutate(
            client,
            "recordReferral",
            {"referrerId": contact, "referredId": anna, "referredAt": "1850-01-01T00:00:00Z"},
        )
    assert codes(contact_referred) == ["WRONG_TYPE"]
    assert codes(missing) == ["NOT_FOUND", "NOT_FOUND"]
    assert codes(malformed) == ["INVALID_ID"]
    assert codes(bad_date) == ["OUT_OF_RANGE"]


async def test_concurrent_referrals_that_would_form_cycles_leave_an_acyclic_graph(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    a, b, c, d = [await new_customer(client, name) for name in ("A", "B", "C", "D")]
    attempts = [(a, b), (b, a), (b, c), (c, a), (c, b), (a, c), (d, a), (a, d), (c, d), (d, b)]
    payloads = await asyncio.gather(
        *(mutate(client, "recordReferral", {"referrerId": x, "referredId": y}) for x, y in attempts)
    )
    refused = {code for p in payloads for code in codes(p)}
    assert refused <= {"ALREADY_REFERRED", "REFERRAL_CYCLE"}
    rows = await graph.read(
        "MATCH (c:Customer) RETURN c.externalId AS name, "
        "EXISTS { (c)-[:REFERRED*1..]->(c) } AS cycle, COUNT { (c)<-[:REFERRED]-() } AS referrers"
    )
    assert not any(r["cycle"] for r in rows), rows
    assert all(r["referrers"] <= 1 for r in rows), rows
    stored = await graph.read("MATCH ()-[r:REFERRED]->() RETURN count(r) AS n")
    assert stored[0]["n"] == sum(1 for p in payloads if not p["errors"])


#: How long the holder of a tree's roots waits at most for the other referral to finish.
HOLD_S = 3.0


async def _referral_while_a_tree_is_held(
    client: httpx.AsyncClient, graph: Graph, held: list[str], referral: dict[str, str]
) -> tuple[bool, dict[str, object]]:
    """(whether `referral` had to wait, its payload) while another transaction holds the roots
    of the referral trees of the customers `held` (raw ids), as every REFERRED writer does.

    "Waited" is an order of events, not a stopwatch: the referral finished only after the
    holder had stopped waiting for it.
    """
    locked, releasing, done = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def holder(tx: Tx) -> None:
        await lock_trees(tx, held)
        locked.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), HOLD_S)
        releasing.set()

    async def other() -> tuple[bool, dict[str, object]]:
        await locked.wait()
        payload = await mutate(client, "recordReferral", referral)
        waited = releasing.is_set()
        done.set()
        return waited, payload

    _, result = await asyncio.gather(graph.write_tx(holder), other())
    return result


async def test_referrals_in_unrelated_trees_do_not_wait_for_each_other(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    a, b, c, d = [await new_customer(client, name) for name in ("A", "B", "C", "D")]
    ok(await mutate(client, "recordReferral", {"referrerId": a, "referredId": b}))
    waited, payload = await _referral_while_a_tree_is_held(
        client, graph, [raw(b)], {"referrerId": c, "referredId": d}
    )
    assert not waited
    assert ok(payload)


async def test_a_referral_into_a_held_tree_waits_and_then_sees_its_commit(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    a, b, c = [await new_customer(client, name) for name in ("A", "B", "C")]
    ok(await mutate(client, "recordReferral", {"referrerId": a, "referredId": b}))
    # the held tree is A's (root A, through B); C referring A makes C its new root
    waited, payload = await _referral_while_a_tree_is_held(
        client, graph, [raw(b)], {"referrerId": c, "referredId": a}
    )
    assert waited
    assert ok(payload)
    rows = await graph.read(
        "MATCH p = (:Customer {externalId: 'C'})-[:REFERRED*]->(:Customer {externalId: 'B'}) "
        "RETURN length(p) AS hops"
    )
    assert rows == [{"hops": 2}]
