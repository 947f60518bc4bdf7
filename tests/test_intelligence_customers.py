"""Referrals, recommendations, churn and 20/80 match plain-Python oracles on random graphs."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import statistics
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core import global_id
from graphdb import aggregates
from graphdb.compiler.recommendations import APPROXIMATE_CO_BUYERS
from graphdb.driver import Graph
from graphdb.writes import customers as customer_writes
from tests.graphql_client import data, gql
from tests.intelligence_graphs import rid

AS_OF = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


async def write_customers(graph: Graph, rng: random.Random, count: int) -> list[str]:
    ids = [rid(rng) for _ in range(count)]
    await graph.write(
        "UNWIND range(0, size($ids) - 1) AS i CREATE (c:Customer {id: $ids[i], "
        "externalId: 'X' + toString(i), name: 'C' + toString(i), kind: 'INDIVIDUAL', "
        "lifecycleStage: 'CUSTOMER', orderCount: 0, totalSpent: 0, createdAt: datetime(), "
        "updatedAt: datetime(), version: 1})",
        {"ids": ids},
    )
    return ids


# ------------------------------------------------------------------------------ referrals
async def write_referral_forest(
    graph: Graph, seed: int, count: int
) -> tuple[list[str], dict[str, str], dict[str, int]]:
    rng = random.Random(seed)
    ids = await write_customers(graph, rng, count)
    parent: dict[str, str] = {}
    for i, c in enumerate(ids[1:], start=1):
        if rng.random() < 0.7:
            parent[c] = ids[rng.randrange(i)]  # only earlier customers: acyclic
    spent = {c: rng.choice([0, 10_000, 55_000, 1_000_000]) for c in ids}
    await graph.write(
        "UNWIND $pairs AS p MATCH (a:Customer {id: p[1]}), (b:Customer {id: p[0]}) "
        "CREATE (a)-[:REFERRED {referredAt: datetime(), channel: 'event'}]->(b)",
        {"pairs": [[k, v] for k, v in parent.items()]},
    )
    await graph.write(
        "UNWIND keys($spent) AS k MATCH (c:Customer {id: k}) SET c.totalSpent = $spent[k]",
        {"spent": spent},
    )
    # written around the write path: the stored networks as migration 13 would compute them
    await aggregates.backfill(graph, customers_too=False)
    return ids, parent, spent


def descendants(parent: dict[str, str], root: str) -> dict[str, int]:
    children: dict[str, list[str]] = {}
    for child, p in parent.items():
        children.setdefault(p, []).append(child)
    out: dict[str, int] = {}
    frontier = [(root, 0)]
    while frontier:
        node, depth = frontier.pop()
        for child in children.get(node, []):
            out[child] = depth + 1
            frontier.append((child, depth + 1))
    return out


REFERRALS = """query($id: ID!, $depth: Int!) { node(id: $id) { ... on Customer {
  referredBy { referrer { ... on Customer { id } } depth }
  referrals(depth: $depth, first: 100) { totalCount edges { node { depth referred { id } } } }
  referralChain { ... on Customer { id } }
  referralNetwork { size depth revenue } } } }"""


@pytest.mark.parametrize("seed", [11, 12])
async def test_referral_fields_match_the_forest(
    client: httpx.AsyncClient, graph: Graph, seed: int
) -> None:
    ids, parent, spent = await write_referral_forest(graph, seed, 40)
    rng = random.Random(seed)
    for customer in rng.sample(ids, 8):
        depth = rng.randint(1, 4)
        node = (
            await data(
                client, REFERRALS, {"id": global_id.encode("Customer", customer), "depth": depth}
            )
        )["node"]
        below = descendants(parent, customer)
        referrals = [e["node"] for e in node["referrals"]["edges"]]
        got = {global_id.decode(r["referred"]["id"])[1]: r["depth"] for r in referrals}
        assert got == {k: d for k, d in below.items() if d <= depth}
        assert node["referrals"]["totalCount"] == len(got)
        assert [r["depth"] for r in referrals] == sorted(r["depth"] for r in referrals)
        chain, cursor = [], customer
        while cursor in parent:
            cursor = parent[cursor]
            chain.append(cursor)
        assert [global_id.decode(c["id"])[1] for c in node["referralChain"]] == chain
        if customer in parent:
            assert global_id.decode(node["referredBy"]["referrer"]["id"])[1] == parent[customer]
        else:
            assert node["referredBy"] is None
        assert node["referralNetwork"] == {
            "size": len(below),
            "depth": max(below.values(), default=0),
            "revenue": f"{Decimal(sum(spent[d] for d in below)) / 10_000:.2f}",
        }


REFERRAL_PAGE = """query($id: ID!, $depth: Int!, $first: Int, $after: String) {
  node(id: $id) { ... on Customer { referrals(depth: $depth, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { depth referred { id } referrer { ... on Customer { id } } } } } } } }"""


async def _referral_page(
    client: httpx.AsyncClient, customer: str, depth: int, first: int | None, after: str | None
) -> dict[str, Any]:
    variables = {
        "id": global_id.encode("Customer", customer),
        "depth": depth,
        "first": first,
        "after": after,
    }
    return (await data(client, REFERRAL_PAGE, variables))["node"]["referrals"]  # type: ignore[no-any-return]


async def test_referrals_page_with_cursors_nearest_first_without_gaps_or_repeats(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    ids, parent, _ = await write_referral_forest(graph, 13, 60)
    root = ids[0]  # the oldest customer: every chain that reaches back ends at it
    below = descendants(parent, root)
    depth = 4
    expected = sorted(((d, c) for c, d in below.items() if d <= depth))
    assert len(expected) > 7  # several pages
    seen: list[tuple[int, str]] = []
    after, pages = None, 0
    while True:
        page = await _referral_page(client, root, depth, 3, after)
        assert page["totalCount"] == len(expected)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        for edge in page["edges"]:
            node = edge["node"]
            referred = global_id.decode(node["referred"]["id"])[1]
            seen.append((node["depth"], referred))
            # the referrer is the one who referred this customer, on the way down from root
            assert global_id.decode(node["referrer"]["id"])[1] == parent[referred]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    assert pages == -(-len(expected) // 3)
    # Without `first`, a page is the default 20 items.
    default = await _referral_page(client, root, depth, None, None)
    assert len(default["edges"]) == min(20, len(expected))
    # After the last item: an empty page, nothing next.
    last = await _referral_page(client, root, depth, 3, after)
    empty = await _referral_page(client, root, depth, 3, last["pageInfo"]["endCursor"])
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"first": -1}, "INVALID_PAGINATION"),
        ({"first": 501}, "PAGE_TOO_LARGE"),
        ({"after": "not a cursor"}, "INVALID_CURSOR"),
        ({"after": "eyJzIjoiMTIzIiwidiI6WyJ4Il19"}, "FOREIGN_CURSOR"),  # {"s":"123","v":["x"]}
    ],
)
async def test_bad_referral_page_arguments_are_clear_errors(
    client: httpx.AsyncClient, graph: Graph, args: dict[str, Any], code: str
) -> None:
    ids, _, _ = await write_referral_forest(graph, 14, 5)
    variables = {"id": global_id.encode("Customer", ids[0]), "depth": 2, **args}
    body = await gql(client, REFERRAL_PAGE, variables)
    assert body["errors"][0]["extensions"]["code"] == code
    assert body["data"] is None or body["data"]["node"] is None


async def test_a_referrals_cursor_belongs_to_its_depth_and_list(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    ids, _, _ = await write_referral_forest(graph, 13, 60)
    page = await _referral_page(client, ids[0], 2, 1, None)
    cursor = page["pageInfo"]["endCursor"]
    variables = {"id": global_id.encode("Customer", ids[0]), "depth": 3, "after": cursor}
    body = await gql(client, REFERRAL_PAGE, variables)
    assert body["errors"][0]["extensions"]["code"] == "FOREIGN_CURSOR"
    body = await gql(
        client, "query($a: String) { customers(first: 1, after: $a) { totalCount } }", {"a": cursor}
    )
    assert body["errors"][0]["extensions"]["code"] == "FOREIGN_CURSOR"


async def test_top_referrers_rank_by_downstream_size_and_revenue(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    _, parent, spent = await write_referral_forest(graph, 21, 50)
    stats = {}
    for referrer in set(parent.values()):
        below = descendants(parent, referrer)
        stats[referrer] = (len(below), sum(spent[d] for d in below))
    query = """query($by: ReferrerRanking!) { topReferrers(first: 5, by: $by) {
        size revenue referrer { ... on Customer { id } } } }"""
    by_count = (await data(client, query, {"by": "COUNT"}))["topReferrers"]
    expected = sorted(stats, key=lambda r: (-stats[r][0], -stats[r][1], r))[:5]
    assert [global_id.decode(r["referrer"]["id"])[1] for r in by_count] == expected
    by_revenue = (await data(client, query, {"by": "REVENUE"}))["topReferrers"]
    expected = sorted(stats, key=lambda r: (-stats[r][1], -stats[r][0], r))[:5]
    assert [global_id.decode(r["referrer"]["id"])[1] for r in by_revenue] == expected


async def test_referral_depth_out_of_range_is_a_clear_error(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    ids = await write_customers(graph, random.Random(1), 1)
    body = await gql(client, REFERRALS, {"id": global_id.encode("Customer", ids[0]), "depth": 0})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_DEPTH"


# ------------------------------------------------------------------------------ orders
async def write_orders(
    graph: Graph, seed: int
) -> tuple[list[str], list[str], dict[str, list[tuple[dt.datetime, list[str]]]]]:
    rng = random.Random(seed)
    customers = await write_customers(graph, rng, 25)
    products = [f"SKU-{i:02d}" for i in range(12)]
    await graph.write(
        "UNWIND $skus AS s CREATE (p:Product {id: randomUUID(), sku: s, name: s, price: 10000, "
        "currency: 'EUR', active: true, createdAt: datetime(), updatedAt: datetime(), version: 1})",
        {"skus": products},
    )
    history: dict[str, list[tuple[dt.datetime, list[str]]]] = {}
    orders = []
    for c in customers:
        n = rng.choice([0, 1, 2, 3, 4, 6, 9])
        start = AS_OF - dt.timedelta(days=rng.randint(60, 400))
        cadence = rng.choice([0, 3, 7, 30])  # 0: a burst of orders hours apart, no rhythm
        when = start
        for _ in range(n):
            if cadence == 0:
                when += dt.timedelta(hours=rng.randint(1, 5))
            else:
                when += dt.timedelta(days=cadence + rng.randint(-1, 3), hours=rng.randint(0, 5))
            if when >= AS_OF:
                break
            skus = rng.sample(products, rng.randint(1, 3))
            history.setdefault(c, []).append((when, skus))
            orders.append(
                {"customer": c, "placedAt": when, "skus": skus, "total": 10000 * len(skus)}
            )
    await graph.write(
        "UNWIND $orders AS o MATCH (c:Customer {id: o.customer}) "
        "CREATE (c)-[:PLACED]->(ord:Order {id: randomUUID(), placedAt: o.placedAt, "
        "status: 'PAID', currency: 'EUR', total: o.total, createdAt: datetime(), "
        "updatedAt: datetime(), version: 1}) "
        "WITH ord, o UNWIND range(0, size(o.skus) - 1) AS i MATCH (p:Product {sku: o.skus[i]}) "
        "CREATE (ord)-[:CONTAINS {quantity: 1, unitPrice: 10000, position: i}]->(p)",
        {"orders": orders},
    )
    await graph.write(
        "MATCH (c:Customer) OPTIONAL MATCH (c)-[:PLACED]->(o:Order) "
        "WITH c, count(o) AS n, sum(o.total) AS spent, min(o.placedAt) AS first, "
        "max(o.placedAt) AS last SET c.orderCount = n, c.totalSpent = coalesce(spent, 0), "
        "c.firstOrderAt = first, c.lastOrderAt = last"
    )
    # Every third customer is a BUSINESS; two products are no longer sold.
    await graph.write(
        "UNWIND $ids AS id MATCH (c:Customer {id: id}) SET c.kind = 'BUSINESS'",
        {"ids": [c for i, c in enumerate(customers) if i % 3 == 0]},
    )
    await graph.write(
        "UNWIND $skus AS s MATCH (p:Product {sku: s}) SET p.active = false",
        {"skus": sorted(INACTIVE)},
    )
    # written around the write path: the stored aggregates as migration 13 would compute them
    await aggregates.backfill(graph)
    return customers, products, history


INACTIVE = {"SKU-03", "SKU-07"}


def kind_of(customers: list[str], c: str) -> str:
    return "BUSINESS" if customers.index(c) % 3 == 0 else "INDIVIDUAL"


async def test_recommendations_match_co_purchase_counts(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customers, products, history = await write_orders(graph, 31)
    bought = {c: {s for _, skus in h for s in skus} for c, h in history.items()}
    query = """query($id: ID!) { node(id: $id) { ... on Customer {
        recommendations(first: 4) { score basis product { sku } boughtWith { sku } } } } }"""
    for c in [c for c in customers if c in bought][:6]:
        mine = bought[c]
        scores = {}
        for candidate in set(products) - mine - INACTIVE:
            scores[candidate] = sum(
                1
                for o, theirs in bought.items()
                if o != c and candidate in theirs and theirs & mine
            )
        expected = sorted((s for s in scores if scores[s] > 0), key=lambda s: (-scores[s], s))[:4]
        recs = (await data(client, query, {"id": global_id.encode("Customer", c)}))["node"][
            "recommendations"
        ]
        assert [r["product"]["sku"] for r in recs] == expected
        assert [r["score"] for r in recs] == [scores[s] for s in expected]
        assert {r["basis"] for r in recs} <= {"CO_PURCHASE"}
        for r in recs:
            candidate = r["product"]["sku"]
            with_it = {
                p
                for o, theirs in bought.items()
                if o != c and candidate in theirs
                for p in theirs & mine
            }
            assert [b["sku"] for b in r["boughtWith"]] == sorted(with_it)


async def test_approximate_recommendations_are_exact_when_no_product_has_many_co_buyers(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customers, _, history = await write_orders(graph, 31)
    query = """query($id: ID!, $approximate: Boolean!) { node(id: $id) { ... on Customer {
        recommendations(first: 4, approximate: $approximate) {
          score basis product { sku } boughtWith { sku } } } } }"""
    for c in [c for c in customers if history.get(c)][:4]:
        answers = [
            (
                await data(
                    client, query, {"id": global_id.encode("Customer", c), "approximate": mode}
                )
            )["node"]["recommendations"]
            for mode in (False, True)
        ]
        assert answers[0], "the random graph should give this customer recommendations"
        assert answers[1] == answers[0]


ME = "00000000-0000-4000-8000-0000000000aa"


async def test_approximate_recommendations_read_a_bounded_sample_of_co_buyers(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    # one customer bought TEA; 200 others bought TEA and CUPS: CUPS has 200 co-buyers
    await graph.write(
        "CREATE (tea:Product {id: randomUUID(), sku: 'TEA', name: 'Tea', price: 10000, "
        "currency: 'EUR', active: true}), "
        "(cups:Product {id: randomUUID(), sku: 'CUPS', name: 'Cups', price: 10000, "
        "currency: 'EUR', active: true}), "
        "(me:Customer {id: $me, externalId: 'ME', name: 'Me', kind: 'INDIVIDUAL'})"
        "-[:PLACED]->(:Order {id: randomUUID(), placedAt: datetime()})-[:CONTAINS]->(tea) "
        "WITH tea, cups UNWIND range(1, 200) AS i "
        "CREATE (o:Customer {id: randomUUID(), externalId: 'O' + i, name: 'O' + i, "
        "kind: 'INDIVIDUAL'})-[:PLACED]->(x:Order {id: randomUUID(), placedAt: datetime()}), "
        "(x)-[:CONTAINS]->(tea), (x)-[:CONTAINS]->(cups)",
        {"me": ME},
    )
    query = """query($id: ID!) { node(id: $id) { ... on Customer {
        exact: recommendations { score product { sku } }
        approximate: recommendations(approximate: true) { score product { sku } } } } }"""
    node = (await data(client, query, {"id": global_id.encode("Customer", ME)}))["node"]
    assert node["exact"] == [{"score": 200, "product": {"sku": "CUPS"}}]
    assert node["approximate"] == [{"score": APPROXIMATE_CO_BUYERS, "product": {"sku": "CUPS"}}]


async def test_a_customer_without_orders_gets_best_sellers_of_its_kind(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customers, products, history = await write_orders(graph, 31)
    bought = {c: {s for _, skus in h for s in skus} for c, h in history.items()}
    query = """query($id: ID!) { node(id: $id) { ... on Customer {
        recommendations(first: 4) { score basis product { sku active } boughtWith { sku } }
    } } }"""
    newcomers = [c for c in customers if c not in bought]
    assert {kind_of(customers, c) for c in newcomers} == {"BUSINESS", "INDIVIDUAL"}
    for c in newcomers:
        kind = kind_of(customers, c)
        buyers = {
            sku: sum(
                1 for o, theirs in bought.items() if kind_of(customers, o) == kind and sku in theirs
            )
            for sku in set(products) - INACTIVE
        }
        expected = sorted((s for s in buyers if buyers[s]), key=lambda s: (-buyers[s], s))[:4]
        recs = (await data(client, query, {"id": global_id.encode("Customer", c)}))["node"][
            "recommendations"
        ]
        assert [r["product"]["sku"] for r in recs] == expected, kind
        assert [r["score"] for r in recs] == [buyers[s] for s in expected]
        assert all(r["basis"] == "BEST_SELLER" and r["boughtWith"] == [] for r in recs)
        assert all(r["product"]["active"] for r in recs)


def expected_churn(history: list[tuple[dt.datetime, list[str]]]) -> dict[str, Any]:
    times = sorted(t for t, _ in history)
    gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(times)]
    median = statistics.median(gaps) if gaps else None
    days = (AS_OF - times[-1]).total_seconds() / 86400 if times else None
    at_risk = bool(
        len(times) >= 3
        and days is not None
        and median is not None
        and median >= 1  # a burst of orders is not a rhythm
        and days > max(2 * median, 14)
    )
    return {
        "atRisk": at_risk,
        "median": median,
        "days": days,
        "score": days / median if median else None,
    }


async def test_churn_risk_and_at_risk_customers_match_the_rule(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    _, _, history = await write_orders(graph, 41)
    as_of = AS_OF.isoformat()
    query = """query($asOf: DateTime!) { customers(first: 100) { edges { node { id
        churnRisk(asOf: $asOf) {
          atRisk daysSinceLastOrder medianGapDays riskScore orderCount } } } }
      atRiskCustomers(first: 100, asOf: $asOf) { customer { id } churnRisk { riskScore } } }"""
    result = await data(client, query, {"asOf": as_of})
    expected_at_risk = []
    for edge in result["customers"]["edges"]:
        c = global_id.decode(edge["node"]["id"])[1]
        expected = expected_churn(history.get(c, []))
        got = edge["node"]["churnRisk"]
        assert got["atRisk"] is expected["atRisk"], (c, got, expected)
        assert got["orderCount"] == len(history.get(c, []))
        if expected["days"] is not None:
            assert got["daysSinceLastOrder"] == pytest.approx(expected["days"], abs=1e-3)
        if expected["median"] is not None:
            assert got["medianGapDays"] == pytest.approx(expected["median"], abs=1e-3)
        if expected["atRisk"]:
            expected_at_risk.append((expected["score"], c))
        if len(history.get(c, [])) == 2:
            assert got["atRisk"] is False  # two orders are never enough
    expected_at_risk.sort(key=lambda t: (-t[0], t[1]))
    got_at_risk = [global_id.decode(r["customer"]["id"])[1] for r in result["atRiskCustomers"]]
    assert got_at_risk == [c for _, c in expected_at_risk]
    # A short list is the top of the long one: the band walk (docs/intelligence.md) takes a few
    # customers per band, and the customers here are spread over several bands.
    bands = await graph.read(
        "MATCH (c:Customer) WHERE c.id IN $ids RETURN count(DISTINCT c.riskBand) AS n",
        {"ids": got_at_risk},
    )
    assert bands[0]["n"] >= 3 and len(got_at_risk) >= 8
    top = """query($asOf: DateTime!, $k: Int!) {
        atRiskCustomers(first: $k, asOf: $asOf) { customer { id } } }"""
    for k in (1, 2, 3, 5, len(got_at_risk) - 1):
        short = (await data(client, top, {"asOf": as_of, "k": k}))["atRiskCustomers"]
        assert [global_id.decode(r["customer"]["id"])[1] for r in short] == got_at_risk[:k], k


@pytest.mark.parametrize("share", [0.8, 0.5, 1.0, 0.01])
async def test_revenue_concentration_is_the_smallest_set_reaching_the_share(
    client: httpx.AsyncClient, graph: Graph, share: float
) -> None:
    customers, _, history = await write_orders(graph, 51)
    spent = {c: sum(10000 * len(skus) for _, skus in history.get(c, [])) for c in customers}
    ranked = sorted((c for c in customers if spent[c] > 0), key=lambda c: (-spent[c], c))
    total = sum(spent.values())
    running, chosen = 0, []
    for c in ranked:
        if running >= share * total:
            break
        running += spent[c]
        chosen.append(c)
    query = """query($share: Float!) { revenueConcentration(share: $share) {
        customerCount customerShare revenueShare totalRevenue
        customers { totalCount edges { node { id } } } } }"""
    got = (await data(client, query, {"share": share}))["revenueConcentration"]
    assert got["customerCount"] == len(chosen)
    assert got["customerShare"] == pytest.approx(len(chosen) / len(customers))
    assert got["revenueShare"] == pytest.approx(running / total)
    assert got["totalRevenue"] == f"{Decimal(total) / 10_000:.2f}"
    assert got["customers"]["totalCount"] == len(chosen)
    assert _set_ids(got["customers"]) == chosen[:20]
    # Paging through the whole set with cursors: every customer once, in ranking order.
    seen: list[str] = []
    after = None
    while True:
        page = await _set_page(client, share, 4, after)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += _set_ids(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == chosen
    # The deprecated offset still pages (a position in the ranking).
    paged = """query($share: Float!) { revenueConcentration(share: $share) {
        p1: customers(first: 3) { edges { node { id } } }
        p2: customers(first: 3, offset: 3) { pageInfo { hasPreviousPage } edges { node { id } } }
        } }"""
    pages = (await data(client, paged, {"share": share}))["revenueConcentration"]
    assert _set_ids(pages["p1"]) + _set_ids(pages["p2"]) == chosen[:6]
    assert pages["p2"]["pageInfo"]["hasPreviousPage"] is True


SET_PAGE = """query($share: Float!, $first: Int, $after: String) {
  revenueConcentration(share: $share) { customers(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id } } } } }"""


async def _set_page(
    client: httpx.AsyncClient, share: float, first: int | None, after: str | None
) -> dict[str, Any]:
    variables = {"share": share, "first": first, "after": after}
    return (await data(client, SET_PAGE, variables))["revenueConcentration"]["customers"]  # type: ignore[no-any-return]


def _set_ids(connection: dict[str, Any]) -> list[str]:
    return [global_id.decode(e["node"]["id"])[1] for e in connection["edges"]]


async def test_a_set_reads_as_far_as_its_pages_and_counts_every_member(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """Pages from the start or an offset stop the walk of the set after their last customer;
    the set's size, a size-only listing and a page after a cursor are those of the whole set."""
    await write_orders(graph, 53)
    whole = await _set_page(client, 0.8, 500, None)
    ranked = _set_ids(whole)
    assert len(ranked) > 6
    query = """{ revenueConcentration(share: 0.8) { customerCount
        size: customers { totalCount }
        top: customers(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id } } }
        later: customers(first: 2, offset: 4) { edges { node { id } } } } }"""
    got = (await data(client, query))["revenueConcentration"]
    assert got["customerCount"] == got["size"]["totalCount"] == len(ranked)
    assert got["top"]["totalCount"] == len(ranked)
    assert got["top"]["pageInfo"]["hasNextPage"] is True
    assert _set_ids(got["top"]) == ranked[:2]
    assert _set_ids(got["later"]) == ranked[4:6]
    tail = await _set_page(client, 0.8, 500, whole["edges"][-3]["cursor"])
    assert _set_ids(tail) == ranked[-2:]
    assert tail["pageInfo"]["hasNextPage"] is False


