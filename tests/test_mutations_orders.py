"""placeOrder: lines, prices, currencies, the customer's aggregates and idempotency."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from graphdb.driver import Graph
from tests._factories import new_customer, new_product
from tests._gql import MALFORMED_ID, codes, error_fields, gql, missing_id, mutate, ok, raw
from tests._graph_counts import unchanged
from tests.conftest import MakeToken

ORDER = """replayed order { id status currency total placedAt externalId
  customer { id } lines { product { sku } quantity unitPrice lineTotal } }
  customer { orderCount totalSpent averageOrderValue firstOrderAt lastOrderAt }"""


async def _keyed_order(
    client: httpx.AsyncClient, key: str, *, quantity: int = 1, price: str = "10.00"
) -> dict[str, Any]:
    """A placeOrder input with idempotency key `key`: one line of a new product for a new
    customer."""
    customer_id = await new_customer(client)
    product_id = await new_product(client, price=price)
    return {
        "customerId": customer_id,
        "idempotencyKey": key,
        "lines": [{"productId": product_id, "quantity": quantity}],
    }


async def test_order_is_priced_from_the_catalogue_and_counted_on_the_customer(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await new_customer(client)
    bolt = await new_product(client, "BOLT", "0.25")
    await new_product(client, "NUT", "0.10")
    payload = ok(
        await mutate(
            client,
            "placeOrder",
            {
                "customerId": customer_id,
                "placedAt": "2025-03-01T10:00:00+01:00",
                "externalId": "ORD-1",
                "lines": [
                    {"productId": bolt, "quantity": 100},
                    {"sku": "nut", "quantity": 100, "unitPrice": "0.08"},
                ],
            },
            ORDER,
        )
    )
    order = payload["order"]
    assert payload["replayed"] is False
    assert order["status"] == "PENDING"
    assert order["currency"] == "EUR"
    assert order["total"] == "33.00"
    assert order["customer"]["id"] == customer_id
    assert order["lines"] == [
        {"product": {"sku": "BOLT"}, "quantity": 100, "unitPrice": "0.25", "lineTotal": "25.00"},
        {"product": {"sku": "NUT"}, "quantity": 100, "unitPrice": "0.08", "lineTotal": "8.00"},
    ]
    assert payload["customer"]["orderCount"] == 1
    assert payload["customer"]["totalSpent"] == "33.00"
    assert payload["customer"]["firstOrderAt"] == "2025-03-01T09:00:00+00:00"
    data = await gql(
        client,
        "query Q($id: ID!) { node(id: $id) { ... on Order { total } } }",
        {"id": order["id"]},
    )
    assert data["node"]["total"] == "33.00"


async def test_backdated_order_moves_first_order_but_not_last_order(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await new_customer(client)
    product_id = await new_product(client)
    line = [{"productId": product_id, "quantity": 1}]
    for placed_at in ("2025-05-01T00:00:00Z", "2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z"):
        payload = ok(
            await mutate(
                client,
                "placeOrder",
                {"customerId": customer_id, "lines": line, "placedAt": placed_at},
                ORDER,
            )
        )
    customer = payload["customer"]
    assert customer["orderCount"] == 3
    assert customer["totalSpent"] == "30.00"
    assert customer["averageOrderValue"] == "10.00"
    assert customer["firstOrderAt"] == "2025-01-01T00:00:00+00:00"
    assert customer["lastOrderAt"] == "2025-05-01T00:00:00+00:00"


async def test_inactive_product_cannot_be_ordered(client: httpx.AsyncClient, graph: Graph) -> None:
    customer_id = await new_customer(client)
    product_id = await new_product(client, active=False)
    async with unchanged(graph):
        payload = await mutate(
            client,
            "placeOrder",
            {"customerId": customer_id, "lines": [{"productId": product_id, "quantity": 1}]},
            ORDER,
        )
    assert codes(payload) == ["PRODUCT_INACTIVE"]
    assert error_fields(payload) == [["input", "lines", "0", "productId"]]
    assert payload["order"] is None


async def test_products_in_another_currency_are_a_currency_mismatch(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer_id = await new_customer(client)
    await new_product(client, "EUR-1")
    await new_product(client, "CZK-1", currency="CZK")
    async with unchanged(graph):
        mixed = await mutate(
            client,
            "placeOrder",
            {
                "customerId": customer_id,
                "lines": [{"sku": "EUR-1", "quantity": 1}, {"sku": "CZK-1", "quantity": 1}],
            },
        )
        declared = await mutate(
            client,
            "placeOrder",
            {
                "customerId": customer_id,
                "currency": "PLN",
                "lines": [{"sku": "EUR-1", "quantity": 1}],
            },
        )
    assert codes(mixed) == ["CURRENCY_MISMATCH"]
    assert error_fields(mixed) == [["input", "lines", "1", "sku"]]
    assert codes(declared) == ["CURRENCY_MISMATCH"]


async def test_invalid_order_input_is_reported_line_by_line(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer_id = await new_customer(client)
    product_id = await new_product(client)
    async with unchanged(graph):
        payload = await mutate(
            client,
            "placeOrder",
            {
                "customerId": customer_id,
                "lines": [
                    {"productId": product_id, "quantity": 0},
                    {"quantity": 1},
                    {"productId": product_id, "sku": "SKU-1", "quantity": 1},
                    {"productId": customer_id, "quantity": 1, "unitPrice": "-2"},
                    {"productId": MALFORMED_ID, "quantity": 1},
                ],
                "currency": "EURO",
            },
        )
        empty = await mutate(client, "placeOrder", {"customerId": customer_id, "lines": []})
    assert sorted(zip(codes(payload), map(tuple, error_fields(payload)), strict=True)) == sorted(
        [
            ("OUT_OF_RANGE", ("input", "lines", "0", "quantity")),
            ("REQUIRED", ("input", "lines", "1", "productId")),
            ("INVALID_VALUE", ("input", "lines", "2", "sku")),
            ("WRONG_TYPE", ("input", "lines", "3", "productId")),
            ("NEGATIVE_AMOUNT", ("input", "lines", "3", "unitPrice")),
            ("INVALID_ID", ("input", "lines", "4", "productId")),
            ("INVALID_CURRENCY", ("input", "currency")),
        ]
    )
    assert codes(empty) == ["REQUIRED"]


async def test_unknown_customer_or_product_is_not_found(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer_id = await new_customer(client)
    product_id = await new_product(client)
    async with unchanged(graph):
        no_customer = await mutate(
            client,
            "placeOrder",
            {
                "customerId": missing_id("Customer"),
                "lines": [{"productId": product_id, "quantity": 1}],
            },
        )
        no_product = await mutate(
            client,
            "placeOrder",
            {
                "customerId": customer_id,
                "lines": [
                    {"productId": missing_id("Product"), "quantity": 1},
                    {"sku": "NOPE", "quantity": 1},
                ],
            },
        )
        wrong_customer = await mutate(
            client,
            "placeOrder",
            {"customerId": product_id, "lines": [{"productId": product_id, "quantity": 1}]},
        )
    assert codes(no_customer) == ["NOT_FOUND"]
    assert error_fields(no_customer) == [["input", "customerId"]]
    assert codes(no_product) == ["NOT_FOUND", "NOT_FOUND"]
    assert codes(wrong_customer) == ["WRONG_TYPE"]


async def test_duplicate_order_external_id_is_rejected(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer_id = await new_customer(client)
    product_id = await new_product(client)
    data = {
        "customerId": customer_id,
        "externalId": "ORD-9",
        "lines": [{"productId": product_id, "quantity": 1}],
    }
    ok(await mutate(client, "placeOrder", data))
    async with unchanged(graph):
        payload = await mutate(client, "placeOrder", data)
    assert codes(payload) == ["DUPLICATE"]
    assert error_fields(payload) == [["input", "externalId"]]


async def test_a_replayed_idempotency_key_returns_the_first_order(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    data = await _keyed_order(client, "checkout-42", quantity=2)
    first = ok(await mutate(client, "placeOrder", data, ORDER))
    async with unchanged(graph):
        again = ok(await mutate(client, "placeOrder", data, ORDER))
    assert again["replayed"] is True
    assert again["order"] == first["order"]
    assert again["customer"]["orderCount"] == 1


async def test_reusing_an_idempotency_key_for_a_different_order_is_refused(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    data = await _keyed_order(client, "checkout-43", quantity=2)
    ok(await mutate(client, "placeOrder", data))
    async with unchanged(graph):
        payload = await mutate(
            client,
            "placeOrder",
            {**data, "lines": [{**data["lines"][0], "quantity": 3}]},
            ORDER,
        )
    assert codes(payload) == ["IDEMPOTENCY_KEY_REUSED"]


async def test_an_idempotency_key_belongs_to_its_user(
    client: httpx.AsyncClient, graph: Graph, live_server_url: str, make_token: MakeToken
) -> None:
    """Another user's identical key (and identical order) is another request: it neither
    replays the first user's order nor is refused as a reused key."""
    data = await _keyed_order(client, "checkout-1", quantity=2)
    mine = ok(await mutate(client, "placeOrder", data, "replayed order { id }"))
    token = await make_token("MANAGER")
    async with httpx.AsyncClient(
        base_url=live_server_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as other:
        theirs = ok(await mutate(other, "placeOrder", data, "replayed order { id }"))
        different = ok(
            await mutate(
                other,
                "placeOrder",
                {**data, "idempotencyKey": "checkout-2"},
                "replayed order { id }",
            )
        )
        again = ok(await mutate(other, "placeOrder", data, "replayed order { id }"))
    assert mine["replayed"] is False and theirs["replayed"] is False
    assert theirs["order"]["id"] != mine["order"]["id"]
    assert different["order"]["id"] not in {mine["order"]["id"], theirs["order"]["id"]}
    assert again == {**theirs, "replayed": True}
    rows = await graph.read("MATCH (o:Order) RETURN count(o) AS n")
    assert rows[0]["n"] == 3


async def test_migration_15_scopes_the_keys_of_orders_placed_before_it(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """An order keyed before keys were per user is found again by its placer's retry; one
    written around the API (no audit event says who placed it) blocks nobody's key."""
    from graphdb.migrations.m0015_order_keys import backfill

    placed = await _keyed_order(client, "legacy-1")
    first = ok(await mutate(client, "placeOrder", placed, "order { id }"))
    orphan = ok(
        await mutate(client, "placeOrder", {**placed, "idempotencyKey": "legacy-2"}, "order { id }")
    )
    # as the order nodes were before migration 15: the key unscoped; the second without its event
    await graph.write("MATCH (o:Order) REMOVE o.idempotencyScope")
    await graph.write(
        "MATCH (e:AuditEvent {action: 'placeOrder'}), (o:Order {id: e.entityId}) "
        "WHERE o.idempotencyKey = 'legacy-2' DETACH DELETE e"
    )
    await backfill(graph, batch=1)
    rows = await graph.read(
        "MATCH (o:Order) RETURN o.idempotencyKey AS key, o.idempotencyScope STARTS WITH ':' AS "
        "unowned ORDER BY key"
    )
    assert rows == [{"key": "legacy-1", "unowned": False}, {"key": "legacy-2", "unowned": True}]
    async with unchanged(graph):
        retried = ok(await mutate(client, "placeOrder", placed, "replayed order { id }"))
    assert retried["replayed"] is True and retried["order"] == first["order"]
    reused = ok(
        await mutate(
            client, "placeOrder", {**placed, "idempotencyKey": "legacy-2"}, "replayed order { id }"
        )
    )
    assert reused["replayed"] is False and reused["order"]["id"] != orphan["order"]["id"]


async def test_ten_concurrent_replays_place_exactly_one_order(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    data = await _keyed_order(client, "double-click", price="19.99")
    payloads = await asyncio.gather(
        *(mutate(client, "placeOrder", data, "replayed order { id }") for _ in range(10))
    )
    assert all(p["errors"] == [] for p in payloads)
    assert len({p["order"]["id"] for p in payloads}) == 1
    assert sum(1 for p in payloads if not p["replayed"]) == 1
    rows = await graph.read(
        "MATCH (c:Customer {id: $id}) RETURN c.orderCount AS n, c.totalSpent AS spent, "
        "COUNT { (c)-[:PLACED]->() } AS placed, COUNT { (:Order) } AS orders",
        {"id": raw(data["customerId"])},
    )
    assert rows[0] == {"n": 1, "spent": 199900, "placed": 1, "orders": 1}


async def test_concurrent_orders_of_one_customer_are_all_counted(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer_id = await new_customer(client)
    product_id = await new_product(client, price="1.00")
    await asyncio.gather(
        *(
            mutate(
                client,
                "placeOrder",
                {"customerId": customer_id, "lines": [{"productId": product_id, "quantity": i}]},
            )
            for i in range(1, 11)
        )
    )
    rows = await graph.read(
        "MATCH (c:Customer {id: $id}) RETURN c.orderCount AS n, c.totalSpent AS spent",
        {"id": raw(customer_id)},
    )
    assert rows[0] == {"n": 10, "spent": 550000}
