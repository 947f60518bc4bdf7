"""The aggregates behind atRiskCustomers, topReferrers and revenueConcentration are kept by every
write that changes their inputs, in the same transaction (issue 16 target 3): after each kind of
write the stored values equal a from-scratch recount (tests/_aggregates.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from typing import Any

import httpx
from rich.console import Console

from core import global_id
from graphdb import aggregates
from graphdb.driver import Graph
from graphdb.migrations import MIGRATIONS
from graphdb.migrations.m0018_risk_bands import backfill as band_risks
from graphdb.migrations.m0019_revenue_histogram import backfill as bucket_revenue
from rapport.seed import seed_graph
from resolvers.io import import_rows, read_text
from tests._aggregates import assert_consistent, assert_histogram, stored
from tests._factories import new_contact, new_customer, new_product
from tests._gql import mutate, ok

QUIET = Console(file=io.StringIO(), stderr=False)
START = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


def raw(gid: str) -> str:
    return global_id.decode(gid)[1]


async def order(client: httpx.AsyncClient, customer: str, days: float, quantity: int = 1) -> None:
    placed = (START + dt.timedelta(days=days)).isoformat()
    lines = [{"sku": "SKU-1", "quantity": quantity}]
    ok(
        await mutate(
            client, "placeOrder", {"customerId": customer, "lines": lines, "placedAt": placed}
        )
    )


async def refer(client: httpx.AsyncClient, referrer: str, referred: str) -> None:
    ok(await mutate(client, "recordReferral", {"referrerId": referrer, "referredId": referred}))


async def network(graph: Graph, gid: str) -> dict[str, Any] | None:
    return (await stored(graph))[1].get(raw(gid))


async def test_orders_referrals_merges_deletes_and_erasures_keep_the_aggregates(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await new_product(client, "SKU-1", "10.00")
    a, b, c, d, e, g, h = [await new_customer(client, f"C-{n}") for n in "abcdegh"]
    k = await new_contact(client, "Karol", "Kováč", email="karol@example.sk")
    await assert_consistent(graph)

    for referrer, referred in ((a, b), (b, c), (k, d), (a, e), (a, g), (g, h)):
        await refer(client, referrer, referred)
    await assert_consistent(graph)
    assert await network(graph, a) == {
        "downstreamSize": 5,
        "downstreamDepth": 2,
        "downstreamRevenue": 0,
    }

    # weekly orders deep in the tree: revenue flows up the chain, churn gets a rhythm
    for week in range(4):
        await order(client, c, 7 * week, quantity=week + 1)
    await order(client, b, 3)
    await order(client, d, 1, quantity=5)
    await order(client, d, 2)
    await assert_consistent(graph)
    net = await network(graph, a)
    assert net is not None and net["downstreamRevenue"] == (1 + 2 + 3 + 4 + 1) * 100_000
    customers, _ = await stored(graph)
    assert customers[raw(c)]["atRiskAfter"] == START + dt.timedelta(days=21 + 14, seconds=-1)
    assert customers[raw(d)]["atRiskAfter"] is None  # two orders are no rhythm yet

    # C merges into E: C's orders and place move to E, B's network shrinks
    ok(await mutate(client, "mergeCustomers", {"keepId": e, "mergeId": c}))
    await assert_consistent(graph)
    assert await network(graph, b) is None

    # a second contact that referred someone merges into the first
    k2 = await new_contact(client, "Karol", "Kováč", email="karol2@example.sk")
    f = await new_customer(client, "C-f")
    await refer(client, k2, f)
    await order(client, f, 4)
    ok(await mutate(client, "mergeContacts", {"keepId": k, "mergeId": k2}))
    await assert_consistent(graph)
    assert (await network(graph, k) or {}).get("downstreamSize") == 2

    # a customer without orders in the middle of a chain is deleted: A loses it and H
    ok(await mutate(client, "deleteCustomer", {"id": g}))
    await assert_consistent(graph)

    # erasure: B (orders, a referrer above it) and the contact K become placeholders
    ok(await mutate(client, "eraseCustomer", {"id": b, "reason": "Art. 17"}))
    await assert_consistent(graph)
    ok(await mutate(client, "eraseContact", {"id": k, "reason": "Art. 17"}))
    await assert_consistent(graph)
    net = await network(graph, a)
    assert net is not None and net["downstreamRevenue"] == (1 + 2 + 3 + 4 + 1) * 100_000


async def test_an_idempotent_replay_counts_an_order_once(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await new_product(client, "SKU-1", "10.00")
    a, b = await new_customer(client, "C-a"), await new_customer(client, "C-b")
    await refer(client, a, b)
    body = {"customerId": b, "lines": [{"sku": "SKU-1", "quantity": 2}], "idempotencyKey": "k-1"}
    for _ in range(2):
        ok(await mutate(client, "placeOrder", body))
    await assert_consistent(graph)
    assert (await network(graph, a) or {}).get("downstreamRevenue") == 200_000


CUSTOMERS_CSV = (
    "externalId,kind,name\nI-1,INDIVIDUAL,One\nI-2,INDIVIDUAL,Two\nI-3,INDIVIDUAL,Three\n"
)
PRODUCTS_CSV = "sku,name,price,currency\nSKU-1,Nut,10.00,EUR\n"
ORDERS_CSV = (
    "externalId,customerExternalId,placedAt,sku,quantity\n"
    "O-1,I-3,2025-03-01T09:00:00Z,SKU-1,1\n"
    "O-2,I-3,2025-03-09T09:00:00Z,SKU-1,2\n"
    "O-3,I-3,2025-03-16T09:00:00Z,SKU-1,3\n"
    "O-4,I-2,2025-03-16T09:00:00Z,SKU-1,4\n"
)
REFERRALS_CSV = (
    "referrerExternalId,referrerEmail,referredExternalId,referredAt,channel\n"
    "I-1,,I-2,2025-02-01T12:00:00Z,fair\n"
    "I-2,,I-3,2025-02-01T12:00:00Z,fair\n"
)


async def _load(graph: Graph, type_name: str, text: str) -> None:
    result = await import_rows(
        graph, type_name, read_text(text, "csv"), console=QUIET, progress=False
    )
    assert not result.errors, result.errors


async def test_imports_keep_the_aggregates(graph: Graph) -> None:
    for type_name, text in (("customers", CUSTOMERS_CSV), ("products", PRODUCTS_CSV)):
        await _load(graph, type_name, text)
    await _load(graph, "referrals", REFERRALS_CSV)
    await assert_consistent(graph)
    await _load(graph, "orders", ORDERS_CSV)
    await assert_consistent(graph)
    # an order moved to another customer, re-imported
    await _load(graph, "orders", ORDERS_CSV.replace("O-3,I-3", "O-3,I-1"))
    await assert_consistent(graph)
    _, networks = await stored(graph)
    one = (await graph.read("MATCH (c:Customer {externalId: 'I-1'}) RETURN c.id AS id"))[0]["id"]
    assert networks[one] == {
        "downstreamSize": 2,
        "downstreamDepth": 2,
        "downstreamRevenue": (1 + 2 + 4) * 100_000,
    }


async def test_the_seed_writes_the_aggregates(graph: Graph) -> None:
    await seed_graph(graph, 80, 3, progress=False)
    await assert_consistent(graph)
    customers, networks = await stored(graph)
    assert networks and any(c["atRiskAfter"] for c in customers.values())


async def test_the_migration_backfills_a_database_written_before_it(graph: Graph) -> None:
    """Migration 13 computes the aggregates of data stored before the write path kept them."""
    await seed_graph(graph, 60, 4, progress=False)
    before = await stored(graph)
    await graph.write(
        "MATCH (n) WHERE n:Customer OR n:Contact "
        "REMOVE n.medianGapDays, n.atRiskAfter, n.riskBand, "
        "n.downstreamSize, n.downstreamDepth, n.downstreamRevenue"
    )
    assert await stored(graph) != before
    migration = next(m for m in MIGRATIONS if m.version == 13)
    assert migration.backfill is aggregates.backfill
    await aggregates.backfill(graph, batch=7)  # several transactions
    assert await stored(graph) == before
    await assert_consistent(graph)


async def test_migration_18_bands_the_regular_buyers_stored_before_it(graph: Graph) -> None:
    await seed_graph(graph, 60, 5, progress=False)
    before = await stored(graph)
    assert any(c["riskBand"] is not None for c in before[0].values())
    await graph.write("MATCH (c:Customer) REMOVE c.riskBand")
    migration = next(m for m in MIGRATIONS if m.version == 18)
    assert migration.backfill is not None
    await band_risks(graph, batch=7)  # several transactions
    assert await stored(graph) == before
    await assert_consistent(graph)


async def test_migration_19_buckets_the_customers_and_builds_the_histogram(graph: Graph) -> None:
    """A database from before the histogram (no buckets, no RevenueBucket nodes, or a stale
    histogram) reads as if every write had kept it, and running the backfill again changes
    nothing."""
    await seed_graph(graph, 60, 5, progress=False)
    await assert_histogram(graph)
    await graph.write("MATCH (c:Customer) REMOVE c.revenueBucket")
    await graph.write("MATCH (h:RevenueBucket) SET h.customers = h.customers + 3")
    migration = next(m for m in MIGRATIONS if m.version == 19)
    assert migration.backfill is bucket_revenue
    await bucket_revenue(graph, batch=7)  # several transactions
    await assert_consistent(graph)
    await bucket_revenue(graph, batch=7)
    await assert_consistent(graph)


async def test_concurrent_orders_and_referrals_in_one_tree_leave_it_consistent(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """Orders below a referrer and a referral that grafts another tree onto it, all at once:
    the tree-root locks order them, so whatever the interleaving the networks add up."""
    await new_product(client, "SKU-1", "10.00")
    a, b, c, x, y = [await new_customer(client, f"C-{n}") for n in "abcxy"]
    await refer(client, a, b)
    await refer(client, b, c)
    await refer(client, x, y)
    writes = [order(client, who, day) for day, who in enumerate((b, c, c, y, y, b))]
    writes.append(refer(client, c, x))
    await asyncio.gather(*writes)
    await assert_consistent(graph)
    assert await network(graph, a) == {
        "downstreamSize": 4,
        "downstreamDepth": 4,
        "downstreamRevenue": 6 * 100_000,
    }
