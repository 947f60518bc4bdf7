"""createProduct, updateProduct, upsertProduct, deleteProduct."""

from __future__ import annotations

import httpx

from graphdb.driver import Graph
from tests._factories import new_customer, new_product
from tests._gql import MALFORMED_ID, codes, error_fields, missing_id, mutate, ok
from tests._graph_counts import unchanged

PRODUCT = "product { id sku name category description price currency active version }"


async def test_new_product_is_active_with_an_upper_case_sku(client: httpx.AsyncClient) -> None:
    payload = ok(
        await mutate(
            client,
            "createProduct",
            {"sku": "ab-100", "name": "Anchor bolt", "price": "0.0125", "currency": "eur"},
            PRODUCT,
        )
    )
    product = payload["product"]
    assert product["sku"] == "AB-100"
    assert product["price"] == "0.0125"
    assert product["currency"] == "EUR"
    assert product["active"] is True


async def test_second_product_with_the_same_sku_is_rejected(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await new_product(client, "AB-1")
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createProduct",
            {"sku": "ab-1", "name": "Copy", "price": "1", "currency": "EUR"},
        )
    assert codes(payload) == ["DUPLICATE"]
    assert error_fields(payload) == [["input", "sku"]]


async def test_invalid_product_fields_are_all_reported(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createProduct",
            {"sku": "has space", "name": "X", "price": "-1", "currency": "EURO"},
        )
        precise = await mutate(
            client,
            "createProduct",
            {"sku": "P", "name": "X", "price": "1.00001", "currency": "EUR"},
        )
    assert sorted(codes(payload)) == ["INVALID_CURRENCY", "INVALID_SKU", "NEGATIVE_AMOUNT"]
    assert codes(precise) == ["INVALID_MONEY"]


async def test_product_can_be_repriced_and_deactivated(client: httpx.AsyncClient) -> None:
    product_id = await new_product(client)
    payload = ok(
        await mutate(
            client,
            "updateProduct",
            {"id": product_id, "expectedVersion": 1, "price": "12.50", "active": False},
            PRODUCT,
        )
    )
    assert payload["product"]["price"] == "12.50"
    assert payload["product"]["active"] is False
    assert payload["product"]["version"] == 2


async def test_product_update_refusals(client: httpx.AsyncClient, graph: Graph) -> None:
    product_id = await new_product(client, "A")
    await new_product(client, "B")
    async with unchanged(graph):
        taken = await mutate(client, "updateProduct", {"id": product_id, "sku": "b"})
        stale = await mutate(client, "updateProduct", {"id": product_id, "expectedVersion": 2})
        emptied = await mutate(client, "updateProduct", {"id": product_id, "price": None})
        missing = await mutate(client, "updateProduct", {"id": missing_id("Product")})
        wrong = await mutate(client, "updateProduct", {"id": missing_id("Order")})
        malformed = await mutate(client, "updateProduct", {"id": MALFORMED_ID})
    assert codes(taken) == ["DUPLICATE"]
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(emptied) == ["REQUIRED"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(malformed) == ["INVALID_ID"]


async def test_upsert_product_creates_then_updates_by_sku(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    data = {"sku": "up-1", "name": "First", "price": "5", "currency": "EUR"}
    first = ok(await mutate(client, "upsertProduct", data, f"created {PRODUCT}"))
    second = ok(
        await mutate(
            client,
            "upsertProduct",
            {**data, "sku": "UP-1", "name": "Second", "category": "Tools"},
            f"created {PRODUCT}",
        )
    )
    assert first["created"] is True
    assert second["created"] is False
    assert second["product"]["id"] == first["product"]["id"]
    assert second["product"]["name"] == "Second"
    assert second["product"]["version"] == 2
    async with unchanged(graph):
        stale = await mutate(client, "upsertProduct", {**data, "expectedVersion": 1})
        invalid = await mutate(client, "upsertProduct", {**data, "currency": "XX"})
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(invalid) == ["INVALID_CURRENCY"]


async def test_product_that_was_ordered_cannot_be_deleted(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    product_id = await new_product(client)
    customer_id = await new_customer(client)
    ok(
        await mutate(
            client,
            "placeOrder",
            {"customerId": customer_id, "lines": [{"productId": product_id, "quantity": 1}]},
        )
    )
    async with unchanged(graph):
        payload = await mutate(client, "deleteProduct", {"id": product_id}, "deletedId")
        stale = await mutate(client, "deleteProduct", {"id": product_id, "expectedVersion": 4})
        missing = await mutate(client, "deleteProduct", {"id": missing_id("Product")})
        wrong = await mutate(client, "deleteProduct", {"id": customer_id})
        malformed = await mutate(client, "deleteProduct", {"id": MALFORMED_ID})
    assert codes(payload) == ["PRODUCT_WAS_ORDERED"]
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(malformed) == ["INVALID_ID"]


async def test_product_never_ordered_is_deleted(client: httpx.AsyncClient) -> None:
    product_id = await new_product(client)
    payload = ok(await mutate(client, "deleteProduct", {"id": product_id}, "deletedId"))
    assert payload["deletedId"] == product_id