async def test_a_set_cursor_is_a_position_in_the_ranking(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """A customer whose revenue changes between two pages moves in the ranking; the next page
    starts after the cursor's position, so nobody ranked after it is skipped or repeated."""
    customers, _, history = await write_orders(graph, 52)
    first = await _set_page(client, 1.0, 3, None)
    ids = _set_ids(first)
    # The top customer of the first page now spends nothing (its orders are gone and its
    # aggregates recounted as the write path does): it leaves the ranking.
    await graph.write(
        "MATCH (:Customer {id: $id})-[:PLACED]->(o:Order) DETACH DELETE o", {"id": ids[0]}
    )
    await graph.write(customer_writes.recount(), {"ids": [ids[0]]})
    rest = await _set_page(client, 1.0, 500, first["pageInfo"]["endCursor"])
    rows = await graph.read(
        "MATCH (c:Customer) WHERE c.totalSpent > 0 RETURN c.id AS id, c.totalSpent AS s"
    )
    ranked = [r["id"] for r in sorted(rows, key=lambda r: (-r["s"], r["id"]))]
    assert _set_ids(rest) == ranked[ranked.index(ids[-1]) + 1 :]
    assert customers and history


async def test_a_set_cursor_outside_the_set_gives_an_empty_last_page(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """A cursor is a position in the ranking of everyone with revenue, so a cursor taken from a
    bigger share's set may lie past the end of a smaller one: its page is empty and last, while
    a cursor inside both sets pages on to the same members of the smaller one."""
    await write_orders(graph, 54)
    everyone = _set_ids(await _set_page(client, 1.0, 500, None))
    half = await _set_page(client, 0.5, 500, None)
    members = _set_ids(half)
    assert 2 < len(members) < len(everyone)
    beyond = await _set_page(client, 1.0, 500, None)
    last_cursor = beyond["edges"][len(members)]["cursor"]  # the first customer outside the half
    past = await _set_page(client, 0.5, 5, last_cursor)
    assert past["edges"] == [] and past["pageInfo"]["hasNextPage"] is False
    assert past["totalCount"] == len(members)
    inside = await _set_page(client, 0.5, 1, beyond["edges"][0]["cursor"])
    assert _set_ids(inside) == members[1:2]
    assert inside["pageInfo"]["hasNextPage"] is (len(members) > 2)


async def test_revenue_concentration_pages_are_checked(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    empty = await data(
        client,
        "{ revenueConcentration(share: 0.8) { customerCount totalRevenue "
        "customers { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }",
    )
    assert empty["revenueConcentration"] == {
        "customerCount": 0,
        "totalRevenue": "0.00",
        "customers": {
            "totalCount": 0,
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "edges": [],
        },
    }
    referrals_cursor = "eyJzIjoiMTIzIiwidiI6WyJ4Il19"  # a cursor of some other list
    for args, code in (
        ("first: -1", "INVALID_PAGINATION"),
        ("offset: -1", "INVALID_PAGINATION"),
        ("first: 501", "PAGE_TOO_LARGE"),
        ('after: "garbage!"', "INVALID_CURSOR"),
        (f'after: "{referrals_cursor}"', "FOREIGN_CURSOR"),
        (f'after: "{referrals_cursor}", offset: 2', "INVALID_PAGINATION"),
    ):
        body = await gql(
            client,
            f"{{ revenueConcentration(share: 0.8) {{ customers({args}) {{ totalCount }} }} }}",
        )
        assert body["errors"][0]["extensions"]["code"] == code, args


@pytest.mark.parametrize("share", [0, -0.5, 1.5])
async def test_revenue_share_outside_zero_to_one_is_refused(
    client: httpx.AsyncClient, graph: Graph, share: float
) -> None:
    body = await gql(
        client,
        "query($s: Float!) { revenueConcentration(share: $s) { customerCount } }",
        {"s": share},
    )
    assert body["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE"


async def test_orders_placed_in_one_burst_are_not_a_rhythm_to_break(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """Six orders hours apart, months ago: no regular cadence, so not at risk (median < 1 day);
    the same six orders a week apart are."""
    rng = random.Random(5)
    burst, weekly = await write_customers(graph, rng, 2)
    start = AS_OF - dt.timedelta(days=120)
    orders = [
        {"customer": burst, "placedAt": start + dt.timedelta(hours=2 * i)} for i in range(6)
    ] + [{"customer": weekly, "placedAt": start + dt.timedelta(days=7 * i)} for i in range(6)]
    await graph.write(
        "UNWIND $orders AS o MATCH (c:Customer {id: o.customer}) "
        "CREATE (c)-[:PLACED]->(:Order {id: randomUUID(), placedAt: o.placedAt, status: 'PAID', "
        "currency: 'EUR', total: 100, createdAt: datetime(), updatedAt: datetime(), version: 1}) "
        "WITH c, o SET c.orderCount = coalesce(c.orderCount, 0) + 1, "
        "c.lastOrderAt = CASE WHEN c.lastOrderAt > o.placedAt THEN c.lastOrderAt "
        "ELSE o.placedAt END",
        {"orders": orders},
    )
    await aggregates.backfill(graph)  # written around the write path, as migration 13 would
    query = """query($asOf: DateTime!) {
      atRiskCustomers(asOf: $asOf) { customer { id } churnRisk { medianGapDays } }
      customers { edges { node { id churnRisk(asOf: $asOf) { atRisk medianGapDays } } } } }"""
    got = await data(client, query, {"asOf": AS_OF.isoformat()})
    risk = {
        global_id.decode(e["node"]["id"])[1]: e["node"]["churnRisk"]
        for e in got["customers"]["edges"]
    }
    assert risk[burst]["medianGapDays"] == pytest.approx(2 / 24)
    assert risk[burst]["atRisk"] is False
    assert risk[weekly]["atRisk"] is True
    assert [global_id.decode(r["customer"]["id"])[1] for r in got["atRiskCustomers"]] == [weekly]
